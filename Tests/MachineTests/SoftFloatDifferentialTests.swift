// Differential tests of SoftFloat against the host's x86-64 SSE/FMA unit: random and
// edge-biased operands (SplitMix64, fixed seeds), every rounding mode x86 has (it has no
// round-to-nearest-max-magnitude), comparing result bits and the five accrued flags.
// x86 SSE, like RISC-V, detects tininess after rounding, so UF must agree too. NaN results
// are compared as "is NaN" (x86 propagates payloads, RISC-V returns the canonical NaN).
// Only built on x86-64 Linux, where the glibc <fenv.h> constants below are known.

#if arch(x86_64) && os(Linux)
import Glibc
import Testing
@testable import Machine

@Suite struct SoftFloatDifferentialTests: SoftFloatChecks {
    // glibc x86-64 <fenv.h> values (the Clang importer finds the macros ambiguous).
    private static let hostRoundingModes: [(RoundingMode, Int32)] = [
        (.nearestEven, 0x000), (.down, 0x400), (.up, 0x800), (.towardZero, 0xc00),
    ]
    private static let hostExceptFlags: [(Int32, FloatFlags)] = [
        (0x01, .invalid), (0x04, .divideByZero), (0x08, .overflow), (0x10, .underflow), (0x20, .inexact),
    ]
    private static let hostAllExcept: Int32 = 0x3d

    private static func hostFlags() -> FloatFlags {
        let raised = fetestexcept(hostAllExcept)
        var flags: FloatFlags = []
        for (bit, flag) in hostExceptFlags where raised & bit != 0 { flags.insert(flag) }
        return flags
    }

    /// Runs `body` with the host rounding mode set and the exception flags cleared, returning
    /// the flags it raised. Operands and results travel through `buffer`, memory that
    /// the fenv calls may read and write; `onHost` itself is never optimised, so its calls
    /// stay in order even in a release build (LLVM otherwise treats FP arithmetic as
    /// independent of the FP environment and may move it across `fesetround`).
    @inline(never) @_optimize(none)
    private static func onHost(_ mode: Int32, _ buffer: UnsafeMutablePointer<UInt64>, _ body: (UnsafeMutablePointer<UInt64>) -> Void) -> FloatFlags {
        fesetround(mode)
        feclearexcept(hostAllExcept)
        body(buffer)
        let flags = hostFlags()
        fesetround(0)
        return flags
    }

    enum Op: String, CaseIterable, Sendable {
        case add, sub, mul, div, sqrt, fma
    }

    @inline(never) private static func host32(_ op: Op, _ p: UnsafeMutablePointer<UInt64>) {
        let a = Float(bitPattern: UInt32(truncatingIfNeeded: p[0]))
        let b = Float(bitPattern: UInt32(truncatingIfNeeded: p[1]))
        let c = Float(bitPattern: UInt32(truncatingIfNeeded: p[2]))
        let r: Float
        switch op {
        case .add: r = a + b
        case .sub: r = a - b
        case .mul: r = a * b
        case .div: r = a / b
        case .sqrt: r = a.squareRoot()
        case .fma: r = c.addingProduct(a, b)
        }
        p[3] = UInt64(r.bitPattern)
    }

    @inline(never) private static func host64(_ op: Op, _ p: UnsafeMutablePointer<UInt64>) {
        let a = Double(bitPattern: p[0]), b = Double(bitPattern: p[1]), c = Double(bitPattern: p[2])
        let r: Double
        switch op {
        case .add: r = a + b
        case .sub: r = a - b
        case .mul: r = a * b
        case .div: r = a / b
        case .sqrt: r = a.squareRoot()
        case .fma: r = c.addingProduct(a, b)
        }
        p[3] = r.bitPattern
    }

