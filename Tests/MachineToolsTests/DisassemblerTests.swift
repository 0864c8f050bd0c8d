// Tests of the disassembler: a table of encodings (from an assembler) and the expected text for
// every instruction of RV64I, M, A, F, D, C, Zicsr, Zifencei and the privileged ones, with the
// aliases the listing uses and the same words without aliases; illegal words; register and
// CSR names; and the column layout.
import Testing
@testable import Machine
@testable import MachineTools

/// An instruction word, where it sits, and the text expected for it.
struct ListingCase: Sendable, CustomTestStringConvertible {
    let bits: UInt32
    let text: String
    let pc: UInt64
    init(_ bits: UInt32, _ text: String, pc: UInt64 = 0x8000_0000) {
        self.bits = bits
        self.text = text
        self.pc = pc
    }
    var testDescription: String { "0x" + String(bits, radix: 16) + " " + text }
}

@Suite struct DisassemblerTests {
    /// 32-bit instructions, with the listing's aliases.
    static let fullWords: [ListingCase] = [
        // U-type
        .init(0x1234_5537, "lui     a0, 0x12345"),
        .init(0xFFFF_FFB7, "lui     t6, 0xfffff"),
        .init(0x0000_1097, "auipc   ra, 0x1"),
        // Jumps
        .init(0x0100_00EF, "jal     ra, 0x8000001c", pc: 0x8000_000C),
        .init(0xFFDF_F06F, "j       0x8000000c", pc: 0x8000_0010),
        .init(0x7FF7_F46F, "jal     s0, 0x80080012", pc: 0x8000_0014),
        .init(0x0085_00E7, "jalr    ra, 8(a0)"),
        .init(0x0000_8067, "ret"),
        .init(0x0007_8067, "jr      a5"),
        .init(0x8003_02E7, "jalr    t0, -2048(t1)"),
        // Branches
        .init(0x00B5_0863, "beq     a0, a1, 0x80000038", pc: 0x8000_0028),
        .init(0xFE05_1CE3, "bnez    a0, 0x80000024", pc: 0x8000_002C),
        .init(0x7E62_CFE3, "blt     t0, t1, 0x8000102e", pc: 0x8000_0030),
        .init(0x8139_5063, "bge     s2, s3, 0x7ffff034", pc: 0x8000_0034),
        .init(0x00B5_6463, "bltu    a0, a1, 0x80000040", pc: 0x8000_0038),
        .init(0x00A0_7663, "bgeu    zero, a0, 0x80000048", pc: 0x8000_003C),
        .init(0x0005_0263, "beqz    a0, 0x80000044", pc: 0x8000_0040),
        // Loads and stores
        .init(0xFFF5_8503, "lb      a0, -1(a1)"),
        .init(0x0021_1583, "lh      a1, 2(sp)"),
        .init(0x7FF4_A403, "lw      s0, 2047(s1)"),
        .init(0x0081_3503, "ld      a0, 8(sp)"),
        .init(0x0003_4283, "lbu     t0, 0(t1)"),
        .init(0x8001_D383, "lhu     t2, -2048(gp)"),
        .init(0x0042_6883, "lwu     a7, 4(tp)"),
        .init(0xFEA1_0FA3, "sb      a0, -1(sp)"),
        .init(0x0005_1323, "sh      zero, 6(a0)"),
        .init(0x0011_2623, "sw      ra, 12(sp)"),
        .init(0x7FB1_3C23, "sd      s11, 2040(sp)"),
        // Integer register-immediate
        .init(0xFFB5_8513, "addi    a0, a1, -5"),
        .init(0x0000_0013, "nop"),
        .init(0x02A0_0513, "li      a0, 42"),
        .init(0x0005_8513, "mv      a0, a1"),
        .init(0x0010_0013, "li      zero, 1"),
        .init(0xFFF5_A513, "slti    a0, a1, -1"),
        .init(0x0015_B513, "seqz    a0, a1"),
        .init(0x0075_B513, "sltiu   a0, a1, 7"),
        .init(0xFFF5_C513, "not     a0, a1"),
        .init(0x0FF5_C513, "xori    a0, a1, 255"),
        .init(0x0013_6293, "ori     t0, t1, 1"),
        .init(0x0FF6_F613, "andi    a2, a3, 255"),
        .init(0x03F5_1513, "slli    a0, a0, 63"),
        .init(0x0015_D593, "srli    a1, a1, 1"),
        .init(0x4206_5613, "srai    a2, a2, 32"),
        // Integer register-register and M
        .init(0x00C5_8533, "add     a0, a1, a2"),
        .init(0x40C5_8533, "sub     a0, a1, a2"),
        .init(0x40C0_0533, "neg     a0, a2"),
        .init(0x00C5_9533, "sll     a0, a1, a2"),
        .init(0x00C5_A533, "slt     a0, a1, a2"),
        .init(0x0005_A533, "sltz    a0, a1"),
        .init(0x00C0_2533, "sgtz    a0, a2"),
        .init(0x00C5_B533, "sltu    a0, a1, a2"),
        .init(0x00C0_3533, "snez    a0, a2"),
        .init(0x00C5_C533, "xor     a0, a1, a2"),
        .init(0x00C5_D533, "srl     a0, a1, a2"),
        .init(0x40C5_D533, "sra     a0, a1, a2"),
        .init(0x00C5_E533, "or      a0, a1, a2"),
        .init(0x00C5_F533, "and     a0, a1, a2"),
        // Integer register-immediate (32-bit)
        .init(0x0015_851B, "addiw   a0, a1, 1"),
        .init(0x0005_851B, "sext.w  a0, a1"),
        .init(0x01F5_951B, "slliw   a0, a1, 31"),
        .init(0x0055_D51B, "srliw   a0, a1, 5"),
        .init(0x4005_D51B, "sraiw   a0, a1, 0"),
        // Integer register-register (32-bit) and M
        .init(0x00C5_853B, "addw    a0, a1, a2"),
        .init(0x40C5_853B, "subw    a0, a1, a2"),
        .init(0x40C0_053B, "negw    a0, a2"),
        .init(0x00C5_953B, "sllw    a0, a1, a2"),
        .init(0x00C5_D53B, "srlw    a0, a1, a2"),
        .init(0x40C5_D53B, "sraw    a0, a1, a2"),
        // Integer register-register and M
        .init(0x02C5_8533, "mul     a0, a1, a2"),
        .init(0x02C5_9533, "mulh    a0, a1, a2"),
        .init(0x02C5_A533, "mulhsu  a0, a1, a2"),
        .init(0x02C5_B533, "mulhu   a0, a1, a2"),
        .init(0x02C5_C533, "div     a0, a1, a2"),
        .init(0x02C5_D533, "divu    a0, a1, a2"),
        .init(0x02C5_E533, "rem     a0, a1, a2"),
        .init(0x02C5_F533, "remu    a0, a1, a2"),
        // Integer register-register (32-bit) and M
        .init(0x02C5_853B, "mulw    a0, a1, a2"),
        .init(0x02C5_C53B, "divw    a0, a1, a2"),
        .init(0x02C5_D53B, "divuw   a0, a1, a2"),
        .init(0x02C5_E53B, "remw    a0, a1, a2"),
        .init(0x02C5_F53B, "remuw   a0, a1, a2"),
        // Atomics
        .init(0x1005_A52F, "lr.w    a0, (a1)"),
        .init(0x1405_B52F, "lr.d.aq a0, (a1)"),
        .init(0x18C5_A52F, "sc.w    a0, a2, (a1)"),
        .init(0x1AC5_B52F, "sc.d.rl a0, a2, (a1)"),
        .init(0x08B6_252F, "amoswap.w a0, a1, (a2)"),
        .init(0x04B6_252F, "amoadd.w.aq a0, a1, (a2)"),
        .init(0x22B6_352F, "amoxor.d.rl a0, a1, (a2)"),
        .init(0x66B6_352F, "amoand.d.aqrl a0, a1, (a2)"),
        .init(0x40B6_252F, "amoor.w a0, a1, (a2)"),
        .init(0x80B6_352F, "amomin.d a0, a1, (a2)"),
        .init(0xA0B6_252F, "amomax.w a0, a1, (a2)"),
        .init(0xC0B6_352F, "amominu.d a0, a1, (a2)"),
        .init(0xE6B1_202F, "amomaxu.w.aqrl zero, a1, (sp)"),
        // Fences
        .init(0x0330_000F, "fence   rw, rw"),
        .init(0x0FF0_000F, "fence   iorw, iorw"),
        .init(0x0210_000F, "fence   r, w"),
        .init(0x8330_000F, "fence.tso"),
        .init(0x0840_000F, "fence   i, o"),
        .init(0x0100_000F, "pause"),
        .init(0x0000_100F, "fence.i"),
        // System and CSRs
        .init(0x0000_0073, "ecall"),
        .init(0x0010_0073, "ebreak"),
        .init(0x3020_0073, "mret"),
        .init(0x1020_0073, "sret"),
        .init(0x1050_0073, "wfi"),
        .init(0x7B20_0073, "dret"),
        .init(0x12B5_0073, "sfence.vma a0, a1"),
        .init(0x1200_0073, "sfence.vma"),
        .init(0x1205_0073, "sfence.vma a0"),
        .init(0x3005_9573, "csrrw   a0, mstatus, a1"),
        .init(0xF140_2573, "csrr    a0, mhartid"),
        .init(0x1045_B573, "csrrc   a0, sie, a1"),
        .init(0x3052_D573, "csrrwi  a0, mtvec, 5"),
        .init(0x001F_E573, "csrrsi  a0, fflags, 31"),
        .init(0x1800_F573, "csrrci  a0, satp, 1"),
        .init(0x3405_1073, "csrw    mscratch, a0"),
        .init(0x1445_2073, "csrs    sip, a0"),
        .init(0x3045_3073, "csrc    mie, a0"),
        .init(0x0020_D073, "csrwi   frm, 1"),
        .init(0x3004_6073, "csrsi   mstatus, 8"),
        .init(0x1001_7073, "csrci   sstatus, 2"),
        .init(0x7C00_22F3, "csrr    t0, 0x7c0"),
        .init(0xC000_1073, "unimp"),
        .init(0xC000_2573, "csrr    a0, cycle"),
        .init(0xC1F0_2573, "csrr    a0, hpmcounter31"),
        .init(0x3230_2573, "csrr    a0, mhpmevent3"),
        .init(0x3EF0_2573, "csrr    a0, pmpaddr63"),
        .init(0x7A30_2573, "csrr    a0, tdata3"),
        .init(0x7B30_2573, "csrr    a0, dscratch1"),
        // Floating-point loads and stores
        .init(0x0045_2507, "flw     fa0, 4(a0)"),
        .init(0xFF81_3007, "fld     ft0, -8(sp)"),
        .init(0x00B5_2027, "fsw     fa1, 0(a0)"),
        .init(0x7FB4_3FA7, "fsd     fs11, 2047(s0)"),
        // Floating-point fused multiply-add
        .init(0x68C5_F543, "fmadd.s fa0, fa1, fa2, fa3"),
        .init(0x6AC5_8547, "fmsub.d fa0, fa1, fa2, fa3, rne"),
        .init(0x1820_C04B, "fnmsub.s ft0, ft1, ft2, ft3, rmm"),
        .init(0x9B24_B44F, "fnmadd.d fs0, fs1, fs2, fs3, rup"),
        // Floating-point operations
        .init(0x00C5_F553, "fadd.s  fa0, fa1, fa2"),
        .init(0x02C5_9553, "fadd.d  fa0, fa1, fa2, rtz"),
        .init(0x08C5_A553, "fsub.s  fa0, fa1, fa2, rdn"),
        .init(0x0AC5_F553, "fsub.d  fa0, fa1, fa2"),
        .init(0x10C5_F553, "fmul.s  fa0, fa1, fa2"),
        .init(0x13DF_7FD3, "fmul.d  ft11, ft10, ft9"),
        .init(0x18C5_8553, "fdiv.s  fa0, fa1, fa2, rne"),
        .init(0x1AC5_F553, "fdiv.d  fa0, fa1, fa2"),
        .init(0x5805_F553, "fsqrt.s fa0, fa1"),
        .init(0x5A05_9553, "fsqrt.d fa0, fa1, rtz"),
        .init(0x20C5_8553, "fsgnj.s fa0, fa1, fa2"),
        .init(0x22C5_9553, "fsgnjn.d fa0, fa1, fa2"),
        .init(0x20C5_A553, "fsgnjx.s fa0, fa1, fa2"),
        .init(0x22B5_8553, "fmv.d   fa0, fa1"),
        .init(0x20B5_9553, "fneg.s  fa0, fa1"),
        .init(0x22B5_A553, "fabs.d  fa0, fa1"),
        .init(0x28C5_8553, "fmin.s  fa0, fa1, fa2"),
        .init(0x2AC5_9553, "fmax.d  fa0, fa1, fa2"),
        .init(0x4015_F553, "fcvt.s.d fa0, fa1"),
        .init(0x4205_8553, "fcvt.d.s fa0, fa1"),
        .init(0x4205_9553, "fcvt.d.s fa0, fa1, rtz"),
        .init(0xA0C5_A553, "feq.s   a0, fa1, fa2"),
        .init(0xA2C5_9553, "flt.d   a0, fa1, fa2"),
        .init(0xA0C5_8553, "fle.s   a0, fa1, fa2"),
        .init(0xC005_1553, "fcvt.w.s a0, fa0, rtz"),
        .init(0xC215_7553, "fcvt.wu.d a0, fa0"),
        .init(0xC025_7553, "fcvt.l.s a0, fa0"),
        .init(0xC235_3553, "fcvt.lu.d a0, fa0, rup"),
        .init(0xD005_7553, "fcvt.s.w fa0, a0"),
        .init(0xD015_1553, "fcvt.s.wu fa0, a0, rtz"),
        .init(0xD205_0553, "fcvt.d.w fa0, a0"),
        .init(0xD215_0553, "fcvt.d.wu fa0, a0"),
        .init(0xD225_7553, "fcvt.d.l fa0, a0"),
        .init(0xD235_4553, "fcvt.d.lu fa0, a0, rmm"),
        .init(0xD025_7553, "fcvt.s.l fa0, a0"),
        .init(0xD035_7553, "fcvt.s.lu fa0, a0"),
        .init(0xE005_0553, "fmv.x.w a0, fa0"),
        .init(0xE205_0553, "fmv.x.d a0, fa0"),
        .init(0xF005_0553, "fmv.w.x fa0, a0"),
        .init(0xF205_0553, "fmv.d.x fa0, a0"),
        .init(0xE005_1553, "fclass.s a0, fa0"),
        .init(0xE205_1553, "fclass.d a0, fa0"),
    ]

