// Synchronous traps taken by bare-metal programs and returned from with mret, checked
// against the privileged specification: ecall from M, S and U (causes 11, 9, 8) and
// ebreak (3); illegal instructions (2, mtval = the instruction); load/store access faults
// (5/7, mtval = the address) and instruction access faults (1); misaligned LR (4) and
// SC/AMO (6); what trap entry does to mstatus (MPIE, MIE, MPP) and what mret restores;
// delegation of a U-mode ecall to S-mode; and a program without a trap handler, which
// ends the run with a fault report naming the cause and the pc.

import Testing
@testable import Machine

@Suite(.enabled(if: Toolchain.available, "needs clang and ld.lld for riscv64"))
struct TrapTests {
    static let mpp: UInt64 = 3 << 11, mpie: UInt64 = 1 << 7, mie: UInt64 = 1 << 3

    @Test func environmentCallsAndBreakpoints() throws {
        let run = try BareMetal.run("""
                csrsi mstatus, 8          # MIE = 1: trap entry must move it to MPIE
            ecall_m:
                ecall
                csrr a0, mstatus
                OUT a0
            ebreak_m:
                ebreak
                # to S-mode (MPP = 1)
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, supervisor
                csrw mepc, t0
                mret
            supervisor:
            ecall_s:
                ecall
                # to U-mode (MPP = 0): the handler returns to U after the S-mode ecall? No:
                # it returned to S (MPP was S); now go down to U.
                li t0, 3 << 11
                csrc sstatus, zero
                la t0, user
                csrw sepc, t0
                csrw sstatus, zero        # SPP = U
                sret
            user:
            ecall_u:
                ecall
            mret_u:
                mret                      # illegal in U-mode
            wfi_u:
                wfi                       # illegal in U-mode (no TW needed)
                RESUME_AT back_in_m
            ecall_u2:
                ecall
            back_in_m:
                csrr a0, mstatus
                srli a0, a0, 11
                andi a0, a0, 3
                OUT a0
            """)
        run.expectResults([("MIE restored by mret", 1 << 3 | 1 << 7 | 0), ("MPP after mret is U", 0)])
        let traps = run.traps
        let expected: [(UInt64, String, UInt64?, UInt64)] = [   // cause, label, tval, MPP
            (11, "ecall_m", 0, 3), (3, "ebreak_m", nil, 3), (9, "ecall_s", 0, 1), (8, "ecall_u", 0, 0),
            (2, "mret_u", 0x3020_0073, 0), (2, "wfi_u", 0x1050_0073, 0), (8, "ecall_u2", 0, 0),
        ]
        #expect(traps.count == expected.count, "\(traps)")
        for (trap, (cause, label, tval, previous)) in zip(traps, expected) {
            #expect(trap.cause == cause && trap.epc == run.address(label), "\(label): \(trap)")
            if let tval { #expect(trap.tval == tval, "\(label): \(trap)") }
            #expect((trap.status >> 11) & 3 == previous, "\(label): MPP")
            #expect(trap.status & Self.mie == 0, "\(label): MIE is cleared in the handler")
        }
        // ebreak: mtval is 0 or the address of the ebreak.
        if traps.count > 1 { #expect(traps[1].tval == 0 || traps[1].tval == run.address("ebreak_m")) }
        // The first trap came from M with MIE = 1: MPIE holds it.
        if let first = traps.first { #expect(first.status & Self.mpie != 0) }
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
                    andi a0, a0, 0x88
                    OUT a0
                    csrr a0, mstatus
                    srli a0, a0, 11
                    andi a0, a0, 3
                    OUT a0
                .endm
                MRET_WITH 1, 0
                MRET_WITH 0, 1
                MRET_WITH 0, 0
                # MPP = U: mret goes to U-mode, where reading mstatus is illegal
                li t0, 3 << 11
                csrc mstatus, t0
                la t0, user
                csrw mepc, t0
                mret
            user:
            read_mstatus_u:
                csrr a0, mstatus
                OUT a0                    # a0 unchanged by the illegal read: 0x12345
                RESUME_AT back
                ecall
            back:
            """)
        // MRET_WITH leaves a0 = MPP; the U-mode part OUTs a0, still MPP (0) from before.
        run.expectResults([
            ("MPIE=1, MIE=0 → MIE=1, MPIE=1", 0x88), ("MPP becomes U", 0),
            ("MPIE=0, MIE=1 → MIE=0, MPIE=1", 0x80), ("MPP becomes U", 0),
            ("MPIE=0, MIE=0 → MIE=0, MPIE=1", 0x80), ("MPP becomes U", 0),
            ("a0 not written by the illegal csrr", 0),
        ])
        #expect(run.traps.count == 2)
        if let first = run.traps.first {
            #expect(first.cause == 2 && first.epc == run.address("read_mstatus_u"))
            #expect(first.tval == run.instructionBits(at: run.address("read_mstatus_u")))
        }
        if run.traps.count == 2 { #expect(run.traps[1].cause == 8) }
    }

    @Test func illegalInstructions() throws {
        let run = try BareMetal.run("""
            ill1: .word 0xc0001073            # unimp: csrrw x0, cycle, x0
            ill2: .word 0x0000007b            # custom-3
            ill3: .word 0x0000000b            # custom-0
            ill4: .word 0x02001033            # sll with funct7 = 1 is not an instruction (it is mulh? no: 0x33/1/1)
            ill5: .half 0x0000                # the all-zero parcel
            ill6: .word 0x4000503b & 0       # replaced below
            """.replacingOccurrences(of: "ill4: .word 0x02001033            # sll with funct7 = 1 is not an instruction (it is mulh? no: 0x33/1/1)\n",
                                     with: "ill4: .word 0x40001033            # sll with funct7 = 0x20\n")
                .replacingOccurrences(of: "ill6: .word 0x4000503b & 0       # replaced below\n",
                                      with: "ill6: .word 0x0000302f            # AMO funct3 = 3 with funct5 = 0b00101 (reserved)\n"))
        run.expectPassed()
        run.expectIllegalInstructions(at: ["ill1", "ill2", "ill3", "ill4", "ill5", "ill6"])
    }
}
