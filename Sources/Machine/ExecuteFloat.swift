// The F and D extensions: reads and writes of the floating-point registers (with
// NaN-boxing of singles), rounding-mode resolution, the accrued flags in `fflags`, and
// dispatch to the soft-float arithmetic in FloatingPoint/. `mstatus.FS` gates every
// instruction here and becomes Dirty when state changes.

let canonicalNaN32: UInt32 = 0x7FC0_0000
let canonicalNaN64: UInt64 = 0x7FF8_0000_0000_0000

/// A single in a 64-bit register: the upper 32 bits all ones.
@inline(__always) func boxSingle(_ bits: UInt32) -> UInt64 { 0xFFFF_FFFF_0000_0000 | UInt64(bits) }

extension Hart {
    /// A single read from a register: an improperly boxed value reads as the canonical NaN.
    @inline(__always) func single(_ index: UInt8) -> UInt32 {
        let raw = f[Int(index)]
        return raw >> 32 == 0xFFFF_FFFF ? UInt32(truncatingIfNeeded: raw) : canonicalNaN32
    }

    /// Executes an F/D arithmetic, conversion, compare or move. False means illegal
    /// (FS off, or a dynamic rounding mode with an invalid `frm`).
    func executeFloat(_ inst: DecodedInstruction) -> Bool {
        guard mstatus & CSRBits.fs != 0 else { return false }
        let double = inst.imm != 0
        var flags = FloatFlags()
        let rawMode = inst.funct == 7 ? UInt16(frm) : inst.funct
        let usesRoundingMode: Bool = switch inst.operation {
        case .fsgnj, .fsgnjn, .fsgnjx, .fmin, .fmax, .feq, .flt, .fle, .fclass, .fmvXW, .fmvWX, .fmvXD, .fmvDX: false
        default: true
        }
        let rm = RoundingMode(rawValue: UInt8(truncatingIfNeeded: rawMode)) ?? .nearestEven
        if usesRoundingMode && rawMode > 4 { return false }
        let rd = Int(inst.rd)
        let a32 = single(inst.rs1), b32 = single(inst.rs2), c32 = single(inst.rs3)
        let a64 = f[Int(inst.rs1)], b64 = f[Int(inst.rs2)], c64 = f[Int(inst.rs3)]
        let xa = x[Int(inst.rs1)]

        // Results: either an FP register (boxed when single) or an integer register.
        var floatResult: UInt64? = nil
        var integerResult: UInt64? = nil
        @inline(__always) func setSingle(_ value: UInt32) { floatResult = boxSingle(value) }

        switch inst.operation {
        case .fadd: if double { floatResult = SoftFloat.add64(a64, b64, rm, &flags) } else { setSingle(SoftFloat.add32(a32, b32, rm, &flags)) }
        case .fsub: if double { floatResult = SoftFloat.sub64(a64, b64, rm, &flags) } else { setSingle(SoftFloat.sub32(a32, b32, rm, &flags)) }
        case .fmul: if double { floatResult = SoftFloat.mul64(a64, b64, rm, &flags) } else { setSingle(SoftFloat.mul32(a32, b32, rm, &flags)) }
        case .fdiv: if double { floatResult = SoftFloat.div64(a64, b64, rm, &flags) } else { setSingle(SoftFloat.div32(a32, b32, rm, &flags)) }
        case .fsqrt: if double { floatResult = SoftFloat.sqrt64(a64, rm, &flags) } else { setSingle(SoftFloat.sqrt32(a32, rm, &flags)) }
        case .fmadd, .fmsub, .fnmsub, .fnmadd:
            // fmsub = a*b - c; fnmsub = -(a*b) + c; fnmadd = -(a*b) - c: sign flips of the inputs.
            let negateProduct = inst.operation == .fnmsub || inst.operation == .fnmadd
            let negateAddend = inst.operation == .fmsub || inst.operation == .fnmadd
            if double {
                let sign: UInt64 = 1 << 63
                floatResult = SoftFloat.fma64(negateProduct ? a64 ^ sign : a64, b64, negateAddend ? c64 ^ sign : c64, rm, &flags)
            } else {
                let sign: UInt32 = 1 << 31
                setSingle(SoftFloat.fma32(negateProduct ? a32 ^ sign : a32, b32, negateAddend ? c32 ^ sign : c32, rm, &flags))
            }
        case .fsgnj, .fsgnjn, .fsgnjx:
            if double {
                let sign: UInt64 = 1 << 63
                let newSign = inst.operation == .fsgnj ? b64 & sign : inst.operation == .fsgnjn ? ~b64 & sign : (a64 ^ b64) & sign
                floatResult = (a64 & ~sign) | newSign
            } else {
                let sign: UInt32 = 1 << 31
                let newSign = inst.operation == .fsgnj ? b32 & sign : inst.operation == .fsgnjn ? ~b32 & sign : (a32 ^ b32) & sign
                setSingle((a32 & ~sign) | newSign)
            }
        case .fmin: if double { floatResult = SoftFloat.min64(a64, b64, &flags) } else { setSingle(SoftFloat.min32(a32, b32, &flags)) }
        case .fmax: if double { floatResult = SoftFloat.max64(a64, b64, &flags) } else { setSingle(SoftFloat.max32(a32, b32, &flags)) }
        case .feq: integerResult = (double ? SoftFloat.eq64(a64, b64, &flags) : SoftFloat.eq32(a32, b32, &flags)) ? 1 : 0
        case .flt: integerResult = (double ? SoftFloat.lt64(a64, b64, &flags) : SoftFloat.lt32(a32, b32, &flags)) ? 1 : 0
        case .fle: integerResult = (double ? SoftFloat.le64(a64, b64, &flags) : SoftFloat.le32(a32, b32, &flags)) ? 1 : 0
        case .fclass: integerResult = double ? SoftFloat.classify64(a64) : SoftFloat.classify32(a32)
        case .fcvtWFromF: integerResult = double ? SoftFloat.f64ToI32(a64, rm, &flags) : SoftFloat.f32ToI32(a32, rm, &flags)
        case .fcvtWUFromF: integerResult = double ? SoftFloat.f64ToU32(a64, rm, &flags) : SoftFloat.f32ToU32(a32, rm, &flags)
        case .fcvtLFromF: integerResult = double ? SoftFloat.f64ToI64(a64, rm, &flags) : SoftFloat.f32ToI64(a32, rm, &flags)
        case .fcvtLUFromF: integerResult = double ? SoftFloat.f64ToU64(a64, rm, &flags) : SoftFloat.f32ToU64(a32, rm, &flags)
        case .fcvtFFromW:
            let value = Int32(truncatingIfNeeded: xa)
            if double { floatResult = SoftFloat.i32ToF64(value, rm, &flags) } else { setSingle(SoftFloat.i32ToF32(value, rm, &flags)) }
        case .fcvtFFromWU:
            let value = UInt32(truncatingIfNeeded: xa)
            if double { floatResult = SoftFloat.u32ToF64(value, rm, &flags) } else { setSingle(SoftFloat.u32ToF32(value, rm, &flags)) }
        case .fcvtFFromL:
            let value = Int64(bitPattern: xa)
            if double { floatResult = SoftFloat.i64ToF64(value, rm, &flags) } else { setSingle(SoftFloat.i64ToF32(value, rm, &flags)) }
        case .fcvtFFromLU:
            if double { floatResult = SoftFloat.u64ToF64(xa, rm, &flags) } else { setSingle(SoftFloat.u64ToF32(xa, rm, &flags)) }
        case .fcvtSFromD: setSingle(SoftFloat.f64ToF32(a64, rm, &flags))
        case .fcvtDFromS: floatResult = SoftFloat.f32ToF64(a32, &flags)
        case .fmvXW: integerResult = signExtend32(UInt32(truncatingIfNeeded: a64))
        case .fmvXD: integerResult = a64
        case .fmvWX: floatResult = boxSingle(UInt32(truncatingIfNeeded: xa))
        case .fmvDX: floatResult = xa
        default: return false
        }
        if let floatResult {
            f[rd] = floatResult
            mstatus |= CSRBits.fs
        }
        if let integerResult { x[rd] = integerResult }
        if !flags.isEmpty {
            fflags |= flags.rawValue
            mstatus |= CSRBits.fs
        }
        return true
    }
}