    /// The words above that have an alias, as `objdump -M no-aliases` would show them.
    static let withoutAliases: [ListingCase] = [
        .init(0xFFDF_F06F, "jal     zero, 0x8000000c", pc: 0x8000_0010),
        .init(0x0000_8067, "jalr    zero, 0(ra)"),
        .init(0x0007_8067, "jalr    zero, 0(a5)"),
        .init(0xFE05_1CE3, "bne     a0, zero, 0x80000024", pc: 0x8000_002C),
        .init(0x0005_0263, "beq     a0, zero, 0x80000044", pc: 0x8000_0040),
        .init(0x0000_0013, "addi    zero, zero, 0"),
        .init(0x02A0_0513, "addi    a0, zero, 42"),
        .init(0x0005_8513, "addi    a0, a1, 0"),
        .init(0x0010_0013, "addi    zero, zero, 1"),
        .init(0x0015_B513, "sltiu   a0, a1, 1"),
        .init(0xFFF5_C513, "xori    a0, a1, -1"),
        .init(0x40C0_0533, "sub     a0, zero, a2"),
        .init(0x0005_A533, "slt     a0, a1, zero"),
        .init(0x00C0_2533, "slt     a0, zero, a2"),
        .init(0x00C0_3533, "sltu    a0, zero, a2"),
        .init(0x0005_851B, "addiw   a0, a1, 0"),
        .init(0x40C0_053B, "subw    a0, zero, a2"),
        .init(0x0100_000F, "fence   w, 0"),
        .init(0x1200_0073, "sfence.vma zero, zero"),
        .init(0x1205_0073, "sfence.vma a0, zero"),
        .init(0xF140_2573, "csrrs   a0, mhartid, zero"),
        .init(0x3405_1073, "csrrw   zero, mscratch, a0"),
        .init(0x1445_2073, "csrrs   zero, sip, a0"),
        .init(0x3045_3073, "csrrc   zero, mie, a0"),
        .init(0x0020_D073, "csrrwi  zero, frm, 1"),
        .init(0x3004_6073, "csrrsi  zero, mstatus, 8"),
        .init(0x1001_7073, "csrrci  zero, sstatus, 2"),
        .init(0x7C00_22F3, "csrrs   t0, 0x7c0, zero"),
        .init(0xC000_1073, "csrrw   zero, cycle, zero"),
        .init(0xC000_2573, "csrrs   a0, cycle, zero"),
        .init(0xC1F0_2573, "csrrs   a0, hpmcounter31, zero"),
        .init(0x3230_2573, "csrrs   a0, mhpmevent3, zero"),
        .init(0x3EF0_2573, "csrrs   a0, pmpaddr63, zero"),
        .init(0x7A30_2573, "csrrs   a0, tdata3, zero"),
        .init(0x7B30_2573, "csrrs   a0, dscratch1, zero"),
        .init(0x22B5_8553, "fsgnj.d fa0, fa1, fa1"),
        .init(0x20B5_9553, "fsgnjn.s fa0, fa1, fa1"),
        .init(0x22B5_A553, "fsgnjx.d fa0, fa1, fa1"),
    ]

