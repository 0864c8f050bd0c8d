// Shrinking by departures: a schedule described as the few places where it departs from
// the choice that preempts no one — "the 2nd time thread 2 stopped at increment+0x2c,
// thread 3 ran" — keyed by the thread that was running, its PC and how many times it had
// stopped there, not by the global step. Dropping one departure then leaves the others where they were (a global
// step list shifts under every edit), so a schedule found by random search with sixteen
// preemptions shrinks to the one or two the bug needs in a handful of runs. The
// groundwork's `Shrinker` then works on the result (shorter, preemptions later).

/// One departure from the non-preemptive choice.
struct Departure: Sendable, Hashable {
    struct Key: Sendable, Hashable {
        /// The thread that ran up to the point (`UInt32.max` at the first point).
        var thread: UInt32
        /// Where it stopped.
        var pc: UInt64
        /// How many times it had stopped there before.
        var count: Int
    }
    var key: Key
    var target: UInt32
    /// Whether the departure preempted a thread that could have gone on.
    var preempts: Bool
}

/// The PC of the current point, which the handler sets and the departure strategies read
/// (a strategy sees only the threads and footprints).
final class PointLocation {
    var pc: UInt64 = 0
}

/// Counts each running thread's stops per PC and records where a choice departs from the
/// non-preemptive one; shared by the recorder and the replaying strategy.
struct DepartureLog {
    let location: PointLocation
    private var counts: [Departure.Key: Int] = [:]
    private(set) var taken: [Departure] = []

    init(location: PointLocation) { self.location = location }

    /// The key of this point (and counts it).
    mutating func key(at point: SchedulePoint) -> Departure.Key {
        var key = Departure.Key(thread: point.running ?? .max, pc: location.pc, count: 0)
        let seen = counts[key, default: 0]
        counts[key] = seen + 1
        key.count = seen
        return key
    }

    mutating func note(_ key: Departure.Key, chose thread: UInt32, at point: SchedulePoint) {
        guard let natural = point.nonPreemptiveChoice, thread != natural else { return }
        taken.append(Departure(key: key, target: thread, preempts: point.isPreemption(choosing: thread)))
    }
}

/// Replays another strategy's run and records its departures.
struct DepartureRecorder<Base: ScheduleStrategy>: ScheduleStrategy {
    var base: Base
    var log: DepartureLog

    mutating func beginRun() -> Bool { base.beginRun() }

    mutating func choose(_ point: SchedulePoint, step: Int) -> Choice {
        let key = log.key(at: point)
        let choice = base.choose(point, step: step)
        if case .run(let thread) = choice { log.note(key, chose: thread, at: point) }
        return choice
    }

    mutating func endRun(failed: Bool) { base.endRun(failed: failed) }
}

/// One run that takes the given departures where their key comes (when the target can
/// run) and the non-preemptive choice everywhere else.
struct DepartureStrategy: ScheduleStrategy {
    let departures: [Departure.Key: UInt32]
    var log: DepartureLog
    private var ran = false

    init(_ departures: [Departure], location: PointLocation) {
        log = DepartureLog(location: location)
        var table: [Departure.Key: UInt32] = [:]
        for d in departures { table[d.key] = d.target }
        self.departures = table
    }

    mutating func beginRun() -> Bool {
        if ran { return false }
        ran = true
        return true
    }

    mutating func choose(_ point: SchedulePoint, step: Int) -> Choice {
        let key = log.key(at: point)
        guard let natural = point.nonPreemptiveChoice else { return .abandon }
        var thread = natural
        if let target = departures[key], point.index(of: target) != nil { thread = target }
        log.note(key, chose: thread, at: point)
        return .run(thread)
    }

    mutating func endRun(failed: Bool) {}
}

extension SearchContext {
    /// The failing run's decisions with as few departures as still fail: drops chunks of
    /// departures, the last first, halving the chunk when none can go (delta debugging),
    /// and keeps each drop after which the run still fails. Nil when the departures do not
    /// reproduce the failure.
    func shrinkDepartures(_ decisions: [UInt32], session: ExploreSession, attempts: inout Int) -> RunRecord? {
        let location = PointLocation()
        let recorder = ExploreHandler(strategy: DepartureRecorder(base: ReplayStrategy(decisions: decisions, strict: false),
                                                                  log: DepartureLog(location: location)))
        recorder.location = location
        _ = recorder.beginRun()
        _ = session.runSchedule(recorder, snapshot: snapshot, limit: limit, check: check, keepOutput: options.expectOutput != nil)
        var current = recorder.explorer.strategy.log.taken
        guard var best = failingRecord(current, session: session, attempts: &attempts)?.record else { return nil }
        // Delta debugging: drop chunks of departures, halving the chunk when none can go.
        var chunk = max(1, current.count / 2)
        while !current.isEmpty && attempts < SearchContext.shrinkAttempts {
            var dropped = false
            var start = current.count
            while start > 0 && attempts < SearchContext.shrinkAttempts {
                let lower = max(0, start - chunk)
                var candidate = current
                candidate.removeSubrange(lower..<start)
                if let found = failingRecord(candidate, session: session, attempts: &attempts),
                   found.record.preemptions <= best.preemptions {
                    current = found.taken
                    best = found.record
                    dropped = true
                    start = min(lower, current.count)
                } else {
                    start = lower
                }
            }
            if !dropped {
                if chunk == 1 { break }
                chunk = max(1, chunk / 2)
            } else {
                chunk = min(chunk, max(1, current.count / 2))
            }
        }
        // One departure alone, to any thread: a preemption whose target only existed because
        // of an earlier departure may do with another target and no earlier departure.
        if best.preemptions > 1 {
            let threads = UInt32(clamping: (best.decisions.max() ?? 0) + 1)
            single: for d in current where d.preempts {
                for target in 0..<threads where attempts < SearchContext.shrinkAttempts {
                    let lone = Departure(key: d.key, target: target, preempts: true)
                    if let found = failingRecord([lone], session: session, attempts: &attempts), found.record.preemptions < best.preemptions {
                        best = found.record
                        if best.preemptions <= 1 { break single }
                    }
                }
            }
        }
        return best
    }

    /// Runs the departures; the run's record and the departures it took when it fails.
    private func failingRecord(_ departures: [Departure], session: ExploreSession, attempts: inout Int)
        -> (record: RunRecord, taken: [Departure])? {
        attempts += 1
        let location = PointLocation()
        let handler = ExploreHandler(strategy: DepartureStrategy(departures, location: location))
        handler.location = location
        _ = handler.beginRun()
        let result = session.runSchedule(handler, snapshot: snapshot, limit: limit, check: check,
                                         keepOutput: options.expectOutput != nil)
        guard !result.abandoned, result.failure != nil else { return nil }
        return (handler.explorer.record, handler.explorer.strategy.log.taken)
    }
}
