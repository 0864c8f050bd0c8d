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

    @Option(help: "Random words to execute in total \(OptionRange.text(OptionRange.fuzzWords)).")
    var words: Int = 10_000_000

    @Option(help: "Number of seeds (each runs words/seeds words) \(OptionRange.text(OptionRange.fuzzSeeds)).")
    var seeds: Int = 16

    @Option(help: "First seed (any 64-bit value; the next seeds follow it, wrapping).")
    var firstSeed: UInt64 = 1

    @Option(help: "Harts per machine \(OptionRange.text(OptionRange.fuzzHarts)).")
    var harts: Int = 2

    func validate() throws {
        try OptionRange.check(words, OptionRange.fuzzWords, option: "words")
        try OptionRange.check(seeds, OptionRange.fuzzSeeds, option: "seeds")
        try OptionRange.check(harts, OptionRange.fuzzHarts, option: "harts")
    }

    func run() throws {
        var total = FuzzReport()
        let start = ContinuousClock.now
        for index in 0..<seeds {
            let seed = firstSeed &+ UInt64(index)
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
