// The fcvt family: float → integer (rounded under the given mode, saturating with NV exactly
// as the ISA manual's fcvt table says), integer → float, and binary32 ↔ binary64.
// Integer results are returned as the destination register value: 32-bit results, signed or
// unsigned, are sign-extended to 64 bits (fcvt.w[u].s/d on RV64).

extension FloatFormat {
    /// Converts to a `width`-bit (32 or 64) signed or unsigned integer; the result is the
    /// integer's bit pattern in the low `width` bits (not yet sign-extended).
    @inline(__always)
    func toInteger(_ a: UInt64, signed: Bool, width: Int, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        let allOnes: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        let maxValue: UInt64 = signed ? allOnes >> 1 : allOnes
        let minValue: UInt64 = signed ? (maxValue + 1) : 0 // bit pattern of -2^(w-1), or 0
        let sign = isNegative(a)
        if isNaN(a) {
            flags.insert(.invalid)
            return maxValue
        }
        if isInfinite(a) {
            flags.insert(.invalid)
            return sign ? minValue : maxValue
        }
        if isZero(a) { return 0 }
        let (exp, sig0) = unpack(a)
        // value = sig / 2^62 × 2^exp
        if exp >= 64 {
            flags.insert(.invalid)
            return sign ? minValue : maxValue
        }
        var magnitude: UInt64
        var inexact = false
        if exp >= 62 {
            magnitude = sig0 << UInt64(exp - 62) // exact
        } else {
            var sig = sig0
            var shift = 62 - exp
            if shift > 63 {
                // |value| < 1/2: keep only "non-zero and below one half".
                sig = 1
                shift = 63
            }
            let keep = sig >> UInt64(shift)
            let rem = sig & ((1 << UInt64(shift)) - 1)
            let half: UInt64 = 1 << UInt64(shift - 1)
            let roundUp: Bool
            switch rm {
            case .nearestEven: roundUp = rem > half || (rem == half && keep & 1 != 0)
            case .nearestMaxMagnitude: roundUp = rem >= half
            case .towardZero: roundUp = false
            case .down: roundUp = sign && rem != 0
            case .up: roundUp = !sign && rem != 0
            }
            magnitude = keep + (roundUp ? 1 : 0)
            inexact = rem != 0
        }
        var result: UInt64
        if sign {
            // Negative: representable if magnitude ≤ 2^(w-1) (signed) or rounds to 0 (unsigned).
            let limit: UInt64 = signed ? maxValue + 1 : 0
            if magnitude > limit {
                flags.insert(.invalid)
                return minValue
            }
            result = (0 &- magnitude) & allOnes
        } else {
            if magnitude > maxValue {
                flags.insert(.invalid)
                return maxValue
            }
            result = magnitude
        }
        if inexact { flags.insert(.inexact) }
        return result
    }

    /// Converts the integer (-1)^sign × magnitude, rounding under `rm`.
    @inline(__always)
    func fromInteger(negative sign: Bool, magnitude: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        if magnitude == 0 { return 0 }
        let lz = magnitude.leadingZeroBitCount
        let sig = lz >= 1 ? magnitude << UInt64(lz - 1) : (magnitude >> 1) | (magnitude & 1)
        return roundPack(sign, 63 - lz, sig, rm, &flags)
    }

    /// Converts a bit pattern of `source` to this format (fcvt.s.d / fcvt.d.s).
    @inline(__always)
    func convert(from source: FloatFormat, _ a: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        let sign = source.isNegative(a)
        if source.isNaN(a) {
            if source.isSignalingNaN(a) { flags.insert(.invalid) }
            return defaultNaN
        }
        if source.isInfinite(a) { return infinity(negative: sign) }
        if source.isZero(a) { return zero(negative: sign) }
        let (exp, sig) = source.unpack(a)
        return roundPack(sign, exp, sig, rm, &flags)
    }
}

