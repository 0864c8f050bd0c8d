// Tests of the RVC expander (Compressed.expand) against the ISA manual's "RVC Instruction Set
// Listings": hand-picked cases for every compressed form and HINT (encodings of both forms
// produced by an assembler and checked against the tables, including the extreme immediates),
// every reserved code point, and exhaustive sweeps over all 49,152 compressed parcels checking
// legality against the manual's rules and that each expansion is the base instruction the
// manual names, with the same operands.
import Testing
@testable import Machine
@testable import MachineTools

/// One row: a compressed parcel, the 32-bit instruction it expands to, and both in assembler.
struct ExpansionCase: Sendable, CustomTestStringConvertible {
    let half: UInt16
    let expanded: UInt32
    let note: String
    init(_ half: UInt16, _ expanded: UInt32, _ note: String) {
        self.half = half
        self.expanded = expanded
        self.note = note
    }
    var testDescription: String { note }
}

/// A reserved (illegal) parcel and the manual row that makes it so.
struct ReservedCase: Sendable, CustomTestStringConvertible {
    let half: UInt16
    let note: String
    init(_ half: UInt16, _ note: String) {
        self.half = half
        self.note = note
    }
    var testDescription: String { String(half, radix: 16) + " " + note }
}

@Suite struct CompressedTests {
    static let expansions: [ExpansionCase] = [
        // Quadrant 0
        .init(0x0048, 0x0041_0513, "c.addi4spn a0, sp, 4 → addi a0, sp, 4"),
        .init(0x1FE0, 0x3FC1_0413, "c.addi4spn s0, sp, 1020 → addi s0, sp, 1020"),
        .init(0x003C, 0x0081_0793, "c.addi4spn a5, sp, 8 → addi a5, sp, 8"),
        .init(0x3D7C, 0x0F85_3787, "c.fld fa5, 248(a0) → fld fa5, 248(a0)"),
        .init(0x2000, 0x0004_3407, "c.fld fs0, 0(s0) → fld fs0, 0(s0)"),
        .init(0x5FE8, 0x07C7_A503, "c.lw a0, 124(a5) → lw a0, 124(a5)"),
        .init(0x41A4, 0x0405_A483, "c.lw s1, 64(a1) → lw s1, 64(a1)"),
        .init(0x42D8, 0x0046_A703, "c.lw a4, 4(a3) → lw a4, 4(a3)"),
        .init(0x7CF0, 0x0F84_B603, "c.ld a2, 248(s1) → ld a2, 248(s1)"),
        .init(0x6588, 0x0085_B503, "c.ld a0, 8(a1) → ld a0, 8(a1)"),
        .init(0xA64C, 0x08B6_3427, "c.fsd fa1, 136(a2) → fsd fa1, 136(a2)"),
        .init(0xC35C, 0x00F7_2223, "c.sw a5, 4(a4) → sw a5, 4(a4)"),
        .init(0xC0A0, 0x0484_A023, "c.sw s0, 64(s1) → sw s0, 64(s1)"),
        .init(0xE474, 0x0CD4_3423, "c.sd a3, 200(s0) → sd a3, 200(s0)"),
        // Quadrant 1
        .init(0x0001, 0x0000_0013, "c.nop → addi zero, zero, 0"),
        .init(0x0015, 0x0050_0013, "c.nop 5 (HINT) → addi zero, zero, 5"),
        .init(0x1005, 0xFE10_0013, "c.nop -31 (HINT) → addi zero, zero, -31"),
        .init(0x1501, 0xFE05_0513, "c.addi a0, -32 → addi a0, a0, -32"),
        .init(0x017D, 0x01F1_0113, "c.addi sp, 31 → addi sp, sp, 31"),
        .init(0x0501, 0x0005_0513, "c.addi a0, 0 (HINT) → addi a0, a0, 0"),
        .init(0x357D, 0xFFF5_051B, "c.addiw a0, -1 → addiw a0, a0, -1"),
        .init(0x2481, 0x0004_849B, "c.addiw s1, 0 → addiw s1, s1, 0"),
        .init(0x2FFD, 0x01FF_8F9B, "c.addiw t6, 31 → addiw t6, t6, 31"),
        .init(0x5501, 0xFE00_0513, "c.li a0, -32 → addi a0, zero, -32"),
        .init(0x4FFD, 0x01F0_0F93, "c.li t6, 31 → addi t6, zero, 31"),
        .init(0x401D, 0x0070_0013, "c.li zero, 7 (HINT) → addi zero, zero, 7"),
        .init(0x7101, 0xE001_0113, "c.addi16sp sp, -512 → addi sp, sp, -512"),
        .init(0x617D, 0x1F01_0113, "c.addi16sp sp, 496 → addi sp, sp, 496"),
        .init(0x6141, 0x0101_0113, "c.addi16sp sp, 16 → addi sp, sp, 16"),
        .init(0x717D, 0xFF01_0113, "c.addi16sp sp, -16 → addi sp, sp, -16"),
        .init(0x6505, 0x0000_1537, "c.lui a0, 1 → lui a0, 1"),
        .init(0x7281, 0xFFFE_02B7, "c.lui t0, 0xfffe0 → lui t0, 0xfffe0"),
        .init(0x60FD, 0x0001_F0B7, "c.lui ra, 31 → lui ra, 31"),
        .init(0x7DFD, 0xFFFF_FDB7, "c.lui s11, 0xfffff → lui s11, 0xfffff"),
        .init(0x6015, 0x0000_5037, "c.lui zero, 5 (HINT) → lui zero, 5"),
        .init(0x8105, 0x0015_5513, "c.srli a0, 1 → srli a0, a0, 1"),
        .init(0x90FD, 0x03F4_D493, "c.srli s1, 63 → srli s1, s1, 63"),
        .init(0x9381, 0x0207_D793, "c.srli a5, 32 → srli a5, a5, 32"),
        .init(0x8101, 0x0005_5513, "c.srli a0, 0 (HINT) → srli a0, a0, 0"),
        .init(0x9781, 0x4207_D793, "c.srai a5, 32 → srai a5, a5, 32"),
        .init(0x8405, 0x4014_5413, "c.srai s0, 1 → srai s0, s0, 1"),
        .init(0x8501, 0x4005_5513, "c.srai a0, 0 (HINT) → srai a0, a0, 0"),
        .init(0x997D, 0xFFF5_7513, "c.andi a0, -1 → andi a0, a0, -1"),
        .init(0x8801, 0x0004_7413, "c.andi s0, 0 → andi s0, s0, 0"),
        .init(0x8BFD, 0x01F7_F793, "c.andi a5, 31 → andi a5, a5, 31"),
        .init(0x9981, 0xFE05_F593, "c.andi a1, -32 → andi a1, a1, -32"),
        .init(0x8D0D, 0x40B5_0533, "c.sub a0, a1 → sub a0, a0, a1"),
        .init(0x8C3D, 0x00F4_4433, "c.xor s0, a5 → xor s0, s0, a5"),
        .init(0x8E55, 0x00D6_6633, "c.or a2, a3 → or a2, a2, a3"),
        .init(0x8F65, 0x0097_7733, "c.and a4, s1 → and a4, a4, s1"),
        .init(0x9D09, 0x40A5_053B, "c.subw a0, a0 → subw a0, a0, a0"),
        .init(0x9FA1, 0x0087_87BB, "c.addw a5, s0 → addw a5, a5, s0"),
        .init(0xAFFD, 0x7FE0_006F, "c.j 2046 → jal zero, 2046"),
        .init(0xB001, 0x801F_F06F, "c.j -2048 → jal zero, -2048"),
        .init(0xA001, 0x0000_006F, "c.j 0 → jal zero, 0"),
        .init(0xBFFD, 0xFFFF_F06F, "c.j -2 → jal zero, -2"),
        .init(0xAB91, 0x5540_006F, "c.j 1364 → jal zero, 1364"),
        .init(0xCD7D, 0x0E05_0F63, "c.beqz a0, 254 → beq a0, zero, 254"),
        .init(0xD081, 0xF004_80E3, "c.beqz s1, -256 → beq s1, zero, -256"),
        .init(0xC7CD, 0x0A07_8563, "c.beqz a5, 170 → beq a5, zero, 170"),
        .init(0xE389, 0x0007_9163, "c.bnez a5, 2 → bne a5, zero, 2"),
        .init(0xFC7D, 0xFE04_1FE3, "c.bnez s0, -2 → bne s0, zero, -2"),
        .init(0xEA31, 0x0406_1A63, "c.bnez a2, 84 → bne a2, zero, 84"),
        // Quadrant 2
        .init(0x0506, 0x0015_1513, "c.slli a0, 1 → slli a0, a0, 1"),
        .init(0x1FFE, 0x03FF_9F93, "c.slli t6, 63 → slli t6, t6, 63"),
        .init(0x1402, 0x0204_1413, "c.slli s0, 32 → slli s0, s0, 32"),
        .init(0x000E, 0x0030_1013, "c.slli zero, 3 (HINT) → slli zero, zero, 3"),
        .init(0x0502, 0x0005_1513, "c.slli a0, 0 (HINT) → slli a0, a0, 0"),
        .init(0x357E, 0x1F81_3507, "c.fldsp fa0, 504(sp) → fld fa0, 504(sp)"),
        .init(0x2002, 0x0001_3007, "c.fldsp ft0, 0(sp) → fld ft0, 0(sp)"),
        .init(0x24A6, 0x0481_3487, "c.fldsp fs1, 72(sp) → fld fs1, 72(sp)"),
        .init(0x50FE, 0x0FC1_2083, "c.lwsp ra, 252(sp) → lw ra, 252(sp)"),
        .init(0x4502, 0x0001_2503, "c.lwsp a0, 0(sp) → lw a0, 0(sp)"),
        .init(0x429A, 0x0841_2283, "c.lwsp t0, 132(sp) → lw t0, 132(sp)"),
        .init(0x70FE, 0x1F81_3083, "c.ldsp ra, 504(sp) → ld ra, 504(sp)"),
        .init(0x6422, 0x0081_3403, "c.ldsp s0, 8(sp) → ld s0, 8(sp)"),
        .init(0x6FB2, 0x1081_3F83, "c.ldsp t6, 264(sp) → ld t6, 264(sp)"),
        .init(0x8082, 0x0000_8067, "c.jr ra → jalr zero, 0(ra)"),
        .init(0x8F82, 0x000F_8067, "c.jr t6 → jalr zero, 0(t6)"),
        .init(0x852E, 0x00B0_0533, "c.mv a0, a1 → add a0, zero, a1"),
        .init(0x8122, 0x0080_0133, "c.mv sp, s0 → add sp, zero, s0"),
        .init(0x802E, 0x00B0_0033, "c.mv zero, a1 (HINT) → add zero, zero, a1"),
        .init(0x9002, 0x0010_0073, "c.ebreak → ebreak"),
        .init(0x9502, 0x0005_00E7, "c.jalr a0 → jalr ra, 0(a0)"),
        .init(0x9082, 0x0000_80E7, "c.jalr ra → jalr ra, 0(ra)"),
        .init(0x952E, 0x00B5_0533, "c.add a0, a1 → add a0, a0, a1"),
        .init(0x9FFE, 0x01FF_8FB3, "c.add t6, t6 → add t6, t6, t6"),
        .init(0x9016, 0x0050_0033, "c.add zero, t0 (HINT) → add zero, zero, t0"),
        .init(0xBFA2, 0x1E81_3C27, "c.fsdsp fs0, 504(sp) → fsd fs0, 504(sp)"),
        .init(0xA07E, 0x01F1_3027, "c.fsdsp ft11, 0(sp) → fsd ft11, 0(sp)"),
        .init(0xDF86, 0x0E11_2E23, "c.swsp ra, 252(sp) → sw ra, 252(sp)"),
        .init(0xC22A, 0x00A1_2223, "c.swsp a0, 4(sp) → sw a0, 4(sp)"),
        .init(0xFFA2, 0x1E81_3C23, "c.sdsp s0, 504(sp) → sd s0, 504(sp)"),
        .init(0xE002, 0x0001_3023, "c.sdsp zero, 0(sp) → sd zero, 0(sp)"),
        .init(0xE53E, 0x08F1_3423, "c.sdsp a5, 136(sp) → sd a5, 136(sp)"),
    ]

