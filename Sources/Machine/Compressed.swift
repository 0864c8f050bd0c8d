// Expansion of the 16-bit compressed instructions of the "C" extension (RV64C plus the
// RV64DC floating-point loads and stores) into the equivalent 32-bit RV64 encodings, so the
// hart only ever decodes the base formats. The cases follow the manual's "RVC Instruction
// Set Listings" (quadrants 0, 1 and 2) row by row; each row's bit layout is quoted above
// its case. The disassembler shares `CompressedParcel` for its `c.` listings.

/// The RVC expander: one 16-bit parcel in, one 32-bit instruction (or an illegal-instruction verdict) out.
public enum Compressed {
    /// Expands the compressed instruction `half` (whose low two bits are not `0b11`) into the
    /// 32-bit RV64 instruction it stands for.
    ///
    /// Returns nil for encodings that must raise an illegal-instruction exception: the all-zero
    /// parcel, every code point the manual marks *reserved* for RV64, and parcels whose low two
    /// bits are `0b11` (those are not compressed). HINT code points (e.g. `c.li x0, 5`,
    /// `c.slli a0, 0`) are legal and expand to their base instruction, whose write to `x0` (or
    /// of a register onto itself) changes nothing.
    public static func expand(_ half: UInt16) -> UInt32? {
        let c = CompressedParcel(half)
        switch (c.quadrant, c.funct3) {

        // MARK: Quadrant 0

        // 000 | nzuimm[5:4|9:6|2|3] | rd′ | 00   C.ADDI4SPN (RES, nzuimm=0) → addi rd′, x2, nzuimm
        // (the all-zero parcel, "illegal instruction", is the nzuimm=0, rd′=x8 case of this row)
        case (0b00, 0b000):
            guard c.addi4spnImmediate != 0 else { return nil }
            return Encode.iType(.opImm, funct3: 0b000, rd: c.rdPrime, rs1: 2, imm: Int32(c.addi4spnImmediate))

        // 001 | uimm[5:3] | rs1′ | uimm[7:6] | rd′ | 00   C.FLD (RV32/64) → fld rd′, uimm(rs1′)
        case (0b00, 0b001):
            return Encode.iType(.loadFP, funct3: 0b011, rd: c.rdPrime, rs1: c.rs1Prime, imm: Int32(c.registerDoubleOffset))

        // 010 | uimm[5:3] | rs1′ | uimm[2|6] | rd′ | 00   C.LW → lw rd′, uimm(rs1′)
        case (0b00, 0b010):
            return Encode.iType(.load, funct3: 0b010, rd: c.rdPrime, rs1: c.rs1Prime, imm: Int32(c.registerWordOffset))

        // 011 | uimm[5:3] | rs1′ | uimm[7:6] | rd′ | 00   C.LD (RV64/128) → ld rd′, uimm(rs1′)
        case (0b00, 0b011):
            return Encode.iType(.load, funct3: 0b011, rd: c.rdPrime, rs1: c.rs1Prime, imm: Int32(c.registerDoubleOffset))

        // 100 | — | 00   Reserved
        case (0b00, 0b100):
            return nil

        // 101 | uimm[5:3] | rs1′ | uimm[7:6] | rs2′ | 00   C.FSD (RV32/64) → fsd rs2′, uimm(rs1′)
        case (0b00, 0b101):
            return Encode.sType(.storeFP, funct3: 0b011, rs1: c.rs1Prime, rs2: c.rs2Prime, imm: Int32(c.registerDoubleOffset))

        // 110 | uimm[5:3] | rs1′ | uimm[2|6] | rs2′ | 00   C.SW → sw rs2′, uimm(rs1′)
        case (0b00, 0b110):
            return Encode.sType(.store, funct3: 0b010, rs1: c.rs1Prime, rs2: c.rs2Prime, imm: Int32(c.registerWordOffset))

        // 111 | uimm[5:3] | rs1′ | uimm[7:6] | rs2′ | 00   C.SD (RV64/128) → sd rs2′, uimm(rs1′)
        case (0b00, 0b111):
            return Encode.sType(.store, funct3: 0b011, rs1: c.rs1Prime, rs2: c.rs2Prime, imm: Int32(c.registerDoubleOffset))

        // MARK: Quadrant 1

        // 000 | nzimm[5] | 0        | nzimm[4:0] | 01   C.NOP (HINT, nzimm≠0)    → addi x0, x0, nzimm
        // 000 | nzimm[5] | rs1/rd≠0 | nzimm[4:0] | 01   C.ADDI (HINT, nzimm=0)   → addi rd, rd, nzimm
        case (0b01, 0b000):
            return Encode.iType(.opImm, funct3: 0b000, rd: c.rd, rs1: c.rd, imm: c.signedImmediate6)

        // 001 | imm[5] | rs1/rd≠0 | imm[4:0] | 01   C.ADDIW (RV64/128; RES, rd=0) → addiw rd, rd, imm
        // (this is C.JAL's slot on RV32; RV64 has no C.JAL)
        case (0b01, 0b001):
            guard c.rd != 0 else { return nil }
            return Encode.iType(.opImm32, funct3: 0b000, rd: c.rd, rs1: c.rd, imm: c.signedImmediate6)

        // 010 | imm[5] | rd≠0 | imm[4:0] | 01   C.LI (HINT, rd=0) → addi rd, x0, imm
        case (0b01, 0b010):
            return Encode.iType(.opImm, funct3: 0b000, rd: c.rd, rs1: 0, imm: c.signedImmediate6)

        // 011 | nzimm[9]  | 2         | nzimm[4|6|8:7|5] | 01   C.ADDI16SP (RES, nzimm=0) → addi x2, x2, nzimm
        // 011 | nzimm[17] | rd≠{0,2}  | nzimm[16:12]     | 01   C.LUI (RES, nzimm=0; HINT, rd=0) → lui rd, nzimm
        case (0b01, 0b011):
            if c.rd == 2 {
                guard c.addi16spImmediate != 0 else { return nil }
                return Encode.iType(.opImm, funct3: 0b000, rd: 2, rs1: 2, imm: c.addi16spImmediate)
            }
            guard c.signedImmediate6 != 0 else { return nil }
            return Encode.uType(.lui, rd: c.rd, upperImmediate: c.signedImmediate6)

        // 100 | … | 01   MISC-ALU (C.SRLI, C.SRAI, C.ANDI, C.SUB … C.ADDW)
        case (0b01, 0b100):
            return expandMiscALU(c)

        // 101 | imm[11|4|9:8|10|6|7|3:1|5] | 01   C.J → jal x0, offset
        case (0b01, 0b101):
            return Encode.jType(rd: 0, offset: c.jumpOffset)

        // 110 | imm[8|4:3] | rs1′ | imm[7:6|2:1|5] | 01   C.BEQZ → beq rs1′, x0, offset
        case (0b01, 0b110):
            return Encode.bType(funct3: 0b000, rs1: c.rs1Prime, rs2: 0, offset: c.branchOffset)

        // 111 | imm[8|4:3] | rs1′ | imm[7:6|2:1|5] | 01   C.BNEZ → bne rs1′, x0, offset
        case (0b01, 0b111):
            return Encode.bType(funct3: 0b001, rs1: c.rs1Prime, rs2: 0, offset: c.branchOffset)

        // MARK: Quadrant 2

        // 000 | nzuimm[5] | rs1/rd≠0 | nzuimm[4:0] | 10   C.SLLI (HINT, rd=0)                → slli rd, rd, shamt
        // 000 | 0         | rs1/rd≠0 | 0           | 10   C.SLLI64 (RV32/64 HINT; HINT, rd=0) → slli rd, rd, 0
        // (on RV64 shamt[5]=1 is an ordinary shift by 32…63)
        case (0b10, 0b000):
            return Encode.iType(.opImm, funct3: 0b001, rd: c.rd, rs1: c.rd, imm: Int32(c.shiftAmount))

        // 001 | uimm[5] | rd | uimm[4:3|8:6] | 10   C.FLDSP (RV32/64) → fld rd, uimm(x2)
        case (0b10, 0b001):
            return Encode.iType(.loadFP, funct3: 0b011, rd: c.rd, rs1: 2, imm: Int32(c.stackLoadDoubleOffset))

        // 010 | uimm[5] | rd≠0 | uimm[4:2|7:6] | 10   C.LWSP (RES, rd=0) → lw rd, uimm(x2)
        case (0b10, 0b010):
            guard c.rd != 0 else { return nil }
            return Encode.iType(.load, funct3: 0b010, rd: c.rd, rs1: 2, imm: Int32(c.stackLoadWordOffset))

        // 011 | uimm[5] | rd≠0 | uimm[4:3|8:6] | 10   C.LDSP (RV64/128; RES, rd=0) → ld rd, uimm(x2)
        case (0b10, 0b011):
            guard c.rd != 0 else { return nil }
            return Encode.iType(.load, funct3: 0b011, rd: c.rd, rs1: 2, imm: Int32(c.stackLoadDoubleOffset))

        // 100 | … | 10   J[AL]R / MV / ADD / EBREAK
        case (0b10, 0b100):
            return expandJumpMoveAdd(c)

        // 101 | uimm[5:3|8:6] | rs2 | 10   C.FSDSP (RV32/64) → fsd rs2, uimm(x2)
        case (0b10, 0b101):
            return Encode.sType(.storeFP, funct3: 0b011, rs1: 2, rs2: c.rs2, imm: Int32(c.stackStoreDoubleOffset))

        // 110 | uimm[5:2|7:6] | rs2 | 10   C.SWSP → sw rs2, uimm(x2)
        case (0b10, 0b110):
            return Encode.sType(.store, funct3: 0b010, rs1: 2, rs2: c.rs2, imm: Int32(c.stackStoreWordOffset))

        // 111 | uimm[5:3|8:6] | rs2 | 10   C.SDSP (RV64/128) → sd rs2, uimm(x2)
        case (0b10, 0b111):
            return Encode.sType(.store, funct3: 0b011, rs1: 2, rs2: c.rs2, imm: Int32(c.stackStoreDoubleOffset))

        default:
            // Quadrant 3 (low bits 11): a 32-bit or longer instruction, not a compressed one.
            return nil
        }
    }

