// The per-hart cache of recent code pages (RecentCodePages.swift) and the srli+slli fused
// pair (Fusion.swift): a jump back to a remembered page must still see a remapped page
// after sfence.vma, and a block the pool moved to another page; a fused pair must run
// its halves apart at a batch's end, and its result must equal the two instructions'.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct RecentCodePagesTests {
    /// Virtual page 14 of 0x4000_0000 holds `li a0, 1; ret` (frame A), then is remapped to
    /// frame B (`li a0, 2; ret`): the call after sfence.vma must run B's code, although the
    /// hart fetched from both the caller's page and page 14 just before.
    @Test func remappedCodePageAfterSfence() throws {
        let frameA: UInt64 = 0x8090_E000, frameB: UInt64 = 0x8090_F000
        let leaf = VirtualMemoryTests.level0 + 14 * 8
        let pteB = Sv39.pte(frameB, Sv39.v | Sv39.r | Sv39.x | Sv39.a)
        let run = try VirtualMemoryTests.run("""
                PAGING_ON
                ENTER 1, s1
            s1:
                li s1, 0x4000E000
                jalr ra, 0(s1)
                OUT a0
                jalr ra, 0(s1)            # a second call: the page is remembered now
                OUT a0
                li t1, \(leaf)
                li t2, \(pteB)
                sd t2, 0(t1)
                sfence.vma
                jalr ra, 0(s1)
                OUT a0
                LEAVE_S
            """, setup: { machine, image in
                VirtualMemoryTests.setUpTables(machine, image)
                Sv39.set(machine, table: VirtualMemoryTests.level0, index: 14, Sv39.pte(frameA, Sv39.v | Sv39.r | Sv39.x | Sv39.a))
                // li a0, n; ret
                _ = machine.memory.writeInteger(0x0010_0513, at: frameA, size: 4)
                _ = machine.memory.writeInteger(0x0000_8067, at: frameA + 4, size: 4)
                _ = machine.memory.writeInteger(0x0020_0513, at: frameB, size: 4)
                _ = machine.memory.writeInteger(0x0000_8067, at: frameB + 4, size: 4)
            })
        run.expectResults([("frame A", 1), ("frame A again", 1), ("frame B after sfence.vma", 2)])
    }

    /// Three code pages and a pool of two decoded blocks: every call moves a block to
    /// another page, so a remembered page's block serves a different page by the time the
    /// hart comes back; it must fetch its page again, not run the other page's code.
    @Test func blockMovedToAnotherPage() throws {
        let run = try Privileged.run("""
                li s1, 0
                li s2, 20
            1:  call f1
                add s1, s1, a0
                call f2
                add s1, s1, a0
                addi s2, s2, -1
                bnez s2, 1b
                OUT s1
                j 9f
                .p2align 12
            f1: li a0, 3
                ret
                .p2align 12
            f2: li a0, 100
                ret
            9:
            """, configure: { $0.decodedBlockLimit = 2 })
        run.expectResults([("20 × (3 + 100)", 2060)])
        #expect(run.machine.memory.decodedBlockEvictions > 20)
    }

    /// `srli t1, t0, 43; slli t0, t0, 21; or t0, t0, t1` (a rotate left by 21) in a loop:
    /// the pair is fused, and batches of every size from 1 — ending between the halves —
    /// leave the same registers as single steps.
    @Test func shiftPairFusedAndSplitAtBatchEnd() throws {
        let program = """
                li t0, 0x0123456789ABCDEF
                li t2, 40
            1:  srli t1, t0, 43
                slli t0, t0, 21
                or t0, t0, t1
                addi t2, t2, -1
                bnez t2, 1b
                OUT t0
            """
        var expected: UInt64 = 0x0123_4567_89AB_CDEF
        for _ in 0..<40 { expected = expected << 21 | expected >> 43 }
        let run = try Privileged.run(program)
        run.expectResults([("rotated 40 times", expected)])

        // Single steps against batches of 2...7: the same state after every batch. (The
        // result's store goes to the code's page at the end, so the fused record is looked
        // for while the loop runs.)
        func fused(_ memory: PhysicalMemory) -> Bool {
            (0..<memory.pageCount).contains { page in
                guard let block = memory.decodedPages[page] else { return false }
                return (0..<PhysicalMemory.slotsPerPage).contains { block[$0].operation == .srliSlli }
            }
        }
        var sawFused = false
        let image = try ELFImage(bytes: try BareMetal.build(BareMetal.prologue + program + BareMetal.epilogue))
        for size in 2...7 {
            var configuration = MachineConfiguration()
            configuration.ramSize = 16 << 20
            let stepped = try Machine(configuration: configuration), batched = try Machine(configuration: configuration)
            try stepped.load(image)
            try batched.load(image)
            let one = stepped.harts[0], many = batched.harts[0]
            for _ in 0..<60 {
                let count = many.runBatch(limit: size)
                sawFused = sawFused || fused(batched.memory)
                for _ in 0..<count { _ = one.runBatch(limit: 1) }
                #expect(one.pc == many.pc && one.instret == many.instret, "batch size \(size)")
                #expect((0..<32).map { one.register($0) } == (0..<32).map { many.register($0) }, "batch size \(size)")
            }
        }
        #expect(sawFused, "the srli+slli pair was not fused")
    }
}
