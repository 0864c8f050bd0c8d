// The shared machinery of the soft-float: the two binary interchange formats the F and D
// extensions use, unpacking a bit pattern into sign / exponent / significand, and the single
// rounding-and-packing routine every arithmetic operation and conversion ends in (so rounding
// modes, overflow, and after-rounding tininess are decided in exactly one place).
//
// Internal representation of a finite non-zero value: `sign`, an unbiased exponent `exp`
// (any Int) and a 64-bit significand `sig` with its leading one at bit 62, meaning
//     value = (-1)^sign × sig / 2^62 × 2^exp.
// Bits below the format's precision are round bits; anything lost on a right shift is
// "jammed" (OR-ed) into bit 0 so that the rounding still sees it as sticky.

/// IEEE 754 binary32/binary64 arithmetic on bit patterns, with RISC-V F/D semantics
/// (canonical NaN results, after-rounding tininess, `fflags` accrual).
public enum SoftFloat {}

/// Describes one binary interchange format; bit patterns are carried in a `UInt64`
/// (zero-extended for binary32). The operations are written once over this description;
/// its helpers are `@_transparent` so that each public entry point is compiled with the
/// format's constants folded in and no calls left (the optimiser did not honour
/// `@inline(__always)` here, and the out-of-line calls cost 2-3× in time).
struct FloatFormat: Sendable {
    /// Number of stored fraction bits (23 or 52).
    let fracBits: Int
    /// Number of exponent bits (8 or 11).
    let expBits: Int

    static let binary32 = FloatFormat(fracBits: 23, expBits: 8)
    static let binary64 = FloatFormat(fracBits: 52, expBits: 11)

    /// The all-ones biased exponent (infinities and NaNs).
    @_transparent var expMax: Int { (1 << expBits) - 1 }
    @_transparent var bias: Int { (1 << (expBits - 1)) - 1 }
    @_transparent var signBit: UInt64 { 1 << UInt64(fracBits + expBits) }
    @_transparent var fracMask: UInt64 { (1 << UInt64(fracBits)) - 1 }
    @_transparent var quietBit: UInt64 { 1 << UInt64(fracBits - 1) }
    @_transparent var infinity: UInt64 { UInt64(expMax) << UInt64(fracBits) }
    @_transparent var maxFinite: UInt64 { infinity - 1 }
    /// The canonical NaN (positive, quiet, payload zero): 0x7fc00000 / 0x7ff8000000000000.
    @_transparent var defaultNaN: UInt64 { infinity | quietBit }
    /// Bits of `sig` (leading one at 62) below the format's precision.
    @_transparent var roundBits: Int { 62 - fracBits }

    @_transparent func biasedExponent(_ x: UInt64) -> Int { Int((x >> UInt64(fracBits)) & UInt64(expMax)) }
    @_transparent func isNaN(_ x: UInt64) -> Bool { (x & ~signBit) > infinity }
    @_transparent func isSignalingNaN(_ x: UInt64) -> Bool { isNaN(x) && (x & quietBit) == 0 }
    @_transparent func isInfinite(_ x: UInt64) -> Bool { (x & ~signBit) == infinity }
    @_transparent func isZero(_ x: UInt64) -> Bool { (x & ~signBit) == 0 }
    @_transparent func isNegative(_ x: UInt64) -> Bool { (x & signBit) != 0 }
    /// True for infinities and NaNs.
    @_transparent func isSpecial(_ x: UInt64) -> Bool { (x & ~signBit) >= infinity }
    @_transparent func zero(negative: Bool) -> UInt64 { negative ? signBit : 0 }
    @_transparent func infinity(negative: Bool) -> UInt64 { negative ? signBit | infinity : infinity }