    /// Quadrant 1, funct3 = 100: the MISC-ALU group, selected by bits [11:10] (and [12], [6:5]).
    private static func expandMiscALU(_ c: CompressedParcel) -> UInt32? {
        let rd = c.rs1Prime  // rs1′/rd′ lives in bits [9:7]
        switch c.field(11, 10) {
        // 100 | nzuimm[5] | 00 | rs1′/rd′ | nzuimm[4:0] | 01   C.SRLI → srli rd′, rd′, shamt
        // 100 | 0         | 00 | rs1′/rd′ | 0           | 01   C.SRLI64 (RV32/64 HINT) → srli rd′, rd′, 0
        case 0b00:
            return Encode.iType(.opImm, funct3: 0b101, rd: rd, rs1: rd, imm: Int32(c.shiftAmount))

        // 100 | nzuimm[5] | 01 | rs1′/rd′ | nzuimm[4:0] | 01   C.SRAI → srai rd′, rd′, shamt
        // 100 | 0         | 01 | rs1′/rd′ | 0           | 01   C.SRAI64 (RV32/64 HINT) → srai rd′, rd′, 0
        case 0b01:
            return Encode.iType(.opImm, funct3: 0b101, rd: rd, rs1: rd, imm: Int32(0b0100_0000_0000 | c.shiftAmount))

        // 100 | imm[5] | 10 | rs1′/rd′ | imm[4:0] | 01   C.ANDI → andi rd′, rd′, imm
        case 0b10:
            return Encode.iType(.opImm, funct3: 0b111, rd: rd, rs1: rd, imm: c.signedImmediate6)

        // 100 | bit 12 | 11 | rs1′/rd′ | funct2 [6:5] | rs2′ | 01
        default:
            let rs2 = c.rs2Prime
            switch (c.bit(12), c.field(6, 5)) {
            case (0, 0b00): return Encode.rType(.op, funct7: 0b0100000, funct3: 0b000, rd: rd, rs1: rd, rs2: rs2)  // C.SUB → sub
            case (0, 0b01): return Encode.rType(.op, funct7: 0b0000000, funct3: 0b100, rd: rd, rs1: rd, rs2: rs2)  // C.XOR → xor
            case (0, 0b10): return Encode.rType(.op, funct7: 0b0000000, funct3: 0b110, rd: rd, rs1: rd, rs2: rs2)  // C.OR  → or
            case (0, 0b11): return Encode.rType(.op, funct7: 0b0000000, funct3: 0b111, rd: rd, rs1: rd, rs2: rs2)  // C.AND → and
            case (1, 0b00): return Encode.rType(.op32, funct7: 0b0100000, funct3: 0b000, rd: rd, rs1: rd, rs2: rs2)  // C.SUBW → subw
            case (1, 0b01): return Encode.rType(.op32, funct7: 0b0000000, funct3: 0b000, rd: rd, rs1: rd, rs2: rs2)  // C.ADDW → addw
            default: return nil  // 100 | 1 | 11 | — | 10 or 11 | — | 01   Reserved
            }
        }
    }

