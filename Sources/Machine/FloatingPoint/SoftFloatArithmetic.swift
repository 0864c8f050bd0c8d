// The five rounded arithmetic operations (add, multiply, divide, square root, fused
// multiply-add), written once over `FloatFormat` and instantiated for binary32 and binary64
// by the thin wrappers in SoftFloat32.swift / SoftFloat64.swift. Special operands (NaN,
// infinity, zero) are settled first with RISC-V's rules; finite operands are computed exactly
// or with a sticky bit, then rounded once by `FloatFormat.roundPack`.

extension FloatFormat {
    /// a + b. (Subtraction flips b's sign bit first.)
    @inline(__always)
    func add(_ a: UInt64, _ b: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        let signA = isNegative(a), signB = isNegative(b)
        if isSpecial(a) || isSpecial(b) {
            if isNaN(a) || isNaN(b) {
                if isSignalingNaN(a) || isSignalingNaN(b) { flags.insert(.invalid) }
                return defaultNaN
            }
            if isInfinite(a) {
                if isInfinite(b) && signA != signB {
                    flags.insert(.invalid) // ∞ - ∞
                    return defaultNaN
                }
                return a
            }
            return b
        }
        if isZero(a) {
            if isZero(b) { return signA == signB ? a : zero(negative: rm == .down) }
            return b
        }
        if isZero(b) { return a }

        var (expA, sigA) = unpack(a)
        var (expB, sigB) = unpack(b)
        var sign = signA
        // Order by magnitude so that |A| ≥ |B|.
        if expB > expA || (expB == expA && sigB > sigA) {
            swap(&expA, &expB)
            swap(&sigA, &sigB)
            sign = signB
        }
        sigB = shiftRightJam(sigB, expA - expB)
        if signA == signB {
            var sum = sigA + sigB // < 2^64
            if sum >= 1 << 63 {
                sum = (sum >> 1) | (sum & 1)
                expA += 1
            }
            return roundPack(sign, expA, sum, rm, &flags)
        }
        var diff = sigA - sigB
        if diff == 0 { return zero(negative: rm == .down) } // exact cancellation
        // Large cancellation only happens when the alignment shift was ≤ 1, i.e. exact;
        // otherwise at most one bit is lost and the sticky bit stays far below the round bit.
        let shift = diff.leadingZeroBitCount - 1
        diff <<= UInt64(shift)
        return roundPack(sign, expA - shift, diff, rm, &flags)
    }

    @inline(__always)
    func mul(_ a: UInt64, _ b: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        let sign = isNegative(a) != isNegative(b)
        if isSpecial(a) || isSpecial(b) {
            if isNaN(a) || isNaN(b) {
                if isSignalingNaN(a) || isSignalingNaN(b) { flags.insert(.invalid) }
                return defaultNaN
            }
            if isZero(a) || isZero(b) {
                flags.insert(.invalid) // ∞ × 0
                return defaultNaN
            }
            return infinity(negative: sign)
        }
        if isZero(a) || isZero(b) { return zero(negative: sign) }
        let (expA, sigA) = unpack(a)
        let (expB, sigB) = unpack(b)
        // sigA × sigB ∈ [2^124, 2^126), value = product / 2^124 × 2^(expA + expB).
        let p = sigA.multipliedFullWidth(by: sigB)
        if p.high >= 1 << 61 {
            let sig = (p.high << 1) | (p.low >> 63) | ((p.low << 1) != 0 ? 1 : 0)
            return roundPack(sign, expA + expB + 1, sig, rm, &flags)
        }
        let sig = (p.high << 2) | (p.low >> 62) | ((p.low << 2) != 0 ? 1 : 0)
        return roundPack(sign, expA + expB, sig, rm, &flags)
    }

    @inline(__always)
    func div(_ a: UInt64, _ b: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        let sign = isNegative(a) != isNegative(b)
        if isSpecial(a) || isSpecial(b) {
            if isNaN(a) || isNaN(b) {
                if isSignalingNaN(a) || isSignalingNaN(b) { flags.insert(.invalid) }
                return defaultNaN
            }
            if isInfinite(a) {
                if isInfinite(b) {
                    flags.insert(.invalid) // ∞ / ∞
                    return defaultNaN
                }
                return infinity(negative: sign)
            }
            return zero(negative: sign) // finite / ∞
        }
        if isZero(b) {
            if isZero(a) {
                flags.insert(.invalid) // 0 / 0
                return defaultNaN
            }
            flags.insert(.divideByZero)
            return infinity(negative: sign)
        }
        if isZero(a) { return zero(negative: sign) }
        var (expA, sigA) = unpack(a)
        let (expB, sigB) = unpack(b)
        if sigA < sigB {
            sigA <<= 1
            expA -= 1
        }
        // sigA / sigB ∈ [1, 2): q = ⌊sigA × 2^62 / sigB⌋ ∈ [2^62, 2^63).
        let (q, r) = sigB.dividingFullWidth((high: sigA >> 2, low: sigA << 62))
        return roundPack(sign, expA - expB, q | (r != 0 ? 1 : 0), rm, &flags)
    }