    /// Every compressed form and HINT (the parcels of CompressedTests), under its `c.` mnemonic.
    static let compressed: [ListingCase] = [
        .init(0x0048, "c.addi4spn a0, sp, 4"),
        .init(0x1FE0, "c.addi4spn s0, sp, 1020"),
        .init(0x003C, "c.addi4spn a5, sp, 8"),
        .init(0x3D7C, "c.fld   fa5, 248(a0)"),
        .init(0x2000, "c.fld   fs0, 0(s0)"),
        .init(0x5FE8, "c.lw    a0, 124(a5)"),
        .init(0x41A4, "c.lw    s1, 64(a1)"),
        .init(0x42D8, "c.lw    a4, 4(a3)"),
        .init(0x7CF0, "c.ld    a2, 248(s1)"),
        .init(0x6588, "c.ld    a0, 8(a1)"),
        .init(0xA64C, "c.fsd   fa1, 136(a2)"),
        .init(0xC35C, "c.sw    a5, 4(a4)"),
        .init(0xC0A0, "c.sw    s0, 64(s1)"),
        .init(0xE474, "c.sd    a3, 200(s0)"),
        .init(0x0001, "c.nop"),
        .init(0x0015, "c.nop   5"),
        .init(0x1005, "c.nop   -31"),
        .init(0x1501, "c.addi  a0, -32"),
        .init(0x017D, "c.addi  sp, 31"),
        .init(0x0501, "c.addi  a0, 0"),
        .init(0x357D, "c.addiw a0, -1"),
        .init(0x2481, "c.addiw s1, 0"),
        .init(0x2FFD, "c.addiw t6, 31"),
        .init(0x5501, "c.li    a0, -32"),
        .init(0x4FFD, "c.li    t6, 31"),
        .init(0x401D, "c.li    zero, 7"),
        .init(0x7101, "c.addi16sp sp, -512"),
        .init(0x617D, "c.addi16sp sp, 496"),
        .init(0x6141, "c.addi16sp sp, 16"),
        .init(0x717D, "c.addi16sp sp, -16"),
        .init(0x6505, "c.lui   a0, 0x1"),
        .init(0x7281, "c.lui   t0, 0xfffe0"),
        .init(0x60FD, "c.lui   ra, 0x1f"),
        .init(0x7DFD, "c.lui   s11, 0xfffff"),
        .init(0x6015, "c.lui   zero, 0x5"),
        .init(0x8105, "c.srli  a0, 1"),
        .init(0x90FD, "c.srli  s1, 63"),
        .init(0x9381, "c.srli  a5, 32"),
        .init(0x8101, "c.srli  a0, 0"),
        .init(0x9781, "c.srai  a5, 32"),
        .init(0x8405, "c.srai  s0, 1"),
        .init(0x8501, "c.srai  a0, 0"),
        .init(0x997D, "c.andi  a0, -1"),
        .init(0x8801, "c.andi  s0, 0"),
        .init(0x8BFD, "c.andi  a5, 31"),
        .init(0x9981, "c.andi  a1, -32"),
        .init(0x8D0D, "c.sub   a0, a1"),
        .init(0x8C3D, "c.xor   s0, a5"),
        .init(0x8E55, "c.or    a2, a3"),
        .init(0x8F65, "c.and   a4, s1"),
        .init(0x9D09, "c.subw  a0, a0"),
        .init(0x9FA1, "c.addw  a5, s0"),
        .init(0xAFFD, "c.j     0x800007fe", pc: 0x8000_0000),
        .init(0xB001, "c.j     0x7ffff800", pc: 0x8000_0000),
        .init(0xA001, "c.j     0x80000000", pc: 0x8000_0000),
        .init(0xBFFD, "c.j     0x7ffffffe", pc: 0x8000_0000),
        .init(0xAB91, "c.j     0x80000554", pc: 0x8000_0000),
        .init(0xCD7D, "c.beqz  a0, 0x800000fe", pc: 0x8000_0000),
        .init(0xD081, "c.beqz  s1, 0x7fffff00", pc: 0x8000_0000),
        .init(0xC7CD, "c.beqz  a5, 0x800000aa", pc: 0x8000_0000),
        .init(0xE389, "c.bnez  a5, 0x80000002", pc: 0x8000_0000),
        .init(0xFC7D, "c.bnez  s0, 0x7ffffffe", pc: 0x8000_0000),
        .init(0xEA31, "c.bnez  a2, 0x80000054", pc: 0x8000_0000),
        .init(0x0506, "c.slli  a0, 1"),
        .init(0x1FFE, "c.slli  t6, 63"),
        .init(0x1402, "c.slli  s0, 32"),
        .init(0x000E, "c.slli  zero, 3"),
        .init(0x0502, "c.slli  a0, 0"),
        .init(0x357E, "c.fldsp fa0, 504(sp)"),
        .init(0x2002, "c.fldsp ft0, 0(sp)"),
        .init(0x24A6, "c.fldsp fs1, 72(sp)"),
        .init(0x50FE, "c.lwsp  ra, 252(sp)"),
        .init(0x4502, "c.lwsp  a0, 0(sp)"),
        .init(0x429A, "c.lwsp  t0, 132(sp)"),
        .init(0x70FE, "c.ldsp  ra, 504(sp)"),
        .init(0x6422, "c.ldsp  s0, 8(sp)"),
        .init(0x6FB2, "c.ldsp  t6, 264(sp)"),
        .init(0x8082, "c.jr    ra"),
        .init(0x8F82, "c.jr    t6"),
        .init(0x852E, "c.mv    a0, a1"),
        .init(0x8122, "c.mv    sp, s0"),
        .init(0x802E, "c.mv    zero, a1"),
        .init(0x9002, "c.ebreak"),
        .init(0x9502, "c.jalr  a0"),
        .init(0x9082, "c.jalr  ra"),
        .init(0x952E, "c.add   a0, a1"),
        .init(0x9FFE, "c.add   t6, t6"),
        .init(0x9016, "c.add   zero, t0"),
        .init(0xBFA2, "c.fsdsp fs0, 504(sp)"),
        .init(0xA07E, "c.fsdsp ft11, 0(sp)"),
        .init(0xDF86, "c.swsp  ra, 252(sp)"),
        .init(0xC22A, "c.swsp  a0, 4(sp)"),
        .init(0xFFA2, "c.sdsp  s0, 504(sp)"),
        .init(0xE002, "c.sdsp  zero, 0(sp)"),
        .init(0xE53E, "c.sdsp  a5, 136(sp)"),
    ]

