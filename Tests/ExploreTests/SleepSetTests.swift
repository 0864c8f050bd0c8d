// Sleep sets: schedules that only reorder independent operations run once, and the
// explorer counts distinct schedules by their happens-before order.

import Testing
@testable import Explore

@Suite struct SleepSetTests {
    func exhaust(_ program: ModelProgram, sleepSets: Bool) -> Explorer<BoundedSearch> {
        let (explorer, found) = explore(program, BoundedSearch(options: .init(maxPreemptions: 10, sleepSets: sleepSets)))
        #expect(found == nil)
        #expect(explorer.strategy.finished)
        return explorer
    }

    @Test func independentThreadsRunOnce() {
        let with = exhaust(Corpus.independent, sleepSets: true)
        #expect(with.stats.schedules == 1)
        #expect(with.stats.distinct == 1)
        // Without them every interleaving of 3 + 3 steps runs: C(6, 3) = 20, all one class.
        let without = exhaust(Corpus.independent, sleepSets: false)
        #expect(without.stats.schedules == 20)
        #expect(without.stats.distinct == 1)
    }

    @Test func oneScheduleForEachOrderOfConflictingWrites() {
        let with = exhaust(Corpus.threeWriters, sleepSets: true)
        #expect(with.stats.distinct == 6)          // 3! orders of the shared writes
        #expect(with.stats.schedules == 6)
        let without = exhaust(Corpus.threeWriters, sleepSets: false)
        #expect(without.stats.distinct == 6)
        #expect(without.stats.schedules == 90)     // 6! / (2!·2!·2!)
    }

    @Test func happensBeforeHashIgnoresIndependentOrderOnly() {
        let w0 = Footprint(object: 0, kind: .write), w1 = Footprint(object: 1, kind: .write)
        let r0 = Footprint(object: 0, kind: .read)
        let a = HappensBeforeHash.of(threads: [0, 1, 0], footprints: [w0, w1, r0])
        let b = HappensBeforeHash.of(threads: [1, 0, 0], footprints: [w1, w0, r0])
        #expect(a == b)
        let c = HappensBeforeHash.of(threads: [0, 1], footprints: [w0, r0])
        let d = HappensBeforeHash.of(threads: [1, 0], footprints: [r0, w0])
        #expect(c != d)
        // Two reads commute.
        #expect(HappensBeforeHash.of(threads: [0, 1], footprints: [r0, r0]) == HappensBeforeHash.of(threads: [1, 0], footprints: [r0, r0]))
    }

    @Test func footprintConflicts() {
        let r = Footprint(object: 5, kind: .read), w = Footprint(object: 5, kind: .write)
        let s = Footprint(object: 5, kind: .sync), other = Footprint(object: 6, kind: .write)
        #expect(!r.conflicts(with: r))
        #expect(r.conflicts(with: w) && w.conflicts(with: r) && w.conflicts(with: w))
        #expect(s.conflicts(with: r) && r.conflicts(with: s))
        #expect(!w.conflicts(with: other))
        #expect(!Footprint.local.conflicts(with: Footprint(object: 0, kind: .write)))
    }
}
