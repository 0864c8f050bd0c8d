// A fast path for binary64 arithmetic in round-to-nearest-even: the host's own IEEE
// double operations, used only where their result and flags provably equal the
// soft-float's. That holds for ordinary operands: no NaNs or infinities, no overflow and
// no tiny result, so the only flag that can arise is inexact (NX), and NX is decided
// exactly — by TwoSum for add and subtract, and by integer arithmetic on the significands
// for multiply, divide and square root (is the rounded result times the other operand
// exactly the input?). Anything else returns nil and goes to the soft-float. When the
// caller's NX flag is already set (it is sticky), `decidesInexact: false` skips that
// exactness test and reports false: the flags come out the same.
//
// The host must be in its default round-to-nearest-even mode with no flush-to-zero (as
// every Swift thread starts); IEEE 754 then fixes each result bit for bit.

enum HostFloat64 {
    /// Biased exponent field.
    @inline(__always) static func exponent(_ x: UInt64) -> UInt64 { (x >> 52) & 0x7FF }
    /// The 53-bit significand of a normal number, implicit bit included.
    @inline(__always) static func significand(_ x: UInt64) -> UInt64 { (x & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000 }

    /// a + b, with NX. Operands below 2^1021 in magnitude (zeros and subnormals included),
    /// so neither the sum nor TwoSum's steps can overflow; a tiny sum is always exact.
    @inline(__always) static func add(_ a: UInt64, _ b: UInt64, decidesInexact: Bool = true) -> (bits: UInt64, inexact: Bool)? {
        guard exponent(a) <= 0x7FC, exponent(b) <= 0x7FC else { return nil }
        let x = Double(bitPattern: a), y = Double(bitPattern: b)
        let s = x + y
        guard decidesInexact else { return (s.bitPattern, false) }
        // TwoSum (Knuth): the rounding error of s, exactly.
        let yv = s - x
        let error = (x - (s - yv)) + (y - yv)
        return (s.bitPattern, error != 0)
    }

    /// a × b, with NX. Normal operands and a result of at least 2^-1021 (the host rounds a
    /// result near 2^-1022 with subnormal precision, but tininess is decided after rounding
    /// to full precision) that did not overflow; or an exact signed zero when an operand is zero.
    @inline(__always) static func mul(_ a: UInt64, _ b: UInt64, decidesInexact: Bool = true) -> (bits: UInt64, inexact: Bool)? {
        let ea = exponent(a), eb = exponent(b)
        if a << 1 == 0 || b << 1 == 0 {
            guard ea != 0x7FF, eb != 0x7FF else { return nil }
            return ((a ^ b) & (1 << 63), false)
        }
        guard ea &- 1 < 0x7FE, eb &- 1 < 0x7FE else { return nil }
        let p = (Double(bitPattern: a) * Double(bitPattern: b)).bitPattern
        guard exponent(p) &- 2 < 0x7FD else { return nil }
        guard decidesInexact else { return (p, false) }
        // The exact product has 105 or 106 bits; the result keeps the top 53.
        let exact = significand(a).multipliedFullWidth(by: significand(b))
        let dropped: UInt64 = exact.high >> 41 != 0 ? 53 : 52
        return (p, exact.low & ((1 << dropped) - 1) != 0)
    }

    /// a ÷ b, with NX. Normal (or zero) dividend, normal divisor, and a quotient as for `mul`.
    @inline(__always) static func div(_ a: UInt64, _ b: UInt64, decidesInexact: Bool = true) -> (bits: UInt64, inexact: Bool)? {
        let ea = exponent(a), eb = exponent(b)
        guard eb &- 1 < 0x7FE else { return nil }
        if a << 1 == 0 { return ((a ^ b) & (1 << 63), false) }
        guard ea &- 1 < 0x7FE else { return nil }
        let q = (Double(bitPattern: a) / Double(bitPattern: b)).bitPattern
        let eq = exponent(q)
        guard eq &- 2 < 0x7FD else { return nil }
        guard decidesInexact else { return (q, false) }
        // Exact iff q × b == a: sig(q)·sig(b) == sig(a)·2^k with k = ea - eq - eb + 1075.
        let k = Int(ea) - Int(eq) - Int(eb) + 1075
        return (q, !productEquals(significand(q), significand(b), significand(a), shift: k))
    }

    /// √a, with NX. A positive normal operand (the root is then always normal).
    @inline(__always) static func sqrt(_ a: UInt64, decidesInexact: Bool = true) -> (bits: UInt64, inexact: Bool)? {
        let ea = exponent(a)
        guard a >> 63 == 0, ea &- 1 < 0x7FE else { return nil }
        let r = Double(bitPattern: a).squareRoot().bitPattern
        guard decidesInexact else { return (r, false) }
        // Exact iff r × r == a: sig(r)² == sig(a)·2^k with k = ea - 2·er + 1075.
        let k = Int(ea) - 2 * Int(exponent(r)) + 1075
        return (r, !productEquals(significand(r), significand(r), significand(a), shift: k))
    }

    /// Whether x·y == z·2^shift for 53-bit significands x, y, z (the product has 105 or 106
    /// bits, so only shifts of 52 and 53 can match).
    @inline(__always) static func productEquals(_ x: UInt64, _ y: UInt64, _ z: UInt64, shift: Int) -> Bool {
        guard shift == 52 || shift == 53 else { return false }
        let product = x.multipliedFullWidth(by: y)
        let s = UInt64(shift)
        return product.low == z << s && product.high == z >> (64 - s)
    }
}