    private static func soft32(_ op: Op, _ a: UInt32, _ b: UInt32, _ c: UInt32, _ rm: RoundingMode, _ f: inout FloatFlags) -> UInt32 {
        switch op {
        case .add: SoftFloat.add32(a, b, rm, &f)
        case .sub: SoftFloat.sub32(a, b, rm, &f)
        case .mul: SoftFloat.mul32(a, b, rm, &f)
        case .div: SoftFloat.div32(a, b, rm, &f)
        case .sqrt: SoftFloat.sqrt32(a, rm, &f)
        case .fma: SoftFloat.fma32(a, b, c, rm, &f)
        }
    }

    private static func soft64(_ op: Op, _ a: UInt64, _ b: UInt64, _ c: UInt64, _ rm: RoundingMode, _ f: inout FloatFlags) -> UInt64 {
        switch op {
        case .add: SoftFloat.add64(a, b, rm, &f)
        case .sub: SoftFloat.sub64(a, b, rm, &f)
        case .mul: SoftFloat.mul64(a, b, rm, &f)
        case .div: SoftFloat.div64(a, b, rm, &f)
        case .sqrt: SoftFloat.sqrt64(a, rm, &f)
        case .fma: SoftFloat.fma64(a, b, c, rm, &f)
        }
    }

    /// RISC-V requires NV for ∞ × 0 + qNaN (IEEE leaves it open); x86 does not raise it.
    private static func isInfTimesZeroPlusQuietNaN(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ f: FloatFormat) -> Bool {
        ((f.isInfinite(a) && f.isZero(b)) || (f.isZero(a) && f.isInfinite(b))) && f.isNaN(c) && !f.isSignalingNaN(c)
    }

    /// Cases per (operation, format); each runs in all four host rounding modes. Set
    /// SOFTFLOAT_DIFF_COUNT in the environment for a longer soak run.
    static let differentialCount = getenv("SOFTFLOAT_DIFF_COUNT").flatMap { Int(String(cString: $0)) } ?? 3000

