// The binary32 (F extension) entry points of `SoftFloat`: arithmetic, fmin/fmax, comparisons
// and fclass on `UInt32` bit patterns. Each forwards to the format-generic code in
// SoftFloatArithmetic.swift / FloatComparisons.swift instantiated for binary32. Sign
// injection, fmv and NaN-boxing are the hart's business; fmsub/fnmsub/fnmadd are `fma32`
// with operand signs flipped by the caller.

extension SoftFloat {
    @inline(__always) private static func w32(_ x: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: x) }

    /// fadd.s
    public static func add32(_ a: UInt32, _ b: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        w32(FloatFormat.binary32.add(UInt64(a), UInt64(b), rm, &flags))
    }

    /// fsub.s
    public static func sub32(_ a: UInt32, _ b: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        w32(FloatFormat.binary32.add(UInt64(a), UInt64(b ^ 0x8000_0000), rm, &flags))
    }

    /// fmul.s
    public static func mul32(_ a: UInt32, _ b: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        w32(FloatFormat.binary32.mul(UInt64(a), UInt64(b), rm, &flags))
    }

    /// fdiv.s
    public static func div32(_ a: UInt32, _ b: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        w32(FloatFormat.binary32.div(UInt64(a), UInt64(b), rm, &flags))
    }

    /// fsqrt.s
    public static func sqrt32(_ a: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        w32(FloatFormat.binary32.sqrt(UInt64(a), rm, &flags))
    }

    /// fmadd.s: a × b + c rounded once.
    public static func fma32(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt32 {
        w32(FloatFormat.binary32.fma(UInt64(a), UInt64(b), UInt64(c), rm, &flags))
    }

    /// fmin.s
    public static func min32(_ a: UInt32, _ b: UInt32, _ flags: inout FloatFlags) -> UInt32 {
        w32(FloatFormat.binary32.minMax(UInt64(a), UInt64(b), max: false, &flags))
    }

    /// fmax.s
    public static func max32(_ a: UInt32, _ b: UInt32, _ flags: inout FloatFlags) -> UInt32 {
        w32(FloatFormat.binary32.minMax(UInt64(a), UInt64(b), max: true, &flags))
    }

    /// feq.s (quiet)
    public static func eq32(_ a: UInt32, _ b: UInt32, _ flags: inout FloatFlags) -> Bool {
        FloatFormat.binary32.equal(UInt64(a), UInt64(b), &flags)
    }

    /// flt.s (signalling)
    public static func lt32(_ a: UInt32, _ b: UInt32, _ flags: inout FloatFlags) -> Bool {
        FloatFormat.binary32.less(UInt64(a), UInt64(b), &flags)
    }

    /// fle.s (signalling)
    public static func le32(_ a: UInt32, _ b: UInt32, _ flags: inout FloatFlags) -> Bool {
        FloatFormat.binary32.lessOrEqual(UInt64(a), UInt64(b), &flags)
    }

    /// fclass.s: the 10-bit class mask.
    public static func classify32(_ a: UInt32) -> UInt64 {
        FloatFormat.binary32.classify(UInt64(a))
    }
}
