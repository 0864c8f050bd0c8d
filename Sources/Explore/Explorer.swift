// Runs a strategy over many runs and keeps what every run must record, whatever the
// strategy: the decisions (for the replay token), the preemptions (for the report and the
// shrinker), and the executed operations (for the happens-before hash that counts
// distinct schedules).

/// What one run did, as recorded at its schedule points.
public struct RunRecord: Sendable, Equatable {
    /// The thread chosen at each schedule point, in order: the schedule to replay.
    public var decisions: [UInt32] = []
    /// The indices in `decisions` where the choice preempted the running thread.
    public var preemptionSteps: [Int] = []
    /// `footprints[i]` is what `decisions[i]` executed.
    public var footprints: [Footprint] = []

    public init() {}

    public var preemptions: Int { preemptionSteps.count }

    mutating func removeAll() {
        decisions.removeAll(keepingCapacity: true)
        preemptionSteps.removeAll(keepingCapacity: true)
        footprints.removeAll(keepingCapacity: true)
    }
}

/// How a run ended, as the explorer reports it.
public struct RunSummary: Sendable, Equatable {
    /// The 0-based index of the run within this explorer.
    public var index: Int
    public var failed: Bool
    /// True when the strategy abandoned the run (redundant or another shard's): it is not
    /// a schedule and counts in `ExplorationStats.abandoned` only.
    public var abandoned: Bool
    public var preemptions: Int
    public var steps: Int
    /// The happens-before hash (`HappensBeforeHash`); 0 for an abandoned run.
    public var orderHash: UInt64
}

/// Counters over an exploration.
public struct ExplorationStats: Sendable, Equatable {
    /// Runs that reached their end (completed or failed).
    public var schedules = 0
    /// Runs with a happens-before order not seen before.
    public var distinct = 0
    /// Runs cut short by the strategy (`Choice.abandon`: redundant by the sleep sets, or
    /// another shard's), and runs the strategy does not count (another shard's, or run
    /// already at a lower preemption bound).
    public var abandoned = 0
    public var failures = 0
    public init() {}
}

/// Drives one strategy: the runner calls `beginRun`, then `choose` at every schedule
/// point, then `endRun`. Generic over the strategy so the call per point is direct.
public struct Explorer<Strategy: ScheduleStrategy> {
    public private(set) var strategy: Strategy
    /// The current (or last) run's record.
    public private(set) var record = RunRecord()
    public private(set) var stats = ExplorationStats()
    /// The happens-before hashes seen so far (for `distinct`, and for merging shards).
    public private(set) var orderHashes: Set<UInt64> = []
    private var runIndex = -1
    private var abandoned = false

    public init(strategy: Strategy) {
        self.strategy = strategy
    }

    /// Starts the next run; false when the strategy has nothing left.
    public mutating func beginRun() -> Bool {
        guard strategy.beginRun() else { return false }
        record.removeAll()
        abandoned = false
        runIndex += 1
        return true
    }

    /// The strategy's choice at `point`, recorded. The runner must stop the run (and call
    /// `endRun`) on `.abandon`.
    public mutating func choose(_ point: SchedulePoint) -> Choice {
        let choice = strategy.choose(point, step: record.decisions.count)
        switch choice {
        case .abandon:
            abandoned = true
        case .run(let thread):
            if point.isPreemption(choosing: thread) { record.preemptionSteps.append(record.decisions.count) }
            record.decisions.append(thread)
            let i = point.index(of: thread)
            record.footprints.append(i.map { point.next[$0] } ?? .local)
        }
        return choice
    }

    /// Ends the current run. `failed` is the runner's verdict (ignored for an abandoned run).
    @discardableResult
    public mutating func endRun(failed: Bool) -> RunSummary {
        strategy.endRun(failed: failed && !abandoned)
        if !strategy.ownsCurrentRun { abandoned = true }
        let failed = failed && !abandoned
        var hash: UInt64 = 0
        if abandoned {
            stats.abandoned += 1
        } else {
            stats.schedules += 1
            if failed { stats.failures += 1 }
            hash = HappensBeforeHash.of(threads: record.decisions, footprints: record.footprints)
            if orderHashes.insert(hash).inserted { stats.distinct += 1 }
        }
        return RunSummary(index: runIndex, failed: failed, abandoned: abandoned,
                          preemptions: record.preemptions, steps: record.decisions.count,
                          orderHash: hash)
    }
}
