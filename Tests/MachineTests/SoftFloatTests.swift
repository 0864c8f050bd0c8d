// Hand-checked edge cases for SoftFloat against the RISC-V ISA manual's F and D chapters
// (and values from riscv-tests rv64uf/rv64ud): every rounding mode, signed zeros,
// subnormals, overflow and after-rounding underflow boundaries, NaN handling, fmin/fmax,
// comparisons, fclass, saturating conversions and fused multiply-add's single rounding.

import Testing
@testable import Machine

@Suite struct SoftFloatArithmeticTests: SoftFloatChecks {
    @Test func riscvTestsValues() {
        // rv64uf fadd/fsub/fmul/fdiv/fsqrt/fmadd (results checked with numpy float32).
        #expect(run { SoftFloat.add32(s(2.5), s(1.0), .nearestEven, &$0) } == out(s(3.5)))
        #expect(run { SoftFloat.add32(s(-1235.1), s(1.1), .nearestEven, &$0) } == out(s(-1234), NX))
        #expect(run { SoftFloat.add32(s(3.14159265), s(0.00000001), .nearestEven, &$0) } == out(s(3.14159265), NX))
        #expect(run { SoftFloat.sub32(s(2.5), s(1.0), .nearestEven, &$0) } == out(s(1.5)))
        #expect(run { SoftFloat.sub32(inf32, inf32, .nearestEven, &$0) } == out(nan32, NV))
        #expect(run { SoftFloat.mul32(s(-1235.1), s(-1.1), .nearestEven, &$0) } == out(UInt32(0x44a9_d385), NX))
        #expect(run { SoftFloat.div32(s(3.14159265), s(2.71828182), .nearestEven, &$0) } == out(UInt32(0x3f93_eee0), NX))
        #expect(run { SoftFloat.div32(s(-1234), s(1235.1), .nearestEven, &$0) } == out(UInt32(0xbf7f_c5a2), NX))
        #expect(run { SoftFloat.div32(s(3.14159265), s(1.0), .nearestEven, &$0) } == out(s(3.14159265)))
        #expect(run { SoftFloat.sqrt32(s(3.14159265), .nearestEven, &$0) } == out(UInt32(0x3fe2_dfc5), NX))
        #expect(run { SoftFloat.sqrt32(s(10000), .nearestEven, &$0) } == out(s(100)))
        #expect(run { SoftFloat.sqrt32(s(-1.0), .nearestEven, &$0) } == out(nan32, NV))
        #expect(run { SoftFloat.sqrt32(s(171.0), .nearestEven, &$0) } == out(UInt32(0x4151_3a26), NX))
        #expect(run { SoftFloat.fma32(s(1.0), s(2.5), s(1.0), .nearestEven, &$0) } == out(s(3.5)))
        #expect(run { SoftFloat.fma32(s(-1235.1), s(-1.1), s(1.1), .nearestEven, &$0) } == out(UInt32(0x44a9_f6b8), NX))
        #expect(run { SoftFloat.fma32(s(2.0), s(-5.0), s(-2.0), .nearestEven, &$0) } == out(s(-12.0)))
        // rv64ud
        #expect(run { SoftFloat.add64(d(-1235.1), d(1.1), .nearestEven, &$0) } == out(d(-1234), NX))
        #expect(run { SoftFloat.div64(d(3.14159265), d(2.71828182), .nearestEven, &$0) } == out(UInt64(0x3ff2_7ddb_f6c3_83ec), NX))
        #expect(run { SoftFloat.div64(d(-1234), d(1235.1), .nearestEven, &$0) } == out(UInt64(0xbfef_f8b4_3e19_29a5), NX))
        #expect(run { SoftFloat.sqrt64(d(3.141592653589793), .nearestEven, &$0) } == out(UInt64(0x3ffc_5bf8_91b4_ef6a), NX))
        #expect(run { SoftFloat.sqrt64(d(171.0), .nearestEven, &$0) } == out(UInt64(0x402a_2744_ce96_74f5), NX))
        #expect(run { SoftFloat.sqrt64(d(10000), .nearestEven, &$0) } == out(d(100)))
        #expect(run { SoftFloat.fma64(d(2.0), d(-5.0), d(-2.0), .nearestEven, &$0) } == out(d(-12.0)))
    }

