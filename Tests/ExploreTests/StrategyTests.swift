// Each strategy finds each bug of the corpus; bounded search finds each at the fewest
// preemptions it needs and none in correct programs; the same seed explores the same way.

import Testing
@testable import Explore

@Suite struct StrategyTests {
    @Test(arguments: Corpus.buggy.map(\.name))
    func randomFindsEachBug(name: String) {
        let program = Corpus.buggy.first { $0.name == name }!
        let (_, found) = explore(program, RandomStrategy(seed: 1, runs: RunIndices(limit: 2_000)))
        #expect(found != nil, "random missed \(name)")
    }

    @Test(arguments: Corpus.buggy.map(\.name))
    func pctFindsEachBug(name: String) {
        let program = Corpus.buggy.first { $0.name == name }!
        let depth = Corpus.minimalPreemptions[name]! + 1
        let (_, found) = explore(program, PCTStrategy(seed: 1, depth: depth, expectedSteps: 10, runs: RunIndices(limit: 2_000)))
        #expect(found != nil, "PCT missed \(name)")
    }

    @Test(arguments: Corpus.buggy.map(\.name))
    func boundedFindsEachBugAtItsMinimalBound(name: String) throws {
        let program = Corpus.buggy.first { $0.name == name }!
        let k = try #require(Corpus.minimalPreemptions[name])
        let (explorer, found) = explore(program, BoundedSearch(options: .init(maxPreemptions: 2)))
        let failure = try #require(found, "bounded missed \(name)")
        #expect(explorer.strategy.bound == k)
        #expect(failure.summary.preemptions == k)
        // And no schedule with fewer preemptions fails: the bound below is exhausted clean.
        let (below, none) = explore(program, BoundedSearch(options: .init(maxPreemptions: k - 1)))
        #expect(none == nil)
        #expect(below.strategy.finished)
    }

    @Test func boundedFindsNothingInACorrectProgram() {
        let (explorer, found) = explore(Corpus.lockedCounter, BoundedSearch(options: .init(maxPreemptions: 3)))
        #expect(found == nil)
        #expect(explorer.strategy.finished)
        #expect(explorer.stats.schedules > 1)
        #expect(!explorer.strategy.diverged)
    }

    @Test func pctFindsNothingInACorrectProgram() {
        let (explorer, found) = explore(Corpus.lockedCounter, PCTStrategy(seed: 3, depth: 3, expectedSteps: 8, runs: RunIndices(limit: 300)))
        #expect(found == nil)
        #expect(explorer.stats.schedules == 300)
    }

    /// The decision lists of every run, in order.
    func trace<S: ScheduleStrategy>(_ program: ModelProgram, _ strategy: S, runs: Int) -> [[UInt32]] {
        var explorer = Explorer(strategy: strategy)
        var out: [[UInt32]] = []
        while out.count < runs, explorer.beginRun() {
            let outcome = run(program, &explorer)
            explorer.endRun(failed: outcome.failed)
            out.append(explorer.record.decisions)
        }
        return out
    }

    @Test func sameSeedSameExploration() {
        let p = Corpus.brokenLock
        let r1 = trace(p, RandomStrategy(seed: 42, runs: RunIndices(limit: 50)), runs: 50)
        let r2 = trace(p, RandomStrategy(seed: 42, runs: RunIndices(limit: 50)), runs: 50)
        let r3 = trace(p, RandomStrategy(seed: 43, runs: RunIndices(limit: 50)), runs: 50)
        #expect(r1 == r2)
        #expect(r1 != r3)
        let p1 = trace(p, PCTStrategy(seed: 42, depth: 3, expectedSteps: 10, runs: RunIndices(limit: 50)), runs: 50)
        let p2 = trace(p, PCTStrategy(seed: 42, depth: 3, expectedSteps: 10, runs: RunIndices(limit: 50)), runs: 50)
        let p3 = trace(p, PCTStrategy(seed: 44, depth: 3, expectedSteps: 10, runs: RunIndices(limit: 50)), runs: 50)
        #expect(p1 == p2)
        #expect(p1 != p3)
        let b1 = trace(p, BoundedSearch(options: .init(maxPreemptions: 2)), runs: 10_000)
        let b2 = trace(p, BoundedSearch(options: .init(maxPreemptions: 2)), runs: 10_000)
        #expect(b1 == b2)
    }

    @Test func pctBoundIsComputedWithoutOverflow() {
        let small = PCTBound(threads: 2, steps: 10, depth: 3)
        #expect(small.denominator == 200)
        #expect(abs(small.probability - 1.0 / 200) < 1e-15)
        let huge = PCTBound(threads: 1 << 20, steps: Int.max, depth: 64)
        #expect(huge.denominator == nil)
        #expect(huge.probability >= 0 && huge.probability < 1e-300)
        #expect(huge.description.contains("more than 2^64"))
        // A strategy built from hostile options clamps them instead of trapping.
        var pct = PCTStrategy(seed: 0, depth: Int.max, expectedSteps: Int.min, runs: RunIndices(limit: 1))
        #expect(pct.depth == 64)
        let began = pct.beginRun()
        #expect(began)
    }
}