extension SoftFloat {
    @inline(__always) private static func signExtend32(_ x: UInt64) -> UInt64 {
        UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x)))
    }

    // MARK: float → integer

    /// fcvt.w.s: the result sign-extended to 64 bits.
    public static func f32ToI32(_ a: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        signExtend32(FloatFormat.binary32.toInteger(UInt64(a), signed: true, width: 32, rm, &flags))
    }

    /// fcvt.wu.s: the 32-bit result sign-extended to 64 bits (as RV64 requires).
    public static func f32ToU32(_ a: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        signExtend32(FloatFormat.binary32.toInteger(UInt64(a), signed: false, width: 32, rm, &flags))
    }

    /// fcvt.l.s
    public static func f32ToI64(_ a: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary32.toInteger(UInt64(a), signed: true, width: 64, rm, &flags)
    }

    /// fcvt.lu.s
    public static func f32ToU64(_ a: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary32.toInteger(UInt64(a), signed: false, width: 64, rm, &flags)
    }

    /// fcvt.w.d: the result sign-extended to 64 bits.
    public static func f64ToI32(_ a: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        signExtend32(FloatFormat.binary64.toInteger(a, signed: true, width: 32, rm, &flags))
    }

    /// fcvt.wu.d: the 32-bit result sign-extended to 64 bits (as RV64 requires).
    public static func f64ToU32(_ a: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        signExtend32(FloatFormat.binary64.toInteger(a, signed: false, width: 32, rm, &flags))
    }

    /// fcvt.l.d
    public static func f64ToI64(_ a: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.toInteger(a, signed: true, width: 64, rm, &flags)
    }

    /// fcvt.lu.d
    public static func f64ToU64(_ a: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.toInteger(a, signed: false, width: 64, rm, &flags)
    }

    // MARK: integer → float
    // The hart passes the source register truncated/reinterpreted to the operand type
    // (e.g. `Int32(truncatingIfNeeded: x[rs1])` for fcvt.s.w).

    /// fcvt.s.w
    public static func i32ToF32(_ x: Int32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        UInt32(truncatingIfNeeded: FloatFormat.binary32.fromInteger(negative: x < 0, magnitude: UInt64(x.magnitude), rm, &flags))
    }

    /// fcvt.s.wu
    public static func u32ToF32(_ x: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        UInt32(truncatingIfNeeded: FloatFormat.binary32.fromInteger(negative: false, magnitude: UInt64(x), rm, &flags))
    }

    /// fcvt.s.l
    public static func i64ToF32(_ x: Int64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        UInt32(truncatingIfNeeded: FloatFormat.binary32.fromInteger(negative: x < 0, magnitude: x.magnitude, rm, &flags))
    }

    /// fcvt.s.lu
    public static func u64ToF32(_ x: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        UInt32(truncatingIfNeeded: FloatFormat.binary32.fromInteger(negative: false, magnitude: x, rm, &flags))
    }

    /// fcvt.d.w (always exact)
    public static func i32ToF64(_ x: Int32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.fromInteger(negative: x < 0, magnitude: UInt64(x.magnitude), rm, &flags)
    }

    /// fcvt.d.wu (always exact)
    public static func u32ToF64(_ x: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.fromInteger(negative: false, magnitude: UInt64(x), rm, &flags)
    }

    /// fcvt.d.l
    public static func i64ToF64(_ x: Int64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.fromInteger(negative: x < 0, magnitude: x.magnitude, rm, &flags)
    }

    /// fcvt.d.lu
    public static func u64ToF64(_ x: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.fromInteger(negative: false, magnitude: x, rm, &flags)
    }

    // MARK: between formats

    /// fcvt.s.d: rounds under `rm`; NaN → canonical NaN (NV if signalling).
    public static func f64ToF32(_ a: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        UInt32(truncatingIfNeeded: FloatFormat.binary32.convert(from: .binary64, a, rm, &flags))
    }

    /// fcvt.d.s: always exact; NaN → canonical NaN (NV if signalling).
    public static func f32ToF64(_ a: UInt32, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.convert(from: .binary32, UInt64(a), .nearestEven, &flags)
    }
}
