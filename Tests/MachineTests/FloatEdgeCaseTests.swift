// More F/D corner cases executed on the machine, beyond FloatInstructionTests: integer
// conversions exactly at their range limits and ties (where rounding decides between a
// valid result with NX and an invalid one with NV), RMM ties, special operands of fsqrt,
// fmin and fma, the sign of an underflowed product in each rounding mode, rounding to the
// first subnormal in fcvt.s.d, and correctly rounded square roots in directed modes.

import Testing
@testable import Machine

private let NV: UInt64 = 0x10, OF: UInt64 = 0x04, UF: UInt64 = 0x02, NX: UInt64 = 0x01

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct FloatEdgeCaseTests {
    @Test func conversionLimitsAndTies() throws {
        let run = try BareMetal.run(FloatInstructionTests.macros + """
                .macro CVI op, freg, rm
                    \\op a0, \\freg, \\rm
                    OUT a0
                    OUTFLAGS
                .endm
                LDF f1, 0x41effffffff00000   # 4294967295.5
                CVI fcvt.wu.d, f1, rne       # ties to 2^32: out of range
                CVI fcvt.wu.d, f1, rtz
                LDF f2, 0xbfeccccccccccccd   # -0.9
                CVI fcvt.wu.d, f2, rne       # rounds to -1: out of range
                CVI fcvt.wu.d, f2, rtz       # rounds to 0: fine
                LS f4, 0x80000000            # -0
                CVI fcvt.lu.s, f4, rtz
                LS f5, 0x4effffff            # the largest single below 2^31
                CVI fcvt.w.s, f5, rtz
                LDF f6, 0x4340000000000001   # 2^53 + 2
                CVI fcvt.l.d, f6, rne
                LS f7, 0x5f000000            # 2^63
                CVI fcvt.l.s, f7, rtz
                CVI fcvt.lu.s, f7, rtz
                LS f8, 0xdf000000            # -2^63
                CVI fcvt.l.s, f8, rtz
                LS f9, 0x3effffff            # just below 0.5
                CVI fcvt.w.s, f9, rmm
                LS f10, 0x3f000000           # 0.5
                CVI fcvt.w.s, f10, rne
                CVI fcvt.w.s, f10, rmm
                LS f11, 0xbfc00000           # -1.5
                CVI fcvt.l.s, f11, rne
                CVI fcvt.l.s, f11, rmm
                li a1, 0x7fffffffffffffff
                fcvt.s.l f3, a1, rne
                OUTF f3
                OUTFLAGS
                fcvt.s.l f3, a1, rtz
                OUTF f3
                OUTFLAGS
                LDF f12, 0x3690000000000000  # 2^-150: a tie between 0 and 2^-149
                fcvt.s.d f3, f12
                OUTF f3
                OUTFLAGS
                LDF f13, 0x3698000000000000  # 1.5 * 2^-150
                fcvt.s.d f3, f13
                OUTF f3
                OUTFLAGS
            """)
        run.expectResults([
            ("fcvt.wu.d 2^32-0.5 RNE", .max), ("NV", NV), ("fcvt.wu.d 2^32-0.5 RTZ", .max), ("NX", NX),
            ("fcvt.wu.d -0.9 RNE", 0), ("NV", NV), ("fcvt.wu.d -0.9 RTZ", 0), ("NX, not NV", NX),
            ("fcvt.lu.s -0", 0), ("no flags", 0), ("fcvt.w.s 2^31-128", 0x7FFF_FF80), ("", 0),
            ("fcvt.l.d 2^53+2", 0x20_0000_0000_0002), ("", 0),
            ("fcvt.l.s 2^63", 0x7FFF_FFFF_FFFF_FFFF), ("NV", NV), ("fcvt.lu.s 2^63", 0x8000_0000_0000_0000), ("", 0),
            ("fcvt.l.s -2^63", 0x8000_0000_0000_0000), ("", 0),
            ("fcvt.w.s 0.49999997 RMM", 0), ("", NX), ("fcvt.w.s 0.5 RNE", 0), ("", NX), ("fcvt.w.s 0.5 RMM", 1), ("", NX),
            ("fcvt.l.s -1.5 RNE", UInt64(bitPattern: -2)), ("", NX), ("fcvt.l.s -1.5 RMM", UInt64(bitPattern: -2)), ("", NX),
            ("fcvt.s.l 2^63-1 RNE", boxed(0x5F00_0000)), ("", NX), ("fcvt.s.l 2^63-1 RTZ", boxed(0x5EFF_FFFF)), ("", NX),
            ("fcvt.s.d 2^-150 ties to 0", boxed(0)), ("UF|NX", UF | NX),
            ("fcvt.s.d 1.5*2^-150 rounds to 2^-149", boxed(1)), ("UF|NX", UF | NX),
        ])
    }

    @Test func specialOperands() throws {
        let run = try BareMetal.run(FloatInstructionTests.macros + """
                .macro OP1 op, a, rm=rne
                    \\op f3, \\a, \\rm
                    OUTF f3
                    OUTFLAGS
                .endm
                .macro OP2 op, a, b, rm=rne
                    \\op f3, \\a, \\b, \\rm
                    OUTF f3
                    OUTFLAGS
                .endm
                LS f1, 0x7f800000            # +inf
                LS f2, 0xff800000            # -inf
                LS f4, 0x7f800001            # sNaN
                LS f5, 0x7fc00000            # qNaN
                OP1 fsqrt.s, f1
                OP1 fsqrt.s, f2
                OP1 fsqrt.s, f4
                OP1 fsqrt.s, f5
                fmin.s f3, f4, f4
                OUTF f3
                OUTFLAGS
                fmadd.s f3, f1, f1, f2       # inf*inf - inf
                OUTF f3
                OUTFLAGS
                fcvt.d.s f3, f4
                OUTF f3
                OUTFLAGS
                LS f6, 0x8d800000            # -2^-100
                LS f7, 0x0d800000            # 2^-100
                OP2 fmul.s, f6, f7
                OP2 fmul.s, f6, f7, rdn
                OP2 fmul.s, f6, f7, rup
                OP2 fmul.s, f6, f7, rtz
                LS f8, 0x7f7fffff            # the largest single
                LS f9, 0x00000001            # the smallest subnormal
                OP2 fdiv.s, f8, f9
                LDF f10, 0x3ff0000000000000
                LDF f11, 0x0000000000000003  # a double subnormal
                OP2 fadd.d, f10, f11
                OP2 fadd.d, f10, f11, rup
                LDF f12, 0x3fd5555555555555  # 1/3
                OP1 fsqrt.d, f12
                OP1 fsqrt.d, f12, rup
                LS f13, 0x40400000           # 3
                OP1 fsqrt.s, f13, rdn
                OP1 fsqrt.s, f13, rup
            """)
        let nan = boxed(0x7FC0_0000)
        run.expectResults([
            ("sqrt(+inf)", boxed(0x7F80_0000)), ("", 0), ("sqrt(-inf)", nan), ("NV", NV),
            ("sqrt(sNaN)", nan), ("NV", NV), ("sqrt(qNaN)", nan), ("no flags", 0),
            ("fmin(sNaN, sNaN)", nan), ("NV", NV), ("inf*inf - inf", nan), ("NV", NV),
            ("fcvt.d.s sNaN", 0x7FF8_0000_0000_0000), ("NV", NV),
            ("-tiny RNE is -0", boxed(0x8000_0000)), ("UF|NX", UF | NX),
            ("-tiny RDN is -2^-149", boxed(0x8000_0001)), ("UF|NX", UF | NX),
            ("-tiny RUP is -0", boxed(0x8000_0000)), ("UF|NX", UF | NX),
            ("-tiny RTZ is -0", boxed(0x8000_0000)), ("UF|NX", UF | NX),
            ("max / min subnormal overflows", boxed(0x7F80_0000)), ("OF|NX", OF | NX),
            ("1 + subnormal RNE", 0x3FF0_0000_0000_0000), ("NX", NX),
            ("1 + subnormal RUP", 0x3FF0_0000_0000_0001), ("NX", NX),
            ("sqrt(1/3) RNE", 0x3FE2_79A7_4590_331C), ("NX", NX), ("sqrt(1/3) RUP", 0x3FE2_79A7_4590_331D), ("NX", NX),
            ("sqrt(3) RDN", boxed(0x3FDD_B3D7)), ("NX", NX), ("sqrt(3) RUP", boxed(0x3FDD_B3D8)), ("NX", NX),
        ])
    }
}