    @Test(arguments: Op.allCases)
    func binary32(_ op: Op) {
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 4)
        defer { buffer.deallocate() }
        var gen = OperandGenerator(
            fracBits: 23, expBits: 8, rng: SplitMix64(seed: 0x5EED_0032 ^ UInt64(Op.allCases.firstIndex(of: op)!) << 32),
            quotient: { UInt64((Float(bitPattern: UInt32(truncatingIfNeeded: $0)) / Float(bitPattern: UInt32(truncatingIfNeeded: $1))).bitPattern) })
        var failures = 0
        for _ in 0..<Self.differentialCount {
            let a = gen.operand()
            let b = gen.partner(of: a)
            var c = gen.operand()
            if op == .fma && gen.rng.below(2) == 0 {
                // An addend that nearly cancels the product.
                let p = Float(bitPattern: UInt32(truncatingIfNeeded: a)) * Float(bitPattern: UInt32(truncatingIfNeeded: b))
                c = UInt64((-p).bitPattern &+ UInt32(gen.rng.below(5)) &- 2)
            }
            for (rm, mode) in Self.hostRoundingModes {
                buffer[0] = a; buffer[1] = b; buffer[2] = c
                var hostF = Self.onHost(mode, buffer) { Self.host32(op, $0) }
                if op == .fma && Self.isInfTimesZeroPlusQuietNaN(a, b, c, FloatFormat.binary32) { hostF.insert(.invalid) }
                let hostR = UInt32(truncatingIfNeeded: buffer[3])
                var softF: FloatFlags = []
                let softR = Self.soft32(op, UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b), UInt32(truncatingIfNeeded: c), rm, &softF)
                let hostNaN = Float(bitPattern: hostR).isNaN
                let ok = (hostNaN ? softR == 0x7fc0_0000 : softR == hostR) && softF == hostF
                if !ok {
                    failures += 1
                    if failures <= 10 {
                        Issue.record("\(op) f32 \(rm) a=\(hex(a)) b=\(hex(b)) c=\(hex(c)): soft \(hex(UInt64(softR))) \(softF.rawValue) host \(hex(UInt64(hostR))) \(hostF.rawValue)")
                    }
                }
            }
        }
        #expect(failures == 0)
    }

    @Test(arguments: Op.allCases)
    func binary64(_ op: Op) {
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 4)
        defer { buffer.deallocate() }
        var gen = OperandGenerator(
            fracBits: 52, expBits: 11, rng: SplitMix64(seed: 0x5EED_0064 ^ UInt64(Op.allCases.firstIndex(of: op)!) << 32),
            quotient: { (Double(bitPattern: $0) / Double(bitPattern: $1)).bitPattern })
        var failures = 0
        for _ in 0..<Self.differentialCount {
            let a = gen.operand()
            let b = gen.partner(of: a)
            var c = gen.operand()
            if op == .fma && gen.rng.below(2) == 0 {
                let p = Double(bitPattern: a) * Double(bitPattern: b)
                c = (-p).bitPattern &+ gen.rng.below(5) &- 2
            }
            for (rm, mode) in Self.hostRoundingModes {
                buffer[0] = a; buffer[1] = b; buffer[2] = c
                var hostF = Self.onHost(mode, buffer) { Self.host64(op, $0) }
                if op == .fma && Self.isInfTimesZeroPlusQuietNaN(a, b, c, FloatFormat.binary64) { hostF.insert(.invalid) }
                let hostR = buffer[3]
                var softF: FloatFlags = []
                let softR = Self.soft64(op, a, b, c, rm, &softF)
                let hostNaN = Double(bitPattern: hostR).isNaN
                let ok = (hostNaN ? softR == 0x7ff8_0000_0000_0000 : softR == hostR) && softF == hostF
                if !ok {
                    failures += 1
                    if failures <= 10 {
                        Issue.record("\(op) f64 \(rm) a=\(hex(a)) b=\(hex(b)) c=\(hex(c)): soft \(hex(softR)) \(softF.rawValue) host \(hex(hostR)) \(hostF.rawValue)")
                    }
                }
            }
        }
        #expect(failures == 0)
    }

    enum Conversion: String, CaseIterable, Sendable {
        case i32ToF32, u32ToF32, i64ToF32, u64ToF32, i32ToF64, u32ToF64, i64ToF64, u64ToF64, f64ToF32, f32ToF64
    }

    @inline(never) private static func hostConvert(_ op: Conversion, _ p: UnsafeMutablePointer<UInt64>) {
        let x = p[0]
        switch op {
        case .i32ToF32: p[3] = UInt64(Float(Int32(truncatingIfNeeded: x)).bitPattern)
        case .u32ToF32: p[3] = UInt64(Float(UInt32(truncatingIfNeeded: x)).bitPattern)
        case .i64ToF32: p[3] = UInt64(Float(Int64(bitPattern: x)).bitPattern)
        case .u64ToF32: p[3] = UInt64(Float(x).bitPattern)
        case .i32ToF64: p[3] = Double(Int32(truncatingIfNeeded: x)).bitPattern
        case .u32ToF64: p[3] = Double(UInt32(truncatingIfNeeded: x)).bitPattern
        case .i64ToF64: p[3] = Double(Int64(bitPattern: x)).bitPattern
        case .u64ToF64: p[3] = Double(x).bitPattern
        case .f64ToF32: p[3] = UInt64(Float(Double(bitPattern: x)).bitPattern)
        case .f32ToF64: p[3] = Double(Float(bitPattern: UInt32(truncatingIfNeeded: x))).bitPattern
        }
    }

    private static func softConvert(_ op: Conversion, _ x: UInt64, _ rm: RoundingMode, _ f: inout FloatFlags) -> UInt64 {
        switch op {
        case .i32ToF32: UInt64(SoftFloat.i32ToF32(Int32(truncatingIfNeeded: x), rm, &f))
        case .u32ToF32: UInt64(SoftFloat.u32ToF32(UInt32(truncatingIfNeeded: x), rm, &f))
        case .i64ToF32: UInt64(SoftFloat.i64ToF32(Int64(bitPattern: x), rm, &f))
        case .u64ToF32: UInt64(SoftFloat.u64ToF32(x, rm, &f))
        case .i32ToF64: SoftFloat.i32ToF64(Int32(truncatingIfNeeded: x), rm, &f)
        case .u32ToF64: SoftFloat.u32ToF64(UInt32(truncatingIfNeeded: x), rm, &f)
        case .i64ToF64: SoftFloat.i64ToF64(Int64(bitPattern: x), rm, &f)
        case .u64ToF64: SoftFloat.u64ToF64(x, rm, &f)
        case .f64ToF32: UInt64(SoftFloat.f64ToF32(x, rm, &f))
        case .f32ToF64: SoftFloat.f32ToF64(UInt32(truncatingIfNeeded: x), &f)
        }
    }

    @Test(arguments: Conversion.allCases)
    func conversion(_ op: Conversion) {
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 4)
        defer { buffer.deallocate() }
        var rng = SplitMix64(seed: 0xC0_4E27 ^ UInt64(Conversion.allCases.firstIndex(of: op)!) << 32)
        var gen32 = OperandGenerator(fracBits: 23, expBits: 8, rng: rng, quotient: { $1 })
        var gen64 = OperandGenerator(fracBits: 52, expBits: 11, rng: rng, quotient: { $1 })
        var failures = 0
        for _ in 0..<Self.differentialCount {
            var x: UInt64
            switch op {
            case .f64ToF32:
                // Mostly values in or near binary32's range.
                x = gen64.operand()
                if gen64.rng.below(4) != 0 && !FloatFormat.binary64.isSpecial(x) {
                    let exp = 1023 - 150 + gen64.rng.below(300)
                    x = (x & ~(0x7FF << 52)) | (exp << 52)
                }
            case .f32ToF64: x = gen32.operand()
            default:
                x = SoftFloatTesting.integer(&rng)
                if rng.below(2) == 0 { x = 0 &- x }
                if op.rawValue.contains("32To") && rng.below(2) == 0 { x = x >> 32 | x << 32 }
            }
            for (rm, mode) in Self.hostRoundingModes {
                buffer[0] = x
                let hostF = Self.onHost(mode, buffer) { Self.hostConvert(op, $0) }
                var hostR = buffer[3]
                if op == .f64ToF32 && Float(bitPattern: UInt32(truncatingIfNeeded: hostR)).isNaN { hostR = 0x7fc0_0000 }
                if op == .f32ToF64 && Double(bitPattern: hostR).isNaN { hostR = 0x7ff8_0000_0000_0000 }
                // LLVM's x86 lowering of unsigned → double (magic-number subtraction) turns 0
                // into -0 when rounding down; IEEE (and RISC-V) give +0.
                if hostR == 0x8000_0000_0000_0000 && (op == .u32ToF64 || op == .u64ToF64) { hostR = 0 }
                var softF: FloatFlags = []
                let softR = Self.softConvert(op, x, rm, &softF)
                if softR != hostR || softF != hostF {
                    failures += 1
                    if failures <= 10 {
                        Issue.record("\(op) \(rm) x=\(hex(x)): soft \(hex(softR)) \(softF.rawValue) host \(hex(hostR)) \(hostF.rawValue)")
                    }
                }
            }
        }
        #expect(failures == 0)
    }

    enum ToInteger: String, CaseIterable, Sendable {
        case f32ToI32, f32ToU32, f32ToI64, f32ToU64, f64ToI32, f64ToU32, f64ToI64, f64ToU64
        var isDouble: Bool { rawValue.hasPrefix("f64") }
        var signed: Bool { rawValue.contains("ToI") }
        var width: Int { rawValue.hasSuffix("32") ? 32 : 64 }
    }

    /// Float → integer against a reference built from the host's `rint` (which rounds to an
    /// integral value in the current mode) plus the ISA manual's saturation table.
    @Test(arguments: ToInteger.allCases)
    func toInteger(_ op: ToInteger) {
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 4)
        defer { buffer.deallocate() }
        let rng = SplitMix64(seed: 0x1_4E6E ^ UInt64(ToInteger.allCases.firstIndex(of: op)!) << 32)
        var gen = op.isDouble
            ? OperandGenerator(fracBits: 52, expBits: 11, rng: rng, quotient: { $1 })
            : OperandGenerator(fracBits: 23, expBits: 8, rng: rng, quotient: { $1 })
        let bias = UInt64(gen.expMax >> 1)
        var failures = 0
        for _ in 0..<Self.differentialCount {
            var x = gen.operand()
            if gen.rng.below(4) != 0 && ((x >> gen.fracBits) & gen.expMax) != gen.expMax {
                // Mostly magnitudes between 2^-2 and 2^66, around the integer range limits.
                x = (x & ~(gen.expMax << gen.fracBits)) | ((bias - 2 + gen.rng.below(68)) << gen.fracBits)
            }
            let value = op.isDouble ? Double(bitPattern: x) : Double(Float(bitPattern: UInt32(truncatingIfNeeded: x)))
            for (rm, mode) in Self.hostRoundingModes {
                buffer[0] = value.bitPattern
                _ = Self.onHost(mode, buffer) { $0[3] = rint(Double(bitPattern: $0[0])).bitPattern }
                let r = Double(bitPattern: buffer[3])
                // Reference.
                let limit = op.signed ? Double(sign: .plus, exponent: op.width - 1, significand: 1) : Double(sign: .plus, exponent: op.width, significand: 1)
                let low = op.signed ? -limit : 0
                var expected: UInt64
                var expectedFlags: FloatFlags = []
                let maxBits: UInt64 = op.signed ? (op.width == 64 ? UInt64(Int64.max) : UInt64(Int32.max)) : (op.width == 64 ? .max : UInt64(UInt32.max))
                let minBits: UInt64 = op.signed ? (op.width == 64 ? UInt64(bitPattern: Int64.min) : UInt64(bitPattern: Int64(Int32.min))) : 0
                if value.isNaN || r >= limit {
                    expected = maxBits
                    expectedFlags = .invalid
                } else if r < low {
                    expected = minBits
                    expectedFlags = .invalid
                } else {
                    expected = r < 0 ? UInt64(bitPattern: Int64(r)) : UInt64(r)
                    if r != value { expectedFlags = .inexact }
                }
                if op.width == 32 { expected = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: expected))) }
                var softF: FloatFlags = []
                let softR: UInt64
                switch op {
                case .f32ToI32: softR = SoftFloat.f32ToI32(UInt32(truncatingIfNeeded: x), rm, &softF)
                case .f32ToU32: softR = SoftFloat.f32ToU32(UInt32(truncatingIfNeeded: x), rm, &softF)
                case .f32ToI64: softR = SoftFloat.f32ToI64(UInt32(truncatingIfNeeded: x), rm, &softF)
                case .f32ToU64: softR = SoftFloat.f32ToU64(UInt32(truncatingIfNeeded: x), rm, &softF)
                case .f64ToI32: softR = SoftFloat.f64ToI32(x, rm, &softF)
                case .f64ToU32: softR = SoftFloat.f64ToU32(x, rm, &softF)
                case .f64ToI64: softR = SoftFloat.f64ToI64(x, rm, &softF)
                case .f64ToU64: softR = SoftFloat.f64ToU64(x, rm, &softF)
                }
                if softR != expected || softF != expectedFlags {
                    failures += 1
                    if failures <= 10 {
                        Issue.record("\(op) \(rm) x=\(hex(x)): soft \(hex(softR)) \(softF.rawValue) expected \(hex(expected)) \(expectedFlags.rawValue)")
                    }
                }
            }
        }
        #expect(failures == 0)
    }
}
#endif