    /// Words that are not RV64GC instructions (reserved fields, other extensions, custom space).
    static let illegal: [ListingCase] = [
        .init(0x00C5_D553, ".word   0x00c5d553"),  // fadd.s with reserved rm=5
        .init(0x00C5_E553, ".word   0x00c5e553"),  // fadd.s with reserved rm=6
        .init(0xD205_5553, ".word   0xd2055553"),  // fcvt.d.w with reserved rm=5
        .init(0x04C5_F553, ".word   0x04c5f553"),  // fadd.h (fmt=10, Zfh)
        .init(0x06C5_F553, ".word   0x06c5f553"),  // fadd.q (fmt=11, Q)
        .init(0x6CC5_F543, ".word   0x6cc5f543"),  // fmadd.h
        .init(0x5815_F553, ".word   0x5815f553"),  // fsqrt.s with rs2≠0
        .init(0x20C5_B553, ".word   0x20c5b553"),  // fsgnj group, funct3=3
        .init(0x28C5_A553, ".word   0x28c5a553"),  // fmin/fmax group, funct3=2
        .init(0xA0C5_B553, ".word   0xa0c5b553"),  // compare group, funct3=3
        .init(0xC045_7553, ".word   0xc0457553"),  // fcvt.?.s with rs2=4
        .init(0xE015_0553, ".word   0xe0150553"),  // fmv.x.w with rs2≠0
        .init(0xE005_2553, ".word   0xe0052553"),  // fclass/fmv.x.w group, funct3=2
        .init(0xF005_1553, ".word   0xf0051553"),  // fmv.w.x with funct3=1
        .init(0x4005_7553, ".word   0x40057553"),  // fcvt.s.s
        .init(0x0045_1507, ".word   0x00451507"),  // flh (Zfh)
        .init(0x00B5_4027, ".word   0x00b54027"),  // fsq (Q)
        .init(0x1015_A52F, ".word   0x1015a52f"),  // lr.w with rs2≠0
        .init(0x28B6_252F, ".word   0x28b6252f"),  // amocas.w (Zacas)
        .init(0x04B6_052F, ".word   0x04b6052f"),  // AMO with width funct3=0
        .init(0x0405_1513, ".word   0x04051513"),  // slli with imm[11:6]≠0
        .init(0x4406_5613, ".word   0x44065613"),  // srai with imm[11:6]=010001
        .init(0x0215_951B, ".word   0x0215951b"),  // slliw with funct7≠0
        .init(0x4215_D51B, ".word   0x4215d51b"),  // sraiw with funct7=0100001
        .init(0x0015_A51B, ".word   0x0015a51b"),  // OP-IMM-32 funct3=2
        .init(0x0081_F503, ".word   0x0081f503"),  // load funct3=7
        .init(0x00A1_4023, ".word   0x00a14023"),  // store funct3=4
        .init(0x00B5_2463, ".word   0x00b52463"),  // branch funct3=2
        .init(0x0000_90E7, ".word   0x000090e7"),  // jalr funct3=1
        .init(0x40C5_C533, ".word   0x40c5c533"),  // OP funct7=0100000 with xor
        .init(0x04C5_8533, ".word   0x04c58533"),  // OP funct7=0000010
        .init(0x02C5_953B, ".word   0x02c5953b"),  // OP-32 M with funct3=1
        .init(0x0005_0073, ".word   0x00050073"),  // ecall with rs1≠0
        .init(0x3020_00F3, ".word   0x302000f3"),  // mret with rd≠0
        .init(0x12B5_0573, ".word   0x12b50573"),  // sfence.vma with rd≠0
        .init(0x2200_0073, ".word   0x22000073"),  // hfence.vvma (H)
        .init(0x0020_0073, ".word   0x00200073"),  // uret (N, withdrawn)
        .init(0x0000_4073, ".word   0x00004073"),  // SYSTEM funct3=4
        .init(0x0000_200F, ".word   0x0000200f"),  // MISC-MEM funct3=2 (Zicbom)
        .init(0x0200_0057, ".word   0x02000057"),  // OP-V
        .init(0x0000_000B, ".word   0x0000000b"),  // custom-0
        .init(0xFFFF_FFFF, ".word   0xffffffff"),  // ≥ 80-bit encoding space
        .init(0x0000_0000, "unimp"),  // the defined illegal compressed instruction, as objdump names it
        .init(0x0000_6101, ".half   0x6101"),  // c.addi16sp with nzimm=0
        .init(0x0000_8002, ".half   0x8002"),  // c.jr with rs1=0
        .init(0x0000_9C41, ".half   0x9c41"),  // reserved CA encoding
        .init(0x0000_8000, ".half   0x8000"),  // quadrant 0, funct3=100
    ]

