// The binary64 (D extension) entry points of `SoftFloat`: arithmetic, fmin/fmax, comparisons
// and fclass on `UInt64` bit patterns. Each forwards to the format-generic code in
// SoftFloatArithmetic.swift / FloatComparisons.swift instantiated for binary64. Sign
// injection, fmv and NaN-boxing are the hart's business; fmsub/fnmsub/fnmadd are `fma64`
// with operand signs flipped by the caller.

extension SoftFloat {
    /// fadd.d
    public static func add64(_ a: UInt64, _ b: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.add(a, b, rm, &flags)
    }

    /// fsub.d
    public static func sub64(_ a: UInt64, _ b: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.add(a, b ^ 0x8000_0000_0000_0000, rm, &flags)
    }

    /// fmul.d
    public static func mul64(_ a: UInt64, _ b: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.mul(a, b, rm, &flags)
    }

    /// fdiv.d
    public static func div64(_ a: UInt64, _ b: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.div(a, b, rm, &flags)
    }

    /// fsqrt.d
    public static func sqrt64(_ a: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.sqrt(a, rm, &flags)
    }

    /// fmadd.d: a × b + c rounded once.
    public static func fma64(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.fma(a, b, c, rm, &flags)
    }

    /// fmin.d
    public static func min64(_ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.minMax(a, b, max: false, &flags)
    }

    /// fmax.d
    public static func max64(_ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> UInt64 {
        FloatFormat.binary64.minMax(a, b, max: true, &flags)
    }

    /// feq.d (quiet)
    public static func eq64(_ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> Bool {
        FloatFormat.binary64.equal(a, b, &flags)
    }

    /// flt.d (signalling)
    public static func lt64(_ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> Bool {
        FloatFormat.binary64.less(a, b, &flags)
    }

    /// fle.d (signalling)
    public static func le64(_ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> Bool {
        FloatFormat.binary64.lessOrEqual(a, b, &flags)
    }

    /// fclass.d: the 10-bit class mask.
    public static func classify64(_ a: UInt64) -> UInt64 {
        FloatFormat.binary64.classify(a)
    }
}