    @inline(__always)
    func sqrt(_ a: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        if isNaN(a) {
            if isSignalingNaN(a) { flags.insert(.invalid) }
            return defaultNaN
        }
        if isZero(a) { return a } // √±0 = ±0
        if isNegative(a) {
            flags.insert(.invalid)
            return defaultNaN
        }
        if isInfinite(a) { return a }
        var (exp, sig) = unpack(a)
        // value = sig / 2^62 × 2^exp; make exp even, then √(sig × 2^62) = √(sig / 2^62) × 2^62.
        var radicand = UInt128(sig) << 62
        if exp & 1 != 0 {
            radicand <<= 1
            exp -= 1
        }
        let root = isqrt(radicand)
        let sticky: UInt64 = UInt128(root) * UInt128(root) != radicand ? 1 : 0
        return roundPack(false, exp / 2, root | sticky, rm, &flags)
    }

    /// a × b + c with a single rounding.
    @inline(__always)
    func fma(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ rm: RoundingMode, _ flags: inout FloatFlags) -> UInt64 {
        let signP = isNegative(a) != isNegative(b)
        let signC = isNegative(c)
        if isSpecial(a) || isSpecial(b) || isSpecial(c) || isZero(a) || isZero(b) {
            if isSignalingNaN(a) || isSignalingNaN(b) || isSignalingNaN(c) { flags.insert(.invalid) }
            // ∞ × 0 is invalid even when c is a quiet NaN.
            if (isInfinite(a) && isZero(b)) || (isZero(a) && isInfinite(b)) {
                flags.insert(.invalid)
                return defaultNaN
            }
            if isNaN(a) || isNaN(b) || isNaN(c) { return defaultNaN }
            if isInfinite(a) || isInfinite(b) {
                if isInfinite(c) && signC != signP {
                    flags.insert(.invalid) // ∞ - ∞
                    return defaultNaN
                }
                return infinity(negative: signP)
            }
            if isInfinite(c) { return c }
            // The product is an exact zero (a and b are finite here).
            if isZero(c) { return signC == signP ? c : zero(negative: rm == .down) }
            return c
        }
        let (expA, sigA) = unpack(a)
        let (expB, sigB) = unpack(b)
        // Exact product, normalised to [2^125, 2^126): value = P / 2^125 × 2^expP.
        var p = UInt128(sigA) * UInt128(sigB)
        var expP = expA + expB + 1
        if p < (1 as UInt128) << 125 {
            p <<= 1
            expP -= 1
        }
        if isZero(c) {
            // x + ±0 = x for x ≠ 0: just round the product.
            return roundPack(signP, expP, narrowJam(p << 1), rm, &flags)
        }
        let (expC, sigC) = unpack(c)
        let cc = UInt128(sigC) << 63 // [2^125, 2^126), value = cc / 2^125 × 2^expC
        var big = p, small = cc, exp = expP, sign = signP
        if expC > expP || (expC == expP && cc > p) {
            big = cc
            small = p
            exp = expC
            sign = signC
        }
        small = shiftRightJam(small, abs(expP - expC))
        var r: UInt128
        if signP == signC {
            r = big + small // < 2^127
        } else {
            r = big - small
            if r == 0 { return zero(negative: rm == .down) }
        }
        // Bring the leading one to bit 126; value = r' / 2^(125 + k) × 2^exp.
        let k = r.leadingZeroBitCount - 1
        r <<= UInt128(k)
        return roundPack(sign, exp + 1 - k, narrowJam(r), rm, &flags)
    }
}

/// ⌊√n⌋ for n ∈ [2^124, 2^126), by Newton's iteration from an over-estimate.
@inline(__always)
private func isqrt(_ n: UInt128) -> UInt64 {
    let top = UInt64(truncatingIfNeeded: n >> 64) // [2^60, 2^62)
    // (⌊√top⌋ + 1) × 2^32 > √n, and ≤ 2^63 so x + n/x cannot overflow.
    var x = (isqrt64(top) + 1) << 32
    let hi = UInt64(truncatingIfNeeded: n >> 64), lo = UInt64(truncatingIfNeeded: n)
    while true {
        // x ≥ √n ≥ 2^62 > hi, so the quotient fits.
        let y = (x + x.dividingFullWidth((high: hi, low: lo)).quotient) >> 1
        if y >= x { return x }
        x = y
    }
}

/// ⌊√n⌋ for a 64-bit n.
@inline(__always)
private func isqrt64(_ n: UInt64) -> UInt64 {
    if n < 2 { return n }
    // Over-estimate from the bit length, then Newton's iteration (monotone decreasing).
    var x: UInt64 = 1 << UInt64((64 - n.leadingZeroBitCount + 1) / 2)
    while true {
        let y = (x + n / x) >> 1
        if y >= x { return x }
        x = y
    }
}
