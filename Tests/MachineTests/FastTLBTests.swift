// The run loop's fast TLB (FastTLB.swift) under Sv39: the corners its one compare folds
// in must still take the slow path — a store into a page that became decoded code, into a
// page with an LR reservation, across a page boundary into a read-only page, and into a
// page whose PTE became read-only (after sfence.vma). Each program first stores to the
// page so that the fast TLB holds a store entry for it.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct FastTLBTests {
    /// Whether some hart's fast TLB may have stored straight to the RAM page holding
    /// `physical` since the page last gained a flag (kept across the TLB flushes of a mode change).
    static func storesStraight(_ machine: Machine, to physical: UInt64) -> Bool {
        machine.memory.fastStorePages[Int((physical &- machine.memory.base) >> 12)] != 0
    }

    /// Code written with a store, run, then rewritten by the same store instruction: the
    /// page became decoded code after the first store filled a fast store entry, so the
    /// second store must still reach the slow path and drop the decoded instructions.
    @Test func storeIntoAPageThatBecameCode() throws {
        let run = try VirtualMemoryTests.run("""
                j 2f
                .p2align 12
            patch:
                .word 0x00000013          # nop, rewritten below
                .word 0x00008067          # ret
                .p2align 12
            2:
                PAGING_ON
                ENTER 1, s1
            s1:
                la s1, patch              # identity-mapped RAM (a gigapage)
                li s2, 0x00700513         # addi a0, zero, 7
                li s3, 0x00900513         # addi a0, zero, 9
                li s4, 2
            1:  sw s2, 0(s1)              # the first turn fills the fast TLB; the second
                fence.i                   # finds the page decoded
                jalr ra, 0(s1)
                OUT a0
                mv s2, s3
                addi s4, s4, -1
                bnez s4, 1b
                LEAVE_S
            """)
        run.expectResults([("first code", 7), ("rewritten code", 9)])
        #expect(!Self.storesStraight(run.machine, to: run.address("patch")), "a decoded page takes every store slowly")
    }

    /// An LR reservation flags its page: the store entry filled before it goes. The run
    /// ends on its budget in S-mode, so the hart's fast TLB is as the program left it.
    @Test func reservationDropsStoreEntries() throws {
        func run(reserving: Bool) throws -> ProgramRun {
            try VirtualMemoryTests.run("""
                    PAGING_ON
                    ENTER 1, s1
                s1:
                    li s1, 0x40000000
                    li t1, 5
                    sd t1, 8(s1)
                    sd t1, 16(s1)         # a second store, served by the fast TLB
                    \(reserving ? "lr.d t2, (s1)" : "ld t2, 0(s1)")
                    OUT t2
                7:  j 7b
                """, budget: 20_000)
        }
        func storeEntry(_ hart: Hart) -> Bool {
            let pageOffset = VirtualMemoryTests.dataPage(0) &- hart.memory.base
            return (0..<Hart.fastTLBSize).contains { index in
                hart.fastStoreTag[index] != .max && hart.fastStoreTag[index] << 12 &+ hart.fastDelta[index] == pageOffset
            }
        }
        let plain = try run(reserving: false), reserved = try run(reserving: true)
        #expect(plain.results == [0x1000] && reserved.results == [0x1000], "\(plain.results) \(reserved.results)")
        #expect(storeEntry(plain.machine.harts[0]), "stores fill the fast TLB")
        #expect(!storeEntry(reserved.machine.harts[0]), "LR drops the page's store entries")
        #expect(!Self.storesStraight(reserved.machine, to: VirtualMemoryTests.dataPage(0)))
    }

    /// A store that crosses from a writable page into a read-only one faults with nothing
    /// written, though the first page's store entry is in the fast TLB.
    @Test func storeAcrossAPageIntoAReadOnlyPage() throws {
        let run = try VirtualMemoryTests.run("""
                PAGING_ON
                ENTER 1, s1
            s1:
                li s1, 0x40000000
                li t1, -1
                sd t1, 0x7F0(s1)
                sd t1, 0x7F8(s1)          # the page's store entry is filled
                li s2, 0x40000FFC
            crossing_store:
                sd t1, 0(s2)              # bytes 0xFFC...0x1003: the last four are read-only (stval: the first of them)
                li s3, 0x40001000
                ld a0, 0(s3)
                OUT a0
                ld a0, 0(s2)              # a crossing load works
                OUT a0
                LEAVE_S
            """)
        run.expectResults([("read-only page untouched", 0x1001), ("crossing load", 0x0000_1001_0000_0000)])
        let traps = run.traps
        #expect(traps.count == 2, "\(traps)")
        if let first = traps.first {
            #expect(first.cause == 15 && first.epc == run.address("crossing_store") && first.tval == 0x4000_1000, "\(first)")
        }
        #expect(run.machine.memory.readInteger(at: VirtualMemoryTests.dataPage(0) + 0xFFC, size: 4) == 0, "no byte written")
    }

    /// A page whose PTE loses W: after sfence.vma its stores fault, though it had a store entry.
    @Test func storeAfterThePageBecameReadOnly() throws {
        let readOnly = Sv39.pte(VirtualMemoryTests.dataPage(11), Sv39.v | Sv39.r | Sv39.a | Sv39.d)
        let run = try VirtualMemoryTests.run("""
                PAGING_ON
                ENTER 1, s1
            s1:
                li s1, 0x4000B000
                li t1, 0x77
                sd t1, 8(s1)
                sd t1, 16(s1)             # served by the fast TLB
                li s2, \(VirtualMemoryTests.level0 + 11 * 8)
                li s3, \(readOnly)
                sd s3, 0(s2)              # the PTE: read-only now
                sfence.vma
            read_only_store:
                sd t1, 24(s1)
                ld a0, 16(s1)
                OUT a0
                LEAVE_S
            """)
        run.expectResults([("loaded", 0x77)])
        let traps = run.traps
        #expect(traps.count == 2, "\(traps)")
        if let first = traps.first {
            #expect(first.cause == 15 && first.epc == run.address("read_only_store") && first.tval == 0x4000_B018, "\(first)")
        }
        #expect(run.machine.memory.readInteger(at: VirtualMemoryTests.dataPage(11) + 24, size: 8) == 0, "no store after the PTE lost W")
    }
}
