// When each thread waited between its runs — ready for a hart, or blocked on something —
// derived once from the events, for every view that draws it (the terminal timeline and
// the SVG picture), as `runSlices` is for when it ran.

extension TraceLog {
    /// A stretch in which a thread waited: from a threadReady, or a stop that left it
    /// runnable or blocked, to the event that ended the wait.
    public struct WaitStretch: Sendable, Equatable {
        public var tid: Int32
        public var start: UInt64
        public var end: UInt64
        /// Blocked on something (else ready, waiting for a hart).
        public var blocked: Bool
        /// The stop that began it (nil: a threadReady), and what it blocked on.
        public var stop: ThreadStopReason?
        public var object: UInt64
    }

    /// Per thread, its waits in time order, from the events in cycle order (ties in
    /// recorded order): ready from a threadReady (or a stop that left it runnable) to its
    /// next threadRuns; blocked from a blocking stop to the threadReady that woke it. A wait
    /// open at the end lasts until `end`. Before its first event a thread's state is
    /// unknown, and no wait is made up for it. Stretches of no length are kept; a view
    /// that cannot show them leaves them out.
    public func waitStretches(until end: UInt64) -> [Int32: [WaitStretch]] {
        enum Phase: Equatable { case ready, running, blocked, ended }
        var state: [Int32: (phase: Phase, since: UInt64, stop: ThreadStopReason?, object: UInt64)] = [:]
        var result: [Int32: [WaitStretch]] = [:]

        func enter(_ next: Phase, _ tid: Int32, at cycle: UInt64, stop: ThreadStopReason? = nil, object: UInt64 = 0) {
            if let current = state[tid] {
                if current.phase == next { return }
                if current.phase == .ready || current.phase == .blocked {
                    result[tid, default: []].append(WaitStretch(tid: tid, start: current.since, end: cycle,
                                                                blocked: current.phase == .blocked, stop: current.stop, object: current.object))
                }
            }
            state[tid] = (next, cycle, stop, object)
        }

        let ordered = events.enumerated().sorted { ($0.element.cycle, $0.offset) < ($1.element.cycle, $1.offset) }
        for (_, event) in ordered {
            switch event.kind {
            case .threadReady(let tid): enter(.ready, tid, at: event.cycle)
            case .threadRuns(let tid, _): enter(.running, tid, at: event.cycle)
            case .threadStops(let tid, let reason, let object):
                enter(reason == .exited ? .ended : reason.isBlocking ? .blocked : .ready, tid, at: event.cycle, stop: reason, object: object)
            case .threadEnded(let tid, _): enter(.ended, tid, at: event.cycle)
            default: break
            }
        }
        for tid in state.keys.sorted() { enter(.ended, tid, at: end) }
        return result
    }
}
