// The F and D extensions' control side and comparisons, executed on the machine: the
// fcsr fields (frm, fflags, their masks and the fs*/fr* aliases), reserved static rounding
// modes and invalid dynamic frm values (5, 6, 7) as illegal instructions with the
// instruction in mtval, mstatus.FS (Off makes every FP instruction and FP CSR access
// illegal; Initial or Clean becomes Dirty on a write, with SD set), and feq/flt/fle and
// fmin/fmax with NaNs (quiet vs signalling) and signed zeros.

import Testing
@testable import Machine

private let NV: UInt64 = 0x10, NX: UInt64 = 0x01

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct FloatControlTests {
    static let macros = FloatInstructionTests.macros

    @Test func reservedRoundingModesAreIllegal() throws {
        let run = try BareMetal.run(Self.macros + """
                LS f1, 0x3f800000
                csrwi frm, 5
                csrr a0, frm
                OUT a0
            dyn5:
                fadd.s f2, f1, f1, dyn
                csrwi frm, 6
            dyn6:
                fmul.d f2, f1, f1, dyn
                csrwi frm, 7
            dyn7:
                fcvt.w.s a0, f1, dyn
            dyn7fma:
                fmadd.s f2, f1, f1, f1, dyn
                # instructions without a rounding mode do not care
                fsgnj.s f2, f1, f1
                OUTF f2
                fmv.x.w a0, f1
                OUT a0
                feq.s a0, f1, f1
                OUT a0
                csrwi frm, 0
                fadd.s f2, f1, f1, dyn
                OUTF f2
            static5:
                .insn r OP_FP, 5, 0, f2, f1, f1
            static6:
                .insn r OP_FP, 6, 1, f2, f1, f1
            static5fma:
                .insn r4 MADD, 5, 0, f2, f1, f1, f1
                OUTF f2
            """)
        run.expectResults([("frm takes 5", 5), ("fsgnj.s with frm = 7", boxed(0x3F80_0000)), ("fmv.x.w", 0x3F80_0000),
                           ("feq.s", 1), ("valid frm again", boxed(0x4000_0000)), ("f2 untouched by the traps", boxed(0x4000_0000))])
        run.expectIllegalInstructions(at: ["dyn5", "dyn6", "dyn7", "dyn7fma", "static5", "static6", "static5fma"])
    }

    @Test func comparisonsAndMinMax() throws {
        let run = try BareMetal.run(Self.macros + """
                .macro CMP op, a, b
                    \\op a0, \\a, \\b
                    OUT a0
                    OUTFLAGS
                .endm
                .macro MM op, a, b
                    \\op f3, \\a, \\b
                    OUTF f3
                    OUTFLAGS
                .endm
                LS f1, 0x7fc00000       # qNaN
                LS f2, 0x7f800001       # sNaN
                LS f4, 0x3f800000       # 1
                LS f5, 0x80000000       # -0
                LS f6, 0                # +0
                LS f7, 0xbf800000       # -1
                LS f8, 0xff800000       # -inf
                LS f9, 0x7f800000       # +inf
                CMP feq.s, f1, f4
                CMP feq.s, f2, f4
                CMP flt.s, f1, f4
                CMP fle.s, f4, f1
                CMP feq.s, f5, f6
                CMP flt.s, f5, f6
                CMP fle.s, f5, f6
                CMP flt.s, f7, f4
                CMP fle.s, f4, f4
                CMP flt.s, f8, f9
                MM fmin.s, f5, f6
                MM fmin.s, f6, f5
                MM fmax.s, f5, f6
                MM fmax.s, f6, f5
                MM fmin.s, f1, f4
                MM fmin.s, f2, f4
                MM fmax.s, f1, f1
                MM fmax.s, f8, f7
                LDF f10, 0x3ff0000000000000  # 1
                LDF f11, 0x4000000000000000  # 2
                LDF f12, 0x7ff8000000000000  # qNaN
                LDF f13, 0x8000000000000000  # -0
                LDF f14, 0x0000000000000000  # +0
                CMP flt.d, f10, f11
                CMP fle.d, f11, f10
                CMP feq.d, f10, f10
                CMP feq.d, f12, f12
                CMP flt.d, f12, f10
                MM fmax.d, f10, f12
                MM fmin.d, f13, f14
                MM fmax.d, f14, f13
                li t0, 0x3f800000
                fmv.d.x f15, t0              # an unboxed single is a NaN to fmin.s
                MM fmin.s, f15, f7
            """)
        run.expectResults([
            ("feq qNaN", 0), ("quiet compare: no flags", 0), ("feq sNaN", 0), ("NV", NV),
            ("flt qNaN", 0), ("signalling compare: NV", NV), ("fle with qNaN", 0), ("NV", NV),
            ("feq -0 +0", 1), ("", 0), ("flt -0 +0", 0), ("", 0), ("fle -0 +0", 1), ("", 0),
            ("flt -1 1", 1), ("", 0), ("fle 1 1", 1), ("", 0), ("flt -inf +inf", 1), ("", 0),
            ("fmin(-0, +0)", boxed(0x8000_0000)), ("", 0), ("fmin(+0, -0)", boxed(0x8000_0000)), ("", 0),
            ("fmax(-0, +0)", boxed(0)), ("", 0), ("fmax(+0, -0)", boxed(0)), ("", 0),
            ("fmin(qNaN, 1)", boxed(0x3F80_0000)), ("", 0), ("fmin(sNaN, 1)", boxed(0x3F80_0000)), ("NV", NV),
            ("fmax(qNaN, qNaN)", boxed(0x7FC0_0000)), ("", 0), ("fmax(-inf, -1)", boxed(0xBF80_0000)), ("", 0),
            ("flt.d 1 2", 1), ("", 0), ("fle.d 2 1", 0), ("", 0), ("feq.d 1 1", 1), ("", 0),
            ("feq.d qNaN qNaN", 0), ("", 0), ("flt.d qNaN", 0), ("NV", NV),
            ("fmax.d(1, qNaN)", 0x3FF0_0000_0000_0000), ("", 0),
            ("fmin.d(-0, +0)", 0x8000_0000_0000_0000), ("", 0), ("fmax.d(+0, -0)", 0), ("", 0),
            ("fmin.s(unboxed, -1)", boxed(0xBF80_0000)), ("", 0),
        ])
    }

    @Test func fcsrFields() throws {
        let run = try BareMetal.run("""
                li t0, 0xff
                csrw fcsr, t0
                frrm a0
                OUT a0
                frflags a0
                OUT a0
                frcsr a0
                OUT a0
                li t0, 0xfff
                fscsr a1, t0             # bits above 7 do not exist
                OUT a1
                frcsr a0
                OUT a0
                fsflags a0, zero
                OUT a0
                frcsr a0
                OUT a0
                fsrmi a0, 2
                OUT a0
                frcsr a0
                OUT a0
                li t0, 0xff
                fsflags t0
                frflags a0
                OUT a0
                csrrci a0, fflags, 0x11  # clear NV and NX
                csrr a0, fflags
                OUT a0
                li t0, 0xf
                csrw frm, t0
                frrm a0
                OUT a0
                csrr a0, fcsr
                OUT a0
                csrwi fcsr, 0
            """)
        run.expectResults([
            ("frm from fcsr", 7), ("fflags from fcsr", 0x1F), ("fcsr", 0xFF),
            ("fscsr returns the old fcsr", 0xFF), ("fcsr keeps 8 bits", 0xFF),
            ("fsflags returns the old flags", 0x1F), ("fcsr with flags cleared", 0xE0),
            ("fsrmi returns the old frm", 7), ("fcsr with frm = 2", 0x40),
            ("fflags keeps 5 bits", 0x1F), ("csrrci on fflags", 0x0E), ("frm keeps 3 bits", 7), ("fcsr", 0xEE),
        ])
    }

    @Test func floatingPointStatusFS() throws {
        let run = try BareMetal.run("""
                .macro STATUS
                    csrr a0, mstatus
                    srli a1, a0, 13
                    andi a1, a1, 3
                    OUT a1
                    srli a0, a0, 63
                    OUT a0
                .endm
                li s1, 3 << 13
                li s2, 1 << 13
                li s3, 2 << 13
                csrc mstatus, s1         # FS = Off
                STATUS
            off1: fadd.s f1, f2, f3
            off2: flw f1, 0(sp)
            off3: fsd f1, 0(sp)
            off4: fmv.x.w a0, f1
            off5: fmv.w.x f1, a0
            off6: csrr a0, fcsr
            off7: csrwi fflags, 1
            off8: csrr a0, frm
            off9: fcvt.d.l f1, a0
            off10: c.fldsp f8, 0(sp)
            off11: fmadd.d f1, f2, f3, f4
                csrs mstatus, s2         # Initial: a write makes it Dirty
                STATUS
                fmv.w.x f1, zero
                STATUS
                csrc mstatus, s1
                csrs mstatus, s3         # Clean, then a CSR write
                STATUS
                csrwi fflags, 0
                STATUS
                csrc mstatus, s1
                csrs mstatus, s3         # Clean, then a load
                flw f1, 0(sp)
                STATUS
                csrc mstatus, s1
                csrs mstatus, s3         # Clean, then an instruction that raises a flag
                fdiv.s f0, f0, f0
                STATUS
                csrr a0, sstatus         # sstatus shows SD too
                srli a0, a0, 63
                OUT a0
                csrc mstatus, s1
                csrs mstatus, s1         # writing FS = Dirty directly sets SD
                STATUS
            """)
        run.expectResults([
            ("FS Off", 0), ("SD clear", 0),
            ("FS Initial", 1), ("SD clear", 0), ("FS Dirty after fmv.w.x", 3), ("SD set", 1),
            ("FS Clean", 2), ("SD clear", 0), ("FS Dirty after a CSR write", 3), ("SD set", 1),
            ("FS Dirty after flw", 3), ("SD set", 1), ("FS Dirty after fdiv", 3), ("SD set", 1),
            ("sstatus.SD", 1), ("FS written Dirty", 3), ("SD set", 1),
        ])
        run.expectIllegalInstructions(at: (1...11).map { "off\($0)" })
    }
}