    @Test func roundingModesOnTies() {
        // 1 + 2^-24 is exactly halfway between 1 and 1 + 2^-23 (1 is even).
        let tie = s(0x1p-24)
        let expected: [(RoundingMode, UInt32)] = [
            (.nearestEven, s(1)), (.towardZero, s(1)), (.down, s(1)), (.up, s(1 + 0x1p-23)), (.nearestMaxMagnitude, s(1 + 0x1p-23)),
        ]
        for (rm, r) in expected {
            #expect(run { SoftFloat.add32(s(1), tie, rm, &$0) } == out(r, NX), "\(rm)")
        }
        // Negative tie: -1 - 2^-24.
        let negExpected: [(RoundingMode, UInt32)] = [
            (.nearestEven, s(-1)), (.towardZero, s(-1)), (.down, s(-1 - 0x1p-23)), (.up, s(-1)), (.nearestMaxMagnitude, s(-1 - 0x1p-23)),
        ]
        for (rm, r) in negExpected {
            #expect(run { SoftFloat.sub32(s(-1), tie, rm, &$0) } == out(r, NX), "\(rm)")
        }
        // Tie with odd lower neighbour: (1 + 2^-23) + 2^-24 rounds to even 1 + 2^-22 in RNE.
        #expect(run { SoftFloat.add32(s(1 + 0x1p-23), tie, .nearestEven, &$0) } == out(s(1 + 0x1p-22), NX))
        #expect(run { SoftFloat.add32(s(1 + 0x1p-23), tie, .towardZero, &$0) } == out(s(1 + 0x1p-23), NX))
        // Not a tie: 1 + 2^-24 + 2^-30 rounds up in both nearest modes.
        #expect(run { SoftFloat.fma32(s(1), s(1), s(0x1p-24 + 0x1p-30), .nearestEven, &$0) } == out(s(1 + 0x1p-23), NX))
        // binary64: 1 + 2^-53.
        for (rm, r) in [(RoundingMode.nearestEven, d(1)), (.towardZero, d(1)), (.down, d(1)), (.up, d(1 + 0x1p-52)), (.nearestMaxMagnitude, d(1 + 0x1p-52))] {
            #expect(run { SoftFloat.add64(d(1), d(0x1p-53), rm, &$0) } == out(r, NX), "\(rm)")
        }
        // Directed rounding of 1/3 and -1/3.
        #expect(run { SoftFloat.div32(s(1), s(3), .nearestEven, &$0) } == out(UInt32(0x3eaa_aaab), NX))
        #expect(run { SoftFloat.div32(s(1), s(3), .towardZero, &$0) } == out(UInt32(0x3eaa_aaaa), NX))
        #expect(run { SoftFloat.div32(s(1), s(3), .up, &$0) } == out(UInt32(0x3eaa_aaab), NX))
        #expect(run { SoftFloat.div32(s(-1), s(3), .down, &$0) } == out(UInt32(0xbeaa_aaab), NX))
        #expect(run { SoftFloat.div32(s(-1), s(3), .up, &$0) } == out(UInt32(0xbeaa_aaaa), NX))
        #expect(run { SoftFloat.div64(d(1), d(3), .nearestEven, &$0) } == out(UInt64(0x3fd5_5555_5555_5555), NX))
        #expect(run { SoftFloat.div64(d(1), d(3), .up, &$0) } == out(UInt64(0x3fd5_5555_5555_5556), NX))
        // √2 in directed modes.
        #expect(run { SoftFloat.sqrt64(d(2), .towardZero, &$0) } == out(UInt64(0x3ff6_a09e_667f_3bcc), NX))
        #expect(run { SoftFloat.sqrt64(d(2), .up, &$0) } == out(UInt64(0x3ff6_a09e_667f_3bcd), NX))
        #expect(run { SoftFloat.sqrt32(s(2), .down, &$0) } == out(UInt32(0x3fb5_04f3), NX))
        #expect(run { SoftFloat.sqrt32(s(2), .up, &$0) } == out(UInt32(0x3fb5_04f4), NX))
    }

