// Turns instruction bits into a DecodedInstruction, following the RV64GC opcode map
// (ISA manual, "RV32/64G Instruction Set Listings"). Each case below is one row of those
// tables. Anything not in them decodes to `.illegal` carrying the raw bits for `mtval`.

public enum Decoder {
    /// Decodes a 32-bit instruction (low two bits 0b11).
    public static func decode(_ bits: UInt32) -> DecodedInstruction {
        decode32(bits) ?? illegal(bits, length: 4)
    }

    /// Decodes a 16-bit compressed parcel by expanding it to its 32-bit equivalent.
    public static func decode(parcel: UInt16) -> DecodedInstruction {
        guard let expanded = Compressed.expand(parcel), var inst = decode32(expanded) else {
            return illegal(UInt32(parcel), length: 2)
        }
        inst.length = 2
        return inst
    }

    static func illegal(_ bits: UInt32, length: UInt8) -> DecodedInstruction {
        DecodedInstruction(operation: .illegal, length: length, imm: Int64(bits))
    }

    // MARK: Fields and immediates (ISA manual, "Base Instruction Formats")

    @inline(__always) static func integerRD(_ bits: UInt32) -> UInt8 {
        let rd = UInt8((bits >> 7) & 31)
        return rd == 0 ? sinkRegister : rd
    }
    @inline(__always) static func field(_ bits: UInt32, _ shift: UInt32, _ width: UInt32) -> UInt8 {
        UInt8((bits >> shift) & ((1 << width) - 1))
    }
    static func immI(_ bits: UInt32) -> Int64 { Int64(Int32(bitPattern: bits) >> 20) }
    static func immS(_ bits: UInt32) -> Int64 {
        Int64((Int32(bitPattern: bits) >> 25) << 5) | Int64((bits >> 7) & 31)
    }
    static func immB(_ bits: UInt32) -> Int64 {
        let sign = Int64(Int32(bitPattern: bits) >> 31) << 12
        return sign | Int64((bits >> 7) & 1) << 11 | Int64((bits >> 25) & 0x3F) << 5 | Int64((bits >> 8) & 0xF) << 1
    }
    static func immU(_ bits: UInt32) -> Int64 { Int64(Int32(bitPattern: bits & 0xFFFF_F000)) }
    static func immJ(_ bits: UInt32) -> Int64 {
        let sign = Int64(Int32(bitPattern: bits) >> 31) << 20
        return sign | Int64((bits >> 12) & 0xFF) << 12 | Int64((bits >> 20) & 1) << 11 | Int64((bits >> 21) & 0x3FF) << 1
    }

