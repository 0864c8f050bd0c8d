// RV64I executed on the machine, from the ISA manual's definitions: upper immediates and
// their sign extension, register-immediate and register-register arithmetic, shifts (by
// 63, and by 31 in the W forms, with the shift amount's upper bits ignored), W-form sign
// extension, comparisons (sltiu with -1), loads and stores of every width with sign and
// zero extension, misaligned and page-crossing accesses (executed, not trapped), jumps
// (jalr clearing bit 0, rd == rs1), every branch taken and not taken, x0, and self-
// modifying code made visible by fence.i.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct IntegerInstructionTests {
    @Test func upperImmediatesAndArithmetic() throws {
        let run = try BareMetal.run("""
                lui a0, 0x80000
                OUT a0
                lui a0, 0x7ffff
                OUT a0
            auipc_here:
                auipc a0, 0x80000
                OUT a0
            auipc_zero:
                auipc a0, 0
                OUT a0
                li a1, -1
                li a2, 1
                add a0, a1, a2
                OUT a0
                sub a0, zero, a2
                OUT a0
                li a1, 0x7fffffff
                addiw a0, a1, 1
                OUT a0
                addw a0, a1, a2
                OUT a0
                li a1, 0xffffffff
                addiw a0, a1, 0
                OUT a0
                li a1, 0x80000000
                subw a0, a1, a2
                OUT a0
                li a1, 0x123456789abcdef0
                addi a0, a1, -2048
                OUT a0
                andi a0, a1, -16
                OUT a0
                andi a0, a1, 0x7ff
                OUT a0
                ori a0, a1, -2048
                OUT a0
                xori a0, a1, -1
                OUT a0
                li a2, 0x0ff00ff00ff00ff0
                and a0, a1, a2
                OUT a0
                or a0, a1, a2
                OUT a0
                xor a0, a1, a2
                OUT a0
                addi zero, zero, 5
                OUT zero
                lui zero, 0x12345
                OUT zero
            """)
        let auipcHere = run.address("auipc_here")
        let auipcZero = run.address("auipc_zero")
        run.expectResults([
            ("lui 0x80000 sign-extends", 0xFFFF_FFFF_8000_0000),
            ("lui 0x7ffff", 0x7FFF_F000),
            ("auipc 0x80000 sign-extends its offset", auipcHere &+ 0xFFFF_FFFF_8000_0000),
            ("auipc 0", auipcZero),
            ("add wraps", 0),
            ("sub 0 - 1", .max),
            ("addiw overflow sign-extends", 0xFFFF_FFFF_8000_0000),
            ("addw overflow sign-extends", 0xFFFF_FFFF_8000_0000),
            ("addiw 0 is sext.w", .max),
            ("subw", 0x7FFF_FFFF),
            ("addi -2048", 0x1234_5678_9ABC_D6F0),
            ("andi -16", 0x1234_5678_9ABC_DEF0),
            ("andi 0x7ff", 0x6F0),
            ("ori -2048 sign-extends the immediate", 0xFFFF_FFFF_FFFF_FEF0),
            ("xori -1 is not", ~UInt64(0x1234_5678_9ABC_DEF0)),
            ("and", 0x0230_0670_0AB0_0EF0),
            ("or", 0x1FF4_5FF8_9FFC_DFF0),
            ("xor", 0x1DC4_5988_954C_D100),
            ("addi to x0 is discarded", 0),
            ("lui to x0 is discarded", 0),
        ])
    }

    @Test func comparisons() throws {
        let run = try BareMetal.run("""
                li a1, -1
                slti a0, a1, 0
                OUT a0
                slti a0, a1, -1
                OUT a0
                li a1, 5
                sltiu a0, a1, -1
                OUT a0
                li a1, -1
                sltiu a0, a1, -1
                OUT a0
                sltiu a0, zero, 1
                OUT a0
                li a1, -1
                li a2, 1
                slt a0, a1, a2
                OUT a0
                sltu a0, a1, a2
                OUT a0
                slt a0, a2, a1
                OUT a0
                sltu a0, a2, a1
                OUT a0
                sltu a0, zero, a2
                OUT a0
                slt a0, a1, a1
                OUT a0
            """)
        run.expectResults([
            ("slti -1 < 0", 1), ("slti -1 < -1", 0),
            ("sltiu 5 < -1 (unsigned max)", 1), ("sltiu max < max", 0), ("seqz 0", 1),
            ("slt -1 < 1", 1), ("sltu max < 1", 0), ("slt 1 < -1", 0), ("sltu 1 < max", 1),
            ("snez 1", 1), ("slt equal", 0),
        ])
    }

    @Test func shifts() throws {
        let run = try BareMetal.run("""
                li a1, 0x8000000000000001
                slli a0, a1, 63
                OUT a0
                srli a0, a1, 63
                OUT a0
                srai a0, a1, 63
                OUT a0
                srai a0, a1, 1
                OUT a0
                li a2, 65
                sll a0, a1, a2
                OUT a0
                srl a0, a1, a2
                OUT a0
                sra a0, a1, a2
                OUT a0
                li a2, 63
                sra a0, a1, a2
                OUT a0
                li a1, 0x80000001
                slliw a0, a1, 31
                OUT a0
                srliw a0, a1, 31
                OUT a0
                sraiw a0, a1, 31
                OUT a0
                li a1, 0xaaaaaaaa00000010
                srliw a0, a1, 4
                OUT a0
                li a1, 0x80000000
                slliw a0, a1, 0
                OUT a0
                srliw a0, a1, 0
                OUT a0
                li a1, 0x40000000
                li a2, 33
                sllw a0, a1, a2
                OUT a0
                li a1, 0x80000000
                li a2, 63
                srlw a0, a1, a2
                OUT a0
                sraw a0, a1, a2
                OUT a0
                li a2, 0xffffffffffffffe4
                srlw a0, a1, a2
                OUT a0
                li a1, 0x1234567887654321
                sraiw a0, a1, 4
                OUT a0
            """)
        run.expectResults([
            ("slli 63", 0x8000_0000_0000_0000), ("srli 63", 1), ("srai 63", .max),
            ("srai 1", 0xC000_0000_0000_0000),
            ("sll uses rs2[5:0]", 2), ("srl uses rs2[5:0]", 0x4000_0000_0000_0000), ("sra uses rs2[5:0]", 0xC000_0000_0000_0000),
            ("sra 63", .max),
            ("slliw 31", 0xFFFF_FFFF_8000_0000), ("srliw 31", 1), ("sraiw 31", .max),
            ("srliw ignores the upper word", 1),
            ("slliw 0 sign-extends", 0xFFFF_FFFF_8000_0000), ("srliw 0 sign-extends", 0xFFFF_FFFF_8000_0000),
            ("sllw uses rs2[4:0]", 0xFFFF_FFFF_8000_0000), ("srlw by 63 is by 31", 1), ("sraw by 63 is by 31", .max),
            ("srlw uses rs2[4:0] (rs2 = -28: by 4)", 0x0800_0000),
            ("sraiw works on the low word", 0xFFFF_FFFF_F876_5432),
        ])
    }

    @Test func loadsAndStores() throws {
        let run = try BareMetal.run("""
                la t0, load_data
                lb a0, 0(t0)
                OUT a0
                lbu a0, 0(t0)
                OUT a0
                lh a0, 0(t0)
                OUT a0
                lhu a0, 0(t0)
                OUT a0
                lw a0, 0(t0)
                OUT a0
                lwu a0, 0(t0)
                OUT a0
                ld a0, 0(t0)
                OUT a0
                lw a0, 8(t0)
                OUT a0
                lb a0, 15(t0)
                OUT a0
                # misaligned loads are executed
                lw a0, 1(t0)
                OUT a0
                lhu a0, 1(t0)
                OUT a0
                lh a0, 7(t0)
                OUT a0
                ld a0, 3(t0)
                OUT a0
                lwu a0, 6(t0)
                OUT a0
                # negative offsets
                addi t1, t0, 16
                ld a0, -16(t1)
                OUT a0
                # stores of each width into a zeroed double word
                la t1, store_area
                li a1, 0x1122334455667788
                sb a1, 0(t1)
                sh a1, 2(t1)
                sw a1, 4(t1)
                ld a0, 0(t1)
                OUT a0
                sd a1, 8(t1)
                ld a0, 8(t1)
                OUT a0
                # misaligned stores
                sd a1, 17(t1)
                ld a0, 16(t1)
                OUT a0
                ld a0, 24(t1)
                OUT a0
                sw a1, 35(t1)
                ld a0, 32(t1)
                OUT a0
                # a double word across a page boundary
                la t2, page_two
                li a1, 0x0102030405060708
                sd a1, -3(t2)
                ld a0, -3(t2)
                OUT a0
                ld a0, -8(t2)
                OUT a0
                lwu a0, 0(t2)
                OUT a0
                lh a0, -1(t2)
                OUT a0

                .data
                .p2align 3
            load_data:
                .dword 0x80818283f0f1f2f3
                .dword 0x8706050412345678
                .bss
                .p2align 12
            store_area:
                .zero 4096
            page_two:
                .zero 64
            """)
        run.expectResults([
            ("lb", 0xFFFF_FFFF_FFFF_FFF3), ("lbu", 0xF3), ("lh", 0xFFFF_FFFF_FFFF_F2F3), ("lhu", 0xF2F3),
            ("lw", 0xFFFF_FFFF_F0F1_F2F3), ("lwu", 0xF0F1_F2F3), ("ld", 0x8081_8283_F0F1_F2F3),
            ("lw positive", 0x1234_5678), ("lb 0x87", 0xFFFF_FFFF_FFFF_FF87),
            ("lw misaligned", 0xFFFF_FFFF_83F0_F1F2), ("lhu misaligned", 0xF1F2), ("lh misaligned", 0x7880),
            ("ld misaligned", 0x3456_7880_8182_83F0), ("lwu misaligned", 0x5678_8081),
            ("ld negative offset", 0x8081_8283_F0F1_F2F3),
            ("sb/sh/sw", 0x5566_7788_7788_0088), ("sd", 0x1122_3344_5566_7788),
            ("sd misaligned, first word", 0x2233_4455_6677_8800), ("sd misaligned, second word", 0x11),
            ("sw misaligned", 0x0055_6677_8800_0000),
            ("ld across pages", 0x0102_0304_0506_0708), ("first page's tail", 0x0607_0800_0000_0000),
            ("second page's head", 0x0203_0405), ("lh across pages", 0x0506),
        ])
    }

    @Test func jumpsAndBranches() throws {
        let run = try BareMetal.run("""
                .macro BR op, a, b
                    li t0, \\a
                    li t1, \\b
                    li t2, 1
                    \\op t0, t1, 1f
                    li t2, 0
                1:  OUT t2
                .endm
                BR beq, 5, 5
                BR beq, 5, 6
                BR bne, 5, 6
                BR bne, -1, -1
                BR blt, -1, 1
                BR blt, 1, -1
                BR blt, 3, 3
                BR bge, -1, -1
                BR bge, -1, 1
                BR bge, 1, -1
                BR bltu, -1, 1
                BR bltu, 1, -1
                BR bgeu, -1, 1
                BR bgeu, 1, -1
                BR bgeu, 0, 0

                # a backward branch: count down from 10
                li a0, 10
                li a1, 0
            2:  addi a1, a1, 3
                addi a0, a0, -1
                bnez a0, 2b
                OUT a1

                jal a0, jal_target
            jal_return:
                j 3f
            jal_target:
                OUT a0
            3:
                # jalr clears bit 0 of the target; an odd immediate is fine too
                la a1, jalr_target
                addi a1, a1, 1
                jalr a0, 0(a1)
            jalr_return:
                j 4f
                .p2align 2
            jalr_target:
                OUT a0
            4:  la a1, jalr_target2
                jalr a0, 1(a1)
            jalr_return2:
                j 5f
                .p2align 2
            jalr_target2:
                OUT a0
            5:  # rd == rs1: the target uses the old value
                la a1, jalr_target3
                jalr a1, 0(a1)
            jalr_return3:
                j 6f
                .p2align 2
            jalr_target3:
                OUT a1
            6:  # jal with rd = x0 writes nothing
                jal zero, 7f
                li a0, 99
            7:  OUT zero
            """)
        let branches: [(String, UInt64)] = [
            ("beq 5,5", 1), ("beq 5,6", 0), ("bne 5,6", 1), ("bne -1,-1", 0),
            ("blt -1,1", 1), ("blt 1,-1", 0), ("blt 3,3", 0),
            ("bge -1,-1", 1), ("bge -1,1", 0), ("bge 1,-1", 1),
            ("bltu max,1", 0), ("bltu 1,max", 1), ("bgeu max,1", 1), ("bgeu 1,max", 0), ("bgeu 0,0", 1),
        ]
        run.expectResults(branches + [
            ("backward loop", 30),
            ("jal links the next instruction", run.address("jal_return")),
            ("jalr links the next instruction", run.address("jalr_return")),
            ("jalr with an odd immediate", run.address("jalr_return2")),
            ("jalr rd == rs1", run.address("jalr_return3")),
            ("jal x0", 0),
        ])
    }

    /// A store into decoded code, then fence.i: the new instruction runs.
    @Test func selfModifyingCodeAfterFenceI() throws {
        let run = try BareMetal.run("""
                li s1, 0
            again:
                jal ra, patched
                OUT a0
                # overwrite the first instruction of `patched` with `addi a0, zero, 42`
                la t0, patched
                li t1, 0x02a00513
                sw t1, 0(t0)
                fence.i
                addi s1, s1, 1
                li t0, 2
                blt s1, t0, again
                j 1f
                .option push
                .option norvc
                .p2align 2
            patched:
                addi a0, zero, 7
                ret
                .option pop
            1:
            """)
        run.expectResults([("before the patch", 7), ("after the patch and fence.i", 42)])
    }
}