    @Test(arguments: fullWords)
    func fullWord(_ row: ListingCase) {
        #expect(Disassembler.disassemble(row.bits, pc: row.pc) == row.text)
    }

    @Test(arguments: withoutAliases)
    func fullWordWithoutAliases(_ row: ListingCase) {
        #expect(Disassembler.disassemble(row.bits, pc: row.pc, aliases: false) == row.text)
    }

    @Test(arguments: compressed)
    func compressedParcel(_ row: ListingCase) {
        #expect(Disassembler.disassemble(row.bits, pc: row.pc) == row.text)
    }

    @Test(arguments: illegal)
    func illegalWord(_ row: ListingCase) {
        #expect(Disassembler.disassemble(row.bits, pc: row.pc) == row.text)
    }

    @Test func onlyTheLowHalfOfACompressedWordIsUsed() {
        #expect(Disassembler.disassemble(0xDEAD_0505, pc: 0) == "c.addi  a0, 1")
        #expect(Disassembler.disassemble(0xFFFF_0000, pc: 0) == "unimp")
    }

    @Test func targetsAreAbsoluteAndWrapAround() {
        // jal zero, -4 at 0 and c.j -2 at 0 wrap to the top of the address space.
        #expect(Disassembler.disassemble(0xFFDF_F06F, pc: 0) == "j       0xfffffffffffffffc")
        #expect(Disassembler.disassemble(0xBFFD, pc: 0) == "c.j     0xfffffffffffffffe")
        // beq a0, a1, +16 near the top wraps to the bottom.
        #expect(Disassembler.disassemble(0x00B5_0863, pc: 0xFFFF_FFFF_FFFF_FFF8) == "beq     a0, a1, 0x8")
    }

