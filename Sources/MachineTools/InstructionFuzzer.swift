// Executes random instruction words to check that no instruction stream, however
// hostile, can crash, hang or corrupt the host. Each round fills a fresh machine's code
// pages with random words (fully random, random with a real opcode, and compressed
// parcels), randomises the registers, installs a trap handler that skips the faulting
// instruction, and runs for a bounded number of steps.

import Machine

public struct FuzzReport: Sendable, Equatable {
    public var rounds = 0
    public var words = 0
    public var steps: UInt64 = 0
    public var traps: UInt64 = 0
    public var powerOffs = 0
    public init() {}
}

public enum InstructionFuzzer {
    static let wordsPerRound = 4096
    static let stepsPerRound: UInt64 = 20_000

    /// The major opcodes of RV64GC, to bias random words towards decodable ones.
    static let opcodes: [UInt32] = [0x03, 0x07, 0x0F, 0x13, 0x17, 0x1B, 0x23, 0x27, 0x2F, 0x33, 0x37, 0x3B,
                                    0x43, 0x47, 0x4B, 0x4F, 0x53, 0x63, 0x67, 0x6F, 0x73]

    /// Runs `words` random instruction words (rounded up to whole rounds) from `seed`.
    /// `progress` is called after each round with the words done so far.
    public static func run(seed: UInt64, words: Int, harts: Int = 1, progress: (Int) -> Void = { _ in }) -> FuzzReport {
        var random = SplitMix64(seed: seed)
        var report = FuzzReport()
        while report.words < words {
            runRound(&random, harts: harts, report: &report)
            progress(report.words)
        }
        return report
    }

    static func runRound(_ random: inout SplitMix64, harts: Int, report: inout FuzzReport) {
        var configuration = MachineConfiguration()
        configuration.ramSize = 2 << 20
        configuration.hartCount = harts
        configuration.interleaveGranularity = Int(random.next() % 64) + 1
        configuration.seed = random.next()
        configuration.jitter = random.next() % 4
        guard let machine = try? Machine(configuration: configuration) else { return }
        let base = machine.memory.base

        // Page 0: the trap handler; code from 0x1000.
        var handler = Assembler(origin: base)
        handler.csrrs(.t6, 0x341, .zero)    // csrr t6, mepc
        handler.addi(.t6, .t6, 4)
        handler.csrrw(.zero, 0x341, .t6)    // csrw mepc, t6
        handler.emit(0x3020_0073)           // mret
        machine.memory.write((try? handler.assemble()) ?? [], at: base)

        var code: [UInt8] = []
        code.reserveCapacity(wordsPerRound * 4)
        for _ in 0..<wordsPerRound {
            let r = random.next()
            var word = UInt32(truncatingIfNeeded: r)
            switch r >> 62 {
            case 0: word = (word & ~0x7F) | opcodes[Int((r >> 32) % UInt64(opcodes.count))]
            case 1: word = word & ~3 & 0xFFFF | (UInt32(truncatingIfNeeded: r >> 40) & ~3) << 16   // two compressed parcels
            default: break
            }
            code += littleEndianBytes(UInt64(word), count: 4)
        }
        machine.memory.write(code, at: base + 0x1000)

        for hart in machine.harts {
            hart.setMachineTrapVector(base)
            hart.setPC(base + 0x1000 + (random.next() % UInt64(wordsPerRound)) * 4)
            for register in 1..<32 {
                let r = random.next()
                // Half the registers point into RAM so loads and stores reach memory and devices.
                let value = r & 1 == 0 ? base + (r >> 8) % machine.memory.size : r
                hart.setRegister(register, value)
                hart.setFloatRegister(register, random.next())
            }
        }
        let stop = machine.run(budget: stepsPerRound)
        if case .powerOff = stop { report.powerOffs += 1 }
        report.rounds += 1
        report.words += wordsPerRound
        report.steps &+= machine.totalSteps
        report.traps &+= machine.trapCount
    }
}