    static func decode32(_ bits: UInt32) -> DecodedInstruction? {
        let opcode = bits & 0x7F
        let funct3 = (bits >> 12) & 7
        let funct7 = bits >> 25
        let rd = integerRD(bits)
        let rs1 = field(bits, 15, 5)
        let rs2 = field(bits, 20, 5)
        func make(_ op: Operation, rd: UInt8 = 0, rs1: UInt8 = 0, rs2: UInt8 = 0, imm: Int64 = 0, funct: UInt16 = 0) -> DecodedInstruction {
            DecodedInstruction(operation: op, rd: rd, rs1: rs1, rs2: rs2, funct: funct, imm: imm)
        }
        switch opcode {
        case 0x37: return make(.lui, rd: rd, imm: immU(bits))
        case 0x17: return make(.auipc, rd: rd, imm: immU(bits))
        case 0x6F: return make(.jal, rd: rd, imm: immJ(bits))
        case 0x67: return funct3 == 0 ? make(.jalr, rd: rd, rs1: rs1, imm: immI(bits)) : nil
        case 0x63:
            let ops: [Operation?] = [.beq, .bne, nil, nil, .blt, .bge, .bltu, .bgeu]
            guard let op = ops[Int(funct3)] else { return nil }
            return make(op, rs1: rs1, rs2: rs2, imm: immB(bits))
        case 0x03:
            let ops: [Operation?] = [.lb, .lh, .lw, .ld, .lbu, .lhu, .lwu, nil]
            guard let op = ops[Int(funct3)] else { return nil }
            return make(op, rd: rd, rs1: rs1, imm: immI(bits))
        case 0x23:
            let ops: [Operation?] = [.sb, .sh, .sw, .sd, nil, nil, nil, nil]
            guard let op = ops[Int(funct3)] else { return nil }
            return make(op, rs1: rs1, rs2: rs2, imm: immS(bits))
        case 0x13: return decodeOpImm(bits, funct3: funct3, rd: rd, rs1: rs1)
        case 0x1B: return decodeOpImm32(bits, funct3: funct3, rd: rd, rs1: rs1)
        case 0x33: return decodeOp(funct7: funct7, funct3: funct3, rd: rd, rs1: rs1, rs2: rs2)
        case 0x3B: return decodeOp32(funct7: funct7, funct3: funct3, rd: rd, rs1: rs1, rs2: rs2)
        case 0x0F:
            // FENCE ignores its unused fields for forward compatibility; FENCE.I likewise.
            if funct3 == 0 { return make(.fence, funct: UInt16((bits >> 20) & 0xFFF)) }
            if funct3 == 1 { return make(.fenceI) }
            return nil
        case 0x73: return decodeSystem(bits, funct3: funct3, rd: rd, rs1: rs1, rs2: rs2)
        case 0x2F: return decodeAtomic(bits, funct3: funct3, rd: rd, rs1: rs1, rs2: rs2)
        case 0x07:
            if funct3 == 2 { return make(.flw, rd: field(bits, 7, 5), rs1: rs1, imm: immI(bits)) }
            if funct3 == 3 { return make(.fld, rd: field(bits, 7, 5), rs1: rs1, imm: immI(bits)) }
            return nil
        case 0x27:
            if funct3 == 2 { return make(.fsw, rs1: rs1, rs2: rs2, imm: immS(bits)) }
            if funct3 == 3 { return make(.fsd, rs1: rs1, rs2: rs2, imm: immS(bits)) }
            return nil
        case 0x43, 0x47, 0x4B, 0x4F: return decodeFusedMultiplyAdd(bits, opcode: opcode)
        case 0x53: return decodeOpFP(bits)
        default: return nil
        }
    }

    static func decodeOpImm(_ bits: UInt32, funct3: UInt32, rd: UInt8, rs1: UInt8) -> DecodedInstruction? {
        let imm = immI(bits)
        let shamt = Int64((bits >> 20) & 0x3F)
        let funct6 = bits >> 26
        switch funct3 {
        case 0: return DecodedInstruction(operation: .addi, rd: rd, rs1: rs1, imm: imm)
        case 1: return funct6 == 0 ? DecodedInstruction(operation: .slli, rd: rd, rs1: rs1, imm: shamt) : nil
        case 2: return DecodedInstruction(operation: .slti, rd: rd, rs1: rs1, imm: imm)
        case 3: return DecodedInstruction(operation: .sltiu, rd: rd, rs1: rs1, imm: imm)
        case 4: return DecodedInstruction(operation: .xori, rd: rd, rs1: rs1, imm: imm)
        case 5:
            if funct6 == 0 { return DecodedInstruction(operation: .srli, rd: rd, rs1: rs1, imm: shamt) }
            if funct6 == 0x10 { return DecodedInstruction(operation: .srai, rd: rd, rs1: rs1, imm: shamt) }
            return nil
        case 6: return DecodedInstruction(operation: .ori, rd: rd, rs1: rs1, imm: imm)
        default: return DecodedInstruction(operation: .andi, rd: rd, rs1: rs1, imm: imm)
        }
    }

    static func decodeOpImm32(_ bits: UInt32, funct3: UInt32, rd: UInt8, rs1: UInt8) -> DecodedInstruction? {
        let shamt = Int64((bits >> 20) & 0x1F)
        let funct7 = bits >> 25
        switch (funct3, funct7) {
        case (0, _): return DecodedInstruction(operation: .addiw, rd: rd, rs1: rs1, imm: immI(bits))
        case (1, 0): return DecodedInstruction(operation: .slliw, rd: rd, rs1: rs1, imm: shamt)
        case (5, 0): return DecodedInstruction(operation: .srliw, rd: rd, rs1: rs1, imm: shamt)
        case (5, 0x20): return DecodedInstruction(operation: .sraiw, rd: rd, rs1: rs1, imm: shamt)
        default: return nil
        }
    }

