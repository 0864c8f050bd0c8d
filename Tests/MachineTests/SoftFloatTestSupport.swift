// Shared helpers for the SoftFloat tests: a seeded generator, an edge-biased operand
// generator, and the `SoftFloatChecks` vocabulary (run an operation and capture its result
// with its flags, flag and landmark constants). Everything lives in a namespace or in a
// protocol extension the test suites conform to, so that nothing leaks into the
// module-wide namespace shared with the other MachineTests.

import Testing
@testable import Machine

enum SoftFloatTesting {
    /// Deterministic generator (SplitMix64).
    struct SplitMix64 {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: UInt64) -> UInt64 { next() % n }
    }

    /// Edge-biased operand generator for a format with `fracBits` fraction and `expBits` exponent bits.
    struct OperandGenerator {
        let fracBits: UInt64, expBits: UInt64
        var rng: SplitMix64
        /// Host division in the default rounding mode, on bit patterns of this format.
        let quotient: (UInt64, UInt64) -> UInt64
        var expMax: UInt64 { (1 << expBits) - 1 }
        var fracMask: UInt64 { (1 << fracBits) - 1 }
        var signBit: UInt64 { 1 << (fracBits + expBits) }

        func make(sign: Bool, exp: UInt64, frac: UInt64) -> UInt64 {
            (sign ? signBit : 0) | (exp << fracBits) | (frac & fracMask)
        }

        mutating func fraction() -> UInt64 {
            switch rng.below(4) {
            case 0: // few significant bits: exact results and exact ties are common
                return rng.next() & ~(fracMask >> (1 + rng.below(6))) & fracMask
            case 1: // runs of ones / zeros at the bottom
                return rng.below(2) == 0 ? fracMask ^ (rng.below(8)) : rng.below(8)
            default:
                return rng.next() & fracMask
            }
        }

        /// A random operand, biased toward boundaries and special values.
        mutating func operand() -> UInt64 {
            let sign = rng.below(2) == 0
            switch rng.below(20) {
            case 0: // special values
                let specials: [UInt64] = [
                    0, expMax << fracBits, // ±0, ±∞
                    (expMax << fracBits) | (1 << (fracBits - 1)), // qNaN
                    (expMax << fracBits) | 1, // sNaN
                    1, fracMask, 1 << fracBits, // min subnormal, max subnormal, min normal
                    ((expMax - 1) << fracBits) | fracMask, // max finite
                    (expMax >> 1) << fracBits, // 1.0
                ]
                return specials[Int(rng.below(UInt64(specials.count)))] | (sign ? signBit : 0)
            case 1, 2: // subnormal
                return make(sign: sign, exp: 0, frac: fraction())
            case 3, 4: // smallest normals
                return make(sign: sign, exp: 1 + rng.below(3), frac: fraction())
            case 5: // largest finite binade(s)
                return make(sign: sign, exp: expMax - 1 - rng.below(3), frac: fraction())
            case 6, 7, 8, 9: // near 1
                return make(sign: sign, exp: (expMax >> 1) - 4 + rng.below(8), frac: fraction())
            default:
                return make(sign: sign, exp: 1 + rng.below(expMax - 1), frac: fraction())
            }
        }

        /// A second operand related to `a` (close magnitude, opposite sign, nearby exponent)
        /// half of the time, to exercise cancellation, ties and boundary crossings.
        mutating func partner(of a: UInt64) -> UInt64 {
            switch rng.below(10) {
            case 0: return a ^ signBit
            case 1: return ((a ^ (rng.below(2) == 0 ? signBit : 0)) &+ rng.below(5) &- 2) & (signBit | (signBit - 1))
            case 2:
                let exp = (a >> fracBits) & expMax
                let e = min(max(Int64(exp) + Int64(rng.below(2 * (fracBits + 3))) - Int64(fracBits + 3), 0), Int64(expMax - 1))
                return make(sign: rng.below(2) == 0, exp: UInt64(e), frac: fraction())
            case 3:
                // Exponent chosen so that a product or quotient lands near the overflow or
                // underflow threshold.
                let exp = Int64((a >> fracBits) & expMax)
                let bias = Int64(expMax >> 1)
                let target: Int64 = rng.below(2) == 0 ? Int64(expMax) - 1 : 1 - Int64(rng.below(fracBits + 2))
                let e = rng.below(2) == 0 ? target - exp + bias : exp - target + bias
                return make(sign: rng.below(2) == 0, exp: UInt64(min(max(e, 0), Int64(expMax - 1))), frac: fraction())
            case 4, 5:
                // b ≈ target / a, so that a × b lands within a few ulps of a rounding-sensitive
                // value: the smallest normal (tininess after rounding), the largest finite,
                // a small subnormal, or 1.
                let targets: [UInt64] = [1 << fracBits, ((expMax - 1) << fracBits) | fracMask, 3, (expMax >> 1) << fracBits]
                let target = (targets[Int(rng.below(4))] &+ rng.below(5) &- 2) & (signBit - 1)
                return quotient(target, a & (signBit - 1)) ^ (rng.below(2) == 0 ? signBit : 0)
            default:
                return operand()
            }
        }
    }

    /// A random integer with an edge-biased bit length and pattern.
    static func integer(_ rng: inout SplitMix64) -> UInt64 {
        switch rng.below(8) {
        case 0:
            let edges: [UInt64] = [0, 1, ~0, 1 << 63, (1 << 63) - 1, 1 << 31, (1 << 31) - 1, 0xFFFF_FFFF,
                                   (1 << 24) + 1, (1 << 53) + 1, (1 << 25) + 3, (1 << 54) + 6]
            return edges[Int(rng.below(UInt64(edges.count)))]
        case 1, 2: // few significant bits, anywhere: ties are common
            return (rng.next() >> 58) << rng.below(60)
        default:
            return rng.next() >> rng.below(64)
        }
    }

    /// A result bit pattern together with the flags the operation accrued.
    struct Outcome: Equatable, CustomStringConvertible {
        let bits: UInt64
        let flags: FloatFlags
        var description: String {
            let names: [(FloatFlags, String)] = [(.invalid, "NV"), (.divideByZero, "DZ"), (.overflow, "OF"), (.underflow, "UF"), (.inexact, "NX")]
            return "0x" + String(bits, radix: 16) + " [" + names.filter { flags.contains($0.0) }.map(\.1).joined(separator: " ") + "]"
        }
    }

    static func hex<T: BinaryInteger>(_ x: T) -> String { "0x" + String(x, radix: 16) }
}