    @Test func signedZeros() {
        for rm in RoundingMode.allCases {
            let zero: UInt32 = rm == .down ? nzero32 : 0
            #expect(run { SoftFloat.add32(s(1.5), s(-1.5), rm, &$0) } == out(zero), "\(rm)")
            #expect(run { SoftFloat.sub32(s(1.5), s(1.5), rm, &$0) } == out(zero), "\(rm)")
            #expect(run { SoftFloat.add32(0, nzero32, rm, &$0) } == out(zero), "\(rm)")
            #expect(run { SoftFloat.add32(nzero32, nzero32, rm, &$0) } == out(nzero32), "\(rm)")
            #expect(run { SoftFloat.add32(0, 0, rm, &$0) } == out(UInt32(0)), "\(rm)")
            #expect(run { SoftFloat.sub32(minSub32, minSub32, rm, &$0) } == out(zero), "\(rm)")
            #expect(run { SoftFloat.add64(d(-7), d(7), rm, &$0) } == out(rm == .down ? nzero64 : 0), "\(rm)")
            #expect(run { SoftFloat.sub64(nzero64, 0, rm, &$0) } == out(nzero64), "\(rm)")
            // x + ±0 = x exactly, also for subnormals.
            #expect(run { SoftFloat.add32(maxSub32, nzero32, rm, &$0) } == out(maxSub32), "\(rm)")
            #expect(run { SoftFloat.add64(minSub64 | nzero64, 0, rm, &$0) } == out(minSub64 | nzero64), "\(rm)")
        }
        #expect(run { SoftFloat.mul32(s(-2), 0, .nearestEven, &$0) } == out(nzero32))
        #expect(run { SoftFloat.mul64(nzero64, nzero64, .nearestEven, &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.div32(0, s(-3), .nearestEven, &$0) } == out(nzero32))
        #expect(run { SoftFloat.div64(d(-3), inf64, .nearestEven, &$0) } == out(nzero64))
        #expect(run { SoftFloat.sqrt32(nzero32, .nearestEven, &$0) } == out(nzero32))
        #expect(run { SoftFloat.sqrt64(nzero64, .up, &$0) } == out(nzero64))
        // Underflow to zero keeps the sign.
        #expect(run { SoftFloat.mul32(minSub32 | nzero32, s(0.25), .nearestEven, &$0) } == out(nzero32, [UF, NX]))
    }

    @Test func specialOperands() {
        #expect(run { SoftFloat.add32(inf32, s(-1e30), .nearestEven, &$0) } == out(inf32))
        #expect(run { SoftFloat.add64(ninf64, ninf64, .nearestEven, &$0) } == out(ninf64))
        #expect(run { SoftFloat.add64(inf64, ninf64, .nearestEven, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.mul32(inf32, 0, .nearestEven, &$0) } == out(nan32, NV))
        #expect(run { SoftFloat.mul64(nzero64, ninf64, .nearestEven, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.mul32(ninf32, s(-2), .nearestEven, &$0) } == out(inf32))
        #expect(run { SoftFloat.div32(s(1), 0, .nearestEven, &$0) } == out(inf32, DZ))
        #expect(run { SoftFloat.div32(s(-1), 0, .nearestEven, &$0) } == out(ninf32, DZ))
        #expect(run { SoftFloat.div64(d(1), nzero64, .nearestEven, &$0) } == out(ninf64, DZ))
        #expect(run { SoftFloat.div64(minSub64, 0, .nearestEven, &$0) } == out(inf64, DZ))
        #expect(run { SoftFloat.div32(0, 0, .nearestEven, &$0) } == out(nan32, NV))
        #expect(run { SoftFloat.div64(inf64, ninf64, .nearestEven, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.div64(inf64, 0, .nearestEven, &$0) } == out(inf64)) // no DZ: ∞ is not finite
        #expect(run { SoftFloat.div32(0, inf32, .nearestEven, &$0) } == out(UInt32(0)))
        #expect(run { SoftFloat.sqrt32(inf32, .nearestEven, &$0) } == out(inf32))
        #expect(run { SoftFloat.sqrt32(ninf32, .nearestEven, &$0) } == out(nan32, NV))
        #expect(run { SoftFloat.sqrt64(minSub64 | nzero64, .nearestEven, &$0) } == out(nan64, NV))
        // sqrt of the smallest subnormals: √2^-1074 = 2^-537 exactly; √2^-149 is inexact.
        #expect(run { SoftFloat.sqrt64(minSub64, .nearestEven, &$0) } == out(d(0x1p-537)))
        #expect(run { SoftFloat.sqrt32(minSub32, .nearestEven, &$0) } == out(UInt32(0x1a35_04f3), NX))
        #expect(run { SoftFloat.sqrt32(UInt32(2), .nearestEven, &$0) } == out(s(0x1p-74)))
    }

