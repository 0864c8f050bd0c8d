// The accelerator's contexts as the views see them: per context (in order of number), the
// slices of device time it held the lanes (from `runs` to the next `preempted`, `idle`,
// `faulted`, `reset` or `destroyed`), the stretches it had work queued but not the lanes
// (from a `submitted`, or a preemption, until the lanes or the end of that work), and its instants
// (submitted, completed, faulted, reset, destroyed). The terminal timeline and the SVG draw these, so
// they agree with each other; the Chrome trace streams the same rules (ChromeAccelerator.swift).

extension TraceLog {
    /// One context's lane.
    public struct AcceleratorLane: Sendable, Equatable {
        public var context: Int32
        public var pid: Int32
        /// Device time on the lanes; `stop` is what ended it (nil: still running at the end).
        public var slices: [AcceleratorSlice] = []
        /// Work queued but not on the lanes yet (another context held them, or the switch was under way).
        public var waits: [ClosedRange<UInt64>] = []
        public var instants: [(cycle: UInt64, kind: AcceleratorTraceKind, submission: UInt64)] = []

        public static func == (left: Self, right: Self) -> Bool {
            left.context == right.context && left.pid == right.pid && left.slices == right.slices && left.waits == right.waits
                && left.instants.map(\.cycle) == right.instants.map(\.cycle) && left.instants.map(\.kind) == right.instants.map(\.kind)
        }
    }

    public struct AcceleratorSlice: Sendable, Equatable {
        public var start: UInt64
        public var end: UInt64
        public var stop: AcceleratorTraceKind?
    }

    /// Every context that appears in the log, with what it did; slices and waits still
    /// open at the end run to `endCycle` (or the last event).
    public func acceleratorLanes(endCycle: UInt64? = nil) -> [AcceleratorLane] {
        var lanes: [Int32: AcceleratorLane] = [:]
        var running: [Int32: UInt64] = [:]
        var outstanding: [Int32: Int] = [:]
        var waitingSince: [Int32: UInt64] = [:]
        for event in events {
            guard case .accelerator(let trace) = event.kind else { continue }
            let context = trace.context, cycle = event.cycle
            var lane = lanes[context] ?? AcceleratorLane(context: context, pid: trace.pid)
            func closeWait() {
                if let since = waitingSince.removeValue(forKey: context) { lane.waits.append(since...max(since, cycle)) }
            }
            switch trace.kind {
            case .created:
                break
            case .submitted:
                outstanding[context, default: 0] += 1
                if running[context] == nil, waitingSince[context] == nil { waitingSince[context] = cycle }
                lane.instants.append((cycle, trace.kind, trace.submission))
            case .runs:
                closeWait()
                if running[context] == nil { running[context] = cycle }
            case .completed:
                outstanding[context] = max(0, outstanding[context, default: 0] - 1)
                if outstanding[context] == 0 { closeWait() }
                lane.instants.append((cycle, trace.kind, trace.submission))
            case .preempted, .idle, .faulted, .reset, .destroyed:
                if let start = running.removeValue(forKey: context) {
                    lane.slices.append(AcceleratorSlice(start: start, end: max(start, cycle), stop: trace.kind))
                }
                if trace.kind == .preempted {
                    if outstanding[context, default: 0] > 0, waitingSince[context] == nil { waitingSince[context] = cycle }
                } else {
                    // Idle: nothing left; faulted, reset, destroyed: its work was dropped.
                    if trace.kind != .idle { outstanding[context] = 0 }
                    closeWait()
                }
                if trace.kind != .preempted && trace.kind != .idle { lane.instants.append((cycle, trace.kind, trace.submission)) }
            }
            lanes[context] = lane
        }
        let end = max(span.upperBound, endCycle ?? 0)
        for (context, start) in running { lanes[context]?.slices.append(AcceleratorSlice(start: start, end: max(start, end), stop: nil)) }
        for (context, since) in waitingSince { lanes[context]?.waits.append(since...max(since, end)) }
        return lanes.keys.sorted().compactMap { lanes[$0] }
    }

    /// "gpu context 2 (spy, pid 3)".
    public func acceleratorTitle(_ lane: AcceleratorLane) -> String {
        "gpu context \(lane.context) (\(processNames[lane.pid] ?? "process"), pid \(lane.pid))"
    }
}
