// Zicsr and the machine-level CSRs executed on the machine: csrrw/csrrs/csrrc and their
// immediate forms (old value returned, bits set and cleared), the rd = x0 and rs1 = x0
// rules (reading a read-only CSR with csrrs/csrrc x0 or a zero immediate is fine; any
// write to one — csrrw, or csrrs with a register that happens to hold 0 — is illegal),
// unknown CSRs and M-mode CSRs from lower privilege as illegal, misa, mhartid on two
// harts, mstatus WARL fields (MPP = 2 not kept, UXL/SXL fixed), mepc's bit 0, mtvec modes
// with a vectored software interrupt, cycle/instret advancing (a read sees the count before
// the reading instruction, a written value is what the next instruction reads, trapped
// instructions do not retire), and the counter enables.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct CSRTests {
    @Test func readModifyWrite() throws {
        let run = try BareMetal.run("""
                csrr s1, mscratch         # the trap handler's pointer: restored below
                li a0, 0x1234
                csrrw a1, mscratch, a0
                li t0, 0xf00
                csrrs a2, mscratch, t0
                li t0, 0x204
                csrrc a3, mscratch, t0
                csrrwi a4, mscratch, 31
                csrrci a5, mscratch, 5
                csrrsi a6, mscratch, 4
                csrr a7, mscratch
                csrrs t1, mscratch, zero  # reads without writing
                csrrc t2, mscratch, zero
                csrrsi t3, mscratch, 0
                csrw mscratch, s1
                sub a1, a1, s1            # 0 if csrrw returned the old value
                OUT a1
                OUT a2
                OUT a3
                OUT a4
                OUT a5
                OUT a6
                OUT a7
                OUT t1
                OUT t2
                OUT t3
                # rd == rs1
                li t0, 0xabc
                csrw mscratch, t0
                li t0, 0x5
                csrrw t0, mscratch, t0
                OUT t0
                csrr t0, mscratch
                OUT t0
                csrw mscratch, s1
            """)
        run.expectResults([
            ("csrrw returns the old value", 0), ("csrrs returns 0x1234", 0x1234), ("csrrc returns 0x1f34", 0x1F34),
            ("csrrwi returns 0x1d30", 0x1D30), ("csrrci returns 31", 31), ("csrrsi returns 26", 26), ("final", 30),
            ("csrrs x0", 30), ("csrrc x0", 30), ("csrrsi 0", 30),
            ("csrrw rd == rs1 returns the old value", 0xABC), ("and writes the old rs1", 5),
        ])
    }

    @Test func readOnlyAndUnknownCSRs() throws {
        let run = try BareMetal.run("""
                csrr a0, mhartid
                OUT a0
                csrrs a0, mvendorid, zero
                OUT a0
                csrrsi a0, marchid, 0
                OUT a0
                csrrc a0, mimpid, zero
                OUT a0
                csrrci a0, mhartid, 0
                OUT a0
                rdcycle a1
                rdinstret a2
                rdtime a3
                li t0, 0
            ro1: csrw mhartid, zero           # csrrw always writes
            ro2: csrrw a0, cycle, a0
            ro3: csrrs a0, mhartid, t0        # rs1 != x0 writes, even with value 0
            ro4: csrrwi zero, instret, 0
            ro5: csrrci a0, time, 1
            ro6: csrrc a0, mvendorid, t0
            un1: csrr a0, 0x7c0               # custom / unimplemented numbers
            un2: csrw 0x5c0, a0
            un3: csrr a0, 0x800
            un4: csrrsi a0, 0x400, 0
                csrr a0, misa
                OUT a0
                csrw misa, zero               # WARL: the extensions cannot be turned off
                csrr a0, misa
                OUT a0
            """)
        run.expectResults([
            ("mhartid", 0), ("mvendorid", 0), ("marchid", 0), ("mimpid", 0), ("csrrci 0 on mhartid", 0),
            ("misa: RV64 ACDFIMSU", 0x8000_0000_0014_112D), ("misa unchanged", 0x8000_0000_0014_112D),
        ])
        run.expectIllegalInstructions(at: ["ro1", "ro2", "ro3", "ro4", "ro5", "ro6", "un1", "un2", "un3", "un4"])
    }

    @Test func mhartidOnEachHart() throws {
        let run = try BareMetal.run("""
                csrr t0, mhartid
                la t1, ids
                slli t2, t0, 3
                add t1, t1, t2
                addi t0, t0, 100
                sd t0, 0(t1)
                csrr t0, mhartid
                bnez t0, 2f
            1:  ld t0, 8(t1)                  # hart 0 waits for hart 1
                beqz t0, 1b
                la t1, ids
                ld a0, 0(t1)
                OUT a0
                ld a0, 8(t1)
                OUT a0
                j test_pass
            2:  wfi
                j 2b

                .bss
                .p2align 3
            ids:
                .zero 16
            """) { $0.hartCount = 2 }
        run.expectResults([("hart 0", 100), ("hart 1", 101)])
    }

    @Test func statusAndVectorWARLFields() throws {
        let run = try BareMetal.run("""
                .macro SET_MPP value
                    csrr a0, mstatus
                    li t1, ~(3 << 11)
                    and a0, a0, t1
                    li t1, \\value << 11
                    or a0, a0, t1
                    csrw mstatus, a0
                    csrr a0, mstatus
                    srli a0, a0, 11
                    andi a0, a0, 3
                    OUT a0
                .endm
                SET_MPP 3
                SET_MPP 2
                SET_MPP 1
                SET_MPP 2
                SET_MPP 0
                csrr a0, mstatus
                srli a0, a0, 32
                andi a0, a0, 0xf
                OUT a0                        # UXL = SXL = 2
                li t0, 0xf << 32
                csrc mstatus, t0
                csrr a0, mstatus
                srli a0, a0, 32
                andi a0, a0, 0xf
                OUT a0
                # mtvec: MODE 0 and 1 exist; 2 and 3 are reserved
                csrr s1, mtvec
                li t0, 0x80001000
                addi t1, t0, 1
                csrw mtvec, t1
                csrr a0, mtvec
                sub a0, a0, t0
                OUT a0
                addi t1, t0, 2
                csrw mtvec, t1
                csrr a0, mtvec
                andi a0, a0, 3
                OUT a0
                csrw mtvec, s1
                # mepc: bit 0 is always zero (IALIGN = 16)
                li t0, 0x80001235
                csrw mepc, t0
                csrr a0, mepc
                OUT a0
                # mie keeps only implemented interrupt bits
                li t0, -1
                csrw mie, t0
                csrr a0, mie
                csrw mie, zero
                OUT a0
            """)
        run.expectResults([
            ("MPP = M", 3), ("MPP = 2 is not kept", 3), ("MPP = S", 1), ("MPP = 2 is not kept", 1), ("MPP = U", 0),
            ("UXL/SXL", 0xA), ("UXL/SXL are read-only", 0xA),
            ("mtvec vectored", 1), ("mtvec MODE 2 reads back as a legal mode", 0),
            ("mepc bit 0 clear", 0x8000_1234), ("mie: SSIE MSIE STIE MTIE SEIE MEIE", 0xAAA),
        ])
    }

    @Test func vectoredInterruptsAndExceptions() throws {
        let run = try BareMetal.run("""
                la t0, vector_table
                ori t0, t0, 1
                csrw mtvec, t0
            ecall_vectored:
                ecall                         # exceptions use the base
                li t0, 8                      # MSIE
                csrw mie, t0
                csrsi mstatus, 8              # MIE
                li t1, 0x2000000              # CLINT msip of hart 0
                li t2, 1
                sw t2, 0(t1)
                nop
                nop
                nop
                csrr a0, mcause
                OUT a0
                la t0, trap_handler
                csrw mtvec, t0
                j 9f

                .option push
                .option norvc
                .p2align 2
            vector_table:
                j on_exception                # 0: every exception
                j on_unexpected               # 1
                j on_unexpected               # 2
                j on_software                 # 3: machine software interrupt
                j on_unexpected
                j on_unexpected
                j on_unexpected
                j on_unexpected
                .option pop
            on_exception:
                csrr a0, mcause
                OUT a0
                csrr a0, mepc
                addi a0, a0, 4
                csrw mepc, a0
                mret
            on_software:
                csrr a0, mcause
                OUT a0
                li t1, 0x2000000
                sw zero, 0(t1)                # clear msip
                csrw mie, zero
                mret
            on_unexpected:
                li t1, TEST_DEVICE
                li t2, 0x3333 | (7 << 16)
                sw t2, 0(t1)
            9:
            """)
        run.expectResults([
            ("ecall went to the base", 11), ("software interrupt at base + 4*3", 0x8000_0000_0000_0003),
            ("mcause after the handler", 0x8000_0000_0000_0003),
        ])
    }

    @Test func countersAndCounterEnables() throws {
        let run = try BareMetal.run("""
                csrr a0, instret
                nop
                nop
                csrr a1, instret
                sub a0, a1, a0
                OUT a0
                csrr a0, cycle
                nop
                csrr a1, cycle
                sltu a0, a0, a1
                OUT a0
                csrr a0, mcycle
                csrr a1, mcycle
                sltu a0, a0, a1
                OUT a0
                # a CSR read returns the value before the reading instruction; a value
                # written to instret is the value the next instruction reads
                li t0, 100
                csrw minstret, t0
                csrr a0, minstret
                csrr a1, instret
                OUT a0
                OUT a1
                # an instruction that traps does not retire: only the handler's 4 count
                la t0, tiny_handler
                csrw mtvec, t0
                csrw minstret, zero
                ecall
                csrr a0, minstret
                OUT a0
                la t0, trap_handler
                csrw mtvec, t0
                j 1f
                .p2align 2
            tiny_handler:
                csrr t0, mepc
                addi t0, t0, 4
                csrw mepc, t0
                mret
            1:
                # U-mode counter access needs mcounteren and scounteren
                csrw mcounteren, zero
                csrw scounteren, zero
                li t0, 3 << 11
                csrc mstatus, t0
                la t0, user1
                csrw mepc, t0
                mret
            user1:
            u_cycle: rdcycle a0
            u_time: rdtime a0
            u_instret: rdinstret a0
                RESUME_AT m_again
                ecall
            m_again:
                li t0, 7
                csrw mcounteren, t0
                csrw scounteren, t0
                li t0, 3 << 11
                csrc mstatus, t0
                la t0, user2
                csrw mepc, t0
                mret
            user2:
                rdcycle a0
                rdtime a0
                rdinstret a0
                RESUME_AT done
                ecall
            done:
                csrw mcounteren, zero
                csrw scounteren, zero
            """)
        run.expectResults([("instret advances by 3", 3), ("cycle advances", 1), ("mcycle advances", 1),
                           ("the next instruction reads the value written", 100), ("and then counts itself", 101),
                           ("the trapping ecall is not counted", 4)])
        let traps = run.traps
        #expect(traps.count == 5, "\(traps)")
        for (trap, label) in zip(traps, ["u_cycle", "u_time", "u_instret"]) {
            #expect(trap.cause == 2 && trap.epc == run.address(label), "\(label): \(trap)")
        }
        if traps.count == 5 { #expect(traps[3].cause == 8 && traps[4].cause == 8) }
    }
}
