// `interleave machine fuzz`: random instruction words, many seeds, bounded runs — the
// host must survive every one of them.

import ArgumentParser
import Foundation
import Machine
import MachineTools

struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Execute random instruction words on fresh machines; the host must never crash or hang."
    )

    @Option(help: "Random words to execute in total.")
    var words: Int = 10_000_000

    @Option(help: "Number of seeds (each runs words/seeds words).")
    var seeds: Int = 16

    @Option(help: "First seed.")
    var firstSeed: UInt64 = 1

    @Option(help: "Harts per machine (1...4).")
    var harts: Int = 2

    func run() throws {
        guard words >= 1, seeds >= 1, (1...4).contains(harts) else {
            throw ValidationError("--words and --seeds must be at least 1 and --harts between 1 and 4")
        }
        var total = FuzzReport()
        let start = ContinuousClock.now
        for index in 0..<seeds {
            let seed = firstSeed + UInt64(index)
            let report = InstructionFuzzer.run(seed: seed, words: max(1, words / seeds), harts: harts)
            total.rounds += report.rounds
            total.words += report.words
            total.steps += report.steps
            total.traps += report.traps
            total.powerOffs += report.powerOffs
            printError("seed \(seed): \(report.words) words, \(report.steps) steps, \(report.traps) traps  [\(index + 1)/\(seeds)]")
        }
        let seconds = (ContinuousClock.now - start).seconds
        print("\(total.words) random words in \(total.rounds) rounds over \(seeds) seeds: \(total.steps) instructions stepped, \(total.traps) traps, \(total.powerOffs) power-offs, \(format(seconds, 1)) s; the host survived")
    }
}