    /// Exponent and normalised significand (leading one at bit 62) of a finite, non-zero
    /// bit pattern; subnormals are normalised.
    @_transparent
    func unpack(_ x: UInt64) -> (exp: Int, sig: UInt64) {
        let field = biasedExponent(x)
        let frac = x & fracMask
        if field == 0 {
            // value = frac × 2^(1 - bias - fracBits); move frac's leading one up to bit 62.
            let lz = frac.leadingZeroBitCount
            return (1 - bias - fracBits + 63 - lz, frac << UInt64(lz - 1))
        }
        return (field - bias, (frac | (1 << UInt64(fracBits))) << UInt64(roundBits))
    }

    /// Rounds `(-1)^sign × sig / 2^62 × 2^exp` to this format under `rm`, accruing NX, UF
    /// (tiny after rounding and inexact) and OF. `sig` must have its leading one at bit 62.
    @_transparent
    func roundPack(_ sign: Bool, _ exp: Int, _ sig: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        let s = UInt64(roundBits)
        let roundMask: UInt64 = (1 << s) - 1
        let half: UInt64 = 1 << (s - 1)
        let increment: UInt64
        switch rm {
        case .nearestEven, .nearestMaxMagnitude: increment = half
        case .towardZero: increment = 0
        case .down: increment = sign ? roundMask : 0
        case .up: increment = sign ? 0 : roundMask
        }
        let signBits = sign ? signBit : 0
        var e = exp + bias // biased exponent the leading one would get
        var sig = sig
        if e <= 0 {
            // Below the normal range. Tininess is judged after rounding: a value just under
            // the smallest normal that rounds (at full precision) up to it is not tiny.
            // `sig + increment` carries out of bit 62 exactly when rounding does, in every mode.
            let tiny = e < 0 || sig &+ increment < (1 << 63)
            sig = shiftRightJam(sig, 1 - e)
            e = 1
            if tiny && (sig & roundMask) != 0 { flags.insert(.underflow) }
        } else if e >= expMax - 1 {
            if e >= expMax || sig &+ increment >= (1 << 63) {
                flags.insert([.overflow, .inexact])
                let toInfinity: Bool
                switch rm {
                case .nearestEven, .nearestMaxMagnitude: toInfinity = true
                case .towardZero: toInfinity = false
                case .down: toInfinity = sign
                case .up: toInfinity = !sign
                }
                return signBits | (toInfinity ? infinity : maxFinite)
            }
        }
        let rem = sig & roundMask
        if rem != 0 { flags.insert(.inexact) }
        var m = (sig + increment) >> s
        if rm == .nearestEven && rem == half { m &= ~1 }
        // m carries the hidden bit (or a carry out of the fraction), which adds into the
        // exponent field: subnormals that round up to 2^emin become normal, etc.
        return signBits | ((UInt64(e - 1) << UInt64(fracBits)) &+ m)
    }
}

/// Shifts right by `n` (≥ 0), OR-ing every bit shifted out into bit 0.
@_transparent
func shiftRightJam(_ x: UInt64, _ n: Int) -> UInt64 {
    if n == 0 { return x }
    if n >= 64 { return x != 0 ? 1 : 0 }
    return (x >> UInt64(n)) | ((x << UInt64(64 - n)) != 0 ? 1 : 0)
}

/// Shifts right by `n` (≥ 0), OR-ing every bit shifted out into bit 0.
@_transparent
func shiftRightJam(_ x: UInt128, _ n: Int) -> UInt128 {
    if n == 0 { return x }
    if n >= 128 { return x != 0 ? 1 : 0 }
    return (x >> UInt128(n)) | ((x << UInt128(128 - n)) != 0 ? 1 : 0)
}

/// Narrows a 128-bit significand with its leading one at bit 126 to 64 bits (leading one at
/// bit 62), jamming the discarded low half.
@_transparent
func narrowJam(_ x: UInt128) -> UInt64 {
    UInt64(truncatingIfNeeded: x >> 64) | (UInt64(truncatingIfNeeded: x) != 0 ? 1 : 0)
}
