// Shrinking: the result still fails, has no more preemptions than the original (the
// minimum, on the corpus), is no longer, and the same input always shrinks the same way.

import Testing
@testable import Explore

@Suite struct ShrinkerTests {
    @Test(arguments: Corpus.buggy.map(\.name))
    func shrunkScheduleStillFailsWithTheFewestPreemptions(name: String) throws {
        let program = Corpus.buggy.first { $0.name == name }!
        // Random schedules preempt often: keep the failure with the most preemptions.
        var original: RunRecord?
        for seed in UInt64(0)..<50 {
            let (_, found) = explore(program, RandomStrategy(seed: seed, runs: RunIndices(limit: 5_000)))
            if let found, found.record.preemptions > original?.preemptions ?? -1 { original = found.record }
        }
        let failing = try #require(original)
        if name == "lost update" || name == "broken lock" {
            #expect(failing.preemptions > Corpus.minimalPreemptions[name]!, "nothing to shrink")
        }
        let shrunk = Shrinker.shrink(failing) { replayFails(program, $0) }
        let again = try #require(replayFails(program, shrunk.decisions), "the shrunk schedule passes")
        #expect(again == shrunk.run)
        #expect(shrunk.run.preemptions <= failing.preemptions)
        #expect(shrunk.run.preemptions == Corpus.minimalPreemptions[name])
        #expect(shrunk.run.decisions.count <= failing.decisions.count)
        #expect(shrunk.decisions.count <= failing.decisions.count)
        let twice = Shrinker.shrink(failing) { replayFails(program, $0) }
        #expect(twice == shrunk)
    }

    /// An unneeded preemption early and the needed one late: cutting the tail cannot remove
    /// the early one, dropping it must.
    @Test func dropsAnEarlyPreemptionThatTheBugDoesNotNeed() throws {
        let body: (Int) -> [Op] = { t in
            [.store(2 + t, plusRegister: false, 1), .store(2 + t, plusRegister: false, 2), .load(0), .store(0, plusRegister: true, 1)]
        }
        let program = ModelProgram(name: "warm-up then lost update", threads: [body(0), body(1)], initial: [0, 1], finalChecks: [(0, 2)])
        let original = try #require(replayFails(program, [0, 1, 0, 0, 1, 1, 1, 0]))
        #expect(original.preemptionSteps == [1, 2, 4])
        let shrunk = Shrinker.shrink(original) { replayFails(program, $0) }
        #expect(shrunk.run.preemptions == 1)
        #expect(replayFails(program, shrunk.decisions) != nil)
        #expect(shrunk.decisions.count < original.decisions.count)
    }

    @Test func attemptsAreBounded() {
        var calls = 0
        let record = RunRecord()
        let result = Shrinker.shrink(record, maxAttempts: 5) { _ in calls += 1; return nil }
        #expect(calls <= 5)
        #expect(result.run == record)
    }
}