/// The vocabulary of the hand-checked SoftFloat tests, available unqualified inside suites
/// that conform.
protocol SoftFloatChecks {}

extension SoftFloatChecks {
    typealias Outcome = SoftFloatTesting.Outcome
    typealias SplitMix64 = SoftFloatTesting.SplitMix64
    typealias OperandGenerator = SoftFloatTesting.OperandGenerator

    func out(_ bits: UInt64, _ flags: FloatFlags = []) -> Outcome { Outcome(bits: bits, flags: flags) }
    func out(_ bits: UInt32, _ flags: FloatFlags = []) -> Outcome { Outcome(bits: UInt64(bits), flags: flags) }
    func run(_ body: (inout FloatFlags) -> UInt32) -> Outcome {
        var flags: FloatFlags = []
        let r = body(&flags)
        return Outcome(bits: UInt64(r), flags: flags)
    }
    func run(_ body: (inout FloatFlags) -> UInt64) -> Outcome {
        var flags: FloatFlags = []
        let r = body(&flags)
        return Outcome(bits: r, flags: flags)
    }
    func run(_ body: (inout FloatFlags) -> Bool) -> Outcome {
        var flags: FloatFlags = []
        let r = body(&flags)
        return Outcome(bits: r ? 1 : 0, flags: flags)
    }
    func hex<T: BinaryInteger>(_ x: T) -> String { SoftFloatTesting.hex(x) }

    var NX: FloatFlags { .inexact }
    var UF: FloatFlags { .underflow }
    var OF: FloatFlags { .overflow }
    var DZ: FloatFlags { .divideByZero }
    var NV: FloatFlags { .invalid }

    /// binary32 / binary64 bit patterns of exactly representable literals.
    func s(_ x: Float) -> UInt32 { x.bitPattern }
    func d(_ x: Double) -> UInt64 { x.bitPattern }

    // binary32 landmarks
    var nan32: UInt32 { 0x7fc0_0000 }
    var snan32: UInt32 { 0x7f80_0001 }
    var negQNaNPayload32: UInt32 { 0xffc0_1234 }
    var inf32: UInt32 { 0x7f80_0000 }
    var ninf32: UInt32 { 0xff80_0000 }
    var nzero32: UInt32 { 0x8000_0000 }
    var max32: UInt32 { 0x7f7f_ffff }
    var minNormal32: UInt32 { 0x0080_0000 }
    var minSub32: UInt32 { 0x0000_0001 }
    var maxSub32: UInt32 { 0x007f_ffff }
    // binary64 landmarks
    var nan64: UInt64 { 0x7ff8_0000_0000_0000 }
    var snan64: UInt64 { 0x7ff0_0000_0000_0001 }
    var inf64: UInt64 { 0x7ff0_0000_0000_0000 }
    var ninf64: UInt64 { 0xfff0_0000_0000_0000 }
    var nzero64: UInt64 { 0x8000_0000_0000_0000 }
    var max64: UInt64 { 0x7fef_ffff_ffff_ffff }
    var minNormal64: UInt64 { 0x0010_0000_0000_0000 }
    var minSub64: UInt64 { 1 }
    var maxSub64: UInt64 { 0x000f_ffff_ffff_ffff }
    // integer conversion extremes, as RV64 register values
    var i32Min: UInt64 { 0xffff_ffff_8000_0000 }
    var i32Max: UInt64 { 0x7fff_ffff }
    var u32Max: UInt64 { 0xffff_ffff_ffff_ffff } // 2^32 - 1, sign-extended
    var i64Min: UInt64 { 0x8000_0000_0000_0000 }
    var i64Max: UInt64 { 0x7fff_ffff_ffff_ffff }
    func sx(_ x: Int64) -> UInt64 { UInt64(bitPattern: x) }
}