    @Test func nanHandling() {
        // Every NaN result is canonical; quiet NaN operands raise nothing, signalling NV.
        let rm = RoundingMode.nearestEven
        for q in [nan32, negQNaNPayload32, 0x7fff_ffff] as [UInt32] {
            #expect(run { SoftFloat.add32(q, s(1), rm, &$0) } == out(nan32))
            #expect(run { SoftFloat.sub32(s(1), q, rm, &$0) } == out(nan32))
            #expect(run { SoftFloat.mul32(q, inf32, rm, &$0) } == out(nan32))
            #expect(run { SoftFloat.div32(0, q, rm, &$0) } == out(nan32))
            #expect(run { SoftFloat.sqrt32(q, rm, &$0) } == out(nan32))
            #expect(run { SoftFloat.fma32(s(1), s(1), q, rm, &$0) } == out(nan32))
        }
        for sn in [snan32, 0xffbf_ffff] as [UInt32] {
            #expect(run { SoftFloat.add32(sn, s(1), rm, &$0) } == out(nan32, NV))
            #expect(run { SoftFloat.add32(nan32, sn, rm, &$0) } == out(nan32, NV))
            #expect(run { SoftFloat.mul32(s(2), sn, rm, &$0) } == out(nan32, NV))
            #expect(run { SoftFloat.div32(sn, s(2), rm, &$0) } == out(nan32, NV))
            #expect(run { SoftFloat.sqrt32(sn, rm, &$0) } == out(nan32, NV))
            #expect(run { SoftFloat.fma32(s(1), sn, nan32, rm, &$0) } == out(nan32, NV))
        }
        #expect(run { SoftFloat.add64(0xfff8_0000_0000_0042, d(1), rm, &$0) } == out(nan64))
        #expect(run { SoftFloat.add64(snan64, d(1), rm, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.mul64(snan64 | nzero64, 0, rm, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.div64(d(1), 0x7ff4_0000_0000_0000, rm, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.sqrt64(0x7ff8_dead_beef_0000, rm, &$0) } == out(nan64))
        #expect(run { SoftFloat.fma64(d(1), d(1), snan64, rm, &$0) } == out(nan64, NV))
    }

