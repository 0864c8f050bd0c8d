// Disassembly of the F and D extensions: loads and stores, the fused multiply-adds and the
// OP-FP group (arithmetic, sign injection, min/max, comparisons, conversions, moves and
// fclass). A static rounding mode is shown as a last operand unless it is `dyn`; reserved
// rounding modes (5, 6) and formats other than S and D are not legal RV64GC.

import Machine

extension Disassembler.FullWord {
    /// The `.s`/`.d` suffix for fmt (inst[26:25]); nil for H (10) and Q (11), absent in RV64GC.
    private func formatSuffix(_ format: UInt32) -> String? {
        switch format {
        case 0b00: return "s"
        case 0b01: return "d"
        default: return nil
        }
    }

    /// The rounding-mode operand for rm (inst[14:12]): nil when the encoding is reserved,
    /// an empty list for `dyn`, otherwise the mode's name.
    private func roundingOperand(omitting defaultMode: UInt32 = 0b111) -> [String]? {
        switch funct3 {
        case 0b101, 0b110: return nil
        case 0b111, defaultMode: return []
        default: return [["rne", "rtz", "rdn", "rup", "rmm"][Int(funct3)]]
        }
    }

    func floatLoad() -> String? {
        switch funct3 {
        case 0b010: return line("flw", f(rd), Disassembler.memory(immediateI, rs1))
        case 0b011: return line("fld", f(rd), Disassembler.memory(immediateI, rs1))
        default: return nil
        }
    }

    func floatStore() -> String? {
        switch funct3 {
        case 0b010: return line("fsw", f(rs2), Disassembler.memory(immediateS, rs1))
        case 0b011: return line("fsd", f(rs2), Disassembler.memory(immediateS, rs1))
        default: return nil
        }
    }

    /// FMADD, FMSUB, FNMSUB, FNMADD: rs3 | fmt | rs2 | rs1 | rm | rd | opcode.
    func fusedMultiplyAdd() -> String? {
        guard let suffix = formatSuffix(funct7 & 0b11), let rounding = roundingOperand() else { return nil }
        let name: String
        switch opcode {
        case 0b100_0011: name = "fmadd"
        case 0b100_0111: name = "fmsub"
        case 0b100_1011: name = "fnmsub"
        default: name = "fnmadd"
        }
        return Disassembler.line("\(name).\(suffix)", [f(rd), f(rs1), f(rs2), f(rs3)] + rounding)
    }

    /// OP-FP: funct5 (inst[31:27]) | fmt | rs2 | rs1 | rm/funct3 | rd.
    func floatOp() -> String? {
        guard let suffix = formatSuffix(funct7 & 0b11) else { return nil }
        switch funct7 >> 2 {
        case 0b00000: return arithmetic("fadd", suffix)
        case 0b00001: return arithmetic("fsub", suffix)
        case 0b00010: return arithmetic("fmul", suffix)
        case 0b00011: return arithmetic("fdiv", suffix)
        case 0b01011:
            guard rs2 == 0, let rounding = roundingOperand() else { return nil }
            return Disassembler.line("fsqrt.\(suffix)", [f(rd), f(rs1)] + rounding)
        case 0b00100: return signInjection(suffix)
        case 0b00101:
            let names = ["fmin", "fmax"]
            guard Int(funct3) < names.count else { return nil }
            return line("\(names[Int(funct3)]).\(suffix)", f(rd), f(rs1), f(rs2))
        case 0b01000: return convertBetweenFormats(suffix)
        case 0b10100:
            let names = ["fle", "flt", "feq"]
            guard Int(funct3) < names.count else { return nil }
            return line("\(names[Int(funct3)]).\(suffix)", x(rd), f(rs1), f(rs2))
        case 0b11000: return convertToInteger(suffix)
        case 0b11010: return convertFromInteger(suffix)
        case 0b11100:
            switch (funct3, rs2) {
            case (0b000, 0): return line(suffix == "s" ? "fmv.x.w" : "fmv.x.d", x(rd), f(rs1))
            case (0b001, 0): return line("fclass.\(suffix)", x(rd), f(rs1))
            default: return nil
            }
        case 0b11110:
            guard funct3 == 0, rs2 == 0 else { return nil }
            return line(suffix == "s" ? "fmv.w.x" : "fmv.d.x", f(rd), x(rs1))
        default:
            return nil
        }
    }

    private func arithmetic(_ name: String, _ suffix: String) -> String? {
        guard let rounding = roundingOperand() else { return nil }
        return Disassembler.line("\(name).\(suffix)", [f(rd), f(rs1), f(rs2)] + rounding)
    }

    /// FSGNJ/FSGNJN/FSGNJX (rm = 0/1/2); with rs1 = rs2 these are fmv/fneg/fabs.
    private func signInjection(_ suffix: String) -> String? {
        let names = ["fsgnj", "fsgnjn", "fsgnjx"]
        let aliasNames = ["fmv", "fneg", "fabs"]
        guard Int(funct3) < names.count else { return nil }
        if aliases && rs1 == rs2 { return line("\(aliasNames[Int(funct3)]).\(suffix)", f(rd), f(rs1)) }
        return line("\(names[Int(funct3)]).\(suffix)", f(rd), f(rs1), f(rs2))
    }

    /// FCVT.S.D (fmt S, rs2 = 1) and FCVT.D.S (fmt D, rs2 = 0). Widening is exact, so its
    /// rounding mode is shown only when it is neither `dyn` nor the assemblers' default `rne`.
    private func convertBetweenFormats(_ suffix: String) -> String? {
        switch (suffix, rs2) {
        case ("s", 1):
            guard let rounding = roundingOperand() else { return nil }
            return Disassembler.line("fcvt.s.d", [f(rd), f(rs1)] + rounding)
        case ("d", 0):
            guard let rounding = roundingOperand(omitting: 0b000) else { return nil }
            return Disassembler.line("fcvt.d.s", [f(rd), f(rs1)] + rounding)
        default:
            return nil
        }
    }

    /// FCVT.{W,WU,L,LU}.{S,D}: rs2 selects the integer type.
    private func convertToInteger(_ suffix: String) -> String? {
        let integerTypes = ["w", "wu", "l", "lu"]
        guard rs2 < integerTypes.count, let rounding = roundingOperand() else { return nil }
        return Disassembler.line("fcvt.\(integerTypes[rs2]).\(suffix)", [x(rd), f(rs1)] + rounding)
    }

    /// FCVT.{S,D}.{W,WU,L,LU}: rs2 selects the integer type. FCVT.D.W and FCVT.D.WU are exact,
    /// so, as for FCVT.D.S, `rne` is not shown either.
    private func convertFromInteger(_ suffix: String) -> String? {
        let integerTypes = ["w", "wu", "l", "lu"]
        guard rs2 < integerTypes.count else { return nil }
        let isExact = suffix == "d" && rs2 <= 1
        guard let rounding = roundingOperand(omitting: isExact ? 0b000 : 0b111) else { return nil }
        return Disassembler.line("fcvt.\(suffix).\(integerTypes[rs2])", [f(rd), x(rs1)] + rounding)
    }
}
