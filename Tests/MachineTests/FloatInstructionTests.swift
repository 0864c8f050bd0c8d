// The F and D extensions' arithmetic executed on the machine, from the ISA manual:
// NaN-boxing (an improperly boxed single reads as the canonical NaN, transfers ignore
// boxing, fmv.x.w sign-extends), canonical NaN results, infinities and signed zeros, every
// rounding mode both static and dynamic (frm), the accrued flags NX/UF/OF/DZ/NV,
// subnormals and tininess after rounding, conversions with their saturation, fclass, and
// fused multiply-add rounding once. FloatControlTests has fcsr, FS, reserved rounding
// modes, compares and min/max.

import Testing
@testable import Machine

/// A single as the 64-bit register holds it (NaN-boxed).
func boxed(_ bits: UInt32) -> UInt64 { 0xFFFF_FFFF_0000_0000 | UInt64(bits) }

private let NV: UInt64 = 0x10, DZ: UInt64 = 0x08, OF: UInt64 = 0x04, UF: UInt64 = 0x02, NX: UInt64 = 0x01

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct FloatInstructionTests {
    /// LS/LDF load an FP register with raw single/double bits through t0.
    static let macros = """
        .macro LS freg, bits
            li t0, \\bits
            fmv.w.x \\freg, t0
        .endm
        .macro LDF freg, bits
            li t0, \\bits
            fmv.d.x \\freg, t0
        .endm

        """

    @Test func nanBoxingAndTransfers() throws {
        let run = try BareMetal.run(Self.macros + """
                la t1, fp_data
                li t0, 0x3f800000
                fmv.d.x f1, t0            # 1.0f with the upper word zero: not boxed
                fadd.s f2, f1, f1
                OUTF f2
                OUTFLAGS
                fsgnj.s f2, f1, f1
                OUTF f2
                fclass.s a0, f1
                OUT a0
                fcvt.d.s f2, f1
                OUTF f2
                fmv.x.w a0, f1            # transfers ignore the boxing
                OUT a0
                fsw f1, 0(t1)
                lwu a0, 0(t1)
                OUT a0
                li t0, 0xfffffffe3f800000 # one upper bit clear: not boxed either
                fmv.d.x f1, t0
                fclass.s a0, f1
                OUT a0
                li t0, 0xffffffff3f800000 # properly boxed 1.0f
                fmv.d.x f1, t0
                fadd.s f2, f1, f1
                OUTF f2
                fadd.d f2, f1, f1         # as a double it is a NaN
                OUTF f2
                li t0, 0x80000000
                fmv.w.x f3, t0
                OUTF f3
                fmv.x.w a0, f3
                OUT a0
                fmv.x.d a0, f3
                OUT a0
                li t0, 0x123456783f800000 # fmv.w.x takes the low word
                fmv.w.x f4, t0
                OUTF f4
                li t0, 0x40490fdb
                sw t0, 8(t1)
                flw f5, 8(t1)
                OUTF f5
                fsd f5, 16(t1)
                ld a0, 16(t1)
                OUT a0
                li t0, 0x400921fb54442d18
                sd t0, 24(t1)
                fld f6, 24(t1)
                OUTF f6
                fsw f6, 32(t1)            # the low word of a double
                lwu a0, 32(t1)
                OUT a0
                flw f7, 25(t1)            # misaligned FP accesses are executed
                OUTF f7
                fsd f6, 41(t1)
                ld a0, 41(t1)
                OUT a0
                OUTFLAGS

                .bss
                .p2align 3
            fp_data:
                .zero 64
            """)
        run.expectResults([
            ("improperly boxed input reads as canonical NaN", boxed(0x7FC0_0000)), ("no flags for a quiet NaN", 0),
            ("fsgnj.s of an unboxed value", boxed(0x7FC0_0000)), ("fclass.s: quiet NaN", 0x200),
            ("fcvt.d.s of an unboxed value", 0x7FF8_0000_0000_0000),
            ("fmv.x.w moves the low word", 0x3F80_0000), ("fsw stores the low word", 0x3F80_0000),
            ("partially boxed reads as NaN", 0x200),
            ("boxed 1+1", boxed(0x4000_0000)), ("a boxed single read as a double is a NaN", 0x7FF8_0000_0000_0000),
            ("fmv.w.x boxes", boxed(0x8000_0000)), ("fmv.x.w sign-extends", 0xFFFF_FFFF_8000_0000),
            ("fmv.x.d moves the raw bits", 0xFFFF_FFFF_8000_0000), ("fmv.w.x ignores the upper word", boxed(0x3F80_0000)),
            ("flw boxes", boxed(0x4049_0FDB)), ("fsd of a single stores the boxed bits", boxed(0x4049_0FDB)),
            ("fld", 0x4009_21FB_5444_2D18), ("fsw of a double", 0x5444_2D18),
            ("flw misaligned", boxed(0xFB54_442D)), ("fsd misaligned", 0x4009_21FB_5444_2D18), ("no flags", 0),
        ])
    }

    @Test func nansInfinitiesAndSignedZeros() throws {
        let run = try BareMetal.run(Self.macros + """
                .macro R1 op, a, b
                    \\op f3, \\a, \\b
                    OUTF f3
                    OUTFLAGS
                .endm
                LS f1, 0x7fc12345       # quiet NaN with a payload
                LS f2, 0x3f800000       # 1
                LS f4, 0x7f800001       # signalling NaN
                LS f5, 0x7f800000       # +inf
                LS f6, 0x00000000       # +0
                LS f7, 0x80000000       # -0
                LS f8, 0xbf800000       # -1
                R1 fadd.s, f1, f2
                R1 fadd.s, f4, f2
                R1 fmul.s, f5, f6
                R1 fsub.s, f5, f5
                R1 fadd.s, f5, f5
                R1 fdiv.s, f6, f6
                fsqrt.s f3, f8
                OUTF f3
                OUTFLAGS
                fsqrt.s f3, f7
                OUTF f3
                OUTFLAGS
                R1 fdiv.s, f2, f6
                R1 fdiv.s, f8, f6
                R1 fdiv.s, f2, f7
                R1 fdiv.s, f2, f5
                R1 fadd.s, f7, f7
                R1 fadd.s, f7, f6
                fadd.s f3, f7, f6, rdn
                OUTF f3
                R1 fsub.s, f2, f2
                fsub.s f3, f2, f2, rdn
                OUTF f3
                R1 fmul.s, f7, f2
                R1 fsgnjn.s, f2, f2
                R1 fsgnjn.s, f6, f6
                R1 fsgnjx.s, f8, f8
                R1 fsgnj.s, f2, f7
                R1 fsgnjx.s, f8, f7
                LDF f10, 0x7ff8000000012345
                LDF f11, 0x3ff0000000000000
                LDF f12, 0x7ff0000000000001
                LDF f13, 0xc000000000000000
                R1 fmul.d, f10, f11
                R1 fsgnjn.d, f11, f11
                R1 fsgnjx.d, f13, f13
                fcvt.s.d f3, f12
                OUTF f3
                OUTFLAGS
                fcvt.d.s f3, f1
                OUTF f3
                OUTFLAGS
            """)
        let nan = boxed(0x7FC0_0000)
        run.expectResults([
            ("qNaN payload is not propagated", nan), ("", 0),
            ("sNaN + 1", nan), ("sNaN raises NV", NV),
            ("inf * 0", nan), ("", NV), ("inf - inf", nan), ("", NV), ("inf + inf", boxed(0x7F80_0000)), ("", 0),
            ("0 / 0", nan), ("", NV),
            ("sqrt(-1)", nan), ("", NV), ("sqrt(-0) = -0", boxed(0x8000_0000)), ("", 0),
            ("1 / +0", boxed(0x7F80_0000)), ("", DZ), ("-1 / +0", boxed(0xFF80_0000)), ("", DZ),
            ("1 / -0", boxed(0xFF80_0000)), ("", DZ), ("1 / inf", boxed(0)), ("", 0),
            ("-0 + -0", boxed(0x8000_0000)), ("", 0), ("-0 + +0 (RNE)", boxed(0)), ("", 0),
            ("-0 + +0 (RDN)", boxed(0x8000_0000)),
            ("1 - 1 (RNE)", boxed(0)), ("", 0), ("1 - 1 (RDN)", boxed(0x8000_0000)),
            ("-0 * 1", boxed(0x8000_0000)), ("", 0),
            ("fneg 1", boxed(0xBF80_0000)), ("", 0), ("fneg +0", boxed(0x8000_0000)), ("", 0),
            ("fabs -1", boxed(0x3F80_0000)), ("", 0), ("fsgnj 1 with -0's sign", boxed(0xBF80_0000)), ("", 0),
            ("fsgnjx -1 by -0", boxed(0x3F80_0000)), ("", 0),
            ("double qNaN payload is not propagated", 0x7FF8_0000_0000_0000), ("", 0),
            ("fneg.d 1", 0xBFF0_0000_0000_0000), ("", 0), ("fabs.d -2", 0x4000_0000_0000_0000), ("", 0),
            ("fcvt.s.d of an sNaN", nan), ("", NV), ("fcvt.d.s of a qNaN", 0x7FF8_0000_0000_0000), ("", 0),
        ])
    }

    @Test func roundingModesStaticAndDynamic() throws {
        let run = try BareMetal.run(Self.macros + """
                LS f1, 0x3f800000       # 1
                LS f2, 0x40400000       # 3
                LS f4, 0x40200000       # 2.5
                LS f5, 0xc0200000       # -2.5
                LS f6, 0x33800000       # 2^-24: 1 + 2^-24 is a tie
                LS f7, 0xbf800000       # -1
                LS f8, 0x71800000       # 2^100
                LS f9, 0xf1800000       # -2^100
                LDF f10, 0x3ff0000000000000
                LDF f11, 0xc008000000000000  # -3.0
                .macro MODE rm
                    fdiv.s f3, f1, f2, \\rm
                    OUTF f3
                    fdiv.s f3, f7, f2, \\rm
                    OUTF f3
                    fadd.s f3, f1, f6, \\rm
                    OUTF f3
                    fcvt.w.s a0, f4, \\rm
                    OUT a0
                    fcvt.w.s a0, f5, \\rm
                    OUT a0
                    fmul.s f3, f8, f8, \\rm
                    OUTF f3
                    fmul.s f3, f9, f8, \\rm
                    OUTF f3
                    fdiv.d f3, f10, f11, \\rm
                    OUTF f3
                .endm
                MODE rne
                MODE rtz
                MODE rdn
                MODE rup
                MODE rmm
                OUTFLAGS
                li s1, 0
            1:  fsrm a0, s1
                OUT a0
                MODE dyn
                addi s1, s1, 1
                li t0, 5
                blt s1, t0, 1b
                frrm a0
                OUT a0
                OUTFLAGS
                fsrmi 0
            """)
        // Per mode: 1/3, -1/3, 1+2^-24, cvt(2.5), cvt(-2.5), 2^200, -2^200, 1/-3 (double).
        let perMode: [[UInt64]] = [
            [boxed(0x3EAA_AAAB), boxed(0xBEAA_AAAB), boxed(0x3F80_0000), 2, UInt64(bitPattern: -2),
             boxed(0x7F80_0000), boxed(0xFF80_0000), 0xBFD5_5555_5555_5555],
            [boxed(0x3EAA_AAAA), boxed(0xBEAA_AAAA), boxed(0x3F80_0000), 2, UInt64(bitPattern: -2),
             boxed(0x7F7F_FFFF), boxed(0xFF7F_FFFF), 0xBFD5_5555_5555_5555],
            [boxed(0x3EAA_AAAA), boxed(0xBEAA_AAAB), boxed(0x3F80_0000), 2, UInt64(bitPattern: -3),
             boxed(0x7F7F_FFFF), boxed(0xFF80_0000), 0xBFD5_5555_5555_5556],
            [boxed(0x3EAA_AAAB), boxed(0xBEAA_AAAA), boxed(0x3F80_0001), 3, UInt64(bitPattern: -2),
             boxed(0x7F80_0000), boxed(0xFF7F_FFFF), 0xBFD5_5555_5555_5555],
            [boxed(0x3EAA_AAAB), boxed(0xBEAA_AAAB), boxed(0x3F80_0001), 3, UInt64(bitPattern: -3),
             boxed(0x7F80_0000), boxed(0xFF80_0000), 0xBFD5_5555_5555_5555],
        ]
        let names = ["RNE", "RTZ", "RDN", "RUP", "RMM"]
        let items = ["1/3", "-1/3", "1+2^-24", "fcvt.w.s 2.5", "fcvt.w.s -2.5", "2^200", "-2^200", "1/-3 double"]
        var expected: [(String, UInt64)] = []
        for (mode, values) in perMode.enumerated() {
            expected += zip(items, values).map { ("static \(names[mode]): \($0)", $1) }
        }
        expected.append(("flags: NX and OF", NX | OF))
        for (mode, values) in perMode.enumerated() {
            expected.append(("fsrm returns the old frm", mode == 0 ? 0 : UInt64(mode - 1)))
            expected += zip(items, values).map { ("dynamic \(names[mode]): \($0)", $1) }
        }
        expected += [("frm holds 4", 4), ("flags: NX and OF", NX | OF)]
        run.expectResults(expected)
    }

    @Test func exceptionFlagsAndSubnormals() throws {
        let run = try BareMetal.run(Self.macros + """
                .macro R1 op, a, b
                    \\op f3, \\a, \\b
                    OUTF f3
                    OUTFLAGS
                .endm
                LS f1, 0x3f800000       # 1
                LS f2, 0x40400000       # 3
                LS f4, 0x0d800000       # 2^-100
                LS f5, 0x71800000       # 2^100
                LS f6, 0
                R1 fdiv.s, f1, f2
                R1 fmul.s, f4, f4
                R1 fmul.s, f5, f5
                R1 fdiv.s, f1, f6
                R1 fdiv.s, f6, f6
                # flags accumulate until cleared
                fdiv.s f3, f1, f2
                fdiv.s f3, f1, f6
                frcsr a0
                OUT a0
                OUTFLAGS
                # exact results raise nothing
                R1 fadd.s, f1, f2
                # subnormals
                LS f7, 0x00800000       # smallest normal
                LS f8, 0x3f000000       # 0.5
                LS f9, 0x00000001       # smallest subnormal
                R1 fmul.s, f7, f8
                R1 fmul.s, f9, f8
                fmul.s f3, f9, f8, rup
                OUTF f3
                OUTFLAGS
                R1 fadd.s, f9, f9
                R1 fsub.s, f7, f9
                LS f10, 0x007fffff      # largest subnormal
                LS f11, 0x3f800001      # 1 + 2^-23
                R1 fmul.s, f10, f11     # tiny before rounding, not after: NX only
                LDF f12, 0x0010000000000000
                LDF f13, 0x4000000000000000
                R1 fdiv.d, f12, f13
                LDF f14, 0x3730000000000000  # 2^-140
                fcvt.s.d f3, f14
                OUTF f3
                OUTFLAGS
                LDF f14, 0x0000000000000001
                fcvt.s.d f3, f14
                OUTF f3
                OUTFLAGS
                fcvt.d.s f3, f9
                OUTF f3
                OUTFLAGS
                fclass.s a0, f9
                OUT a0
                fclass.d a0, f14
                OUT a0
                # square roots
                LS f15, 0x40000000
                fsqrt.s f3, f15
                OUTF f3
                OUTFLAGS
                LS f15, 0x40800000
                fsqrt.s f3, f15
                OUTF f3
                OUTFLAGS
                fsqrt.d f3, f13
                OUTF f3
                OUTFLAGS
            """)
        run.expectResults([
            ("1/3", boxed(0x3EAA_AAAB)), ("NX", NX),
            ("2^-200 underflows to 0", boxed(0)), ("UF|NX", UF | NX),
            ("2^200 overflows to inf", boxed(0x7F80_0000)), ("OF|NX", OF | NX),
            ("1/0", boxed(0x7F80_0000)), ("DZ", DZ), ("0/0", boxed(0x7FC0_0000)), ("NV", NV),
            ("fcsr with accrued NX|DZ", NX | DZ), ("fflags", NX | DZ),
            ("1+3", boxed(0x4080_0000)), ("exact: no flags", 0),
            ("min normal / 2", boxed(0x0040_0000)), ("exact subnormal: no flags", 0),
            ("min subnormal / 2 (RNE)", boxed(0)), ("UF|NX", UF | NX),
            ("min subnormal / 2 (RUP)", boxed(1)), ("UF|NX", UF | NX),
            ("subnormal + subnormal", boxed(2)), ("", 0),
            ("min normal - min subnormal", boxed(0x007F_FFFF)), ("", 0),
            ("rounds up to the smallest normal", boxed(0x0080_0000)), ("tininess after rounding: NX only", NX),
            ("double min normal / 2", 0x0008_0000_0000_0000), ("", 0),
            ("fcvt.s.d 2^-140 is an exact subnormal", boxed(0x200)), ("", 0),
            ("fcvt.s.d of a tiny double", boxed(0)), ("UF|NX", UF | NX),
            ("fcvt.d.s of a subnormal", 0x36A0_0000_0000_0000), ("", 0),
            ("fclass.s positive subnormal", 1 << 5), ("fclass.d positive subnormal", 1 << 5),
            ("sqrt(2) single", boxed(0x3FB5_04F3)), ("", NX), ("sqrt(4)", boxed(0x4000_0000)), ("", 0),
            ("sqrt(2) double", 0x3FF6_A09E_667F_3BCD), ("", NX),
        ])
    }

    @Test func conversions() throws {
        let run = try BareMetal.run(Self.macros + """
                .macro CVI op, freg, rm
                    \\op a0, \\freg, \\rm
                    OUT a0
                    OUTFLAGS
                .endm
                .macro CVF op, value, rm
                    li a1, \\value
                    \\op f3, a1, \\rm
                    OUTF f3
                    OUTFLAGS
                .endm
                LS f1, 0x7fc00000       # NaN
                LS f2, 0x7f800000       # +inf
                LS f4, 0xff800000       # -inf
                LS f5, 0x4f000000       # 2^31
                LS f6, 0xcf000000       # -2^31
                LS f7, 0xbf800000       # -1
                LS f8, 0x4f32d05e       # 3e9
                LS f9, 0xbf000000       # -0.5
                LS f10, 0x3fc00000      # 1.5
                CVI fcvt.w.s, f1, rtz
                CVI fcvt.w.s, f2, rtz
                CVI fcvt.w.s, f4, rtz
                CVI fcvt.w.s, f5, rtz
                CVI fcvt.w.s, f6, rtz
                CVI fcvt.wu.s, f7, rtz
                CVI fcvt.wu.s, f1, rtz
                CVI fcvt.wu.s, f8, rtz
                CVI fcvt.wu.s, f9, rtz
                CVI fcvt.w.s, f9, rne
                CVI fcvt.l.s, f1, rtz
                CVI fcvt.lu.s, f1, rtz
                CVI fcvt.lu.s, f10, rup
                CVI fcvt.l.s, f4, rtz
                LDF f11, 0xfff0000000000000   # -inf
                LDF f12, 0x7ff0000000000000   # +inf
                LDF f13, 0x43e0000000000000   # 2^63
                LDF f14, 0xc3e0000000000000   # -2^63
                LDF f15, 0xc1e0000000100000   # -2147483648.5
                LDF f16, 0x8000000000000000   # -0
                CVI fcvt.l.d, f11, rtz
                CVI fcvt.lu.d, f11, rtz
                CVI fcvt.lu.d, f12, rtz
                CVI fcvt.l.d, f13, rtz
                CVI fcvt.lu.d, f13, rtz
                CVI fcvt.l.d, f14, rtz
                CVI fcvt.w.d, f15, rtz
                CVI fcvt.w.d, f15, rne
                CVI fcvt.w.d, f15, rdn
                CVI fcvt.lu.d, f16, rtz
                CVI fcvt.wu.d, f12, rtz
                CVF fcvt.s.w, -1, rne
                CVF fcvt.s.wu, -1, rne
                CVF fcvt.s.l, 0x1000001, rne
                CVF fcvt.s.l, 0x1000001, rup
                CVF fcvt.s.l, 0x8000000000000000, rne
                CVF fcvt.d.l, 0x20000000000001, rne
                CVF fcvt.d.lu, -1, rne
                CVF fcvt.d.w, 0x12345678ffffffff, rne
                CVF fcvt.d.wu, 0x12345678ffffffff, rne
                CVF fcvt.s.lu, 0x8000000000000000, rne
                LDF f17, 0x3fd5555555555555   # 1/3
                LDF f18, 0x7fefffffffffffff   # the largest double
                fcvt.s.d f3, f17
                OUTF f3
                OUTFLAGS
                fcvt.s.d f3, f18
                OUTF f3
                OUTFLAGS
                fcvt.s.d f3, f18, rtz
                OUTF f3
                OUTFLAGS
                LS f19, 0x3eaaaaab
                fcvt.d.s f3, f19
                OUTF f3
                OUTFLAGS
            """)
        let int32Max: UInt64 = 0x7FFF_FFFF, int32Min: UInt64 = 0xFFFF_FFFF_8000_0000
        run.expectResults([
            ("fcvt.w.s NaN", int32Max), ("", NV), ("fcvt.w.s +inf", int32Max), ("", NV),
            ("fcvt.w.s -inf", int32Min), ("", NV), ("fcvt.w.s 2^31", int32Max), ("", NV),
            ("fcvt.w.s -2^31", int32Min), ("exact", 0),
            ("fcvt.wu.s -1", 0), ("", NV), ("fcvt.wu.s NaN (sign-extended)", .max), ("", NV),
            ("fcvt.wu.s 3e9 (sign-extended)", 0xFFFF_FFFF_B2D0_5E00), ("", 0),
            ("fcvt.wu.s -0.5 RTZ is 0", 0), ("only NX", NX), ("fcvt.w.s -0.5 RNE", 0), ("", NX),
            ("fcvt.l.s NaN", 0x7FFF_FFFF_FFFF_FFFF), ("", NV), ("fcvt.lu.s NaN", .max), ("", NV),
            ("fcvt.lu.s 1.5 RUP", 2), ("", NX), ("fcvt.l.s -inf", 0x8000_0000_0000_0000), ("", NV),
            ("fcvt.l.d -inf", 0x8000_0000_0000_0000), ("", NV), ("fcvt.lu.d -inf", 0), ("", NV),
            ("fcvt.lu.d +inf", .max), ("", NV), ("fcvt.l.d 2^63", 0x7FFF_FFFF_FFFF_FFFF), ("", NV),
            ("fcvt.lu.d 2^63", 0x8000_0000_0000_0000), ("", 0), ("fcvt.l.d -2^63", 0x8000_0000_0000_0000), ("", 0),
            ("fcvt.w.d -2^31-0.5 RTZ", int32Min), ("", NX), ("fcvt.w.d -2^31-0.5 RNE (tie to even)", int32Min), ("", NX),
            ("fcvt.w.d -2^31-0.5 RDN overflows", int32Min), ("", NV),
            ("fcvt.lu.d -0", 0), ("", 0), ("fcvt.wu.d +inf", .max), ("", NV),
            ("fcvt.s.w -1", boxed(0xBF80_0000)), ("", 0), ("fcvt.s.wu 0xffffffff", boxed(0x4F80_0000)), ("", NX),
            ("fcvt.s.l 2^24+1 RNE", boxed(0x4B80_0000)), ("", NX), ("fcvt.s.l 2^24+1 RUP", boxed(0x4B80_0001)), ("", NX),
            ("fcvt.s.l -2^63", boxed(0xDF00_0000)), ("", 0),
            ("fcvt.d.l 2^53+1", 0x4340_0000_0000_0000), ("", NX), ("fcvt.d.lu 2^64-1", 0x43F0_0000_0000_0000), ("", NX),
            ("fcvt.d.w uses the low word", 0xBFF0_0000_0000_0000), ("", 0),
            ("fcvt.d.wu uses the low word", 0x41EF_FFFF_FFE0_0000), ("", 0),
            ("fcvt.s.lu 2^63", boxed(0x5F00_0000)), ("", 0),
            ("fcvt.s.d 1/3", boxed(0x3EAA_AAAB)), ("", NX),
            ("fcvt.s.d overflow", boxed(0x7F80_0000)), ("", OF | NX),
            ("fcvt.s.d overflow RTZ", boxed(0x7F7F_FFFF)), ("", OF | NX),
            ("fcvt.d.s is exact", 0x3FD5_5555_6000_0000), ("", 0),
        ])
    }

    @Test func classify() throws {
        let run = try BareMetal.run(Self.macros + """
                .macro CS bits
                    LS f1, \\bits
                    fclass.s a0, f1
                    OUT a0
                .endm
                .macro CD bits
                    LDF f1, \\bits
                    fclass.d a0, f1
                    OUT a0
                .endm
                CS 0xff800000
                CS 0xbf800000
                CS 0x80000001
                CS 0x80000000
                CS 0x00000000
                CS 0x00000001
                CS 0x3f800000
                CS 0x7f800000
                CS 0x7f800001
                CS 0x7fc00000
                CS 0xffc00000
                CD 0xfff0000000000000
                CD 0xc000000000000000
                CD 0x800fffffffffffff
                CD 0x8000000000000000
                CD 0x0000000000000000
                CD 0x0000000000000001
                CD 0x7fefffffffffffff
                CD 0x7ff0000000000000
                CD 0x7ff4000000000000
                CD 0x7ff8000000000000
                OUTFLAGS
            """)
        let bits: [UInt64] = (0...9).map { 1 << $0 }
        let names = ["-inf", "-normal", "-subnormal", "-0", "+0", "+subnormal", "+normal", "+inf", "sNaN", "qNaN"]
        run.expectResults(zip(names, bits).map { ("fclass.s \($0)", $1) } + [("fclass.s negative qNaN", 1 << 9)]
            + zip(names, bits).map { ("fclass.d \($0)", $1) } + [("fclass raises no flags", 0)])
    }

    @Test func fusedMultiplyAddRoundsOnce() throws {
        let run = try BareMetal.run(Self.macros + """
                .macro FMA op, a, b, c, rm=rne
                    \\op f3, \\a, \\b, \\c, \\rm
                    OUTF f3
                    OUTFLAGS
                .endm
                LS f1, 0x3f800001       # 1 + 2^-23
                LS f2, 0x3f7ffffe       # 1 - 2^-23
                LS f4, 0xbf800000       # -1
                LS f5, 0x3f800000       # 1
                LS f6, 0                # +0
                LS f7, 0x7f800000       # +inf
                LS f8, 0x7fc00000       # qNaN
                FMA fmadd.s, f1, f2, f4
                fmul.s f3, f1, f2       # rounded separately: the product is 1.0 ...
                fadd.s f3, f3, f4       # ... and the sum 0
                OUTF f3
                OUTFLAGS
                FMA fmsub.s, f1, f2, f5
                FMA fnmsub.s, f1, f2, f5
                FMA fnmadd.s, f1, f2, f4
                FMA fmadd.s, f7, f6, f8     # inf * 0 + qNaN is still invalid
                FMA fmadd.s, f5, f5, f4
                FMA fmadd.s, f5, f5, f4, rdn
                FMA fmadd.s, f6, f5, f6
                FMA fnmadd.s, f6, f5, f6
                FMA fnmsub.s, f6, f5, f6
                LDF f10, 0x3ff0000000000001 # 1 + 2^-52
                LDF f11, 0x3feffffffffffffe # 1 - 2^-52
                LDF f12, 0xbff0000000000000 # -1
                LDF f13, 0x3ff0000000000000 # 1
                LDF f14, 0x3c30000000000000 # 2^-60
                FMA fmadd.d, f10, f11, f12
                FMA fmsub.d, f10, f11, f13
                FMA fnmadd.d, f10, f11, f12
                FMA fnmsub.d, f10, f11, f13
                FMA fmadd.d, f13, f13, f14
                FMA fmadd.d, f13, f13, f14, rup
            """)
        run.expectResults([
            ("fmadd.s (1+e)(1-e) - 1 = -2^-46 exactly", boxed(0xA880_0000)), ("exact", 0),
            ("mul then add rounds twice", boxed(0)), ("NX from the multiply", NX),
            ("fmsub.s", boxed(0xA880_0000)), ("", 0), ("fnmsub.s", boxed(0x2880_0000)), ("", 0),
            ("fnmadd.s", boxed(0x2880_0000)), ("", 0),
            ("inf*0 + qNaN", boxed(0x7FC0_0000)), ("NV", NV),
            ("1*1 - 1 (RNE)", boxed(0)), ("", 0), ("1*1 - 1 (RDN) is -0", boxed(0x8000_0000)), ("", 0),
            ("fmadd 0*1+0", boxed(0)), ("", 0), ("fnmadd 0*1+0 = -0 - 0", boxed(0x8000_0000)), ("", 0),
            ("fnmsub 0*1+0 = -0 + 0", boxed(0)), ("", 0),
            ("fmadd.d = -2^-104", 0xB970_0000_0000_0000), ("", 0), ("fmsub.d", 0xB970_0000_0000_0000), ("", 0),
            ("fnmadd.d", 0x3970_0000_0000_0000), ("", 0), ("fnmsub.d", 0x3970_0000_0000_0000), ("", 0),
            ("1 + 2^-60 (RNE)", 0x3FF0_0000_0000_0000), ("", NX), ("1 + 2^-60 (RUP)", 0x3FF0_0000_0000_0001), ("", NX),
        ])
    }
}
