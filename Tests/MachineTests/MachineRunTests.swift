// Whole-machine behaviour: the generated benchmark programs compute what their Swift
// models say, runs are deterministic, random instruction streams cannot hurt the host,
// and bad configurations and files are refused with a message.

import Testing
@testable import Machine
@testable import MachineTools

@Suite struct MachineRunTests {
    static let smallIterations: [ComputeBenchmark: Int64] = [.integer: 5000, .memory: 3, .branches: 300, .calls: 12]

    @Test(arguments: ComputeBenchmark.allCases)
    func benchmarkProgramComputesItsModel(_ benchmark: ComputeBenchmark) throws {
        let n = Self.smallIterations[benchmark] ?? 1
        let runtime = try MinimalUserRuntime(elf: benchmark.elf(iterations: n))
        _ = runtime.run(budget: 50_000_000)
        #expect(runtime.exitCode == 0)
        #expect(runtime.output.count == 8)
        let checksum = runtime.output.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(checksum == benchmark.expectedChecksum(iterations: n))
    }

    @Test func sameProgramSameSeedSameRun() throws {
        func run() throws -> (UInt64, [UInt64]) {
            var configuration = MachineConfiguration()
            configuration.hartCount = 3
            configuration.interleaveGranularity = 7
            configuration.jitter = 5
            configuration.seed = 42
            let runtime = try MinimalUserRuntime(elf: ComputeBenchmark.integer.elf(iterations: 2000), configuration: configuration)
            _ = runtime.run(budget: 100_000)
            return (runtime.machine.totalSteps, runtime.machine.harts.map { $0.cycle })
        }
        let first = try run(), second = try run()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
    }

    @Test func randomInstructionWordsNeverHurtTheHost() {
        // The full 10-million-word run is `interleave machine fuzz`; this is its small sibling.
        var total = 0
        for seed in UInt64(1)...8 {
            let report = InstructionFuzzer.run(seed: seed, words: 16_384, harts: seed % 2 == 0 ? 2 : 1)
            #expect(report.steps > 0)
            total += report.words
        }
        #expect(total >= 100_000)
    }

    @Test func fuzzIsDeterministic() {
        #expect(InstructionFuzzer.run(seed: 7, words: 8192) == InstructionFuzzer.run(seed: 7, words: 8192))
    }

    @Test func badConfigurationsAreRefusedWithAMessage() {
        var configuration = MachineConfiguration()
        configuration.hartCount = 65
        #expect(throws: MachineError.self) { try Machine(configuration: configuration) }
        configuration = MachineConfiguration()
        configuration.ramSize = 12345
        #expect(throws: MachineError.self) { try Machine(configuration: configuration) }
    }

    @Test func segmentsOutsideRAMAreRefused() throws {
        let elf = ELFWriter.executable(contents: [0x13, 0, 0, 0], address: 0x1000, entry: 0x1000)
        let machine = try Machine(configuration: MachineConfiguration())
        let image = try ELFImage(bytes: elf)
        #expect(throws: MachineError.self) { try machine.load(image) }
    }

    @Test func instructionLimitEndsAnInfiniteLoop() throws {
        var asm = Assembler(origin: 0x8000_0000)
        asm.label("spin")
        asm.j("spin")
        let machine = try Machine(configuration: MachineConfiguration())
        try machine.load(ELFImage(bytes: ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000)))
        #expect(machine.run(budget: 10_000) == .budgetExhausted)
        #expect(machine.totalSteps == 10_000)
        #expect(machine.harts[0].pc == 0x8000_0000)
    }

    @Test func assemblerLoadsEveryConstant() throws {
        let values: [Int64] = [0, 1, -1, 2047, -2048, 2048, 0x7FFF_FFFF, -0x8000_0000, 0x1_0000_0000, Int64.max, Int64.min,
                               0x1234_5678_9ABC_DEF0, -0x1234_5678_9ABC_DEF0, 0x8000_0000, 0xFFF, 0x7FF_FFFF_F800]
        var asm = Assembler(origin: 0x8000_0000)
        for (index, value) in values.enumerated() {
            asm.li(.a0, value)
            asm.li(.a1, 0x8001_0000 + Int64(index) * 8)
            asm.sd(.a0, 0, .a1)
        }
        asm.li(.a0, 0x10_0000); asm.li(.a1, 0x5555); asm.sw(.a1, 0, .a0)
        let machine = try Machine(configuration: MachineConfiguration())
        try machine.load(ELFImage(bytes: ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000,
                                                              zeroFill: 0x2_0000)))
        #expect(machine.run(budget: 100_000) == .powerOff(exitCode: 0))
        for (index, value) in values.enumerated() {
            #expect(machine.memory.readInteger(at: 0x8001_0000 + UInt64(index) * 8, size: 8) == UInt64(bitPattern: value))
        }
    }
}
