// Physical memory protection against the privileged specification: the CSRs (pmpcfg0/2 on
// RV64, odd numbers illegal, reserved and W-without-R bits not kept, 54-bit pmpaddr,
// entries past 16 hard-wired to zero, locking of an entry and of a locked TOR's bottom);
// the granularity rules rv64mi-p-pmpaddr checks (pmpaddr[G-1] reads as zero while OFF or
// TOR and keeps its value; NA4 is not selectable with G ≥ 1); OFF, TOR, NA4 and NAPOT
// matching with the lowest-numbered entry deciding and having to cover every byte; M-mode
// bound only by locked entries (and MPRV checking as MPP); page-table reads and A/D writes
// checked as S-mode accesses; changes reaching pages the run loop had cached; and the
// permissive, strict and off policies.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct PMPTests {
    static let macros = """
            .macro ENTER_S target
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, \\target
                csrw mepc, t0
                mret
            .endm

        """

    static func run(_ body: String, configure: (inout MachineConfiguration) -> Void = { _ in },
                    setup: (Machine, ELFImage) -> Void = { _, _ in }) throws -> ProgramRun {
        try Privileged.run(macros + body, configure: configure, setup: setup)
    }

    @Test func registers() throws {
        let run = try Self.run("""
                csrr a0, pmpcfg0
                OUT a0
                li t0, 0x1d120b63         # reserved bits 6:5, W without R (entry 2)
                csrw pmpcfg0, t0
                csrr a0, pmpcfg0
                OUT a0
                li t0, 7
                csrw pmpcfg2, t0          # entries 8-15
                csrr a0, pmpcfg2
                OUT a0
                li t0, 0xff
                csrw 0x3a4, t0            # pmpcfg4: entries 16-23 do not exist
                csrr a0, 0x3a4
                OUT a0
                li t0, -1
                csrw pmpaddr0, t0
                csrr a0, pmpaddr0
                OUT a0                    # bits 53:0 (G = 0: the granularity test passes trivially)
                csrw 0x3c0, t0            # pmpaddr16
                csrr a0, 0x3c0
                OUT a0
            odd1:
                csrr a0, 0x3a1            # pmpcfg1 is RV32's
            odd3:
                csrw 0x3a3, t0
                csrw pmpcfg0, zero
                li t0, 0x100
                csrw pmpaddr4, t0
                li t0, 0x1234
                csrw pmpaddr5, t0
                li t0, 0x88 << 40         # entry 5: locked TOR [0x400, 0x48d0), no permissions
                csrs pmpcfg0, t0
                li t0, 0x999
                csrw pmpaddr5, t0         # ignored: locked
                li t0, 0x777
                csrw pmpaddr4, t0         # ignored: the bottom of a locked TOR
                csrw pmpcfg0, zero        # entry 5 keeps its byte
                csrr a0, pmpcfg0
                OUT a0
                csrr a0, pmpaddr5
                OUT a0
                csrr a0, pmpaddr4
                OUT a0
                li t0, 0x555
                csrw pmpaddr3, t0
                csrr a0, pmpaddr3
                OUT a0
            """)
        run.expectResults([
            ("pmpcfg0 at reset", 0), ("reserved bits and W without R dropped", 0x1d10_0b03), ("pmpcfg2", 7),
            ("pmpcfg4", 0), ("pmpaddr0: 54 bits", 0x3F_FFFF_FFFF_FFFF), ("pmpaddr16", 0),
            ("locked entry kept", 0x88 << 40), ("locked pmpaddr5", 0x1234), ("pmpaddr4 under a locked TOR", 0x100),
            ("pmpaddr3 writable", 0x555),
        ])
        run.expectIllegalInstructions(at: ["odd1", "odd3"])
    }

    /// What rv64mi-p-pmpaddr checks, with a 4 KiB granularity (G = 10).
    @Test func granularityBits() throws {
        let run = try Self.run("""
                csrw pmpcfg0, zero
                li t0, -1
                csrw pmpaddr0, t0
                csrr t0, pmpaddr0
                OUT t0                    # OFF: bits G-1:0 read as zero
                neg t1, t0
                and a7, t0, t1
                OUT a7                    # 2^G
                srli a7, a7, 1            # the G-1 bit
                li t2, 0x18
                csrs pmpcfg0, t2          # NAPOT
                csrr a0, pmpaddr0
                OUT a0                    # NAPOT: bits G-2:0 read as ones
                csrc pmpaddr0, a7
                csrr a0, pmpaddr0
                and a0, a0, a7
                OUT a0
                csrs pmpaddr0, a7
                csrr a0, pmpaddr0
                and a0, a0, a7
                OUT a0
                csrc pmpcfg0, t2          # OFF: reads as zero ...
                csrr a0, pmpaddr0
                and a0, a0, a7
                OUT a0
                csrs pmpcfg0, t2          # ... but keeps its value
                csrr a0, pmpaddr0
                and a0, a0, a7
                OUT a0
                csrc pmpaddr0, a7         # written while it reads as zero
                csrc pmpcfg0, t2
                csrs pmpaddr0, a7
                csrs pmpcfg0, t2
                csrr a0, pmpaddr0
                and a0, a0, a7
                OUT a0
                csrc pmpcfg0, t2
                csrc pmpaddr0, zero       # no write at all
                csrs pmpaddr0, zero
                csrs pmpcfg0, t2
                csrr a0, pmpaddr0
                and a0, a0, a7
                OUT a0
                csrc pmpcfg0, t2
                not t0, a7
                csrs pmpaddr0, t0         # read-modify-write writes the zero it read
                csrs pmpcfg0, t2
                csrr a0, pmpaddr0
                and a0, a0, a7
                OUT a0
                li t0, 0x10               # NA4 is not selectable with G >= 1: NAPOT instead
                csrw pmpcfg0, t0
                csrr a0, pmpcfg0
                OUT a0
            """, configure: { $0.pmpGranularity = 4096 })
        run.expectResults([
            ("OFF read", 0x3F_FFFF_FFFF_FC00), ("2^G", 0x400), ("NAPOT read", 0x3F_FFFF_FFFF_FFFF),
            ("cleared", 0), ("set", 0x200), ("reads 0 while OFF", 0), ("kept", 0x200), ("written while OFF", 0x200),
            ("x0 writes nothing", 0x200), ("read-modify-write clears it", 0), ("NA4 becomes NAPOT", 0x18),
        ])
    }

    /// Each mode's matching, priority, partial matches, and M-mode under locks and MPRV.
    @Test func accessChecks() throws {
        let run = try Self.run("""
                li t0, 0x80200000 >> 2
                csrw pmpaddr0, t0         # 0: TOR [0, 0x8020_0000) RWX, this program and the devices
                li t0, (0x80400000 >> 2) | 0x1ff
                csrw pmpaddr1, t0         # 1: NAPOT 4 KiB at 0x8040_0000, R
                li t0, 0x80401000 >> 2
                csrw pmpaddr2, t0         # 2: NA4 at 0x8040_1000, RW
                li t0, 0x80403000 >> 2
                csrw pmpaddr3, t0         # 3: OFF, the bottom of 4
                li t0, 0x80405000 >> 2
                csrw pmpaddr4, t0         # 4: TOR [0x8040_3000, 0x8040_5000), RW
                li t0, (0x80402000 >> 2) | 0x1ff
                csrw pmpaddr5, t0         # 5: NAPOT 4 KiB at 0x8040_2000, X
                li t0, (0x80400000 >> 2) | 0x3ff
                csrw pmpaddr6, t0         # 6: NAPOT 8 KiB at 0x8040_0000, RWX, below 1 and 2
                li t0, 0x001f1c0b0013190f
                csrw pmpcfg0, t0
                ENTER_S s1
            s1:
                li s1, 0x80400000
                ld a0, 0(s1)
                OUT a0
            store_readonly:
                sd a0, 0(s1)
                li s1, 0x80401000
                lw a0, 0(s1)
                OUT a0
                sw a0, 0(s1)
            load_partial:
                ld a0, 0(s1)              # entry 2 matches half of it: fails, though 6 covers all
                lw a0, 4(s1)
                OUT a0
                li s1, 0x80402000
            load_execute_only:
                ld a0, 0(s1)
                jalr s1                   # the `ret` there runs
                li a0, 1
                OUT a0
                li s1, 0x80403000
                ld a0, 0(s1)
                OUT a0
                li t1, 0x80404ff8
                sd a0, 0(t1)              # the TOR range's last doubleword
                li s1, 0x80405000
            load_past_tor:
                ld a0, 0(s1)
                li s1, 0x80406000
            load_unmatched:
                ld a0, 0(s1)
                RESUME_AT m1
            fetch_unmatched:
                jalr s1
            m1:
                li s1, 0x80400000
                sd zero, 8(s1)            # M ignores entries that are not locked
                li t0, 0x80 << 8
                csrs pmpcfg0, t0          # lock entry 1 (R)
                ld a0, 0(s1)
                OUT a0
            m_store_locked:
                sd zero, 16(s1)
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, (1 << 17) | (1 << 11)
                csrs mstatus, t0          # MPRV with MPP = S: data accesses checked as S
                li s1, 0x80406000
            mprv_load:
                ld a0, 0(s1)
                li t0, 1 << 17
                csrc mstatus, t0
            """, setup: { machine, _ in
                _ = machine.memory.writeInteger(0xA0, at: 0x8040_0000, size: 8)
                _ = machine.memory.writeInteger(0xB2_0000_00B1, at: 0x8040_1000, size: 8)
                _ = machine.memory.writeInteger(0x0000_8067, at: 0x8040_2000, size: 4)   // ret
                _ = machine.memory.writeInteger(0xC0, at: 0x8040_3000, size: 8)
            })
        run.expectResults([("R page", 0xA0), ("NA4 word", 0xB1), ("the next word through entry 6", 0xB2),
                           ("executed the X page", 1), ("TOR", 0xC0), ("M reads the locked R page", 0xA0)])
        #expect(run.machine.memory.readInteger(at: 0x8040_0000, size: 8) == 0xA0, "no S store to the R page")
        #expect(run.machine.memory.readInteger(at: 0x8040_4FF8, size: 8) == 0xC0)
        let expected: [(cause: UInt64, label: String, tval: UInt64, mpp: UInt64)] = [
            (7, "store_readonly", 0x8040_0000, 1), (5, "load_partial", 0x8040_1000, 1),
            (5, "load_execute_only", 0x8040_2000, 1), (5, "load_past_tor", 0x8040_5000, 1),
            (5, "load_unmatched", 0x8040_6000, 1), (1, "", 0x8040_6000, 1),
            (7, "m_store_locked", 0x8040_0010, 3), (5, "mprv_load", 0x8040_6000, 3),
        ]
        let traps = run.traps
        #expect(traps.count == expected.count, "\(traps)")
        for (trap, want) in zip(traps, expected) {
            let epc = want.label.isEmpty ? 0x8040_6000 : run.address(want.label)
            #expect(trap.cause == want.cause && trap.epc == epc && trap.tval == want.tval && (trap.status >> 11) & 3 == want.mpp,
                    "\(want.label): \(trap)")
        }
    }

    /// A change of an entry reaches a page the run loop had cached for stores, and code
    /// already fetched.
    @Test func changesReachCachedPages() throws {
        let run = try Self.run("""
                li t0, 0x80200000 >> 2
                csrw pmpaddr0, t0
                li t0, (0x80400000 >> 2) | 0x1ff
                csrw pmpaddr1, t0
                li t0, 0x1b0f             # 0: TOR RWX; 1: NAPOT RW
                csrw pmpcfg0, t0
                ENTER_S s1
            s1:
                li s1, 0x80400000
                li t2, 3
            1:  sd t2, 0(s1)
                ld a0, 0(s1)
                addi t2, t2, -1
                bnez t2, 1b
                OUT a0
                RESUME_AT m1
                ecall
            m1:
                li t0, 2 << 8
                csrc pmpcfg0, t0          # entry 1 becomes read-only
                ENTER_S s2
            s2:
                ld a0, 0(s1)
                OUT a0
            store_after_change:
                sd zero, 0(s1)
                RESUME_AT m2
                ecall
            m2:
                li t0, 4
                csrc pmpcfg0, t0          # no X for S in entry 0
                RESUME_AT m3
                ENTER_S s3
            s3:
                nop
            m3:
            """)
        run.expectResults([("stores through the fast path", 1), ("still readable", 1)])
        let traps = run.traps
        #expect(traps.map(\.cause) == [9, 7, 9, 1], "\(traps)")
        if traps.count == 4 {
            #expect(traps[1].epc == run.address("store_after_change"))
            #expect(traps[3].epc == run.address("s3"))
        }
        #expect(run.machine.memory.readInteger(at: 0x8040_0000, size: 8) == 1)
    }

    /// Page-table reads need R and A/D updates need W, as S-mode accesses.
    @Test func pageTableAccessesAreSupervisorAccesses() throws {
        let root: UInt64 = 0x8080_0000
        let run = try Self.run("""
                li t0, -1
                csrw pmpaddr1, t0         # 1: everything, RWX
                li t0, (0x80800000 >> 2) | 0x1ff
                csrw pmpaddr0, t0         # 0: the root table's page, R
                li t0, 0x1f19
                csrw pmpcfg0, t0
                li t0, \(Sv39.satp(root: root))
                csrw satp, t0
                sfence.vma
                RESUME_AT m1
                ENTER_S s1
            s1:
                li a0, 1                  # the walk may read the leaf, not set its A bit
                OUT a0
            m1:
                li t0, 2
                csrs pmpcfg0, t0          # the table's page becomes writable
                RESUME_AT m2
                ENTER_S s2
            s2:
                li a0, 2
                OUT a0
                ecall
            m2:
                li t0, 3
                csrc pmpcfg0, t0          # not even readable
                sfence.vma
                RESUME_AT m3
                ENTER_S s3
            s3:
                li a0, 3
                OUT a0
            m3:
                csrw satp, zero
            """, setup: { machine, _ in
                // RAM mapped at itself by one 1 GiB leaf without A and D, as QEMU-era kernels build them.
                Sv39.set(machine, table: root, index: 2, Sv39.pte(0x8000_0000, Sv39.v | Sv39.r | Sv39.w | Sv39.x))
            })
        run.expectResults([("ran once the table was writable", 2)])
        let traps = run.traps
        #expect(traps.map(\.cause) == [1, 9, 1], "\(traps)")
        if traps.count == 3 {
            #expect(traps[0].epc == run.address("s1") && traps[2].epc == run.address("s3"))
        }
        let leaf = run.machine.memory.readInteger(at: root + 16, size: 8) ?? 0
        #expect(leaf & (Sv39.a | Sv39.d) == Sv39.a | Sv39.d, "A and D set once PMP allowed the write")
    }

    @Test func policies() throws {
        let body = """
                RESUME_AT m1
                ENTER_S s1
            s1:
                li a0, 5
                OUT a0
            m1:
                li t0, -1
                csrw pmpaddr0, t0
                li t0, 0x1f               # NAPOT over everything, RWX
                csrw pmpcfg0, t0
                csrr a0, pmpcfg0
                OUT a0
                RESUME_AT m2
                ENTER_S s2
            s2:
                li a0, 6
                OUT a0
                ecall
            m2:
            """
        // Permissive (the default): S runs with every entry OFF.
        let permissive = try Self.run(body)
        permissive.expectResults([("S without entries", 5), ("pmpcfg0", 0x1f), ("S with an entry", 6)])
        // Strict: S cannot even fetch until an entry lets it.
        let strict = try Self.run(body, configure: { $0.pmpPolicy = .strict })
        strict.expectResults([("pmpcfg0", 0x1f), ("S with an entry", 6)])
        #expect(strict.traps.first.map { $0.cause == 1 && $0.epc == strict.address("s1") } == true, "\(strict.traps)")
        // Off: no entries; the CSRs read as zero and S runs.
        let off = try Self.run(body, configure: { $0.pmpPolicy = .off })
        off.expectResults([("S without entries", 5), ("pmpcfg0 reads zero", 0), ("S", 6)])
    }
}
