// The random strategy: at every schedule point, any enabled thread with equal chance.
// Run r of seed s is a pure function of (s, r), so shards can split runs by index.

import Machine

/// The seed of run `run` under exploration seed `seed`: runs are independent of each
/// other and of how many ran before, so a shard can start at any run index.
@inlinable
public func runSeed(_ seed: UInt64, run: UInt64) -> UInt64 {
    var g = SplitMix64(seed: seed ^ (run &* 0xD605_BBB5_8C8A_BC9D))
    return g.next()
}

/// Uniform random choice among the enabled threads, reseeded per run.
public struct RandomStrategy: ScheduleStrategy {
    public let seed: UInt64
    /// Which runs this strategy performs (all, or one shard's).
    public let runs: RunIndices
    private var position = 0
    private var generator = SplitMix64(seed: 0)
    /// The index of the current run among all runs (not only this shard's).
    public private(set) var currentRun: UInt64 = 0

    public init(seed: UInt64, runs: RunIndices) {
        self.seed = seed
        self.runs = runs
    }

    public mutating func beginRun() -> Bool {
        guard let run = runs.index(at: position) else { return false }
        position += 1
        currentRun = run
        generator = SplitMix64(seed: runSeed(seed, run: run))
        return true
    }

    public mutating func choose(_ point: SchedulePoint, step: Int) -> Choice {
        let n = UInt64(point.enabled.count)
        guard n > 0 else { return .abandon }
        return .run(point.enabled[Int(generator.next() % n)])
    }

    public mutating func endRun(failed: Bool) {}
}