    /// Quadrant 2, funct3 = 100: C.JR, C.MV, C.EBREAK, C.JALR and C.ADD, selected by bit 12,
    /// rs1/rd [11:7] and rs2 [6:2].
    private static func expandJumpMoveAdd(_ c: CompressedParcel) -> UInt32? {
        switch (c.bit(12), c.rd, c.rs2) {
        // 100 | 0 | rs1≠0 | 0 | 10   C.JR (RES, rs1=0) → jalr x0, 0(rs1)
        case (0, 0, 0):
            return nil
        case (0, _, 0):
            return Encode.iType(.jalr, funct3: 0b000, rd: 0, rs1: c.rd, imm: 0)
        // 100 | 0 | rd | rs2≠0 | 10   C.MV (HINT, rd=0) → add rd, x0, rs2
        case (0, _, _):
            return Encode.rType(.op, funct7: 0, funct3: 0b000, rd: c.rd, rs1: 0, rs2: c.rs2)
        // 100 | 1 | 0 | 0 | 10   C.EBREAK → ebreak
        case (_, 0, 0):
            return 0x0010_0073
        // 100 | 1 | rs1≠0 | 0 | 10   C.JALR → jalr x1, 0(rs1)
        case (_, _, 0):
            return Encode.iType(.jalr, funct3: 0b000, rd: 1, rs1: c.rd, imm: 0)
        // 100 | 1 | rs1/rd | rs2≠0 | 10   C.ADD (HINT, rd=0) → add rd, rd, rs2
        default:
            return Encode.rType(.op, funct7: 0, funct3: 0b000, rd: c.rd, rs1: c.rd, rs2: c.rs2)
        }
    }
}

