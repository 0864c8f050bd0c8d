// The non-rounding operations of the F and D extensions, written once over `FloatFormat`:
// fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber, as RISC-V has required since
// version 2.2 of the F extension), the quiet equality and signalling ordered comparisons
// (feq/flt/fle), and fclass.

extension FloatFormat {
    /// a < b for two non-NaN values, treating -0 as less than +0.
    @inline(__always)
    func totalLess(_ a: UInt64, _ b: UInt64) -> Bool {
        let negA = isNegative(a), negB = isNegative(b)
        if negA != negB { return negA }
        return negA ? a > b : a < b
    }

    /// fmin/fmax: a NaN operand loses to a number; two NaNs give the canonical NaN;
    /// a signalling NaN operand raises NV; -0 < +0.
    @inline(__always)
    func minMax(_ a: UInt64, _ b: UInt64, max: Bool, _ flags: inout FloatFlags) -> UInt64 {
        let nanA = isNaN(a), nanB = isNaN(b)
        if nanA || nanB {
            if isSignalingNaN(a) || isSignalingNaN(b) { flags.insert(.invalid) }
            if nanA && nanB { return defaultNaN }
            return nanA ? b : a
        }
        return totalLess(a, b) != max ? a : b
    }

    /// feq: quiet, NV only for a signalling NaN operand.
    @inline(__always)
    func equal(_ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> Bool {
        if isNaN(a) || isNaN(b) {
            if isSignalingNaN(a) || isSignalingNaN(b) { flags.insert(.invalid) }
            return false
        }
        return a == b || (isZero(a) && isZero(b))
    }

    /// flt: signalling, NV for any NaN operand.
    @inline(__always)
    func less(_ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> Bool {
        if isNaN(a) || isNaN(b) {
            flags.insert(.invalid)
            return false
        }
        if isZero(a) && isZero(b) { return false }
        return totalLess(a, b)
    }

    /// fle: signalling, NV for any NaN operand.
    @inline(__always)
    func lessOrEqual(_ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> Bool {
        if isNaN(a) || isNaN(b) {
            flags.insert(.invalid)
            return false
        }
        if a == b || (isZero(a) && isZero(b)) { return true }
        return totalLess(a, b)
    }

    /// fclass: exactly one of ten bits set.
    /// 0 -∞, 1 negative normal, 2 negative subnormal, 3 -0, 4 +0, 5 positive subnormal,
    /// 6 positive normal, 7 +∞, 8 signalling NaN, 9 quiet NaN.
    @inline(__always)
    func classify(_ a: UInt64) -> UInt64 {
        if isNaN(a) { return isSignalingNaN(a) ? 1 << 8 : 1 << 9 }
        let neg = isNegative(a)
        let bit: UInt64
        if isInfinite(a) {
            bit = neg ? 0 : 7
        } else if isZero(a) {
            bit = neg ? 3 : 4
        } else if biasedExponent(a) == 0 {
            bit = neg ? 2 : 5
        } else {
            bit = neg ? 1 : 6
        }
        return 1 << bit
    }
}
