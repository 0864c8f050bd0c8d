// Shrinking a failing schedule before it is reported: the fewest preemptions first (each
// one is a point the reader must understand), then the shortest run, then the fewest
// explicit decisions (the shortest token). Delta-debugging style and deterministic: drop
// preemptions, move them later, cut the tail; keep any edit after which the run still fails.

/// The result of shrinking.
public struct ShrinkResult: Sendable, Equatable {
    /// The decisions to replay (leniently: past their end, or where a decision names a
    /// thread that is not enabled, the non-preemptive choice).
    public var decisions: [UInt32]
    /// What replaying `decisions` executed: its preemptions are the ones to report.
    public var run: RunRecord
    /// How many candidate schedules were run.
    public var attempts: Int
}

public enum Shrinker {
    /// Shrinks `failing` (a failing run's record). `stillFails` runs a candidate decision list
    /// with a lenient `ReplayStrategy` and returns the executed record when the run fails,
    /// nil when it passes. At most `maxAttempts` candidates are run.
    public static func shrink(
        _ failing: RunRecord, maxAttempts: Int = 2_000,
        stillFails: (_ decisions: [UInt32]) -> RunRecord?
    ) -> ShrinkResult {
        var best = failing
        var explicit = failing.decisions
        var attempts = 0

        func rank(_ r: RunRecord, _ count: Int) -> (Int, Int, Int) { (r.preemptions, r.decisions.count, count) }
        func position(_ r: RunRecord) -> Int { r.preemptionSteps.reduce(0, +) }

        /// Runs a candidate; keeps it when it still fails and is better, or (for a move)
        /// no worse with its preemptions later.
        func attempt(_ candidate: [UInt32], move: Bool = false) -> Bool {
            guard attempts < maxAttempts, candidate != explicit else { return false }
            attempts += 1
            guard let run = stillFails(candidate) else { return false }
            let better = rank(run, candidate.count) < rank(best, explicit.count)
            let later = move && run.preemptions == best.preemptions
                && run.decisions.count <= best.decisions.count && position(run) > position(best)
            guard better || later else { return false }
            best = run
            explicit = candidate
            return true
        }

        var changed = true
        while changed && attempts < maxAttempts {
            changed = false
            // Drop each preemption, the last first: let the running thread keep running.
            for p in best.preemptionSteps.reversed() where p > 0 && p < best.decisions.count {
                var kept = best.decisions
                kept[p] = kept[p - 1]
                if attempt(kept) || attempt(Array(best.decisions[..<p])) {
                    changed = true
                    break
                }
            }
            if changed { continue }
            // Move a preemption later by 1, 2, 4, … steps: the running thread runs that much more first.
            moving: for p in best.preemptionSteps.reversed() where p > 0 && p < best.decisions.count {
                var m = 1
                while p + m < best.decisions.count {
                    let prefix = best.decisions[..<p]
                    let candidate = Array(prefix) + repeatElement(best.decisions[p - 1], count: m) + best.decisions[p...]
                    if attempt(candidate, move: true) {
                        changed = true
                        break moving
                    }
                    m *= 2
                }
            }
            if changed { continue }
            // Cut the tail: the shortest prefix of the explicit decisions that still fails.
            var lo = 0, hi = explicit.count
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                if attempt(Array(explicit[..<mid])) {
                    changed = true
                    hi = min(mid, explicit.count)
                } else {
                    lo = mid + 1
                }
            }
        }
        return ShrinkResult(decisions: explicit, run: best, attempts: attempts)
    }
}
