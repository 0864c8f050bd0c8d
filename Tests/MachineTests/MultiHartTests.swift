// Several harts sharing memory, stepped deterministically: atomic adds are exact, plain
// load/add/store loses updates under fine interleaving for some seeds, and one seed
// always replays to the same count and the same instruction trace.

import Testing
@testable import Machine
@testable import MachineTools

@Suite struct MultiHartTests {
    static let counter: UInt64 = 0x8001_0000
    static let done: UInt64 = 0x8001_0008

    /// Every hart adds 1 to a shared counter `count` times; hart 0 powers off when all are done.
    static func counterProgram(atomic: Bool, count: Int64, harts: Int64) throws -> [UInt8] {
        var asm = Assembler(origin: 0x8000_0000)
        asm.li(.a0, Int64(counter)); asm.li(.a1, Int64(done)); asm.li(.t0, count)
        asm.label("loop")
        if atomic {
            asm.li(.t1, 1); asm.amoaddD(.zero, .t1, .a0)
        } else {
            asm.ld(.t1, 0, .a0); asm.addi(.t1, .t1, 1); asm.sd(.t1, 0, .a0)
        }
        asm.addi(.t0, .t0, -1); asm.bnez(.t0, "loop")
        asm.li(.t1, 1); asm.amoaddD(.zero, .t1, .a1)
        asm.csrrs(.t2, 0xF14, .zero)   // csrr t2, mhartid
        asm.bnez(.t2, "park")
        asm.label("wait")
        asm.ld(.t3, 0, .a1); asm.li(.t4, harts); asm.bne(.t3, .t4, "wait")
        asm.li(.a2, 0x10_0000); asm.li(.a3, 0x5555); asm.sw(.a3, 0, .a2)
        asm.label("park")
        asm.emit(0x1050_0073)          // wfi
        asm.j("park")
        return ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x2_0000)
    }

    static func run(atomic: Bool, seed: UInt64, harts: Int = 2, count: Int64 = 200, granularity: Int = 1) throws -> (UInt64, Machine) {
        var configuration = MachineConfiguration()
        configuration.hartCount = harts
        configuration.interleaveGranularity = granularity
        configuration.seed = seed
        configuration.jitter = 3
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: counterProgram(atomic: atomic, count: count, harts: Int64(harts))))
        let stop = machine.run(budget: 10_000_000)
        #expect(stop == .powerOff(exitCode: 0))
        return (machine.memory.readInteger(at: counter, size: 8) ?? 0, machine)
    }

    @Test func atomicAddIsAlwaysExact() throws {
        for seed: UInt64 in 1...10 {
            for harts in [2, 4] {
                #expect(try Self.run(atomic: true, seed: seed, harts: harts).0 == UInt64(200 * harts))
            }
        }
    }

    @Test func plainLoadAddStoreLosesUpdatesForSomeSeeds() throws {
        var counts: [UInt64] = []
        for seed: UInt64 in 1...10 { counts.append(try Self.run(atomic: false, seed: seed).0) }
        #expect(counts.contains { $0 < 400 }, "some interleaving must lose an update: \(counts)")
        #expect(counts.allSatisfy { $0 <= 400 && $0 >= 200 })
        #expect(Set(counts).count > 1, "different seeds should give different interleavings: \(counts)")
    }

    @Test func coarseInterleavingWithoutJitterLosesNothing() throws {
        // A batch of 100,000 instructions lets each hart finish its loop before the other starts.
        var configuration = MachineConfiguration()
        configuration.hartCount = 2
        configuration.interleaveGranularity = 100_000
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: Self.counterProgram(atomic: false, count: 200, harts: 2)))
        #expect(machine.run(budget: 10_000_000) == .powerOff(exitCode: 0))
        #expect(machine.memory.readInteger(at: Self.counter, size: 8) == 400)
    }

    @Test func aSeedReplaysToTheSameCountAndTrace() throws {
        func trace(seed: UInt64) throws -> (UInt64, [String]) {
            var configuration = MachineConfiguration()
            configuration.hartCount = 2
            configuration.interleaveGranularity = 1
            configuration.seed = seed
            configuration.jitter = 3
            let machine = try Machine(configuration: configuration)
            try machine.load(ELFImage(bytes: Self.counterProgram(atomic: false, count: 30, harts: 2)))
            var lines: [String] = []
            while lines.count < 100_000 {
                let (stop, retired) = machine.stepTraced()
                if stop != nil { break }
                if let retired { lines.append(retired.line) }
            }
            return (machine.memory.readInteger(at: Self.counter, size: 8) ?? 0, lines)
        }
        let first = try trace(seed: 5), second = try trace(seed: 5), other = try trace(seed: 6)
        let sameTrace = first.1 == second.1, otherTrace = first.1 == other.1
        #expect(first.0 == second.0)
        #expect(sameTrace, "the same seed must replay the same instruction trace")
        #expect(!otherTrace, "another seed should give another interleaving")
    }

    @Test func storeByAnotherHartBreaksTheReservation() throws {
        // Hart 0: lr.d, then spins until hart 1 has stored to the same word, then sc.d (must fail).
        var asm = Assembler(origin: 0x8000_0000)
        asm.li(.a0, Int64(Self.counter)); asm.li(.a1, Int64(Self.done))
        asm.csrrs(.t2, 0xF14, .zero)
        asm.bnez(.t2, "other")
        asm.emit(0x1005_35AF)                     // lr.d a1, (a0)
        asm.li(.a1, Int64(Self.done))
        asm.label("wait")
        asm.ld(.t3, 0, .a1); asm.beqz(.t3, "wait")
        asm.li(.t4, 7)
        asm.emit(0x19D5_3E2F)                     // sc.d t3, t4, (a0)
        asm.sd(.t3, 16, .a1)                      // record the SC result at done+16
        asm.li(.a2, 0x10_0000); asm.li(.a3, 0x5555); asm.sw(.a3, 0, .a2)
        asm.label("other")
        asm.li(.t1, 5); asm.sd(.t1, 0, .a0)       // store to the reserved word
        asm.li(.t1, 1); asm.sd(.t1, 0, .a1)
        asm.label("park")
        asm.emit(0x1050_0073)
        asm.j("park")
        var configuration = MachineConfiguration()
        configuration.hartCount = 2
        configuration.interleaveGranularity = 1
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000,
                                                              zeroFill: 0x2_0000)))
        #expect(machine.run(budget: 1_000_000) == .powerOff(exitCode: 0))
        #expect(machine.memory.readInteger(at: Self.done + 16, size: 8) == 1, "sc.d must fail after another hart's store")
        #expect(machine.memory.readInteger(at: Self.counter, size: 8) == 5)
    }
}