/// A 16-bit RVC parcel, with its fields and (unscrambled) immediates named as in the manual.
public struct CompressedParcel: Sendable {
    public let bits: UInt32

    public init(_ half: UInt16) { bits = UInt32(half) }

    /// Bits [high:low] of the parcel, shifted down to bit 0.
    public func field(_ high: Int, _ low: Int) -> UInt32 {
        (bits >> UInt32(low)) & ((1 << UInt32(high - low + 1)) - 1)
    }

    /// Bit `index` of the parcel (0 or 1).
    public func bit(_ index: Int) -> UInt32 { (bits >> UInt32(index)) & 1 }

    /// inst[1:0]: 0, 1 or 2 for compressed instructions (3 means "not compressed").
    public var quadrant: UInt32 { field(1, 0) }
    /// inst[15:13].
    public var funct3: UInt32 { field(15, 13) }

    /// The full 5-bit rd or rs1/rd specifier in [11:7] (CR and CI formats).
    public var rd: UInt32 { field(11, 7) }
    /// The full 5-bit rs2 specifier in [6:2] (CR and CSS formats).
    public var rs2: UInt32 { field(6, 2) }
    /// rd′ in [4:2] (CIW, CL): one of x8…x15 (or f8…f15).
    public var rdPrime: UInt32 { 8 + field(4, 2) }
    /// rs1′ (or rs1′/rd′) in [9:7] (CL, CS, CA, CB): one of x8…x15.
    public var rs1Prime: UInt32 { 8 + field(9, 7) }
    /// rs2′ in [4:2] (CS, CA): one of x8…x15 (or f8…f15).
    public var rs2Prime: UInt32 { 8 + field(4, 2) }

