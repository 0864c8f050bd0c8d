// The run loop's double-precision fast path against the soft-float: wherever the fast
// path answers, its result bits and inexact flag must equal the soft-float's in
// round-to-nearest-even, on edge-biased and uniformly random operands and on exact
// products, quotients and roots built on purpose. A second check runs whole instructions
// through `executeFloatFast` and `executeFloat` on two harts and compares registers,
// `fflags` and `mstatus`.

import Testing
@testable import Machine

@Suite struct HostFloatFastPathTests: SoftFloatChecks {
    enum Op: String, CaseIterable, Sendable { case add, sub, mul, div, sqrt }

    static func fast(_ op: Op, _ a: UInt64, _ b: UInt64) -> (bits: UInt64, inexact: Bool)? {
        switch op {
        case .add: HostFloat64.add(a, b)
        case .sub: HostFloat64.add(a, b ^ (1 << 63))
        case .mul: HostFloat64.mul(a, b)
        case .div: HostFloat64.div(a, b)
        case .sqrt: HostFloat64.sqrt(a)
        }
    }

    static func soft(_ op: Op, _ a: UInt64, _ b: UInt64, _ flags: inout FloatFlags) -> UInt64 {
        switch op {
        case .add: SoftFloat.add64(a, b, .nearestEven, &flags)
        case .sub: SoftFloat.sub64(a, b, .nearestEven, &flags)
        case .mul: SoftFloat.mul64(a, b, .nearestEven, &flags)
        case .div: SoftFloat.div64(a, b, .nearestEven, &flags)
        case .sqrt: SoftFloat.sqrt64(a, .nearestEven, &flags)
        }
    }

    /// Operand pairs: edge-biased, uniformly random bits, and exact results on purpose
    /// (a product of short significands, a quotient times its divisor, a square).
    static func operands(_ op: Op, count: Int) -> [(UInt64, UInt64)] {
        var gen = SoftFloatTesting.OperandGenerator(
            fracBits: 52, expBits: 11, rng: .init(seed: 0xFA57_0064 ^ UInt64(Op.allCases.firstIndex(of: op)!) << 40),
            quotient: { (Double(bitPattern: $0) / Double(bitPattern: $1)).bitPattern })
        var pairs: [(UInt64, UInt64)] = []
        for _ in 0..<count {
            let a = gen.operand()
            pairs.append((a, gen.partner(of: a)))
            pairs.append((gen.rng.next(), gen.rng.next()))
            let short = { (g: inout SoftFloatTesting.OperandGenerator) -> Double in
                Double(Int64(g.rng.below(1 << 26)) - (1 << 25)) * Double(sign: .plus, exponent: Int(g.rng.below(200)) - 100, significand: 1)
            }
            let x = short(&gen), y = short(&gen)
            switch op {
            case .mul: pairs.append((x.bitPattern, y.bitPattern))
            case .div: pairs.append(((x * y).bitPattern, y.bitPattern))
            case .sqrt: pairs.append(((x * x).bitPattern, 0))
            case .add, .sub: pairs.append((x.bitPattern, y.bitPattern))
            }
        }
        return pairs
    }

    @Test(arguments: Op.allCases)
    func fastPathMatchesSoftFloat(_ op: Op) {
        var answered = 0, exact = 0, failures = 0
        for (a, b) in Self.operands(op, count: 20_000) {
            guard let fast = Self.fast(op, a, b) else { continue }
            answered += 1
            if !fast.inexact { exact += 1 }
            var flags: FloatFlags = []
            let bits = Self.soft(op, a, b, &flags)
            if bits != fast.bits || flags != (fast.inexact ? .inexact : []) {
                failures += 1
                if failures <= 10 {
                    Issue.record("\(op) a=\(hex(a)) b=\(hex(b)): soft \(hex(bits)) \(flags.rawValue) fast \(hex(fast.bits)) \(fast.inexact)")
                }
            }
        }
        #expect(failures == 0)
        // The path must actually be taken, for exact and inexact results alike.
        #expect(answered > 20_000)
        #expect(exact > 1_000)
    }

    @Test func instructionsMatchSlowPath() throws {
        let fastMachine = try Machine(configuration: MachineConfiguration())
        let slowMachine = try Machine(configuration: MachineConfiguration())
        let fastHart = fastMachine.harts[0], slowHart = slowMachine.harts[0]
        var rng = SoftFloatTesting.SplitMix64(seed: 0xFA57_1157)
        var gen = SoftFloatTesting.OperandGenerator(
            fracBits: 52, expBits: 11, rng: .init(seed: 0xFA57_2000),
            quotient: { (Double(bitPattern: $0) / Double(bitPattern: $1)).bitPattern })
        let operations: [Operation] = [.fadd, .fsub, .fmul, .fdiv, .fsqrt, .fsgnj, .fsgnjn, .fsgnjx,
                                       .feq, .flt, .fle, .fmvXD, .fmvDX, .fmin]
        var taken = 0
        for round in 0..<20_000 {
            let operation = operations[Int(rng.below(UInt64(operations.count)))]
            // Mostly round-to-nearest (static or dynamic); sometimes another mode, FS off or a single.
            let funct: UInt16 = [0, 7, 0, 7, 1, 3][Int(rng.below(6))]
            let frm = UInt8(rng.below(8) == 0 ? rng.below(5) : 0)
            let fs: UInt64 = round % 50 == 0 ? 0 : CSRBits.fs & (round % 3 == 0 ? 0x2000 : CSRBits.fs)
            let double = rng.below(20) != 0
            let a = gen.operand()
            let b = gen.partner(of: a) | (round % 7 == 0 ? 0xFFFF_FFFF_0000_0000 : 0)
            let inst = DecodedInstruction(operation: operation, rd: 3, rs1: 1, rs2: 2, funct: funct, imm: double ? 1 : 0)
            for hart in [fastHart, slowHart] {
                hart.f[1] = a
                hart.f[2] = b
                hart.x[1] = a
                hart.frm = frm
                hart.fflags = UInt8(round % 4 == 0 ? 0 : 0x10)
                hart.mstatus = (hart.mstatus & ~CSRBits.fs) | fs
            }
            let fastDone = fastHart.executeFloatFast(operation, rd: 3, rs1: 1, rs2: 2, funct: funct, double: double)
            if fastDone {
                taken += 1
                _ = slowHart.executeFloat(inst)
            } else {
                // Nothing may have changed: run the slow path on both.
                _ = fastHart.executeFloat(inst)
                _ = slowHart.executeFloat(inst)
            }
            let same = fastHart.f[3] == slowHart.f[3] && fastHart.x[3] == slowHart.x[3]
                && fastHart.fflags == slowHart.fflags && fastHart.mstatus == slowHart.mstatus
            if !same {
                Issue.record("\(operation) funct=\(funct) frm=\(frm) a=\(hex(fastHart.f[1])) b=\(hex(fastHart.f[2])): fast f=\(hex(fastHart.f[3])) x=\(hex(fastHart.x[3])) flags=\(fastHart.fflags) slow f=\(hex(slowHart.f[3])) x=\(hex(slowHart.x[3])) flags=\(slowHart.fflags)")
                break
            }
        }
        #expect(taken > 5_000)
    }
}