    @Test func overflow() {
        // max + half an ulp of max is a tie; RNE rounds up (max's significand is odd).
        let halfUlp32 = s(0x1p103)
        let cases32: [(RoundingMode, UInt32, UInt32)] = [
            // mode, result for +max + halfUlp, result for -max - halfUlp
            (.nearestEven, inf32, ninf32), (.nearestMaxMagnitude, inf32, ninf32),
            (.towardZero, max32, max32 | 0x8000_0000), (.down, max32, ninf32), (.up, inf32, max32 | 0x8000_0000),
        ]
        for (rm, pos, neg) in cases32 {
            // Overflow is judged on the result rounded with an unbounded exponent: where that
            // is max itself (rounding towards zero), there is no overflow, only NX.
            #expect(run { SoftFloat.add32(max32, halfUlp32, rm, &$0) } == out(pos, pos == inf32 ? [OF, NX] : NX), "\(rm)")
            #expect(run { SoftFloat.sub32(max32 | 0x8000_0000, halfUlp32, rm, &$0) } == out(neg, neg == ninf32 ? [OF, NX] : NX), "\(rm)")
            // 2 × max is exact with an unbounded exponent, so it overflows in every mode.
            #expect(run { SoftFloat.mul32(max32, s(2), rm, &$0) } == out(pos, [OF, NX]), "\(rm)")
            #expect(run { SoftFloat.div64(max64 | nzero64, d(0.5), rm, &$0) }
                == out(neg == ninf32 ? ninf64 : max64 | nzero64, [OF, NX]), "\(rm)")
        }
        // Just below the tie: no overflow, result max (inexact); RUP still overflows.
        #expect(run { SoftFloat.add32(max32, s(0x1p102), .nearestEven, &$0) } == out(max32, NX))
        #expect(run { SoftFloat.add32(max32, s(0x1p102), .nearestMaxMagnitude, &$0) } == out(max32, NX))
        #expect(run { SoftFloat.add32(max32, s(0x1p102), .up, &$0) } == out(inf32, [OF, NX]))
        #expect(run { SoftFloat.add64(max64, d(0x1p970), .nearestEven, &$0) } == out(inf64, [OF, NX]))
        #expect(run { SoftFloat.add64(max64, d(0x1p969), .nearestEven, &$0) } == out(max64, NX))
        #expect(run { SoftFloat.mul64(d(0x1p600), d(0x1p600), .towardZero, &$0) } == out(max64, [OF, NX]))
        #expect(run { SoftFloat.div64(d(0x1p1000), d(0x1p-100), .nearestEven, &$0) } == out(inf64, [OF, NX]))
        // Exactly max is not an overflow.
        #expect(run { SoftFloat.mul32(s(0x1p127), s(2 - 0x1p-23), .up, &$0) } == out(max32))
        #expect(run { SoftFloat.fma64(max64, d(1), d(0), .up, &$0) } == out(max64))
    }

    @Test func underflowAndSubnormals() {
        // Exact subnormal results raise nothing.
        #expect(run { SoftFloat.mul32(minNormal32, s(0.5), .nearestEven, &$0) } == out(UInt32(0x0040_0000)))
        #expect(run { SoftFloat.add32(maxSub32, minSub32, .nearestEven, &$0) } == out(minNormal32))
        #expect(run { SoftFloat.sub64(minNormal64, minSub64, .nearestEven, &$0) } == out(maxSub64))
        #expect(run { SoftFloat.div64(minSub64, d(1), .nearestEven, &$0) } == out(minSub64))
        // Half the smallest subnormal: a tie between 0 and minSub.
        let half: [(RoundingMode, UInt32)] = [(.nearestEven, 0), (.towardZero, 0), (.down, 0), (.up, minSub32), (.nearestMaxMagnitude, minSub32)]
        for (rm, r) in half {
            #expect(run { SoftFloat.mul32(minSub32, s(0.5), rm, &$0) } == out(r, [UF, NX]), "\(rm)")
        }
        // Three quarters of minSub rounds to minSub in both nearest modes.
        #expect(run { SoftFloat.mul64(minSub64 * 3, d(0.25), .nearestEven, &$0) } == out(minSub64, [UF, NX]))
        // 1.5 × minSub: a tie between minSub (odd) and 2 minSub (even).
        #expect(run { SoftFloat.mul64(minSub64 * 3, d(0.5), .nearestEven, &$0) } == out(minSub64 * 2, [UF, NX]))
        #expect(run { SoftFloat.mul64(minSub64 * 3, d(0.5), .towardZero, &$0) } == out(minSub64, [UF, NX]))

        // Tininess is detected after rounding. (1 - 2^-53) × 2^-1022 is exact at full
        // precision, so it is tiny; on the subnormal grid it ties, and rounds to 2^-1022.
        #expect(run { SoftFloat.mul64(0x3fef_ffff_ffff_ffff, minNormal64, .nearestEven, &$0) } == out(minNormal64, [UF, NX]))
        #expect(run { SoftFloat.mul64(0x3fef_ffff_ffff_ffff, minNormal64, .towardZero, &$0) } == out(maxSub64, [UF, NX]))
        #expect(run { SoftFloat.mul32(0x3f7f_ffff, minNormal32, .nearestEven, &$0) } == out(minNormal32, [UF, NX]))
        // (1 - 2^-25) × 2^-126 rounds at full precision to 2^-126 in RNE/RMM/RUP: not tiny, no UF.
        let below = d(0x1p-126 * (1 - 0x1p-25))
        let expected: [(RoundingMode, Outcome)] = [
            (.nearestEven, out(minNormal32, NX)), (.nearestMaxMagnitude, out(minNormal32, NX)), (.up, out(minNormal32, NX)),
            (.towardZero, out(maxSub32, [UF, NX])), (.down, out(maxSub32, [UF, NX])),
        ]
        for (rm, r) in expected {
            #expect(run { SoftFloat.f64ToF32(below, rm, &$0) } == r, "\(rm)")
        }
        // Slightly lower, it rounds to (1 - 2^-24) × 2^-126 at full precision: tiny.
        #expect(run { SoftFloat.f64ToF32(d(0x1p-126 * (1 - 0x1p-24 - 0x1p-30)), .nearestEven, &$0) } == out(maxSub32, [UF, NX]))
        // Same boundary in binary64 via fma: 2^-1022 - 2^-1076 rounds to 2^-1022, not tiny.
        #expect(run { SoftFloat.fma64(d(-0x1p-538), d(0x1p-538), minNormal64, .nearestEven, &$0) } == out(minNormal64, NX))
        #expect(run { SoftFloat.fma64(d(-0x1p-538), d(0x1p-538), minNormal64, .towardZero, &$0) } == out(maxSub64, [UF, NX]))
        #expect(run { SoftFloat.fma64(d(-0x1p-538), d(0x1p-538), minNormal64, .up, &$0) } == out(minNormal64, NX))
        // Subnormal inputs are normalised correctly.
        #expect(run { SoftFloat.mul32(maxSub32, s(0x1p126), .nearestEven, &$0) } == out(s(1 - 0x1p-23)))
        #expect(run { SoftFloat.div64(minSub64, minSub64, .nearestEven, &$0) } == out(d(1)))
        #expect(run { SoftFloat.mul64(minSub64, d(0x1p1023), .nearestEven, &$0) } == out(d(0x1p-51)))
    }

    @Test func fusedMultiplyAdd() {
        // One rounding: (1 + 2^-23)(1 - 2^-23) - 1 = -2^-46 exactly; mul then add would give 0.
        #expect(run { SoftFloat.fma32(s(1 + 0x1p-23), s(1 - 0x1p-23), s(-1), .nearestEven, &$0) } == out(s(-0x1p-46)))
        #expect(run { SoftFloat.mul32(s(1 + 0x1p-23), s(1 - 0x1p-23), .nearestEven, &$0) } == out(s(1), NX))
        #expect(run { SoftFloat.fma64(d(1 + 0x1p-52), d(1 - 0x1p-52), d(-1), .nearestEven, &$0) } == out(d(-0x1p-104)))
        // (1 + 2^-52)^2 = 1 + 2^-51 + 2^-104: the tiny term decides RUP and breaks no tie in RNE.
        #expect(run { SoftFloat.fma64(d(1 + 0x1p-52), d(1 + 0x1p-52), d(0), .up, &$0) } == out(d(1 + 0x1p-51 + 0x1p-52), NX))
        #expect(run { SoftFloat.fma64(d(1 + 0x1p-52), d(1 + 0x1p-52), d(0), .nearestEven, &$0) } == out(d(1 + 0x1p-51), NX))
        // Invalid: ∞ × 0 even with a quiet NaN addend; ∞ - ∞.
        #expect(run { SoftFloat.fma32(inf32, 0, nan32, .nearestEven, &$0) } == out(nan32, NV))
        #expect(run { SoftFloat.fma64(nzero64, ninf64, nan64, .nearestEven, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.fma64(0, inf64, d(1), .nearestEven, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.fma32(inf32, s(1), ninf32, .nearestEven, &$0) } == out(nan32, NV))
        #expect(run { SoftFloat.fma32(inf32, s(-1), ninf32, .nearestEven, &$0) } == out(ninf32))
        #expect(run { SoftFloat.fma64(d(2), d(3), inf64, .nearestEven, &$0) } == out(inf64))
        #expect(run { SoftFloat.fma64(max64, d(2), ninf64, .nearestEven, &$0) } == out(ninf64)) // no overflow: exact ∞
        // Exact zero sums: +0 unless rounding down; (-0) + (-0) = -0.
        for rm in RoundingMode.allCases {
            let zero: UInt64 = rm == .down ? nzero64 : 0
            #expect(run { SoftFloat.fma64(d(1), d(1), d(-1), rm, &$0) } == out(zero), "\(rm)")
            #expect(run { SoftFloat.fma64(0, d(-1), 0, rm, &$0) } == out(zero), "\(rm)")
            #expect(run { SoftFloat.fma64(0, d(1), nzero64, rm, &$0) } == out(zero), "\(rm)")
            #expect(run { SoftFloat.fma64(nzero64, d(1), nzero64, rm, &$0) } == out(nzero64), "\(rm)")
            #expect(run { SoftFloat.fma32(0, s(5), 0, rm, &$0) } == out(UInt32(0)), "\(rm)")
            // A zero product leaves a non-zero addend untouched.
            #expect(run { SoftFloat.fma32(nzero32, s(5), minSub32, rm, &$0) } == out(minSub32), "\(rm)")
        }
        // Product underflows, zero addend: the product's rounding and flags.
        #expect(run { SoftFloat.fma32(minSub32, s(0.5), nzero32, .nearestEven, &$0) } == out(UInt32(0), [UF, NX]))
        #expect(run { SoftFloat.fma32(minSub32, s(0.5), nzero32, .up, &$0) } == out(minSub32, [UF, NX]))
        // Huge product, tiny addend (far below the sticky position) in every direction.
        #expect(run { SoftFloat.fma64(d(0x1p500), d(0x1p500), d(0x1p-1000), .up, &$0) } == out(d(0x1p1000 + 0x1p948), NX))
        #expect(run { SoftFloat.fma64(d(0x1p500), d(0x1p500), d(-0x1p-1000), .nearestEven, &$0) } == out(d(0x1p1000), NX))
        #expect(run { SoftFloat.fma64(d(0x1p500), d(0x1p500), d(-0x1p-1000), .towardZero, &$0) } == out(d(0x1p1000 - 0x1p947), NX))
        // Tiny product, huge addend.
        #expect(run { SoftFloat.fma32(minSub32, minSub32, s(-1), .down, &$0) } == out(s(-1), NX))
        #expect(run { SoftFloat.fma32(minSub32, minSub32, s(-1), .towardZero, &$0) } == out(s(-1 + 0x1p-24), NX))
        #expect(run { SoftFloat.fma32(minSub32, minSub32 | 0x8000_0000, s(1), .up, &$0) } == out(s(1), NX))
        #expect(run { SoftFloat.fma32(minSub32, minSub32 | 0x8000_0000, s(1), .down, &$0) } == out(s(1 - 0x1p-24), NX))
        // Overflowing product brought back into range by the addend is still rounded once.
        #expect(run { SoftFloat.fma32(max32, s(2), max32 | 0x8000_0000, .nearestEven, &$0) } == out(max32))
        // Sign flips the hart uses for fmsub / fnmadd: -(a×b) - c.
        #expect(run { SoftFloat.fma32(s(-2.0), s(-5.0), s(2.0) ^ 0x8000_0000, .nearestEven, &$0) } == out(s(8.0)))
    }
}