    /// CI: imm[5] in [12], imm[4:0] in [6:2], sign-extended (C.ADDI, C.ADDIW, C.LI, C.ANDI;
    /// also nzimm[17:12] of C.LUI, before the shift by 12).
    public var signedImmediate6: Int32 { signExtend(bit(12) << 5 | field(6, 2), bits: 6) }
    /// CI/CB shifts: shamt[5] in [12], shamt[4:0] in [6:2].
    public var shiftAmount: UInt32 { bit(12) << 5 | field(6, 2) }

    /// CIW (C.ADDI4SPN): nzuimm[5:4|9:6|2|3] in [12:5].
    public var addi4spnImmediate: UInt32 {
        field(12, 11) << 4 | field(10, 7) << 6 | bit(6) << 2 | bit(5) << 3
    }
    /// CI (C.ADDI16SP): nzimm[9] in [12], nzimm[4|6|8:7|5] in [6:2], sign-extended.
    public var addi16spImmediate: Int32 {
        signExtend(bit(12) << 9 | bit(6) << 4 | bit(5) << 6 | field(4, 3) << 7 | bit(2) << 5, bits: 10)
    }

    /// CL/CS word (C.LW, C.SW): uimm[5:3] in [12:10], uimm[2|6] in [6:5].
    public var registerWordOffset: UInt32 { field(12, 10) << 3 | bit(6) << 2 | bit(5) << 6 }
    /// CL/CS double (C.LD, C.SD, C.FLD, C.FSD): uimm[5:3] in [12:10], uimm[7:6] in [6:5].
    public var registerDoubleOffset: UInt32 { field(12, 10) << 3 | field(6, 5) << 6 }

    /// CI (C.LWSP): uimm[5] in [12], uimm[4:2|7:6] in [6:2].
    public var stackLoadWordOffset: UInt32 { bit(12) << 5 | field(6, 4) << 2 | field(3, 2) << 6 }
    /// CI (C.LDSP, C.FLDSP): uimm[5] in [12], uimm[4:3|8:6] in [6:2].
    public var stackLoadDoubleOffset: UInt32 { bit(12) << 5 | field(6, 5) << 3 | field(4, 2) << 6 }
    /// CSS (C.SWSP): uimm[5:2|7:6] in [12:7].
    public var stackStoreWordOffset: UInt32 { field(12, 9) << 2 | field(8, 7) << 6 }
    /// CSS (C.SDSP, C.FSDSP): uimm[5:3|8:6] in [12:7].
    public var stackStoreDoubleOffset: UInt32 { field(12, 10) << 3 | field(9, 7) << 6 }

