// Replays a recorded schedule: the thread the decisions name at each point, then (past
// their end) the choice that preempts no one. Used by `--replay TOKEN` (strict: a
// decision that names a thread that is not enabled is an error) and by the shrinker
// (lenient: such a decision falls back to the non-preemptive choice, so an edited
// schedule still runs to an end).

/// One run that follows `decisions`.
public struct ReplayStrategy: ScheduleStrategy {
    public let decisions: [UInt32]
    /// Strict replay abandons the run at the first decision that cannot be followed.
    public let strict: Bool
    /// The first step whose decision named a thread that was not enabled, if any.
    public private(set) var divergedAt: Int?
    private var ran = false

    public init(decisions: [UInt32], strict: Bool) {
        self.decisions = decisions
        self.strict = strict
    }

    public mutating func beginRun() -> Bool {
        if ran { return false }
        ran = true
        return true
    }

    public mutating func choose(_ point: SchedulePoint, step: Int) -> Choice {
        if step < decisions.count {
            let t = decisions[step]
            if point.index(of: t) != nil { return .run(t) }
            if divergedAt == nil { divergedAt = step }
            if strict { return .abandon }
        }
        guard let t = point.nonPreemptiveChoice else { return .abandon }
        return .run(t)
    }

    public mutating func endRun(failed: Bool) {}
}
