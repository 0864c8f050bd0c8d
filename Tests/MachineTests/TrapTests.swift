// Synchronous traps taken by bare-metal programs and returned from with mret, checked
// against the privileged specification: ecall from M, S and U (causes 11, 9, 8) and
// ebreak (3); illegal instructions (2, mtval = the instruction); load/store access faults
// (5/7, mtval = the address) and instruction access faults (1); misaligned LR (4) and
// SC/AMO (6, this machine's choice among the spec's misaligned/access-fault options);
// what trap entry does to mstatus (MPIE, MIE, MPP) and what mret restores; delegation of
// a U-mode ecall to S-mode; machine timer and software interrupts; programs without a
// trap handler (mtvec = 0), which end the run with a fault report naming the cause and
// the pc; and the other ways a run ends (test device codes, tohost, the budget).

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct TrapTests {
    static let mpie: UInt64 = 1 << 7, mie: UInt64 = 1 << 3

    @Test func environmentCallsAndBreakpoints() throws {
        let run = try BareMetal.run("""
                csrsi mstatus, 8          # MIE = 1: trap entry moves it to MPIE
            ecall_m:
                ecall
                csrr a0, mstatus
                li t1, 0x1888
                and a0, a0, t1
                OUT a0
            ebreak_m:
                ebreak
                li t0, 3 << 11            # down to S-mode: MPP = S
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, supervisor
                csrw mepc, t0
                mret
            supervisor:
            ecall_s:
                ecall
                li t0, 1 << 8             # down to U-mode: SPP = U
                csrc sstatus, t0
                la t0, user
                csrw sepc, t0
                sret
            user:
            ecall_u:
                ecall
            mret_u:
                mret                      # M-mode only
            sret_u:
                sret                      # S-mode and up only
                RESUME_AT back_in_m
            ecall_u2:
                ecall
            back_in_m:
                csrr a0, mstatus
                srli a0, a0, 11
                andi a0, a0, 3
                OUT a0
            """)
        run.expectResults([("mret: MIE from MPIE, MPIE set, MPP = U", 0x88), ("MPP = U after the last mret", 0)])
        let traps = run.traps
        let expected: [(cause: UInt64, label: String, tval: UInt64?, mpp: UInt64)] = [
            (11, "ecall_m", 0, 3), (3, "ebreak_m", nil, 3), (9, "ecall_s", 0, 1), (8, "ecall_u", 0, 0),
            (2, "mret_u", 0x3020_0073, 0), (2, "sret_u", 0x1020_0073, 0), (8, "ecall_u2", 0, 0),
        ]
        #expect(traps.count == expected.count, "\(traps)")
        for (trap, want) in zip(traps, expected) {
            #expect(trap.cause == want.cause && trap.epc == run.address(want.label), "\(want.label): \(trap)")
            if let tval = want.tval { #expect(trap.tval == tval, "\(want.label): \(trap)") }
            #expect((trap.status >> 11) & 3 == want.mpp, "\(want.label): MPP holds the previous privilege")
            #expect(trap.status & Self.mie == 0, "\(want.label): MIE is cleared on entry")
        }
        if traps.count == expected.count {
            #expect(traps[0].status & Self.mpie != 0, "MPIE holds the MIE of the trapping code")
            // ebreak: mtval is 0 or the address of the ebreak.
            #expect(traps[1].tval == 0 || traps[1].tval == run.address("ebreak_m"))
        }
        #expect(run.hart.privilege == .machine)
    }

    @Test func mretRestoresInterruptEnableAndPrivilege() throws {
        let run = try BareMetal.run("""
                .macro MRET_WITH mpie, mie
                    li t0, (1 << 7) | (1 << 3) | (3 << 11)
                    csrc mstatus, t0
                    li t0, (\\mpie << 7) | (\\mie << 3) | (3 << 11)
                    csrs mstatus, t0
                    la t0, 1f
                    csrw mepc, t0
                    mret
                1:  csrr a0, mstatus
                    andi a1, a0, 0x88
                    OUT a1
                    srli a0, a0, 11
                    andi a0, a0, 3
                    OUT a0
                .endm
                MRET_WITH 1, 0
                MRET_WITH 0, 1
                MRET_WITH 0, 0
                li t0, 3 << 11            # MPP = U: mret goes to U-mode
                csrc mstatus, t0
                la t0, user
                csrw mepc, t0
                li a0, 0x12345
                mret
            user:
            read_mstatus_u:
                csrr a0, mstatus          # illegal in U-mode
                OUT a0
                RESUME_AT back
                ecall
            back:
            """)
        run.expectResults([
            ("MPIE=1, MIE=0 → MIE=1, MPIE=1", 0x88), ("MPP becomes U", 0),
            ("MPIE=0, MIE=1 → MIE=0, MPIE=1", 0x80), ("MPP becomes U", 0),
            ("MPIE=0, MIE=0 → MIE=0, MPIE=1", 0x80), ("MPP becomes U", 0),
            ("rd is not written by the illegal csrr", 0x12345),
        ])
        let traps = run.traps
        #expect(traps.count == 2, "\(traps)")
        if traps.count == 2 {
            let pc = run.address("read_mstatus_u")
            #expect(traps[0].cause == 2 && traps[0].epc == pc && traps[0].tval == run.instructionBits(at: pc))
            #expect((traps[0].status >> 11) & 3 == 0, "taken from U-mode")
            #expect(traps[1].cause == 8)
        }
    }

    @Test func delegationToSupervisor() throws {
        let run = try BareMetal.run("""
                la t0, s_handler
                csrw stvec, t0
                li t0, 1 << 8             # delegate ecall from U
                csrw medeleg, t0
                li t0, 3 << 11
                csrc mstatus, t0
                la t0, user
                csrw mepc, t0
                mret
            user:
            deleg_ecall:
                ecall
                RESUME_AT back
            not_delegated:
                ebreak
            back:
                csrr a0, mcause
                OUT a0
                csrw medeleg, zero
                j 1f

                .p2align 2
            s_handler:
                csrr a0, scause
                OUT a0
                csrr a0, sepc
                OUT a0
                csrr a0, stval
                OUT a0
                csrr a0, sstatus
                andi a0, a0, 1 << 8       # SPP: came from U
                OUT a0
                csrr a0, sepc
                addi a0, a0, 4
                csrw sepc, a0
                sret
            1:
            """)
        run.expectResults([
            ("scause", 8), ("sepc", run.address("deleg_ecall")), ("stval", 0), ("SPP = U", 0),
            ("mcause is the ebreak's: the delegated trap left it alone", 3),
        ])
        #expect(run.traps.count == 1)
        if let trap = run.traps.first {
            #expect(trap.cause == 3 && trap.epc == run.address("not_delegated") && (trap.status >> 11) & 3 == 0)
        }
    }

    /// What S- and U-mode may not do: M-mode CSRs, S-mode CSRs from U, sfence.vma from U,
    /// and with mstatus.TVM/TSR set, satp and sfence.vma (TVM) and sret (TSR) from S.
    @Test func privilegedInstructionsFromLowerModes() throws {
        let run = try BareMetal.run("""
                li t0, (1 << 20) | (1 << 22)  # TVM, TSR
                csrs mstatus, t0
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11                # MPP = S
                csrs mstatus, t0
                la t0, supervisor
                csrw mepc, t0
                mret
            supervisor:
                csrr a0, sstatus              # fine
                csrr a0, sscratch             # fine
            s1: csrr a0, mscratch
            s2: csrr a0, satp
            s3: sfence.vma
            s4: sret
                RESUME_AT machine
                ecall
            machine:
                li t0, (1 << 20) | (1 << 22)
                csrc mstatus, t0
                li t0, 3 << 11
                csrc mstatus, t0              # MPP = U
                la t0, user
                csrw mepc, t0
                mret
            user:
            u1: csrr a0, sstatus
            u2: csrw sscratch, a0
            u3: sfence.vma
            u4: csrr a0, mhartid
                RESUME_AT done
                ecall
            done:
            """)
        run.expectPassed()
        let labels = ["s1", "s2", "s3", "s4", "u1", "u2", "u3", "u4"]
        let traps = run.traps.filter { $0.cause == 2 }
        #expect(traps.count == labels.count, "\(run.traps)")
        for (trap, label) in zip(traps, labels) {
            let pc = run.address(label)
            #expect(trap.epc == pc && trap.tval == run.instructionBits(at: pc), "\(label): \(trap)")
        }
        #expect(run.traps.map(\.cause) == [2, 2, 2, 2, 9, 2, 2, 2, 2, 8])
    }

    @Test func illegalInstructions() throws {
        let run = try BareMetal.run("""
            ill1: .word 0xc0001073        # unimp (csrrw x0, cycle, x0)
            ill2: .word 0x0000007b        # custom-3 opcode
            ill3: .word 0x40001033        # OP, funct3 = 1 (sll) with funct7 = 0x20
            ill4: .word 0x2800202f        # AMO.W with a reserved funct5
            ill5: .word 0x1010202f        # lr.w with rs2 != 0
            ill6: .word 0x0200101b        # slliw with shamt[5] set
            ill7: .word 0x04000053        # fadd.h: no Zfh
            ill8: .half 0x0000            # the all-zero parcel
            """)
        run.expectPassed()
        run.expectIllegalInstructions(at: (1...8).map { "ill\($0)" })
    }

    @Test func accessFaults() throws {
        let run = try BareMetal.run("""
                li s1, 0x40000000         # nothing there
                li s2, 0x81000000         # just past the end of 16 MiB of RAM
            lf1: ld a0, 0(zero)
            lf2: lw a0, 0(s1)
            lf3: lbu a0, 16(s1)
            lf4: lb a0, 0(s2)
            sf1: sd a0, 0(zero)
            sf2: sw a0, 8(s1)
            sf3: sb a0, 0(s2)
                li a0, 77
            lf5: ld a0, 0(zero)           # a faulting load leaves rd alone
                OUT a0
            af1: amoadd.w a0, a1, (zero)
            af2: lr.d a0, (s1)
                RESUME_AT if1_back
            if1: jr s1
            if1_back:
                RESUME_AT if2_back
            if2: jalr s2
            if2_back:
                # a 32-bit instruction whose second half is past the end of RAM
                addi t0, s2, -2
                li t1, 0x0513             # the low half of "addi a0, ..."
                sh t1, 0(t0)
                RESUME_AT if3_back
            if3: jr t0
            if3_back:
            """)
        run.expectResults([("rd after a faulting load", 77)])
        let expected: [(cause: UInt64, label: String, tval: UInt64)] = [
            (5, "lf1", 0), (5, "lf2", 0x4000_0000), (5, "lf3", 0x4000_0010), (5, "lf4", 0x8100_0000),
            (7, "sf1", 0), (7, "sf2", 0x4000_0008), (7, "sf3", 0x8100_0000), (5, "lf5", 0),
            (7, "af1", 0), (5, "af2", 0x4000_0000),
        ]
        let traps = run.traps
        #expect(traps.count == expected.count + 3, "\(traps)")
        for (trap, want) in zip(traps, expected) {
            #expect(trap == LoggedTrap(cause: want.cause, epc: run.address(want.label), tval: want.tval, status: trap.status),
                    "\(want.label)")
        }
        if traps.count == expected.count + 3 {
            #expect(traps[10].cause == 1 && traps[10].epc == 0x4000_0000 && traps[10].tval == 0x4000_0000)
            #expect(traps[11].cause == 1 && traps[11].epc == 0x8100_0000 && traps[11].tval == 0x8100_0000)
            // mepc is the instruction, mtval the part of it that could not be fetched.
            #expect(traps[12].cause == 1 && traps[12].epc == 0x80FF_FFFE && traps[12].tval == 0x8100_0000, "\(traps[12])")
        }
    }

    @Test func misalignedAtomics() throws {
        let run = try BareMetal.run("""
                la s3, atomic_area
                li t0, 0x1111
                sd t0, 0(s3)
                sd t0, 8(s3)
                addi s4, s3, 2
                addi s5, s3, 4
                li a1, 0x2222
            ma1: lr.w a0, (s4)
            ma2: sc.w a0, a1, (s4)
            ma3: amoadd.w a0, a1, (s4)
            ma4: lr.d a0, (s5)
            ma5: amoswap.d a0, a1, (s5)
            ma6: sc.d a0, a1, (s5)
                ld a0, 0(s3)
                OUT a0
                ld a0, 8(s3)
                OUT a0

                .bss
                .p2align 3
            atomic_area:
                .zero 16
            """)
        run.expectResults([("memory untouched", 0x1111), ("memory untouched", 0x1111)])
        let area = run.address("atomic_area")
        let expected: [(UInt64, String, UInt64)] = [
            (4, "ma1", area + 2), (6, "ma2", area + 2), (6, "ma3", area + 2),
            (4, "ma4", area + 4), (6, "ma5", area + 4), (6, "ma6", area + 4),
        ]
        #expect(run.traps.count == expected.count, "\(run.traps)")
        for (trap, (cause, label, tval)) in zip(run.traps, expected) {
            #expect(trap.cause == cause && trap.epc == run.address(label) && trap.tval == tval, "\(label): \(trap)")
        }
    }

    @Test func machineTimerInterrupt() throws {
        let run = try BareMetal.run("""
                la t0, timer_handler
                csrw mtvec, t0
                li s1, 0x2000000          # CLINT
                li t1, 0xbff8
                add t1, s1, t1            # mtime
                li t3, 0x4000
                add t3, s1, t3            # mtimecmp of hart 0
                ld t2, 0(t1)
                addi t2, t2, 50
                sd t2, 0(t3)
                li t0, 1 << 7             # MTIE
                csrw mie, t0
                li s2, 0
                csrsi mstatus, 8          # MIE
            1:  beqz s2, 1b               # spin until the handler runs
                OUT s3
                # wfi sleeps until the timer fires
                ld t2, 0(t1)
                addi t2, t2, 1000
                sd t2, 0(t3)
                li s2, 0
            2:  wfi
                beqz s2, 2b
                OUT s3
                ld t2, 0(t1)
                OUT s4
                sltu a0, t2, s4           # mtime has passed the deadline: 0
                OUT a0
                csrw mie, zero
                la t0, trap_handler
                csrw mtvec, t0
                j 3f

                .p2align 2
            timer_handler:
                csrr s3, mcause
                ld s4, 0(t3)              # the deadline that fired
                li s2, 1
                li t4, -1
                sd t4, 0(t3)              # no further timer interrupt
                mret
            3:
            """)
        let results = run.results
        run.expectPassed()
        #expect(results.count == 4)
        if results.count == 4 {
            #expect(results[0] == 0x8000_0000_0000_0007 && results[1] == 0x8000_0000_0000_0007)
            #expect(results[3] == 0, "mtime after the wake-up is at or past the deadline")
        }
    }

    /// Both MSIP and MTIP pending when MIE turns on: the software interrupt goes first.
    /// Then wfi with MIE = 0 still wakes for a pending enabled interrupt, without a trap.
    @Test func interruptPriorityAndWfiWithInterruptsDisabled() throws {
        let run = try BareMetal.run("""
                la t0, irq_handler
                csrw mtvec, t0
                li s1, 0x2000000          # CLINT msip of hart 0
                li t3, 0x4000
                add t3, s1, t3            # mtimecmp of hart 0
                sd zero, 0(t3)            # timer pending now
                li t0, 1
                sw t0, 0(s1)              # software interrupt pending
                li t0, (1 << 7) | (1 << 3)
                csrw mie, t0
                csrsi mstatus, 8          # both are taken, one after the other
                nop
                nop
                csrci mstatus, 8
                li t0, 1 << 7
                csrw mie, t0              # MTIE only, MIE = 0
                li t1, 0xbff8
                add t1, s1, t1
                ld t2, 0(t1)
                addi t2, t2, 200
                sd t2, 0(t3)
                wfi                       # wakes when MTIP rises; no trap with MIE = 0
                csrr a0, mip
                andi a0, a0, 1 << 7
                OUT a0
                li t4, -1
                sd t4, 0(t3)
                csrw mie, zero
                la t0, trap_handler
                csrw mtvec, t0
                j 3f

                .p2align 2
            irq_handler:
                csrr t5, mcause
                OUT t5
                li t4, 0x8000000000000003
                bne t5, t4, 1f
                sw zero, 0(s1)            # clear msip
                mret
            1:  li t4, -1
                sd t4, 0(t3)              # clear the timer
                mret
            3:
            """)
        run.expectResults([("software interrupt first", 0x8000_0000_0000_0003), ("then the timer", 0x8000_0000_0000_0007),
                           ("wfi returned with MTIP pending", 1 << 7)])
        #expect(run.traps.isEmpty)
    }

    @Test func faultWithoutTrapHandlerIsFatal() throws {
        let load = try BareMetal.run("""
                .globl _start
            _start:
                li a0, 1
            fault:
                ld a1, 0(zero)
            1:  j 1b
            """, budget: 10_000, standalone: true)
        guard case .fatal(let report) = load.stop else {
            Issue.record("expected a fatal stop, got \(load.stop)")
            return
        }
        #expect(report.cause == 5 && report.pc == load.address("fault") && report.value == 0 && report.hart == 0)
        #expect(report.privilege == .machine)
        #expect(report.description.contains("load access fault"), "\(report)")
        #expect(report.description.contains(String(load.address("fault"), radix: 16)), "\(report)")

        let illegal = try BareMetal.run("""
                .globl _start
            _start:
                nop
            fault:
                .word 0xc0001073
            """, budget: 10_000, standalone: true)
        guard case .fatal(let report) = illegal.stop else {
            Issue.record("expected a fatal stop, got \(illegal.stop)")
            return
        }
        #expect(report.cause == 2 && report.pc == illegal.address("fault") && report.value == 0xC000_1073)
        #expect(report.instructionBits == 0xC000_1073)
        #expect(report.description.contains("illegal instruction"), "\(report)")
    }

    @Test func howRunsEnd() throws {
        let failing = try BareMetal.run("""
                .globl _start
            _start:
                li t0, 0x100000
                li t1, 0x3333 | (42 << 16)
                sw t1, 0(t0)
            1:  j 1b
            """, budget: 1000, standalone: true)
        #expect(failing.stop == .powerOff(exitCode: 42))

        let toHost = """
                .globl _start
            _start:
                la t0, tohost
                li t1, CODE
                sd t1, 0(t0)
            1:  j 1b
                .data
                .p2align 3
                .globl tohost
            tohost:
                .dword 0
            """
        let seven = try BareMetal.run(toHost.replacingOccurrences(of: "CODE", with: "(7 << 1) | 1"), budget: 1000, standalone: true)
        #expect(seven.stop == .toHost(exitCode: 7))
        let zero = try BareMetal.run(toHost.replacingOccurrences(of: "CODE", with: "1"), budget: 1000, standalone: true)
        #expect(zero.stop == .toHost(exitCode: 0))

        let spinning = try BareMetal.run("""
                .globl _start
            _start:
                addi a0, a0, 1
                j _start
            """, budget: 1000, standalone: true)
        #expect(spinning.stop == .budgetExhausted)
        #expect(spinning.hart.register(10) == 500)
        #expect(spinning.machine.run(budget: 1000) == .budgetExhausted)
        #expect(spinning.hart.register(10) == 1000)
    }
}