    @Test func layoutPadsTheMnemonicToEightColumns() {
        #expect(Disassembler.line("add", "a0", "a1", "a2") == "add     a0, a1, a2")
        #expect(Disassembler.line("c.addi4spn", "a0", "sp", "4") == "c.addi4spn a0, sp, 4")
        #expect(Disassembler.line("ecall") == "ecall")
    }

    @Test func registerNames() {
        let expected = [
            "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
            "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
        ]
        #expect((0..<32).map(Disassembler.registerName) == expected)
        #expect(Disassembler.registerName(32) == "x32")
        #expect(Disassembler.registerName(-1) == "x-1")
        #expect(Disassembler.floatRegisterName(0) == "ft0")
        #expect(Disassembler.floatRegisterName(8) == "fs0")
        #expect(Disassembler.floatRegisterName(17) == "fa7")
        #expect(Disassembler.floatRegisterName(27) == "fs11")
        #expect(Disassembler.floatRegisterName(31) == "ft11")
    }

    @Test func csrNames() {
        let expected: [UInt16: String] = [
            0x001: "fflags", 0x002: "frm", 0x003: "fcsr",
            0xC00: "cycle", 0xC01: "time", 0xC02: "instret", 0xC03: "hpmcounter3", 0xC1F: "hpmcounter31",
            0x100: "sstatus", 0x104: "sie", 0x105: "stvec", 0x106: "scounteren", 0x10A: "senvcfg",
            0x140: "sscratch", 0x141: "sepc", 0x142: "scause", 0x143: "stval", 0x144: "sip",
            0x14D: "stimecmp", 0x180: "satp",
            0x300: "mstatus", 0x301: "misa", 0x302: "medeleg", 0x303: "mideleg", 0x304: "mie",
            0x305: "mtvec", 0x306: "mcounteren", 0x30A: "menvcfg", 0x320: "mcountinhibit",
            0x323: "mhpmevent3", 0x33F: "mhpmevent31",
            0x340: "mscratch", 0x341: "mepc", 0x342: "mcause", 0x343: "mtval", 0x344: "mip",
            0x3A0: "pmpcfg0", 0x3A2: "pmpcfg2", 0x3AE: "pmpcfg14", 0x3B0: "pmpaddr0", 0x3EF: "pmpaddr63",
            0xB00: "mcycle", 0xB02: "minstret", 0xB03: "mhpmcounter3", 0xB1F: "mhpmcounter31",
            0xF11: "mvendorid", 0xF12: "marchid", 0xF13: "mimpid", 0xF14: "mhartid", 0xF15: "mconfigptr",
            0x7A0: "tselect", 0x7A1: "tdata1", 0x7A2: "tdata2", 0x7A3: "tdata3",
            0x7B0: "dcsr", 0x7B1: "dpc", 0x7B2: "dscratch0", 0x7B3: "dscratch1",
        ]
        for (number, name) in expected {
            #expect(Disassembler.csrName(number) == name)
        }
        // RV32-only (cycleh, mstatush, odd pmpcfg), hypervisor, vector, unassigned, out of range.
        for number: UInt16 in [0xC80, 0xC9F, 0x310, 0x3A1, 0x3AF, 0x600, 0x008, 0xB01, 0xC20, 0x7C0, 0x1000, 0xFFFF] {
            #expect(Disassembler.csrName(number) == nil, "0x\(String(number, radix: 16))")
        }
        // No two CSRs share a name.
        let names = (0...0xFFF).compactMap { Disassembler.csrName(UInt16($0)) }
        #expect(Set(names).count == names.count)
    }

    /// Any 32-bit value at any pc gives some text: no field value can trap the disassembler.
    @Test func everyWordHasAListing() {
        var emptyCount = 0
        for index in UInt32(0)..<200_000 {
            let bits = index &* 0x9E37_79B9  // a fixed spread over the whole 32-bit space
            let pc = UInt64(bits) << 32 | UInt64(index)
            if Disassembler.disassemble(bits, pc: pc).isEmpty { emptyCount += 1 }
        }
        #expect(emptyCount == 0)
    }
}
