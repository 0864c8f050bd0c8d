// The M extension executed on the machine: the low and the three high multiplies with
// their signedness, the W forms (upper input bits ignored, results sign-extended), and
// division as the ISA manual defines its corner cases — by zero (quotient all ones,
// remainder the dividend) and signed overflow (MIN / -1 = MIN, remainder 0) — in the
// 64-bit and W forms, signed and unsigned, with truncation toward zero.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct MultiplyDivideTests {
    /// `OP rd, a, b` with a and b loaded by `li`, then OUT of the result.
    static let macro = """
        .macro M op, a, b
            li a1, \\a
            li a2, \\b
            \\op a0, a1, a2
            OUT a0
        .endm

        """

    @Test func multiplication() throws {
        let run = try BareMetal.run(Self.macro + """
                M mul, 0x7fffffffffffffff, 2
                M mul, -3, 5
                M mul, 0x100000001, 0x100000001
                M mulh, -1, -1
                M mulh, 0x8000000000000000, 0x8000000000000000
                M mulh, 0x8000000000000000, -1
                M mulh, 0x7fffffffffffffff, 0x7fffffffffffffff
                M mulh, -2, 3
                M mulhu, -1, -1
                M mulhu, 0x8000000000000000, 2
                M mulhsu, -1, -1
                M mulhsu, 0x8000000000000000, 2
                M mulhsu, 2, -1
                M mulhsu, 0x8000000000000000, 0xffffffffffffffff
                M mulw, 0x7fffffff, 2
                M mulw, 0x100000003, 0x100000005
                M mulw, 0x10000, 0x10000
                M mulw, -1, -1
                # mul and mulh of the same operands give the full 128-bit product
                li a1, 0x123456789abcdef
                li a2, -0x23456789
                mul a3, a1, a2
                mulh a4, a1, a2
                OUT a3
                OUT a4
            """)
        run.expectResults([
            ("mul MAX*2", 0xFFFF_FFFF_FFFF_FFFE), ("mul -3*5", UInt64(bitPattern: -15)),
            ("mul (2^32+1)^2 low", 0x0000_0002_0000_0001),
            ("mulh -1*-1", 0), ("mulh MIN*MIN", 0x4000_0000_0000_0000), ("mulh MIN*-1", 0),
            ("mulh MAX*MAX", 0x3FFF_FFFF_FFFF_FFFF), ("mulh -2*3", .max),
            ("mulhu max*max", 0xFFFF_FFFF_FFFF_FFFE), ("mulhu 2^63*2", 1),
            ("mulhsu -1*(2^64-1)", .max), ("mulhsu MIN*2", .max), ("mulhsu 2*(2^64-1)", 1),
            ("mulhsu MIN*(2^64-1)", 0x8000_0000_0000_0000),
            ("mulw 0x7fffffff*2", 0xFFFF_FFFF_FFFF_FFFE), ("mulw ignores upper bits", 15),
            ("mulw 2^32 wraps to 0", 0), ("mulw -1*-1", 1),
            ("128-bit product, low", 0x5678_9ABD_04C8_A219), ("128-bit product, high", 0xFFFF_FFFF_FFD7_DE8B),
        ])
    }

    @Test func division() throws {
        let run = try BareMetal.run(Self.macro + """
                M div, 7, -2
                M rem, 7, -2
                M div, -7, 2
                M rem, -7, 2
                M div, -7, -2
                M rem, -7, -2
                M div, 42, 0
                M rem, 42, 0
                M div, -42, 0
                M rem, -42, 0
                M div, 0x8000000000000000, -1
                M rem, 0x8000000000000000, -1
                M divu, 42, 0
                M remu, 42, 0
                M divu, -1, 3
                M remu, -1, 10
                M divu, 0x8000000000000000, -1
                M remu, 7, -1
                M divu, 0, 0
            """)
        let minimum: UInt64 = 0x8000_0000_0000_0000
        run.expectResults([
            ("div 7/-2 truncates", UInt64(bitPattern: -3)), ("rem 7%-2 has the dividend's sign", 1),
            ("div -7/2", UInt64(bitPattern: -3)), ("rem -7%2", UInt64(bitPattern: -1)),
            ("div -7/-2", 3), ("rem -7%-2", UInt64(bitPattern: -1)),
            ("div by zero", .max), ("rem by zero", 42),
            ("div -42 by zero", .max), ("rem -42 by zero", UInt64(bitPattern: -42)),
            ("div MIN/-1 overflows to MIN", minimum), ("rem MIN%-1", 0),
            ("divu by zero", .max), ("remu by zero", 42),
            ("divu max/3", 0x5555_5555_5555_5555), ("remu max%10", 5),
            ("divu 2^63/max", 0), ("remu 7%max", 7), ("divu 0/0", .max),
        ])
    }

    @Test func wordDivision() throws {
        let run = try BareMetal.run(Self.macro + """
                M divw, 7, -2
                M remw, -7, 2
                M divw, 42, 0
                M remw, 42, 0
                M remw, 0x180000000, 0
                M divw, 0x80000000, -1
                M remw, 0x80000000, -1
                M divw, 0xffffffff00000010, 0x100000004
                M divw, 0x80000000, 0xffffffff
                M divuw, 42, 0
                M remuw, 0x180000000, 0
                M divuw, 0x80000000, 1
                M divuw, 0xffffffff, 2
                M remuw, 0xffffffff, 10
                M divuw, 0xffffffff00000010, 0x100000004
                M remuw, 0x12345678ffffffff, 0x100000000
                M divw, 0x12345678ffffffff, 0x100000000
            """)
        run.expectResults([
            ("divw 7/-2", UInt64(bitPattern: -3)), ("remw -7%2", UInt64(bitPattern: -1)),
            ("divw by zero", .max), ("remw by zero", 42),
            ("remw by zero sign-extends the low word", 0xFFFF_FFFF_8000_0000),
            ("divw MIN/-1 overflows to MIN", 0xFFFF_FFFF_8000_0000), ("remw MIN%-1", 0),
            ("divw ignores upper bits", 4), ("divw MIN/-1 (rs2 = 0xffffffff)", 0xFFFF_FFFF_8000_0000),
            ("divuw by zero", .max), ("remuw by zero sign-extends", 0xFFFF_FFFF_8000_0000),
            ("divuw result sign-extends", 0xFFFF_FFFF_8000_0000), ("divuw max/2", 0x7FFF_FFFF),
            ("remuw max%10", 5), ("divuw ignores upper bits", 4),
            ("remuw by a zero low word", .max), ("divw by a zero low word", .max),
        ])
    }
}
