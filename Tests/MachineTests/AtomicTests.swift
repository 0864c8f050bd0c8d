// The A extension executed on the machine: every AMO in its .W and .D forms (the old
// value returned, .W results sign-extended and only the addressed word written, rs2's
// upper bits ignored by .W, signed versus unsigned min/max, rd == rs2 and rd == x0),
// LR/SC success and failure (SC without LR, a second SC, SC to another address), and
// across two harts: a store by another hart breaks a reservation, and AMO increments
// from two harts are never lost. Misaligned atomics are in TrapTests.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct AtomicTests {
    static let macros = """
        # A word AMO on a word whose neighbour holds 0x5a5a5a5a: OUT the old value, then
        # the whole double word (new word, neighbour untouched).
        .macro AMOW op, init, operand
            la t0, amo_area
            li t1, 0x5a5a5a5a
            sw t1, 4(t0)
            li t1, \\init
            sw t1, 0(t0)
            li t2, \\operand
            \\op t3, t2, (t0)
            OUT t3
            ld t3, 0(t0)
            OUT t3
        .endm
        .macro AMOD op, init, operand
            la t0, amo_area
            li t1, \\init
            sd t1, 0(t0)
            li t2, \\operand
            \\op t3, t2, (t0)
            OUT t3
            ld t3, 0(t0)
            OUT t3
        .endm

        """

    @Test func wordAMOs() throws {
        let run = try BareMetal.run(Self.macros + """
                AMOW amoswap.w, 0x80000000, 0x12345678
                AMOW amoadd.w, 0x7fffffff, 1
                AMOW amoadd.w, 0xffffffff, 1
                AMOW amoxor.w, 0xff00ff00, 0x0ff00ff0
                AMOW amoand.w, 0xff00ff00, 0x0ff00ff0
                AMOW amoor.w, 0xff00ff00, 0x0ff00ff0
                AMOW amomin.w, 0x80000000, 1
                AMOW amominu.w, 0x80000000, 1
                AMOW amomax.w, 0x80000000, 1
                AMOW amomaxu.w, 0x80000000, 1
                AMOW amomin.w, 5, 0xffffffff
                AMOW amominu.w, 5, 0xffffffff
                AMOW amomax.w, 5, 0xffffffff
                AMOW amomaxu.w, 5, 0xffffffff
                AMOW amomax.w, 1, 0x7fffffff00000000
                AMOW amoswap.w.aqrl, 1, 0x7fffffff00000002
                AMOW amoadd.w.aq, 0x7ffffff0, 0x100000010

                .bss
                .p2align 3
            amo_area:
                .zero 16
            """)
        let high: UInt64 = 0x5A5A_5A5A_0000_0000
        run.expectResults([
            ("amoswap.w old (sign-extended)", 0xFFFF_FFFF_8000_0000), ("amoswap.w new", high | 0x1234_5678),
            ("amoadd.w old", 0x7FFF_FFFF), ("amoadd.w wraps in 32 bits", high | 0x8000_0000),
            ("amoadd.w old -1", .max), ("amoadd.w carries nothing into the next word", high),
            ("amoxor.w old", 0xFFFF_FFFF_FF00_FF00), ("amoxor.w new", high | 0xF0F0_F0F0),
            ("amoand.w old", 0xFFFF_FFFF_FF00_FF00), ("amoand.w new", high | 0x0F00_0F00),
            ("amoor.w old", 0xFFFF_FFFF_FF00_FF00), ("amoor.w new", high | 0xFFF0_FFF0),
            ("amomin.w old", 0xFFFF_FFFF_8000_0000), ("amomin.w keeps the negative", high | 0x8000_0000),
            ("amominu.w old", 0xFFFF_FFFF_8000_0000), ("amominu.w takes 1", high | 1),
            ("amomax.w old", 0xFFFF_FFFF_8000_0000), ("amomax.w takes 1", high | 1),
            ("amomaxu.w old", 0xFFFF_FFFF_8000_0000), ("amomaxu.w keeps 0x80000000", high | 0x8000_0000),
            ("amomin.w old 5", 5), ("amomin.w: 0xffffffff is -1", high | 0xFFFF_FFFF),
            ("amominu.w old 5", 5), ("amominu.w: 0xffffffff is large", high | 5),
            ("amomax.w old 5", 5), ("amomax.w keeps 5", high | 5),
            ("amomaxu.w old 5", 5), ("amomaxu.w takes 0xffffffff", high | 0xFFFF_FFFF),
            ("amomax.w old 1", 1), ("amomax.w ignores rs2's upper word", high | 1),
            ("amoswap.w.aqrl old", 1), ("amoswap.w stores rs2's low word", high | 2),
            ("amoadd.w.aq old", 0x7FFF_FFF0), ("amoadd.w adds rs2's low word", high | 0x8000_0000),
        ])
    }

    @Test func doubleWordAMOs() throws {
        let run = try BareMetal.run(Self.macros + """
                AMOD amoswap.d, 0x8000000000000000, 0x123456789abcdef0
                AMOD amoadd.d, 0xffffffffffffffff, 1
                AMOD amoadd.d, 0x7fffffffffffffff, 0x100000000
                AMOD amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
                AMOD amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
                AMOD amoor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
                AMOD amomin.d, 0x8000000000000000, 1
                AMOD amominu.d, 0x8000000000000000, 1
                AMOD amomax.d, 0x8000000000000000, 1
                AMOD amomaxu.d, 0x8000000000000000, 1
                AMOD amomin.d, 0x00000000ffffffff, -1
                AMOD amomaxu.d.rl, 0x00000000ffffffff, 0x0000000100000000

                # rd == rs2: rd gets the old value, memory the old rs2
                la t0, amo_area
                li t1, 111
                sd t1, 0(t0)
                li a0, 222
                amoswap.d a0, a0, (t0)
                OUT a0
                ld a1, 0(t0)
                OUT a1
                # rd == x0: memory still updated
                li a0, 5
                amoadd.d zero, a0, (t0)
                ld a1, 0(t0)
                OUT a1
                amoadd.w zero, a0, (t0)
                ld a1, 0(t0)
                OUT a1

                .bss
                .p2align 3
            amo_area:
                .zero 16
            """)
        let minimum: UInt64 = 0x8000_0000_0000_0000
        run.expectResults([
            ("amoswap.d old", minimum), ("amoswap.d new", 0x1234_5678_9ABC_DEF0),
            ("amoadd.d old", .max), ("amoadd.d wraps", 0),
            ("amoadd.d old MAX", 0x7FFF_FFFF_FFFF_FFFF), ("amoadd.d carries across words", 0x8000_0000_FFFF_FFFF),
            ("amoxor.d old", 0xFF00_FF00_FF00_FF00), ("amoxor.d new", 0xF0F0_F0F0_F0F0_F0F0),
            ("amoand.d old", 0xFF00_FF00_FF00_FF00), ("amoand.d new", 0x0F00_0F00_0F00_0F00),
            ("amoor.d old", 0xFF00_FF00_FF00_FF00), ("amoor.d new", 0xFFF0_FFF0_FFF0_FFF0),
            ("amomin.d old", minimum), ("amomin.d keeps MIN", minimum),
            ("amominu.d old", minimum), ("amominu.d takes 1", 1),
            ("amomax.d old", minimum), ("amomax.d takes 1", 1),
            ("amomaxu.d old", minimum), ("amomaxu.d keeps 2^63", minimum),
            ("amomin.d old", 0xFFFF_FFFF), ("amomin.d: no 32-bit truncation", .max),
            ("amomaxu.d old", 0xFFFF_FFFF), ("amomaxu.d: compares all 64 bits", 0x1_0000_0000),
            ("amoswap rd == rs2 returns the old value", 111), ("amoswap rd == rs2 stores the old rs2", 222),
            ("amoadd.d with rd = x0", 227), ("amoadd.w with rd = x0", 232),
        ])
    }

    @Test func loadReservedStoreConditional() throws {
        let run = try BareMetal.run("""
                la t0, lr_area
                li t1, 0x80000000
                sw t1, 0(t0)
                li t2, 77
                # SC with no reservation fails and writes nothing
                sc.w a0, t2, (t0)
                OUT a0
                lwu a1, 0(t0)
                OUT a1
                # LR then SC succeeds; LR.W sign-extends
                lr.w a0, (t0)
                OUT a0
                sc.w a1, t2, (t0)
                OUT a1
                lw a2, 0(t0)
                OUT a2
                # the reservation is gone after an SC
                li t2, 88
                sc.w a1, t2, (t0)
                OUT a1
                lw a2, 0(t0)
                OUT a2
                # SC to another address (another 64-byte block) fails
                lr.d a0, (t0)
                addi t3, t0, 64
                sc.d a1, t2, (t3)
                OUT a1
                ld a2, 0(t3)
                OUT a2
                # ... and consumed the reservation: the SC to the LR's address now fails too
                sc.d a1, t2, (t0)
                OUT a1
                # LR.D / SC.D succeed, with aq/rl
                lr.d.aq a0, (t0)
                li t2, -5
                sc.d.rl a1, t2, (t0)
                OUT a1
                ld a2, 0(t0)
                OUT a2
                # an LR/SC increment loop
                li a3, 0
            1:  lr.w a0, (t0)
                addi a0, a0, 1
                sc.w a1, a0, (t0)
                bnez a1, 1b
                addi a3, a3, 1
                li a4, 10
                blt a3, a4, 1b
                ld a2, 0(t0)
                OUT a2

                .bss
                .p2align 6
            lr_area:
                .zero 128
            """)
        run.expectResults([
            ("sc without lr fails", 1), ("memory unchanged", 0x8000_0000),
            ("lr.w sign-extends", 0xFFFF_FFFF_8000_0000), ("sc after lr succeeds", 0), ("sc stored", 77),
            ("a second sc fails", 1), ("memory unchanged", 77),
            ("sc to another address fails", 1), ("and writes nothing", 0),
            ("the reservation was consumed", 1),
            ("sc.d succeeds", 0), ("sc.d stored", UInt64(bitPattern: -5)),
            ("lr/sc loop adds 10 to the low word", 0xFFFF_FFFF_0000_0005),
        ])
    }

    /// Hart 1 stores into hart 0's reservation set between hart 0's LR and SC.
    @Test func anotherHartsStoreBreaksTheReservation() throws {
        let run = try BareMetal.run("""
                csrr t0, mhartid
                la s1, shared
                la s2, flag
                bnez t0, hart1

                lr.w a0, (s1)
                li t1, 1
                sw t1, 0(s2)          # let hart 1 go
            1:  lw t1, 0(s2)
                li t2, 2
                bne t1, t2, 1b        # wait until hart 1 has stored
                li t2, 99
                sc.w a1, t2, (s1)
                OUT a1
                lw a2, 0(s1)
                OUT a2
                # a fresh reservation succeeds again
                lr.w a0, (s1)
                sc.w a1, t2, (s1)
                OUT a1
                j test_pass

            hart1:
            1:  lw t1, 0(s2)
                beqz t1, 1b
                li t1, 1234
                sw t1, 0(s1)          # the reserved word itself
                li t1, 2
                sw t1, 0(s2)
            2:  wfi
                j 2b

                .bss
                .p2align 6
            shared:
                .zero 64
            flag:
                .zero 8
            """) { $0.hartCount = 2; $0.interleaveGranularity = 3 }
        run.expectResults([("sc after another hart's store fails", 1), ("memory keeps hart 1's value", 1234),
                           ("a new lr/sc succeeds", 0)])
    }

    @Test func amoIncrementsFromTwoHartsAreNotLost() throws {
        let run = try BareMetal.run("""
                csrr t0, mhartid
                la s1, counter
                li t1, 1000
                li t2, 1
            1:  amoadd.w zero, t2, (s1)
                addi t1, t1, -1
                bnez t1, 1b
                addi t3, s1, 8
                amoadd.w zero, t2, (t3)    # done flag
                bnez t0, 3f
            2:  lw t1, 8(s1)
                li t2, 2
                bne t1, t2, 2b
                lw a0, 0(s1)
                OUT a0
                j test_pass
            3:  wfi
                j 3b

                .bss
                .p2align 3
            counter:
                .zero 16
            """) { $0.hartCount = 2; $0.interleaveGranularity = 1 }
        run.expectResults([("2 × 1000 increments", 2000)])
    }
}
