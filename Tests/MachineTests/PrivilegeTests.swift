// Privilege modes and their controls, checked against the privileged specification:
// entering S and U with mret (MPP) and sret (SPP, SIE/SPIE); ecall from U (8) and S (9)
// taken in M when not delegated and in S (scause/sepc/stval) when delegated by medeleg;
// an interrupt delegated by mideleg; CSR accesses from too low a privilege and writes to
// read-only CSRs (illegal instruction); sstatus as a view of mstatus and sie/sip as views
// of mie/mip masked by mideleg; TSR, TW and TVM; MPRV with MPP = S translating M-mode
// loads; mcounteren/scounteren gating cycle, time and instret; and satp writes with an
// unsupported MODE being ignored.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct PrivilegeTests {
    /// `mret` to S with MPP, `sret` to S and to U with SPP, SIE taken from SPIE.
    @Test func enterSupervisorAndUserMode() throws {
        let run = try Privileged.run("""
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11            # MPP = S
                csrs mstatus, t0
                la t0, in_s
                csrw mepc, t0
                mret
            in_s:
            ecall_s:
                ecall                     # cause 9 in M, MPP = S; handled and back in S
                li t0, 1 << 1             # sret to S: SPP = S, SPIE = 1, SIE = 0
                csrc sstatus, t0
                li t0, (1 << 8) | (1 << 5)
                csrs sstatus, t0
                la t0, s_again
                csrw sepc, t0
                sret
            s_again:
                csrr a0, sstatus
                andi a0, a0, 0x122        # SPP, SPIE, SIE
                OUT a0
                li t0, (1 << 8) | (1 << 5) | (1 << 1)   # sret to U: SPP = U, SPIE = 0
                csrc sstatus, t0
                la t0, in_u
                csrw sepc, t0
                sret
            in_u:
            ecall_u:
                ecall                     # cause 8 in M, MPP = U; back in U
                RESUME_AT back
            ecall_u2:
                ecall
            back:
                csrr a0, mstatus
                andi a0, a0, 0x122
                OUT a0
            """)
        run.expectResults([("sret to S: SIE = SPIE = 1, SPP = U", 0x22), ("sret to U: SIE = 0, SPIE = 1, SPP = U", 0x20)])
        Privileged.expectTraps(run, [(9, "ecall_s", 1), (8, "ecall_u", 0), (8, "ecall_u2", 0)])
        #expect(run.hart.privilege == .machine)
    }

    /// ecall from S and U: in M without delegation, in S (scause, sepc, stval, SPP) with it.
    /// Exceptions in M are never delegated, and ecall from M cannot be delegated.
    @Test func environmentCallsDelegatedAndNot() throws {
        let run = try Privileged.run("""
                la t0, s_handler
                csrw stvec, t0
                csrw medeleg, zero
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, s1
                csrw mepc, t0
                mret
            s1:
            ecall_s_m:
                ecall                     # to M
                li t0, 1 << 8
                csrc sstatus, t0
                la t0, u1
                csrw sepc, t0
                sret
            u1:
            ecall_u_m:
                ecall                     # to M
                RESUME_AT m2
            ecall_u_m2:
                ecall
            m2:
                li t0, (1 << 8) | (1 << 9) | (1 << 11)
                csrw medeleg, t0
                csrr a0, medeleg
                OUT a0                    # bit 11 (ecall from M) is read-only zero
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, s2
                csrw mepc, t0
                mret
            s2:
            ecall_s_s:
                ecall                     # to S: scause 9, SPP = S
                li t0, 1 << 8
                csrc sstatus, t0
                la t0, u2
                csrw sepc, t0
                sret
            u2:
            ecall_u_s:
                ecall                     # to S: scause 8, SPP = U
                RESUME_AT m3
            ebreak_u:
                ebreak                    # breakpoints are not delegated: to M
            m3:
            ecall_m:
                ecall                     # from M: always M
                li t0, 1 << 2
                csrs medeleg, t0
            illegal_m:
                csrw cycle, zero          # illegal, delegated, but raised in M: handled in M
                csrw medeleg, zero
            """ + Privileged.supervisorHandler)
        run.expectResults([
            ("medeleg keeps 8 and 9, not 11", 0x300),
            ("scause", 9), ("sepc", run.address("ecall_s_s")), ("stval", 0), ("SPP = S", 0x100),
            ("scause", 8), ("sepc", run.address("ecall_u_s")), ("stval", 0), ("SPP = U", 0),
        ])
        Privileged.expectTraps(run, [
            (9, "ecall_s_m", 1), (8, "ecall_u_m", 0), (8, "ecall_u_m2", 0), (3, "ebreak_u", 0),
            (11, "ecall_m", 3), (2, "illegal_m", 3),
        ])
    }

    /// An interrupt delegated by mideleg is never taken in M, is taken in S when SIE is set
    /// and always in U; without delegation it goes to M, even from S with MIE clear.
    @Test func interruptDelegation() throws {
        let run = try Privileged.run("""
                la t0, s_handler
                csrw stvec, t0
                li t0, 2
                csrw mideleg, t0          # supervisor software interrupt to S
                csrw mie, t0              # SSIE
                csrsi mstatus, 8          # MIE: still not taken in M
                csrsi mip, 2              # SSIP pending
                nop
                nop
                csrr a0, mip
                andi a0, a0, 2
                OUT a0
                csrci mstatus, 8
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                csrci mstatus, 2          # SIE = 0
                la t0, s_mode
                csrw mepc, t0
                mret
            s_mode:
                nop                       # not taken with SIE = 0
                csrr a0, sip
                OUT a0
                csrsi sstatus, 2          # SIE = 1: taken at the next instruction
            after_sie:
                nop
                csrr a0, sip
                OUT a0                    # the handler cleared it
                csrci sstatus, 2          # SIE = 0, yet taken in U
                li t0, 2
                csrw sie, t0
                csrsi sip, 2
                li t0, 1 << 8
                csrc sstatus, t0
                la t0, u_mode
                csrw sepc, t0
                sret
            u_mode:
                nop
                RESUME_AT m_again
            u_ecall:
                ecall
            m_again:
                csrw mideleg, zero        # not delegated: to M, even from S with MIE = 0
                li t0, 2
                csrw mie, t0
                csrsi mip, 2
                li t0, (3 << 11) | (1 << 7)   # MPIE = 0: MIE stays 0 in S and back in M
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, s_taken_by_m
                csrw mepc, t0
                RESUME_AT m_done
                mret
            s_taken_by_m:
                nop
            m_done:
                csrci mip, 2
                csrw mie, zero
            """ + Privileged.supervisorHandler)
        let ssi: UInt64 = 1 << 63 | 1
        run.expectResults([
            ("SSIP pending in M, not taken", 2), ("sip shows SSIP", 2),
            ("scause", ssi), ("sepc", run.address("after_sie")), ("stval", 0), ("SPP = S", 0x100),
            ("sip cleared", 0),
            ("scause", ssi), ("sepc", run.address("u_mode")), ("stval", 0), ("SPP = U", 0),
        ])
        Privileged.expectTraps(run, [(8, "u_ecall", 0), (ssi, "s_taken_by_m", 1)])
    }

    /// CSRs above the current privilege are illegal; so are writes to read-only CSRs.
    @Test func csrAccessByPrivilege() throws {
        let run = try Privileged.run("""
            ro_mhartid:
                csrw mhartid, zero
            ro_mvendorid:
                csrwi mvendorid, 1
            ro_cycle:
                csrs cycle, t0            # t0 = 0 but rs1 != x0: a write
                csrr a0, mhartid          # reads are fine
                csrrsi a0, cycle, 0       # no write with a zero immediate
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, s_mode
                csrw mepc, t0
                mret
            s_mode:
            s_mstatus:
                csrr a0, mstatus
            s_mscratch:
                csrw mscratch, zero
            s_mie:
                csrr a0, mie
                csrr a0, sstatus          # fine in S
                csrr a0, sscratch
                li t0, 1 << 8
                csrc sstatus, t0
                la t0, u_mode
                csrw sepc, t0
                sret
            u_mode:
            u_sstatus:
                csrr a0, sstatus
            u_sscratch:
                csrw sscratch, zero
            u_satp:
                csrr a0, satp
            u_mstatus:
                csrr a0, mstatus
                RESUME_AT back
            u_ecall:
                ecall
            back:
            """)
        run.expectPassed()
        Privileged.expectTraps(run, [
            (2, "ro_mhartid", 3), (2, "ro_mvendorid", 3), (2, "ro_cycle", 3),
            (2, "s_mstatus", 1), (2, "s_mscratch", 1), (2, "s_mie", 1),
            (2, "u_sstatus", 0), (2, "u_sscratch", 0), (2, "u_satp", 0), (2, "u_mstatus", 0), (8, "u_ecall", 0),
        ])
        for (trap, label) in zip(run.traps, ["ro_mhartid", "ro_mvendorid", "ro_cycle", "s_mstatus"]) {
            #expect(trap.tval == run.instructionBits(at: run.address(label)), "\(label): mtval is the instruction")
        }
    }

    /// sstatus shows and changes only the S fields of mstatus; sie and sip show the bits of
    /// mie and mip that mideleg delegates.
    @Test func supervisorViewsOfMachineRegisters() throws {
        let run = try Privileged.run("""
                li t0, (1 << 1) | (1 << 5) | (1 << 8) | (1 << 18) | (1 << 19) | (1 << 7) | (1 << 11) | (1 << 20)
                csrs mstatus, t0          # SIE SPIE SPP SUM MXR, and MPIE MPP=S TVM
                csrr a0, sstatus
                li t2, ~(0xF << 13)       # leave out FS and XS (13-16), and SD
                and a0, a0, t2
                slli a0, a0, 1
                srli a0, a0, 1
                OUT a0                    # S fields and UXL only
                li t0, (1 << 1) | (1 << 5) | (1 << 8) | (1 << 18) | (1 << 19) | (1 << 7) | (1 << 11) | (1 << 20)
                csrc mstatus, t0
                li t0, (1 << 18) | (1 << 3) | (1 << 7) | (3 << 11) | (1 << 22)
                csrw sstatus, t0          # only SUM is an S field
                csrr a0, mstatus
                li t1, (1 << 18) | (1 << 3) | (1 << 7) | (1 << 22)
                and a0, a0, t1
                OUT a0
                csrc sstatus, t0
                csrw mie, zero
                li t0, 0xAAA              # every interrupt enable
                csrw mie, t0
                csrr a0, sie
                OUT a0                    # nothing delegated: 0
                li t0, 0x222
                csrw mideleg, t0
                csrr a0, sie
                OUT a0                    # 0x222
                csrw sie, zero            # clears only the delegated bits of mie
                csrr a0, mie
                OUT a0                    # 0x888
                csrw mie, zero
                csrw mideleg, zero
                li t0, 0x222
                csrs mip, t0              # SSIP, STIP, SEIP pending (software bits)
                csrr a0, sip
                OUT a0                    # 0
                li t0, 0x222
                csrw mideleg, t0
                csrr a0, sip
                OUT a0                    # 0x222
                csrw sip, zero            # only SSIP is writable through sip
                csrr a0, mip
                OUT a0                    # 0x220
                li t0, 0x222
                csrc mip, t0
                csrw mideleg, zero
            """)
        run.expectResults([
            ("sstatus: SIE SPIE SPP SUM MXR UXL", 0x2 | 0x20 | 0x100 | 1 << 18 | 1 << 19 | 2 << 32),
            ("sstatus write changed SUM only", 1 << 18),
            ("sie without mideleg", 0), ("sie with mideleg", 0x222), ("mie after sie = 0", 0x888),
            ("sip without mideleg", 0), ("sip with mideleg", 0x222), ("mip after sip = 0", 0x220),
        ])
        #expect(run.traps.isEmpty, "\(run.traps)")
    }

    /// TSR makes sret, TW makes wfi, TVM makes satp and sfence.vma illegal in S-mode.
    @Test func trapVirtualizationBits() throws {
        let run = try Privileged.run("""
                li t0, (1 << 20) | (1 << 21) | (1 << 22)   # TVM, TW, TSR
                csrs mstatus, t0
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, s1
                csrw mepc, t0
                mret
            s1:
                la t0, s_wrong
                csrw sepc, t0
                li t0, 1 << 8
                csrs sstatus, t0
            tsr_sret:
                sret
            tw_wfi:
                wfi
            tvm_read:
                csrr a0, satp
            tvm_write:
                csrw satp, zero
            tvm_sfence:
                sfence.vma
                RESUME_AT m2
            ecall1:
                ecall
            m2:
                li t0, (1 << 20) | (1 << 21) | (1 << 22)
                csrc mstatus, t0
                li t0, 3 << 11
                csrc mstatus, t0
                li t0, 1 << 11
                csrs mstatus, t0
                la t0, s2
                csrw mepc, t0
                mret
            s2:
                csrr a0, satp             # allowed now
                sfence.vma
                la t0, s3
                csrw sepc, t0
                li t0, 1 << 8
                csrs sstatus, t0
                sret
            s3:
                li a0, 1
                OUT a0
                RESUME_AT done
            ecall2:
                ecall
                j done
            s_wrong:
                li a0, 0xbad
                OUT a0
                j s3
            done:
            """)
        run.expectResults([("sret worked without TSR", 1)])
        Privileged.expectTraps(run, [
            (2, "tsr_sret", 1), (2, "tw_wfi", 1), (2, "tvm_read", 1), (2, "tvm_write", 1), (2, "tvm_sfence", 1),
            (9, "ecall1", 1), (9, "ecall2", 1),
        ])
    }

    /// MPRV = 1 with MPP = S: M-mode loads and stores go through Sv39 and S permissions;
    /// fetches stay untranslated. With MPP = M, nothing is translated.
    @Test func modifyPrivilegeTranslatesMachineLoads() throws {
        let root: UInt64 = 0x8080_0000
        let run = try Privileged.run("""
                li t0, (8 << 60) | (0x80800000 >> 12)
                csrw satp, t0
                la t1, marker
                li t2, 0x80000000
                sub t1, t1, t2
                li t2, 0x40000000
                add s1, t1, t2            # the marker through the alias at 0x4000_0000
            untranslated:
                ld a0, 0(s1)              # M-mode: physical 0x4000_xxxx is nothing: access fault
                li t0, (1 << 17) | (3 << 11)
                csrc mstatus, t0
                li t0, (1 << 17) | (1 << 11)   # MPRV, MPP = S
                csrs mstatus, t0
                ld a0, 0(s1)
                OUT a0
                li t3, 0x77
                sd t3, 8(s1)              # a store goes through the alias too
            user_page:
                ld a0, 0(s2)              # a U page is not readable by S without SUM: page fault
                li t0, 3 << 11
                csrs mstatus, t0          # MPP = M: no translation
            mpp_m:
                ld a0, 0(s1)
                li t0, 1 << 17
                csrc mstatus, t0
                csrw satp, zero
                la t1, marker
                ld a0, 8(t1)
                OUT a0
                j 1f
                .data
                .p2align 3
            marker:
                .quad 0x1234abcd
                .quad 0
                .text
            1:
            """, setup: { machine, _ in
            Sv39.set(machine, table: root, index: 1, Sv39.pte(0x8000_0000, Sv39.rwxad))          // 0x4000_0000 → RAM
            Sv39.set(machine, table: root, index: 2, Sv39.pte(0x8000_0000, Sv39.rwxad))          // identity
            Sv39.set(machine, table: root, index: 3, Sv39.pte(0x8000_0000, Sv39.rwxad | Sv39.u)) // user alias
            machine.harts[0].setRegister(18, 0xC000_0000)   // s2
        })
        run.expectResults([("load through the mapping", 0x1234_abcd), ("store through the mapping", 0x77)])
        let marker = run.address("marker")
        Privileged.expectTraps(run, [(5, "untranslated", 3), (13, "user_page", 3), (5, "mpp_m", 3)])
        let traps = run.traps
        if traps.count == 3 {
            #expect(traps[0].tval == marker - 0x8000_0000 + 0x4000_0000)
            #expect(traps[1].tval == 0xC000_0000)
        }
    }

    /// mcounteren gates cycle/time/instret for S (and U); scounteren in addition for U.
    @Test func counterEnables() throws {
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
                .macro S_TO_U label
                    li t0, 1 << 8
                    csrc sstatus, t0
                    la t0, \\label
                    csrw sepc, t0
                    sret
                .endm
                csrw mcounteren, zero
                li t0, 7
                csrw scounteren, t0
                TO_S s1
            s1:
            s1_cycle: rdcycle a0
            s1_time: rdtime a0
            s1_instret: rdinstret a0
                S_TO_U u1
            u1:
            u1_time: rdtime a0            # scounteren alone is not enough
                RESUME_AT m2
            e1: ecall
            m2:
                li t0, 2                  # TM only
                csrw mcounteren, t0
                csrw scounteren, zero
                TO_S s2
            s2:
            s2_cycle: rdcycle a0
                rdtime a0                 # allowed
                S_TO_U u2
            u2:
            u2_time: rdtime a0            # scounteren.TM = 0
                RESUME_AT m3
            e2: ecall
            m3:
                li t0, 7
                csrw mcounteren, t0
                csrw scounteren, t0
                TO_S s3
            s3:
                rdcycle a0
                rdtime a0
                rdinstret a0
                S_TO_U u3
            u3:
                rdcycle a0
                rdtime a0
                rdinstret a0
                RESUME_AT m4
            e3: ecall
            m4:
                csrw mcounteren, zero
                csrw scounteren, zero
            """)
        run.expectPassed()
        Privileged.expectTraps(run, [
            (2, "s1_cycle", 1), (2, "s1_time", 1), (2, "s1_instret", 1), (2, "u1_time", 0), (8, "e1", 0),
            (2, "s2_cycle", 1), (2, "u2_time", 0), (8, "e2", 0), (8, "e3", 0),
        ])
    }

    /// A satp write with a MODE other than Bare (0) or Sv39 (8) has no effect at all.
    @Test func satpWithUnsupportedModeIsIgnored() throws {
        let run = try Privileged.run("""
                li t0, (8 << 60) | (5 << 44) | 0x80123
                csrw satp, t0
                csrr a0, satp
                OUT a0
                li t0, (9 << 60) | (7 << 44) | 0x80456     # Sv48: not supported
                csrw satp, t0
                csrr a0, satp
                OUT a0
                li t0, (1 << 60) | 0x80789                 # reserved mode
                csrw satp, t0
                csrr a0, satp
                OUT a0
                csrw satp, zero
                csrr a0, satp
                OUT a0
            """)
        let sv39: UInt64 = 8 << 60 | 5 << 44 | 0x80123
        run.expectResults([("Sv39 taken", sv39), ("Sv48 ignored", sv39), ("mode 1 ignored", sv39), ("Bare", 0)])
        #expect(run.traps.isEmpty, "\(run.traps)")
    }
}
