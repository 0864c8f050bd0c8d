// The instruction fuzzer must catch a hang, not only a crash: each of its rounds runs a
// fresh machine on random words with a step budget, and here every round must end (the
// fuzzer counts it) having run at least one step and no more than that budget. A machine
// that ran past its budget, or never stopped, would fail here rather than pass quietly.

import Testing
import Machine
@testable import MachineTools

@Suite struct InstructionFuzzBudgetTests {
    @Test("every round of random instruction words ends within its step budget", arguments: UInt64(1)...8)
    func roundsEndWithinTheirBudget(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var report = FuzzReport()
        let budget = InstructionFuzzer.stepsPerRound
        for round in 1...4 {
            let before = report
            InstructionFuzzer.runRound(&random, harts: seed % 2 == 0 ? 2 : 1, report: &report)
            try #require(report.rounds == before.rounds + 1, "round \(round) of seed \(seed) did not end")
            let steps = report.steps - before.steps
            #expect(steps > 0, "round \(round) of seed \(seed) ran nothing")
            #expect(steps <= budget, "round \(round) of seed \(seed) ran \(steps) steps, past its budget of \(budget)")
        }
        #expect(report.words == 4 * InstructionFuzzer.wordsPerRound)
    }
}