@Suite struct SoftFloatMinMaxCompareTests: SoftFloatChecks {
    @Test func minMax() {
        #expect(run { SoftFloat.min32(s(2.5), s(1.0), &$0) } == out(s(1.0)))
        #expect(run { SoftFloat.min32(s(-1235.1), s(1.1), &$0) } == out(s(-1235.1)))
        #expect(run { SoftFloat.max32(s(-1235.1), s(1.1), &$0) } == out(s(1.1)))
        #expect(run { SoftFloat.max32(s(-1.0), s(-2.0), &$0) } == out(s(-1.0)))
        #expect(run { SoftFloat.min64(d(-1.0), d(-2.0), &$0) } == out(d(-2.0)))
        // -0 < +0, either operand order.
        #expect(run { SoftFloat.min32(0, nzero32, &$0) } == out(nzero32))
        #expect(run { SoftFloat.min32(nzero32, 0, &$0) } == out(nzero32))
        #expect(run { SoftFloat.max32(nzero32, 0, &$0) } == out(UInt32(0)))
        #expect(run { SoftFloat.max64(0, nzero64, &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.min64(0, nzero64, &$0) } == out(nzero64))
        // One NaN: the other operand (bit-exact); sNaN raises NV.
        #expect(run { SoftFloat.min32(negQNaNPayload32, s(1), &$0) } == out(s(1)))
        #expect(run { SoftFloat.max32(s(-3), nan32, &$0) } == out(s(-3)))
        #expect(run { SoftFloat.max32(snan32, s(-3), &$0) } == out(s(-3), NV))
        #expect(run { SoftFloat.min64(nzero64, snan64, &$0) } == out(nzero64, NV))
        #expect(run { SoftFloat.max64(0x7ff8_0000_0000_0123, minSub64, &$0) } == out(minSub64))
        // Two NaNs: canonical NaN.
        #expect(run { SoftFloat.min32(negQNaNPayload32, 0x7fc0_0001, &$0) } == out(nan32))
        #expect(run { SoftFloat.max32(snan32, nan32, &$0) } == out(nan32, NV))
        #expect(run { SoftFloat.min64(snan64, snan64, &$0) } == out(nan64, NV))
        #expect(run { SoftFloat.max64(0xfff8_0000_0000_0000, 0x7ff8_0000_0000_0001, &$0) } == out(nan64))
        // Infinities and subnormals.
        #expect(run { SoftFloat.min64(ninf64, d(-1e308), &$0) } == out(ninf64))
        #expect(run { SoftFloat.max32(inf32, max32, &$0) } == out(inf32))
        #expect(run { SoftFloat.max32(minSub32, 0, &$0) } == out(minSub32))
        #expect(run { SoftFloat.min32(minSub32 | 0x8000_0000, nzero32, &$0) } == out(minSub32 | 0x8000_0000))
    }