    /// CJ (C.J): offset[11|4|9:8|10|6|7|3:1|5] in [12:2], sign-extended.
    public var jumpOffset: Int32 {
        let raw = bit(12) << 11 | bit(11) << 4 | field(10, 9) << 8 | bit(8) << 10
            | bit(7) << 6 | bit(6) << 7 | field(5, 3) << 1 | bit(2) << 5
        return signExtend(raw, bits: 12)
    }
    /// CB (C.BEQZ, C.BNEZ): offset[8|4:3] in [12:10], offset[7:6|2:1|5] in [6:2], sign-extended.
    public var branchOffset: Int32 {
        let raw = bit(12) << 8 | field(11, 10) << 3 | field(6, 5) << 6 | field(4, 3) << 1 | bit(2) << 5
        return signExtend(raw, bits: 9)
    }

    /// Sign-extends the low `bits` bits of `value`.
    private func signExtend(_ value: UInt32, bits: Int) -> Int32 {
        let unused = UInt32(32 - bits)
        return Int32(bitPattern: value << unused) >> unused
    }
}

/// Builders for the 32-bit base instruction formats (R, I, S, B, U, J) used by the expander.
private enum Encode {
    /// The major opcodes (inst[6:0]) the compressed instructions expand into.
    enum Opcode: UInt32 {
        case load = 0b000_0011
        case loadFP = 0b000_0111
        case opImm = 0b001_0011
        case opImm32 = 0b001_1011
        case store = 0b010_0011
        case storeFP = 0b010_0111
        case op = 0b011_0011
        case lui = 0b011_0111
        case op32 = 0b011_1011
        case branch = 0b110_0011
        case jalr = 0b110_0111
        case jal = 0b110_1111
    }

    static func rType(_ opcode: Opcode, funct7: UInt32, funct3: UInt32, rd: UInt32, rs1: UInt32, rs2: UInt32) -> UInt32 {
        funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode.rawValue
    }

    /// imm[11:0] in [31:20].
    static func iType(_ opcode: Opcode, funct3: UInt32, rd: UInt32, rs1: UInt32, imm: Int32) -> UInt32 {
        (UInt32(bitPattern: imm) & 0xFFF) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode.rawValue
    }

    /// imm[11:5] in [31:25], imm[4:0] in [11:7].
    static func sType(_ opcode: Opcode, funct3: UInt32, rs1: UInt32, rs2: UInt32, imm: Int32) -> UInt32 {
        let u = UInt32(bitPattern: imm)
        return (u >> 5 & 0x7F) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (u & 0x1F) << 7 | opcode.rawValue
    }

    /// imm[12|10:5] in [31:25], imm[4:1|11] in [11:7].
    static func bType(funct3: UInt32, rs1: UInt32, rs2: UInt32, offset: Int32) -> UInt32 {
        let u = UInt32(bitPattern: offset)
        let high = (u >> 12 & 1) << 6 | (u >> 5 & 0x3F)
        let low = (u >> 1 & 0xF) << 1 | (u >> 11 & 1)
        return high << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | low << 7 | Opcode.branch.rawValue
    }

    /// `upperImmediate` is imm[31:12] (sign-extended value of the 20-bit field).
    static func uType(_ opcode: Opcode, rd: UInt32, upperImmediate: Int32) -> UInt32 {
        (UInt32(bitPattern: upperImmediate) & 0xF_FFFF) << 12 | rd << 7 | opcode.rawValue
    }

    /// imm[20|10:1|11|19:12] in [31:12].
    static func jType(rd: UInt32, offset: Int32) -> UInt32 {
        let u = UInt32(bitPattern: offset)
        let field = (u >> 20 & 1) << 19 | (u >> 1 & 0x3FF) << 9 | (u >> 11 & 1) << 8 | (u >> 12 & 0xFF)
        return field << 12 | rd << 7 | Opcode.jal.rawValue
    }
}