    static func decodeOp(funct7: UInt32, funct3: UInt32, rd: UInt8, rs1: UInt8, rs2: UInt8) -> DecodedInstruction? {
        let op: Operation?
        switch (funct7, funct3) {
        case (0, 0): op = .add
        case (0x20, 0): op = .sub
        case (0, 1): op = .sll
        case (0, 2): op = .slt
        case (0, 3): op = .sltu
        case (0, 4): op = .xor
        case (0, 5): op = .srl
        case (0x20, 5): op = .sra
        case (0, 6): op = .or
        case (0, 7): op = .and
        case (1, 0): op = .mul
        case (1, 1): op = .mulh
        case (1, 2): op = .mulhsu
        case (1, 3): op = .mulhu
        case (1, 4): op = .div
        case (1, 5): op = .divu
        case (1, 6): op = .rem
        case (1, 7): op = .remu
        default: op = nil
        }
        guard let op else { return nil }
        return DecodedInstruction(operation: op, rd: rd, rs1: rs1, rs2: rs2)
    }

    static func decodeOp32(funct7: UInt32, funct3: UInt32, rd: UInt8, rs1: UInt8, rs2: UInt8) -> DecodedInstruction? {
        let op: Operation?
        switch (funct7, funct3) {
        case (0, 0): op = .addw
        case (0x20, 0): op = .subw
        case (0, 1): op = .sllw
        case (0, 5): op = .srlw
        case (0x20, 5): op = .sraw
        case (1, 0): op = .mulw
        case (1, 4): op = .divw
        case (1, 5): op = .divuw
        case (1, 6): op = .remw
        case (1, 7): op = .remuw
        default: op = nil
        }
        guard let op else { return nil }
        return DecodedInstruction(operation: op, rd: rd, rs1: rs1, rs2: rs2)
    }

    static func decodeSystem(_ bits: UInt32, funct3: UInt32, rd: UInt8, rs1: UInt8, rs2: UInt8) -> DecodedInstruction? {
        let csr = UInt16(bits >> 20)
        switch funct3 {
        case 0:
            switch bits {
            case 0x0000_0073: return DecodedInstruction(operation: .ecall)
            case 0x0010_0073: return DecodedInstruction(operation: .ebreak)
            case 0x3020_0073: return DecodedInstruction(operation: .mret)
            case 0x1020_0073: return DecodedInstruction(operation: .sret)
            case 0x1050_0073: return DecodedInstruction(operation: .wfi)
            default:
                if bits >> 25 == 0x09 && (bits >> 7) & 31 == 0 {
                    return DecodedInstruction(operation: .sfenceVMA, rs1: rs1, rs2: rs2)
                }
                return nil
            }
        case 1: return DecodedInstruction(operation: .csrrw, rd: rd, rs1: rs1, funct: csr)
        case 2: return DecodedInstruction(operation: .csrrs, rd: rd, rs1: rs1, funct: csr)
        case 3: return DecodedInstruction(operation: .csrrc, rd: rd, rs1: rs1, funct: csr)
        case 5: return DecodedInstruction(operation: .csrrwi, rd: rd, rs1: rs1, funct: csr, imm: Int64(rs1))
        case 6: return DecodedInstruction(operation: .csrrsi, rd: rd, rs1: rs1, funct: csr, imm: Int64(rs1))
        case 7: return DecodedInstruction(operation: .csrrci, rd: rd, rs1: rs1, funct: csr, imm: Int64(rs1))
        default: return nil
        }
    }

    static func decodeAtomic(_ bits: UInt32, funct3: UInt32, rd: UInt8, rs1: UInt8, rs2: UInt8) -> DecodedInstruction? {
        guard funct3 == 2 || funct3 == 3 else { return nil }
        let width: Int64 = funct3 == 2 ? 4 : 8
        let op: Operation
        switch bits >> 27 {
        case 0x02:
            guard rs2 == 0 else { return nil }
            op = .lr
        case 0x03: op = .sc
        case 0x01: op = .amoswap
        case 0x00: op = .amoadd
        case 0x04: op = .amoxor
        case 0x0C: op = .amoand
        case 0x08: op = .amoor
        case 0x10: op = .amomin
        case 0x14: op = .amomax
        case 0x18: op = .amominu
        case 0x1C: op = .amomaxu
        default: return nil
        }
        return DecodedInstruction(operation: op, rd: rd, rs1: rs1, rs2: rs2, funct: UInt16((bits >> 25) & 3), imm: width)
    }