    @Test func comparisons() {
        // feq is quiet; flt/fle signal on any NaN.
        #expect(run { SoftFloat.eq32(s(-1.36), s(-1.36), &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.le32(s(-1.36), s(-1.36), &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.lt32(s(-1.36), s(-1.36), &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.eq32(s(-1.37), s(-1.36), &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.le32(s(-1.37), s(-1.36), &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.lt32(s(-1.37), s(-1.36), &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.eq32(nan32, 0, &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.eq32(nan32, nan32, &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.eq32(snan32, 0, &$0) } == out(UInt64(0), NV))
        #expect(run { SoftFloat.lt32(nan32, 0, &$0) } == out(UInt64(0), NV))
        #expect(run { SoftFloat.le32(0, nan32, &$0) } == out(UInt64(0), NV))
        #expect(run { SoftFloat.eq64(0, snan64, &$0) } == out(UInt64(0), NV))
        #expect(run { SoftFloat.eq64(nan64, d(1), &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.lt64(nan64, d(1), &$0) } == out(UInt64(0), NV))
        #expect(run { SoftFloat.le64(snan64, d(1), &$0) } == out(UInt64(0), NV))
        // ±0 compare equal.
        #expect(run { SoftFloat.eq32(nzero32, 0, &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.lt32(nzero32, 0, &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.le32(0, nzero32, &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.lt64(nzero64, 0, &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.le64(nzero64, 0, &$0) } == out(UInt64(1)))
        // Ordering across signs, infinities and subnormals.
        #expect(run { SoftFloat.lt64(d(-2), d(-1), &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.lt64(d(-1), d(-2), &$0) } == out(UInt64(0)))
        #expect(run { SoftFloat.lt64(ninf64, d(-1e308), &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.le64(inf64, inf64, &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.lt32(minSub32 | 0x8000_0000, 0, &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.lt32(0, minSub32, &$0) } == out(UInt64(1)))
        #expect(run { SoftFloat.le32(s(2), s(1), &$0) } == out(UInt64(0)))
    }

    @Test func classify() {
        let cases32: [(UInt32, Int)] = [
            (ninf32, 0), (s(-1), 1), (maxSub32 | 0x8000_0000, 2), (nzero32, 3), (0, 4),
            (minSub32, 5), (minNormal32, 6), (max32, 6), (inf32, 7), (snan32, 8), (0xffbf_ffff, 8), (nan32, 9), (negQNaNPayload32, 9),
        ]
        for (x, bit) in cases32 { #expect(SoftFloat.classify32(x) == 1 << bit, "0x\(String(x, radix: 16))") }
        let cases64: [(UInt64, Int)] = [
            (ninf64, 0), (d(-1e300), 1), (minSub64 | nzero64, 2), (nzero64, 3), (0, 4),
            (maxSub64, 5), (d(1), 6), (inf64, 7), (snan64, 8), (0x7ff7_ffff_ffff_ffff, 8), (nan64, 9), (0xffff_ffff_ffff_ffff, 9),
        ]
        for (x, bit) in cases64 { #expect(SoftFloat.classify64(x) == 1 << bit, "0x\(String(x, radix: 16))") }
    }
}