    static let reserved: [ReservedCase] = [
        .init(0x0000, "all-zero parcel: defined illegal instruction"),
        .init(0x0004, "C.ADDI4SPN s1, nzuimm=0 (RES)"),
        .init(0x001C, "C.ADDI4SPN a5, nzuimm=0 (RES)"),
        .init(0x8000, "quadrant 0, funct3=100 (Reserved)"),
        .init(0x8CAC, "quadrant 0, funct3=100 (Reserved)"),
        .init(0x9FFC, "quadrant 0, funct3=100 (Reserved)"),
        .init(0x2001, "C.ADDIW rd=0 (RES)"),
        .init(0x3005, "C.ADDIW rd=0, imm=-31 (RES)"),
        .init(0x6101, "C.ADDI16SP nzimm=0 (RES)"),
        .init(0x6081, "C.LUI ra, nzimm=0 (RES)"),
        .init(0x6F81, "C.LUI t6, nzimm=0 (RES)"),
        .init(0x6001, "C.LUI rd=0, nzimm=0 (RES, not a HINT)"),
        .init(0x9C41, "100 1 11 — 10 — 01 (Reserved; C.SUBW/C.ADDW space)"),
        .init(0x9C61, "100 1 11 — 11 — 01 (Reserved; C.SUBW/C.ADDW space)"),
        .init(0x9FDD, "100 1 11 — 10 — 01 with rd′=rs2′=a5 (Reserved)"),
        .init(0x9FFD, "100 1 11 — 11 — 01 with rd′=rs2′=a5 (Reserved)"),
        .init(0x4002, "C.LWSP rd=0 (RES)"),
        .init(0x507E, "C.LWSP rd=0, uimm=252 (RES)"),
        .init(0x6002, "C.LDSP rd=0 (RES)"),
        .init(0x707E, "C.LDSP rd=0, uimm=504 (RES)"),
        .init(0x8002, "C.JR rs1=0 (RES)"),
        .init(0x0003, "low bits 11: not a compressed instruction"),
        .init(0x0513, "low bits 11: not a compressed instruction"),
        .init(0xFFFF, "low bits 11: not a compressed instruction"),
    ]

