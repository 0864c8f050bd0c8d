// Interrupts, checked against the privileged specification: the machine timer (mtimecmp,
// mcause = interrupt | 7); Sstc's supervisor timer (stimecmp with menvcfg.STCE) delegated
// to S (scause = interrupt | 5), also waking an S-mode wfi; machine software interrupts
// through msip, from the hart itself and from another hart; the priority order MEI > MSI >
// MTI > SEI > SSI > STI; interrupts held while disabled and taken right after being
// enabled; vectored mtvec (base + 4 * cause); wfi skipping ahead to the timer deadline
// instead of executing; a UART receive interrupt through the PLIC (priority, enable,
// threshold, claim = 10, complete); and the run ending with `.allHartsWaiting` when every
// hart sleeps with nothing that could wake it.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct InterruptTests {
    static let interrupt: UInt64 = 1 << 63

    /// Timer interrupt from mtimecmp; then a pending timer held while MIE = 0 and taken at
    /// the instruction right after MIE is set.
    @Test func machineTimer() throws {
        let run = try Privileged.run("""
                la t0, m_irq
                csrw mtvec, t0
                li s1, 0x2004000          # mtimecmp of hart 0
                li s2, 0x200bff8          # mtime
                li s3, 0                  # interrupts taken
                ld t1, 0(s2)
                addi s4, t1, 50
                sd s4, 0(s1)
                li t0, 1 << 7
                csrw mie, t0              # MTIE
                csrsi mstatus, 8          # MIE
            spin:
                beqz s3, spin
                csrci mstatus, 8
                sd zero, 0(s1)            # pending from now on
                li s3, 0
                nop
                nop
                nop
                csrr a0, mip
                andi a0, a0, 1 << 7
                OUT a0
                OUT s3                    # not taken with MIE = 0
                csrsi mstatus, 8
            enabled:
                nop
                OUT s3
                csrw mie, zero
                j 2f

                .p2align 2
            m_irq:
                csrr t5, mcause
                OUT t5
                csrr t5, mepc
                OUT t5
                ld t5, 0(s2)
                sltu t5, t5, s4           # taken before the deadline?
                OUT t5
                li t5, -1
                sd t5, 0(s1)
                addi s3, s3, 1
                mret
            2:
            """)
        let mti = Self.interrupt | 7
        run.expectResults([
            ("mcause", mti), ("mepc", run.address("spin")), ("not before the deadline", 0),
            ("MTIP pending", 0x80), ("not taken while disabled", 0),
            ("mcause", mti), ("mepc: the instruction after csrsi", run.address("enabled")), ("late", 0),
            ("taken once", 1),
        ])
    }

    /// Sstc: stimecmp with menvcfg.STCE, delegated to S; then an S-mode wfi woken by it.
    @Test func supervisorTimerWithStimecmp() throws {
        let run = try Privileged.run("""
                la t0, s_handler
                csrw stvec, t0
                li t0, 1
                slli t0, t0, 63
                csrs menvcfg, t0          # STCE
                li t0, 2
                csrw mcounteren, t0       # TM: S may use time and stimecmp
                li t0, 1 << 5
                csrw mideleg, t0
                csrw mie, t0              # STIE
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, (1 << 11) | (1 << 1)   # MPP = S, SIE
                csrs mstatus, t0
                la t0, s_mode
                csrw mepc, t0
                mret
            s_mode:
                rdtime t1
                addi t1, t1, 50
                csrw stimecmp, t1
            spin:
                csrr t1, sie              # the handler clears sie
                bnez t1, spin
                csrr a0, sip
                OUT a0                    # STIP stays pending until stimecmp moves
                li t1, -1
                csrw stimecmp, t1
                csrr a0, sip
                OUT a0
                rdtime s1
                li t1, 1000000            # 0.1 s ahead
                add s1, s1, t1
                csrw stimecmp, s1
                li t1, 1 << 5
                csrw sie, t1
                wfi                       # sleeps until the deadline, then the interrupt
            after_wfi:
                nop
                rdtime a0
                sltu a0, a0, s1
                OUT a0                    # not before the deadline
                li t1, -1
                csrw stimecmp, t1
                RESUME_AT back
                ecall
            back:
                csrw mideleg, zero
            """ + Privileged.supervisorHandler)
        let sti = Self.interrupt | 5
        let results = run.results
        run.expectPassed()
        try #require(results.count == 11, "\(results.count) results")
        #expect(results[0] == sti, "scause")
        #expect(results[1] == run.address("spin") || results[1] == run.address("spin") + 4, "sepc in the spin loop")
        #expect(results[2] == 0 && results[3] == 0x100, "stval 0, SPP = S")
        #expect(results[4] == 0x20 && results[5] == 0, "sip.STIP follows stimecmp")
        #expect(results[6] == sti && results[7] == run.address("after_wfi"), "the wfi woke for the timer")
        #expect(results[10] == 0, "time reached the deadline")
        #expect(run.machine.totalSteps < 10_000, "wfi skipped ahead: \(run.machine.totalSteps) steps")
    }

    /// msip: a hart interrupts itself, then another hart interrupts it while it sleeps.
    @Test func machineSoftwareInterrupts() throws {
        let run = try Privileged.run("""
                csrr t0, mhartid
                bnez t0, hart1
                la t0, m_irq
                csrw mtvec, t0
                li s1, 0x2000000          # msip of hart 0
                li s3, 0
                li t0, 1 << 3
                csrw mie, t0              # MSIE
                csrsi mstatus, 8
                li t0, 1
                sw t0, 0(s1)              # to itself
            after_self:
                nop
                OUT s3
                la t0, go
                li t1, 1
                sw t1, 0(t0)              # hart 1 may send now
            1:  wfi
                li t1, 2
                bne s3, t1, 1b
                OUT s3
                csrw mie, zero
                j done

                .p2align 2
            m_irq:
                csrr t5, mcause
                OUT t5
                csrr t5, mepc
                OUT t5
                sw zero, 0(s1)            # clear it
                addi s3, s3, 1
                mret

            hart1:
                la t0, go
            2:  lw t1, 0(t0)
                beqz t1, 2b
                li t0, 0x2000000
                li t1, 1
                sw t1, 0(t0)              # msip of hart 0
            3:  wfi                       # nothing enabled: sleeps for good
                j 3b

                .data
                .p2align 2
            go: .word 0
                .text
            done:
            """, configure: { $0.hartCount = 2 })
        let msi = Self.interrupt | 3
        let results = run.results
        run.expectPassed()
        try #require(results.count == 6, "\(results.count) results")
        #expect(results[0] == msi && results[1] == run.address("after_self"), "self interrupt")
        #expect(results[2] == 1)
        #expect(results[3] == msi, "interrupt from hart 1")
        #expect(results[5] == 2)
        #expect(run.machine.clint.msip == [false, false])
        #expect(run.machine.harts[1].waitingForInterrupt)
    }

    /// Six interrupts pending at once are taken MEI, MSI, MTI, SEI, SSI, STI.
    @Test func priorityOrder() throws {
        let run = try Privileged.run("""
                la t0, m_irq
                csrw mtvec, t0
                li t0, 0x0c000028         # PLIC priority of source 10 (the UART)
                li t1, 1
                sw t1, 0(t0)
                li t0, 0x0c002000         # enables of context 0 (hart 0, M)
                li t1, 1 << 10
                sw t1, 0(t0)
                li t0, 0x10000001         # UART IER: receive data available
                li t1, 1
                sb t1, 0(t0)
                li t0, 0x2000000          # msip
                li t1, 1
                sw t1, 0(t0)
                li t0, 0x2004000          # mtimecmp = 0: pending
                sd zero, 0(t0)
                li t0, 0x222
                csrs mip, t0              # SEIP, STIP, SSIP (software-writable)
                li t0, 0xaaa
                csrw mie, t0
                csrr a0, mip
                OUT a0
                csrsi mstatus, 8
                nop
                nop
                nop
                nop
                nop
                nop
                nop
                csrci mstatus, 8
                li t0, 0x222
                csrc mip, t0
                li t0, 0x2000000
                sw zero, 0(t0)
                li t0, 0x10000001
                sb zero, 0(t0)
                j 2f

                .p2align 2
            m_irq:
                csrr t5, mcause
                OUT t5
                li t4, 1
                sll t4, t4, t5            # 1 << code (the shift uses the low 6 bits)
                csrc mie, t4              # taken once
                mret
            2:
            """, setup: { machine, _ in machine.uart.input = [0x41] })
        let order: [UInt64] = [11, 3, 7, 9, 1, 5]
        run.expectResults([("all six pending", 0xaaa)] + order.map { ("interrupt \($0)", Self.interrupt | $0) })
    }

    /// mtvec MODE = 1: interrupts go to base + 4 * cause, exceptions to the base.
    @Test func vectoredMtvec() throws {
        let run = try Privileged.run("""
                la t0, table
                ori t0, t0, 1
                csrw mtvec, t0
            the_ecall:
                ecall
                li t0, 0x2004000
                sd zero, 0(t0)            # timer pending
                li t0, 1 << 7
                csrw mie, t0
                csrsi mstatus, 8
                nop
                csrci mstatus, 8
                j 2f

                .option push
                .option norvc
                .p2align 6
            table:
                j exception
                .rept 6
                j wrong
                .endr
                j timer                   # 7
                .rept 8
                j wrong
                .endr
                .option pop
            exception:
                csrr t5, mcause
                OUT t5
                csrr t5, mepc
                addi t5, t5, 4
                csrw mepc, t5
                mret
            timer:
                auipc t5, 0
                OUT t5                    # where the vector led
                csrr t5, mcause
                OUT t5
                li t5, -1
                li t4, 0x2004000
                sd t5, 0(t4)
                mret
            wrong:
                li t1, TEST_DEVICE
                li t2, 0x3333 | (7 << 16)
                sw t2, 0(t1)
            2:
            """)
        run.expectResults([("ecall at the base", 11), ("timer handler", run.address("timer")),
                           ("mcause", Self.interrupt | 7)])
    }

    /// wfi with a far timer deadline skips the simulated time instead of stepping through it.
    @Test func waitForInterruptSkipsToTheDeadline() throws {
        let run = try Privileged.run("""
                la t0, m_irq
                csrw mtvec, t0
                li s1, 0x2004000
                li s2, 0x200bff8
                ld t1, 0(s2)
                li t2, 10000000           # one second of mtime at 10 MHz
                add s4, t1, t2
                sd s4, 0(s1)
                li t0, 1 << 7
                csrw mie, t0
                csrsi mstatus, 8
                li s3, 0
            1:  wfi
                beqz s3, 1b
                ld a0, 0(s2)
                sltu t1, a0, s4
                OUT t1                    # not before the deadline
                sub a0, a0, s4
                sltiu a0, a0, 100
                OUT a0                    # and not long after it
                csrw mie, zero
                j 2f

                .p2align 2
            m_irq:
                li t5, -1
                sd t5, 0(s1)
                addi s3, s3, 1
                mret
            2:
            """)
        run.expectResults([("not early", 0), ("woke at the deadline", 1)])
        #expect(run.machine.totalSteps < 1_000, "\(run.machine.totalSteps) instructions stepped")
        #expect(run.hart.cycle >= 100_000_000, "the hart's clock jumped: \(run.hart.cycle)")
        #expect(run.hart.time >= 10_000_000)
    }

    /// The UART's receive interrupt through the PLIC: threshold masking, claim (10), the
    /// bytes, complete; a claim with nothing pending returns 0.
    @Test func uartReceiveThroughPLIC() throws {
        let run = try Privileged.run("""
                la t0, m_irq
                csrw mtvec, t0
                li s1, 0x0c200004         # claim/complete of context 0
                li t0, 0x0c000028
                li t1, 3
                sw t1, 0(t0)              # priority 3
                li t0, 0x0c002000
                li t1, 1 << 10
                sw t1, 0(t0)              # enabled for hart 0's M context
                li s2, 0x0c200000
                li t1, 3
                sw t1, 0(s2)              # threshold 3: masked
                li t0, 0x10000001
                li t1, 1
                sb t1, 0(t0)              # UART IER: receive data
                lw a0, 0(s1)
                OUT a0                    # nothing to claim
                li t0, 0x0c001000
                lw a0, 0(t0)
                OUT a0                    # pending bits
                csrr a0, mip
                li t1, 1 << 11
                and a0, a0, t1
                OUT a0                    # MEIP masked by the threshold
                li t1, 2
                sw t1, 0(s2)              # threshold 2
                csrr a0, mip
                li t1, 1 << 11
                and a0, a0, t1
                OUT a0
                li s3, 0
                li t0, 1 << 11
                csrw mie, t0
                csrsi mstatus, 8
            1:  beqz s3, 1b
                csrr a0, mip
                li t1, 1 << 11
                and a0, a0, t1
                OUT a0                    # all read: no longer pending
                OUT s3
                csrw mie, zero
                j 2f

                .p2align 2
            m_irq:
                csrr t5, mcause
                OUT t5
                lw t4, 0(s1)              # claim
                OUT t4
                li t5, 0x10000000
            3:  lbu t3, 5(t5)             # LSR: data ready?
                andi t3, t3, 1
                beqz t3, 4f
                lbu t3, 0(t5)
                OUT t3
                j 3b
            4:  sw t4, 0(s1)              # complete
                addi s3, s3, 1
                mret
            2:
            """, setup: { machine, _ in machine.uart.input = Array("hi".utf8) })
        run.expectResults([
            ("empty claim", 0), ("source 10 pending", 1 << 10), ("masked by the threshold", 0), ("MEIP", 1 << 11),
            ("mcause", Self.interrupt | 11), ("claim", 10), ("h", 0x68), ("i", 0x69),
            ("MEIP clear", 0), ("one interrupt", 1),
        ])
    }

    /// Every hart in wfi with nothing enabled and nothing pending: the run reports it. With
    /// something pending in mip (even disabled), wfi completes at once.
    @Test(arguments: [1, 2]) func allHartsWaiting(harts: Int) throws {
        let run = try Privileged.run("""
                csrw mie, zero
                csrsi mip, 2              # SSIP pending, not enabled
                wfi                       # completes: mip != 0
                csrci mip, 2
                csrr a0, mip
                OUT a0
            sleep:
                wfi                       # sleeps for good
            after:
                nop
            """, configure: { $0.hartCount = harts })
        #expect(run.stop == .allHartsWaiting, "\(run.stop)")
        for hart in run.machine.harts {
            #expect(hart.waitingForInterrupt && hart.pc == run.address("after"), "hart \(hart.id) at 0x\(String(hart.pc, radix: 16))")
        }
        #expect(run.machine.totalSteps < 200)
        #expect(run.traps.isEmpty)
    }

    /// stimecmp from S needs menvcfg.STCE and mcounteren.TM; from U it is never accessible;
    /// M-mode always may. Without STCE, STIP is mip's software bit again.
    @Test func stimecmpAccess() throws {
        let run = try Privileged.run("""
                .macro TO_S label
                    li t0, 3 << 11
                    csrc mstatus, t0
                    li t0, 1 << 11
                    csrs mstatus, t0
                    la t0, \\label
                    csrw mepc, t0
                    mret
                .endm
                li t0, 5
                csrw stimecmp, t0         # M: always
                csrr a0, stimecmp
                OUT a0
                li t0, 2
                csrw mcounteren, t0       # TM, but no STCE
                TO_S s1
            s1:
            no_stce:
                csrr a0, stimecmp
                RESUME_AT m2
                ecall
            m2:
                li t0, 1
                slli t0, t0, 63
                csrs menvcfg, t0          # STCE, but no TM
                csrw mcounteren, zero
                TO_S s2
            s2:
            no_tm:
                csrw stimecmp, zero
                RESUME_AT m3
                ecall
            m3:
                li t0, 2
                csrw mcounteren, t0
                TO_S s3
            s3:
                li t0, -1
                csrw stimecmp, t0         # allowed
                li t0, 1 << 8
                csrc sstatus, t0
                la t0, u1
                csrw sepc, t0
                sret
            u1:
            user_access:
                csrr a0, stimecmp
                RESUME_AT m4
                ecall
            m4:
                csrr a0, stimecmp
                OUT a0
                li t0, 1
                slli t0, t0, 63
                csrc menvcfg, t0
                li t0, 1 << 5
                csrs mip, t0              # without STCE, STIP is software-writable
                csrr a0, mip
                andi a0, a0, 1 << 5
                OUT a0
                csrc mip, t0
                csrw mcounteren, zero
            """)
        run.expectResults([("M reads stimecmp", 5), ("S wrote it", .max), ("STIP written by M", 0x20)])
        let traps = run.traps
        let expected: [(UInt64, String)] = [(2, "no_stce"), (9, "no_stce"), (2, "no_tm"), (9, "no_tm"),
                                            (2, "user_access"), (8, "user_access")]
        #expect(traps.count == expected.count, "\(traps)")
        for (trap, want) in zip(traps, expected) where want.0 == 2 {
            #expect(trap.cause == 2 && trap.epc == run.address(want.1), "\(want.1): \(trap)")
        }
        for (trap, want) in zip(traps, expected) where want.0 != 2 {
            #expect(trap.cause == want.0, "\(want.1): \(trap)")
        }
    }
}
