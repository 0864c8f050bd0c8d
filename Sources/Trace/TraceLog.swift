// A recorded run as the views see it: the events in order, the names, and the run
// slices derived from them (who ran where, from when to when, and why it stopped).
// Every view draws from `runSlices`, so the terminal, Perfetto and the SVG agree.

public struct TraceLog: Sendable {
    /// Events in the order they were recorded. A hart's run and stop events never go back
    /// in time; an instant event may come just after later ones (a system call that
    /// blocked is stamped with the cycle it was made at, and recorded when it returns).
    public var events: [TraceEvent]
    /// Events recorded before `events[0]` that the ring buffer no longer holds.
    public var dropped: UInt64
    public var strings: [String]
    public var threadNames: [Int32: String]
    public var threadProcess: [Int32: Int32]
    public var processNames: [Int32: String]
    public var clockFrequency: UInt64
    public var harts: Int

    public init(events: [TraceEvent], dropped: UInt64 = 0, strings: [String] = [], threadNames: [Int32: String] = [:],
                threadProcess: [Int32: Int32] = [:], processNames: [Int32: String] = [:],
                clockFrequency: UInt64, harts: Int) {
        self.events = events
        self.dropped = dropped
        self.strings = strings
        self.threadNames = threadNames
        self.threadProcess = threadProcess
        self.processNames = processNames
        self.clockFrequency = max(1, clockFrequency)
        self.harts = max(1, harts)
    }

    public func string(_ text: TraceString) -> String {
        text.index >= 0 && Int(text.index) < strings.count ? strings[Int(text.index)] : "?"
    }

    /// Every thread seen, in order of id.
    public var threads: [Int32] {
        var seen = Set(threadNames.keys)
        for event in events where event.kind.thread > 0 { seen.insert(event.kind.thread) }
        return seen.sorted()
    }

    /// "main (hello, pid 1)" or "thread 3 (hello, pid 1)".
    public func threadTitle(_ tid: Int32) -> String {
        let name = threadNames[tid] ?? "thread \(tid)"
        guard let pid = threadProcess[tid] else { return name }
        return "\(name) (\(processNames[pid] ?? "process"), pid \(pid))"
    }

    /// Cycles as simulated milliseconds.
    public func milliseconds(_ cycles: UInt64) -> Double {
        Double(cycles) * 1000 / Double(clockFrequency)
    }

    /// The first and last cycle of any event (0...0 with none).
    public var span: ClosedRange<UInt64> {
        guard var low = events.first?.cycle else { return 0...0 }
        var high = low
        for event in events {
            low = min(low, event.cycle)
            high = max(high, event.cycle)
        }
        return low...high
    }

    /// One stretch of a thread on a hart.
    public struct RunSlice: Sendable, Equatable {
        public var hart: Int
        public var tid: Int32
        public var start: UInt64
        public var end: UInt64
        /// Why it ended; nil when the trace ended with it still running.
        public var stop: ThreadStopReason?
        /// What it blocked on (ThreadStopReason's `object`).
        public var object: UInt64
    }

    /// Who ran where, per hart in time order, then by hart: from each threadRuns to the
    /// next threadStops of that thread on that hart. A slice open when the log ends runs
    /// to `endCycle` (the last event's cycle, or given).
    public func runSlices(endCycle: UInt64? = nil) -> [RunSlice] {
        let span = self.span
        let end = endCycle ?? span.upperBound
        var open: [Int: (tid: Int32, start: UInt64)] = [:]
        var slices: [RunSlice] = []
        for event in events where event.hart >= 0 {
            let hart = Int(event.hart)
            switch event.kind {
            case .threadRuns(let tid, _):
                if let running = open[hart] {
                    slices.append(RunSlice(hart: hart, tid: running.tid, start: running.start, end: event.cycle, stop: nil, object: 0))
                }
                open[hart] = (tid, event.cycle)
            case .threadStops(let tid, let reason, let object):
                if let running = open[hart], running.tid == tid {
                    slices.append(RunSlice(hart: hart, tid: tid, start: running.start, end: event.cycle, stop: reason, object: object))
                    open[hart] = nil
                } else if open[hart] == nil, dropped > 0 || events.first.map({ $0.cycle > 0 }) == true {
                    // It was running before the first kept event.
                    slices.append(RunSlice(hart: hart, tid: tid, start: span.lowerBound, end: event.cycle, stop: reason, object: object))
                }
            default: break
            }
        }
        for (hart, running) in open.sorted(by: { $0.key < $1.key }) {
            slices.append(RunSlice(hart: hart, tid: running.tid, start: running.start, end: max(end, running.start), stop: nil, object: 0))
        }
        return slices.sorted { ($0.hart, $0.start, $0.tid) < ($1.hart, $1.start, $1.tid) }
    }
}
