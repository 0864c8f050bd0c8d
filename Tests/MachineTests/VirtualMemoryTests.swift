// Sv39 virtual memory, checked against the privileged specification: page tables written
// by the host before the run, paging turned on from M for S- and U-mode code; 4 KiB
// pages, 2 MiB and 1 GiB superpages and misaligned superpages; instruction, load and store
// page faults (12, 13, 15) with the virtual address in mtval/stval; the R/W/X/U checks,
// SUM and MXR; A = 0 and D = 0 faults under Svade (SvaduTests has the walker setting them); PTEs and
// tables outside RAM (access faults); non-canonical addresses; sfence.vma by address,
// by ASID and for everything; and the TLB's hit, miss, walk and flush counters.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct VirtualMemoryTests {
    static let root: UInt64 = 0x8080_0000, level1: UInt64 = 0x8080_1000, level0: UInt64 = 0x8080_2000
    /// Physical page behind virtual 0x4000_0000 + i * 0x1000 (for i in 0...11).
    static func dataPage(_ index: UInt64) -> UInt64 { 0x8090_0000 + index * 0x1000 }
    static let satp = Sv39.satp(root: root)
    static let jalrZeroRA: UInt64 = 0x0000_8067   // ret

    /// The page tables every test here uses (see the layout in the comments), and the data
    /// each page holds: 0x1000 + i at the start of page i, 0xC0C0 at the start of page 12.
    static func setUpTables(_ machine: Machine, _ image: ELFImage) {
        let (v, r, w, x, u, a, d) = (Sv39.v, Sv39.r, Sv39.w, Sv39.x, Sv39.u, Sv39.a, Sv39.d)
        // Level 2: 1 GiB each.
        Sv39.set(machine, table: root, index: 0, Sv39.pte(0, v | r | w | a | d))                  // devices, identity
        Sv39.set(machine, table: root, index: 1, Sv39.table(level1))                            // 0x4000_0000
        Sv39.set(machine, table: root, index: 2, Sv39.pte(0x8000_0000, Sv39.rwxad))              // RAM, identity
        Sv39.set(machine, table: root, index: 3, Sv39.pte(0x8000_0000, v | r | w | a | d))      // 0xC000_0000 alias
        Sv39.set(machine, table: root, index: 4, Sv39.pte(0x8020_0000, v | r | w | a | d))      // misaligned gigapage
        Sv39.set(machine, table: root, index: 5, Sv39.table(0x2_0000_0000))                     // table outside RAM
        // Level 1: 2 MiB each, from 0x4000_0000.
        Sv39.set(machine, table: level1, index: 0, Sv39.table(level0))
        Sv39.set(machine, table: level1, index: 1, Sv39.pte(0x80A0_0000, v | r | w | a | d))    // 0x4020_0000
        Sv39.set(machine, table: level1, index: 2, Sv39.pte(0x80A0_1000, v | r | w | a | d))    // misaligned
        // Level 0: 4 KiB pages from 0x4000_0000.
        let userCode = image.symbol(named: "user_code")?.value ?? 0
        let leaves: [(UInt64, UInt64, UInt64)] = [
            (0, dataPage(0), v | r | w | a | d),        // read-write
            (1, dataPage(1), v | r | a),                // read-only
            (2, dataPage(2), v | x | a),                // execute-only
            (3, dataPage(3), v | r | w | x | u | a | d),// user
            (4, dataPage(4), v | r | w | d),            // A = 0
            (5, dataPage(5), v | r | w | a),            // D = 0
            (7, 0x1_0000_0000, v | r | w | a | d),      // outside RAM
            (8, userCode, v | r | x | u | a),           // user code
            (9, dataPage(9), v | w | a | d),            // W without R: reserved
            (10, dataPage(10), v),                      // a pointer where a leaf must be
            (11, dataPage(11), v | r | w | a | d),      // changed by the sfence.vma test
            (13, dataPage(13), v | r | w | a | d | 1 << 54),  // a reserved bit (63:54) set
        ]
        for (index, physical, flags) in leaves { Sv39.set(machine, table: level0, index: index, Sv39.pte(physical, flags)) }
        for index: UInt64 in 0...11 { _ = machine.memory.writeInteger(0x1000 + index, at: dataPage(index), size: 8) }
        _ = machine.memory.writeInteger(0xC0C0, at: dataPage(12), size: 8)
        _ = machine.memory.writeInteger(jalrZeroRA, at: dataPage(2) + 8, size: 4)
        _ = machine.memory.writeInteger(jalrZeroRA, at: dataPage(3) + 8, size: 4)
        _ = machine.memory.writeInteger(0x2222, at: 0x80A0_0000 + 0x12340, size: 8)
    }

    /// Macros for the programs: paging on, entering S or U at a label or address.
    static let macros = """
            .macro PAGING_ON
                li t0, \(satp)
                csrw satp, t0
                sfence.vma
            .endm
            .macro ENTER mode, target
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, \\mode << 11
                csrs mstatus, t0
                la t0, \\target
                csrw mepc, t0
                mret
            .endm
            .macro LEAVE_S
                RESUME_AT 8f
                ecall
            8:  csrw satp, zero
            .endm

        """

    static func run(configure: (inout MachineConfiguration) -> Void = { _ in }, _ body: String, budget: UInt64 = 1_000_000,
                    setup: (Machine, ELFImage) -> Void = setUpTables) throws -> ProgramRun {
        try Privileged.run(macros + body + """

                j 9f
                .p2align 12
            user_code:
                ld a0, 0(s4)              # the user page
                sd a0, 16(s4)
            user_fault:
                ld a1, 0(s5)              # a supervisor page: page fault
            9:
            """, budget: budget, configure: configure, setup: setup)
    }

    @Test func pagesSuperpagesAndTranslationFaults() throws {
        let run = try Self.run("""
                PAGING_ON
                ENTER 1, s1
            s1:
                li s1, 0x40000000
                ld a0, 0(s1)
                OUT a0                    # 4 KiB page
                li t1, 0x5a
                sd t1, 8(s1)
                ld a0, 8(s1)
                OUT a0
                li t1, 0x40212340
                ld a0, 0(t1)
                OUT a0                    # 2 MiB superpage
                la t1, marker
                li t2, 0x40000000
                add t1, t1, t2
                ld a0, 0(t1)
                OUT a0                    # 1 GiB superpage at 0xC000_0000
                li t1, 0x40400000
            misaligned_2m:
                ld a0, 0(t1)
                li t1, 0x100000000
            misaligned_1g:
                ld a0, 0(t1)
                li t1, 0x40006000
            invalid_load:
                ld a0, 0(t1)
            invalid_store:
                sd a0, 0(t1)
                li t1, 0x4000a000
            pointer_at_level0:
                ld a0, 0(t1)
                li t1, 0x40009000
            write_only:
                ld a0, 0(t1)
                li t1, 0x140000000
            table_outside_ram:
                ld a0, 0(t1)
                li t1, 0x40007000
            leaf_outside_ram_load:
                ld a0, 0(t1)
            leaf_outside_ram_store:
                sd a0, 0(t1)
                li t1, 0x4000d000
            reserved_bit:
                ld a0, 0(t1)
                li t1, 0x4000000000       # bit 38 set, bits 63:39 clear
            noncanonical_load:
                ld a0, 0(t1)
                li t1, 0x8000000040000000
            noncanonical_store:
                sd a0, 0(t1)
                li t1, 0xffffffc080000000 # canonical (bits 63:38 all set), but unmapped: root[258]
            canonical_high:
                ld a0, 0(t1)
                RESUME_AT m1
                li t1, 0x40006000
            fetch_invalid:
                jalr t1
            m1:
                ENTER 1, s2
            s2:
                RESUME_AT m2
                li t1, 0x40000000
                jalr t1                   # readable, not executable
            m2:
                LEAVE_S
                j 1f
                .data
                .p2align 3
            marker:
                .quad 0xfeedf00d
                .text
            1:
            """)
        run.expectResults([("4 KiB page", 0x1000), ("store and load", 0x5a), ("2 MiB superpage", 0x2222),
                           ("1 GiB superpage", 0xfeed_f00d)])
        let labelled: [(UInt64, String)] = [
            (13, "misaligned_2m"), (13, "misaligned_1g"), (13, "invalid_load"), (15, "invalid_store"),
            (13, "pointer_at_level0"), (13, "write_only"), (5, "table_outside_ram"),
            (5, "leaf_outside_ram_load"), (7, "leaf_outside_ram_store"), (13, "reserved_bit"),
            (13, "noncanonical_load"), (15, "noncanonical_store"), (13, "canonical_high"),
        ]
        var expected = labelled.map { (cause: $0.0, epc: run.address($0.1), mpp: UInt64(1)) }
        expected += [(12, 0x4000_6000, 1), (12, 0x4000_0000, 1), (11, run.address("m2") + 8, 3)]
        let values: [UInt64] = [0x4040_0000, 0x1_0000_0000, 0x4000_6000, 0x4000_6000, 0x4000_a000, 0x4000_9000,
                                0x1_4000_0000, 0x4000_7000, 0x4000_7000, 0x4000_d000, 0x40_0000_0000, 0x8000_0000_4000_0000,
                                0xffff_ffc0_8000_0000, 0x4000_6000, 0x4000_0000, 0]
        let traps = run.traps
        #expect(traps.count == expected.count, "\(traps)")
        for (index, (trap, want)) in zip(traps, expected).enumerated() {
            #expect(trap.cause == want.cause && (trap.status >> 11) & 3 == want.mpp, "trap \(index): \(trap)")
            #expect(trap.tval == values[index], "trap \(index): mtval is the virtual address: \(trap)")
            if index != 15 { #expect(trap.epc == want.epc, "trap \(index): \(trap)") }
        }
        #expect(run.hart.satp == 0)
    }

    /// R, W, X and U against the access and the privilege; SUM and MXR; A = 0 and D = 0 (Svade).
    @Test func permissions() throws {
        let run = try Self.run(configure: { $0.accessDirtyUpdates = .pageFault }, """
                PAGING_ON
                ENTER 1, s1
            s1:
                li s1, 0x40001000
                ld a0, 0(s1)
                OUT a0                    # read-only page: loads work
            readonly_store:
                sd a0, 8(s1)
                li s1, 0x40002000
            execute_only_load:
                ld a0, 0(s1)
                li t0, 1 << 19
                csrs sstatus, t0          # MXR: execute-only pages become readable
                ld a0, 0(s1)
                OUT a0
                csrc sstatus, t0
                addi t1, s1, 8
                jalr t1                   # and executable (a `ret` there)
                li a0, 1
                OUT a0
                li s1, 0x40003000
            user_page_without_sum:
                ld a0, 0(s1)
                li t0, 1 << 18
                csrs sstatus, t0          # SUM: S may read and write U pages ...
                ld a0, 0(s1)
                OUT a0
                sd a0, 24(s1)
                li s1, 0x40004000
            accessed_clear_load:
                ld a0, 0(s1)
            accessed_clear_store:
                sd a0, 0(s1)
                li s1, 0x40005000
                ld a0, 0(s1)
                OUT a0                    # D = 0: loads work ...
            dirty_clear_store:
                sd a0, 0(s1)              # ... stores fault
                RESUME_AT m1
                li t1, 0x40003008
            user_page_fetch:
                jalr t1                   # ... but never execute from them
            m1:
                li s4, 0x40003000         # U-mode: its own page, then a supervisor page
                li s5, 0x40000000
                li s6, 0x40008000
                RESUME_AT m2
                li t0, 3 << 11
                csrc mstatus, t0
                csrw mepc, s6
                mret
            m2:
                OUT a0
                OUT a1
                RESUME_AT m3
                ENTER 0, s1               # U-mode may not execute a supervisor page
            m3:
                LEAVE_S
            """)
        run.expectResults([("read-only page", 0x1001), ("MXR", 0x1002), ("executed the execute-only page", 1),
                           ("SUM", 0x1003), ("D = 0 load", 0x1005), ("U load of its page", 0x1003),
                           ("a1 untouched by the faulting load", 0)])
        #expect(run.machine.memory.readInteger(at: Self.dataPage(3) + 24, size: 8) == 0x1003, "S store with SUM")
        #expect(run.machine.memory.readInteger(at: Self.dataPage(3) + 16, size: 8) == 0x1003, "U store to its page")
        #expect(run.machine.memory.readInteger(at: Self.dataPage(1) + 8, size: 8) == 0, "no store to the read-only page")
        let expected: [(UInt64, UInt64, UInt64, UInt64)] = [   // cause, epc, tval, MPP
            (15, run.address("readonly_store"), 0x4000_1008, 1),
            (13, run.address("execute_only_load"), 0x4000_2000, 1),
            (13, run.address("user_page_without_sum"), 0x4000_3000, 1),
            (13, run.address("accessed_clear_load"), 0x4000_4000, 1),
            (15, run.address("accessed_clear_store"), 0x4000_4000, 1),
            (15, run.address("dirty_clear_store"), 0x4000_5000, 1),
            (12, 0x4000_3008, 0x4000_3008, 1),
            (13, 0x4000_8008, 0x4000_0000, 0),
            (12, run.address("s1"), run.address("s1"), 0),
        ]
        let traps = run.traps
        #expect(traps.count == expected.count + 1, "\(traps)")
        for (index, (trap, want)) in zip(traps, expected).enumerated() {
            #expect(trap.cause == want.0 && trap.epc == want.1 && trap.tval == want.2 && (trap.status >> 11) & 3 == want.3,
                    "trap \(index): \(trap)")
        }
    }

    /// Page faults delegated to S: scause, sepc and stval (the virtual address).
    @Test func delegatedPageFaults() throws {
        let run = try Self.run("""
                la t0, s_handler
                csrw stvec, t0
                li t0, (1 << 12) | (1 << 13) | (1 << 15)
                csrw medeleg, t0
                PAGING_ON
                ENTER 1, s1
            s1:
                li t1, 0x40006010
            load_fault:
                ld a0, 0(t1)
            store_fault:
                sw a0, 4(t1)
                li t1, 0x40001000
            readonly_fault:
                amoadd.d a0, a0, (t1)     # an AMO is a store
                LEAVE_S
                csrw medeleg, zero
            """ + Privileged.supervisorHandler)
        run.expectResults([
            ("scause", 13), ("sepc", run.address("load_fault")), ("stval", 0x4000_6010), ("SPP", 0x100),
            ("scause", 15), ("sepc", run.address("store_fault")), ("stval", 0x4000_6014), ("SPP", 0x100),
            ("scause", 15), ("sepc", run.address("readonly_fault")), ("stval", 0x4000_1000), ("SPP", 0x100),
        ])
        #expect(run.traps.count == 1 && run.traps.first?.cause == 9, "only the final ecall reaches M: \(run.traps)")
    }

    /// A changed PTE is used only after an sfence.vma that covers it: by address (any
    /// ASID), by ASID (this one), or everything; a fence for another page or ASID is not enough.
    @Test func sfenceVMA() throws {
        let pteOld = Sv39.pte(Self.dataPage(11), Sv39.v | Sv39.r | Sv39.w | Sv39.a | Sv39.d)
        let pteNew = Sv39.pte(Self.dataPage(12), Sv39.v | Sv39.r | Sv39.w | Sv39.a | Sv39.d)
        let run = try Self.run("""
                PAGING_ON
                ENTER 1, s1
            s1:
                li s1, 0x4000b000
                li s2, \(Self.level0 + 11 * 8)
                li s3, \(pteNew)
                li s4, \(pteOld)
                ld a0, 0(s1)
                OUT a0
                sd s3, 0(s2)
                ld a0, 0(s1)
                OUT a0                    # still the old mapping
                sfence.vma s1, zero
                ld a0, 0(s1)
                OUT a0                    # the new one
                sd s4, 0(s2)
                li t1, 5
                sfence.vma zero, t1       # another ASID
                ld a0, 0(s1)
                OUT a0
                li t1, 0x40000000
                sfence.vma t1, zero       # another page
                ld a0, 0(s1)
                OUT a0
                li t2, 0
                sfence.vma zero, t2       # ASID 0, ours (rs2 = t2, not x0)
                ld a0, 0(s1)
                OUT a0
                sd s3, 0(s2)
                sfence.vma
                ld a0, 0(s1)
                OUT a0
                LEAVE_S
            """)
        run.expectResults([("first", 0x100b), ("stale until fenced", 0x100b), ("fenced by address", 0xc0c0),
                           ("fence of another ASID", 0xc0c0), ("fence of another page", 0xc0c0),
                           ("fenced by ASID", 0x100b), ("fenced all", 0xc0c0)])
        #expect(run.hart.tlbStatistics.flushes == 6, "one per sfence.vma: \(run.hart.tlbStatistics)")
    }

    /// Repeated loads from one page are served without another TLB miss or walk: a run with
    /// 100 more loads has the same hits, misses and walks (after the first, the run loop's
    /// fast TLB serves them, and those count in none).
    @Test func tlbCounters() throws {
        func statistics(loads: Int) throws -> TLBStatistics {
            let run = try Self.run("""
                    PAGING_ON
                    ENTER 1, s1
                s1:
                    li s1, 0x40000000
                    li t1, \(loads)
                1:  ld a0, 0(s1)
                    addi t1, t1, -1
                    bnez t1, 1b
                    OUT a0
                    LEAVE_S
                """)
            run.expectResults([("loaded", 0x1000)])
            return run.hart.tlbStatistics
        }
        let few = try statistics(loads: 10), many = try statistics(loads: 110)
        #expect(many.hits == few.hits, "\(few) vs \(many)")
        #expect(many.misses == few.misses && many.walks == few.walks, "\(few) vs \(many)")
        #expect(few.misses >= 3 && few.walks == few.misses, "code, results and data pages: \(few)")
        #expect(few.flushes == 1)
    }

    /// sfence.vma with an address inside a superpage drops the whole superpage's
    /// translation (the leaf PTE for that address), not only one 4 KiB piece of it; and a
    /// satp write with a new ASID does not use another ASID's translations.
    @Test func sfenceOfASuperpageAndASIDs() throws {
        let superpage = Sv39.pte(0x80A0_0000, Sv39.v | Sv39.r | Sv39.w | Sv39.a | Sv39.d)
        let moved = Sv39.pte(0x80C0_0000, Sv39.v | Sv39.r | Sv39.w | Sv39.a | Sv39.d)
        let pteNew = Sv39.pte(Self.dataPage(12), Sv39.v | Sv39.r | Sv39.w | Sv39.a | Sv39.d)
        let run = try Self.run("""
                PAGING_ON
                ENTER 1, s1
            s1:
                li s1, 0x40200000
                li s2, \(Self.level1 + 8)
                li s3, \(moved)
                ld a0, 0(s1)
                OUT a0
                li t1, 0x40225000         # a piece whose TLB slot nothing else here uses
                ld a0, 0(t1)
                OUT a0
                sd s3, 0(s2)              # move the superpage
                sfence.vma s1, zero       # fence its first address
                ld a0, 0(t1)
                OUT a0                    # the other piece moved too
                li s1, 0x4000b000
                li s2, \(Self.level0 + 11 * 8)
                li s3, \(pteNew)
                ld a0, 0(s1)
                OUT a0                    # cached for ASID 0
                sd s3, 0(s2)
                li t0, \(Sv39.satp(root: Self.root, asid: 1))
                csrw satp, t0             # ASID 1: no fence needed to see the new PTE
                ld a0, 0(s1)
                OUT a0
                LEAVE_S
            """, setup: { machine, image in
                Self.setUpTables(machine, image)
                _ = machine.memory.writeInteger(0xA1, at: 0x80A0_0000, size: 8)
                _ = machine.memory.writeInteger(0xA2, at: 0x80A2_5000, size: 8)
                _ = machine.memory.writeInteger(0xC2, at: 0x80C2_5000, size: 8)
                Sv39.set(machine, table: Self.level1, index: 1, superpage)
            })
        run.expectResults([("superpage", 0xa1), ("second piece", 0xa2), ("moved after sfence.vma", 0xc2),
                           ("ASID 0", 0x100b), ("ASID 1 walks again", 0xc0c0)])
    }
}