    /// Rounding-mode fields 5 and 6 are reserved: the instruction is illegal whatever `frm` holds.
    @inline(__always) static func validStaticRoundingMode(_ rm: UInt32) -> Bool { rm != 5 && rm != 6 }

    static func decodeFusedMultiplyAdd(_ bits: UInt32, opcode: UInt32) -> DecodedInstruction? {
        let format = (bits >> 25) & 3
        let rm = (bits >> 12) & 7
        guard format <= 1, validStaticRoundingMode(rm) else { return nil }
        let op: Operation = switch opcode {
        case 0x43: .fmadd
        case 0x47: .fmsub
        case 0x4B: .fnmsub
        default: .fnmadd
        }
        return DecodedInstruction(operation: op, rd: field(bits, 7, 5), rs1: field(bits, 15, 5), rs2: field(bits, 20, 5),
                                  rs3: field(bits, 27, 5), funct: UInt16(rm), imm: Int64(format))
    }

    static func decodeOpFP(_ bits: UInt32) -> DecodedInstruction? {
        let funct5 = bits >> 27
        let format = (bits >> 25) & 3
        guard format <= 1 else { return nil }
        let rm = (bits >> 12) & 7
        let frd = field(bits, 7, 5)
        let ird = integerRD(bits)
        let rs1 = field(bits, 15, 5)
        let rs2 = field(bits, 20, 5)
        let double = Int64(format)
        func fp(_ op: Operation, rd: UInt8, usesRoundingMode: Bool = true) -> DecodedInstruction? {
            if usesRoundingMode && !validStaticRoundingMode(rm) { return nil }
            return DecodedInstruction(operation: op, rd: rd, rs1: rs1, rs2: rs2, funct: UInt16(rm), imm: double)
        }
        switch funct5 {
        case 0x00: return fp(.fadd, rd: frd)
        case 0x01: return fp(.fsub, rd: frd)
        case 0x02: return fp(.fmul, rd: frd)
        case 0x03: return fp(.fdiv, rd: frd)
        case 0x0B: return rs2 == 0 ? fp(.fsqrt, rd: frd) : nil
        case 0x04:
            let ops: [Operation?] = [.fsgnj, .fsgnjn, .fsgnjx, nil, nil, nil, nil, nil]
            guard let op = ops[Int(rm)] else { return nil }
            return fp(op, rd: frd, usesRoundingMode: false)
        case 0x05:
            if rm == 0 { return fp(.fmin, rd: frd, usesRoundingMode: false) }
            if rm == 1 { return fp(.fmax, rd: frd, usesRoundingMode: false) }
            return nil
        case 0x08:
            // fcvt.s.d (format S, rs2 = 1) and fcvt.d.s (format D, rs2 = 0).
            if format == 0 && rs2 == 1 { return fp(.fcvtSFromD, rd: frd) }
            if format == 1 && rs2 == 0 { return fp(.fcvtDFromS, rd: frd) }
            return nil
        case 0x14:
            let ops: [Operation?] = [.fle, .flt, .feq, nil, nil, nil, nil, nil]
            guard let op = ops[Int(rm)] else { return nil }
            return fp(op, rd: ird, usesRoundingMode: false)
        case 0x18:
            let ops: [Operation?] = [.fcvtWFromF, .fcvtWUFromF, .fcvtLFromF, .fcvtLUFromF]
            guard rs2 < 4, let op = ops[Int(rs2)] else { return nil }
            return fp(op, rd: ird)
        case 0x1A:
            let ops: [Operation?] = [.fcvtFFromW, .fcvtFFromWU, .fcvtFFromL, .fcvtFFromLU]
            guard rs2 < 4, let op = ops[Int(rs2)] else { return nil }
            return fp(op, rd: frd)
        case 0x1C:
            guard rs2 == 0 else { return nil }
            if rm == 0 { return fp(format == 0 ? .fmvXW : .fmvXD, rd: ird, usesRoundingMode: false) }
            if rm == 1 { return fp(.fclass, rd: ird, usesRoundingMode: false) }
            return nil
        case 0x1E:
            guard rs2 == 0, rm == 0 else { return nil }
            return fp(format == 0 ? .fmvWX : .fmvDX, rd: frd, usesRoundingMode: false)
        default: return nil
        }
    }
}