    @Test(arguments: expansions)
    func expandsAsTheManualSays(_ row: ExpansionCase) {
        #expect(Compressed.expand(row.half) == row.expanded)
    }

    @Test(arguments: reserved)
    func reservedEncodingsAreIllegal(_ row: ReservedCase) {
        #expect(Compressed.expand(row.half) == nil)
    }

    @Test func everyParcelIsLegalExactlyWhenTheManualSaysSo() {
        var wrong: [String] = []
        for value in 0...0xFFFF where value & 0b11 != 0b11 {
            let half = UInt16(value)
            if (Compressed.expand(half) == nil) != Self.isReservedPerManual(half) {
                wrong.append(String(half, radix: 16))
            }
        }
        #expect(wrong.isEmpty, "legality differs from the manual for \(wrong.prefix(20))")
    }

    @Test func nothingWithLowBits11IsExpanded() {
        let expanded = (0...0xFFFF).filter { $0 & 0b11 == 0b11 && Compressed.expand(UInt16($0)) != nil }
        #expect(expanded.isEmpty)
    }

    /// Every legal parcel expands to a 32-bit instruction that is legal and is the base
    /// instruction the manual names, with the operands the `c.` form shows.
    @Test func everyExpansionIsTheNamedBaseInstruction() {
        var wrong: [String] = []
        var legalCount = 0
        let pc: UInt64 = 0x8000_1000
        for value in 0...0xFFFF where value & 0b11 != 0b11 {
            let half = UInt16(value)
            guard let expanded = Compressed.expand(half) else { continue }
            legalCount += 1
            let compressedText = Disassembler.disassemble(UInt32(half), pc: pc, aliases: false)
            let baseText = Disassembler.disassemble(expanded, pc: pc, aliases: false)
            let isThirtyTwoBit = expanded & 0b11 == 0b11 && expanded & 0b11100 != 0b11100
            if !isThirtyTwoBit || baseText.hasPrefix(".word") || Self.baseListing(forCompressed: compressedText) != baseText {
                wrong.append("\(String(half, radix: 16)): \(compressedText) → \(baseText)")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, e.g. \(wrong.prefix(10))")
        #expect(legalCount > 40_000)
    }

    // MARK: The manual, restated independently of the expander

    /// The RV64C code points the manual's tables mark reserved (RES, Reserved, or the defined
    /// illegal all-zero parcel). Everything else in quadrants 0-2 is an instruction or a HINT.
    static func isReservedPerManual(_ half: UInt16) -> Bool {
        let bits = UInt32(half)
        let quadrant = bits & 0b11
        let funct3 = bits >> 13
        let rd = bits >> 7 & 0x1F
        let rs2 = bits >> 2 & 0x1F
        let bit12 = bits >> 12 & 1
        switch (quadrant, funct3) {
        case (0b00, 0b000): return bits >> 5 & 0xFF == 0  // C.ADDI4SPN nzuimm=0, incl. all-zero
        case (0b00, 0b100): return true  // Reserved
        case (0b01, 0b001): return rd == 0  // C.ADDIW rd=0
        case (0b01, 0b011): return bit12 == 0 && rs2 == 0  // C.ADDI16SP / C.LUI nzimm=0
        case (0b01, 0b100): return bits >> 10 & 0b111 == 0b111 && bits >> 5 & 0b11 >= 0b10  // 100 1 11 — 1x
        case (0b10, 0b010), (0b10, 0b011): return rd == 0  // C.LWSP / C.LDSP rd=0
        case (0b10, 0b100): return bit12 == 0 && rd == 0 && rs2 == 0  // C.JR rs1=0
        default: return false
        }
    }

    /// The listing (no aliases) of the 32-bit instruction the manual says a `c.` listing expands
    /// to, e.g. `c.addi  a0, 1` → `addi    a0, a0, 1`.
    static func baseListing(forCompressed text: String) -> String? {
        let mnemonic = String(text.prefix { $0 != " " })
        let rest = text.dropFirst(mnemonic.count).drop { $0 == " " }
        let operands = rest.isEmpty ? [] : rest.split(separator: ", ").map(String.init)
        func operand(_ index: Int) -> String { index < operands.count ? operands[index] : "?" }
        let baseName = String(mnemonic.dropFirst(2))  // without "c."
        switch mnemonic {
        case "c.nop": return Disassembler.line("addi", ["zero", "zero", operands.first ?? "0"])
        case "c.addi4spn": return Disassembler.line("addi", operands)
        case "c.addi", "c.addiw", "c.andi", "c.slli", "c.srli", "c.srai",
             "c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw", "c.add":
            return Disassembler.line(baseName, [operand(0), operand(0), operand(1)])
        case "c.li": return Disassembler.line("addi", [operand(0), "zero", operand(1)])
        case "c.addi16sp": return Disassembler.line("addi", ["sp", "sp", operand(1)])
        case "c.lui": return Disassembler.line("lui", operands)
        case "c.mv": return Disassembler.line("add", [operand(0), "zero", operand(1)])
        case "c.j": return Disassembler.line("jal", ["zero", operand(0)])
        case "c.beqz": return Disassembler.line("beq", [operand(0), "zero", operand(1)])
        case "c.bnez": return Disassembler.line("bne", [operand(0), "zero", operand(1)])
        case "c.jr": return Disassembler.line("jalr", ["zero", "0(\(operand(0)))"])
        case "c.jalr": return Disassembler.line("jalr", ["ra", "0(\(operand(0)))"])
        case "c.ebreak": return "ebreak"
        case "c.lw", "c.ld", "c.fld", "c.sw", "c.sd", "c.fsd": return Disassembler.line(baseName, operands)
        case "c.lwsp", "c.ldsp", "c.fldsp", "c.swsp", "c.sdsp", "c.fsdsp":
            return Disassembler.line(String(baseName.dropLast(2)), operands)
        default: return nil
        }
    }
}
