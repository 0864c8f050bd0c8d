// The interface between whatever runs threads (the kernel's scheduler, the hart stepper, or
// the tests' model) and a search strategy: at each schedule point the runner describes the
// enabled threads and their next operations, the strategy answers which thread runs.

/// What the runner knows at one schedule point. The runner keeps one value and refills it
/// at every point (`reset`, then `add` per enabled thread), so its arrays keep their
/// capacity and a point costs no allocation.
public struct SchedulePoint: Sendable {
    /// Dense thread ids of the enabled threads, ascending (the strategies rely on the
    /// order for determinism, not on any other property of the ids).
    public private(set) var enabled: [UInt32] = []
    /// `next[i]` is the footprint of `enabled[i]`'s next operation.
    public private(set) var next: [Footprint] = []
    /// The thread that ran at the previous point, whether or not it is still enabled;
    /// nil at the first point. Choosing another thread while it is enabled is a preemption.
    public private(set) var running: UInt32?

    public init() {}

    /// Empties the point for the next schedule point, keeping the arrays' storage.
    public mutating func reset(running: UInt32?) {
        enabled.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        self.running = running
    }

    /// Adds an enabled thread; call in ascending id order.
    public mutating func add(thread: UInt32, next footprint: Footprint) {
        enabled.append(thread)
        next.append(footprint)
    }

    /// The index of `thread` in `enabled`, or nil when it is not enabled. Linear: a point
    /// has as many entries as enabled threads, a handful in the programs explored.
    @inlinable
    public func index(of thread: UInt32) -> Int? {
        for i in enabled.indices where enabled[i] == thread { return i }
        return nil
    }

    /// Whether the running thread is still enabled (so choosing another one preempts it).
    public var runningIsEnabled: Bool {
        guard let running else { return false }
        return index(of: running) != nil
    }

    /// Whether choosing `thread` here is a preemption.
    @inlinable
    public func isPreemption(choosing thread: UInt32) -> Bool {
        guard let running, running != thread else { return false }
        return index(of: running) != nil
    }

    /// The choice that preempts no one: the running thread if it is enabled, otherwise the
    /// lowest enabled id. Nil when no thread is enabled (the run is over or deadlocked).
    public var nonPreemptiveChoice: UInt32? {
        if let running, index(of: running) != nil { return running }
        return enabled.first
    }
}

/// A strategy's answer at a schedule point.
public enum Choice: Sendable, Equatable {
    /// Run this thread (one of the point's enabled threads).
    case run(UInt32)
    /// Stop this run here: every schedule below this point is explored elsewhere or is
    /// redundant (sleep set), or lies in another shard. The runner restores its snapshot.
    case abandon
}

/// A search strategy. Generic use (`Explorer<S>`) keeps the per-point call direct: no
/// existential, no allocation.
public protocol ScheduleStrategy {
    /// Prepares the next run; false when this strategy has no schedule left.
    mutating func beginRun() -> Bool
    /// Picks the thread to run at `point`, the `step`-th point of this run (0-based).
    /// Must return `.run(t)` with `t` in `point.enabled`, or `.abandon`.
    mutating func choose(_ point: SchedulePoint, step: Int) -> Choice
    /// Tells the strategy that the run has ended (completed, failed or abandoned).
    mutating func endRun(failed: Bool)
    /// Whether the run that just ended belongs to this strategy's shard (checked after
    /// `endRun`); a run that does not is counted as abandoned, not as a schedule.
    var ownsCurrentRun: Bool { get }
}

extension ScheduleStrategy {
    public var ownsCurrentRun: Bool { true }
}
