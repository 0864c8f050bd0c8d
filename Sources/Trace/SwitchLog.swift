// The context switches of a run, read from its trace: `--switch-log` and the race lab
// show them. A switch is a thread stopping on a hart and the next thread running there
// from the same cycle (the switch's cost comes after it); a stop with no thread taking
// the hart at once leaves the hart idle, and a thread that starts on an idle hart comes
// "from idle". Nothing in the kernel keeps a second list of them.

/// One context switch: at `cycle` on `hart`, thread `from` left (nil: the hart was idle)
/// for `reason`, and thread `to` got the hart (nil: the hart went idle).
public struct ContextSwitchRecord: Sendable, Equatable, CustomStringConvertible {
    public var cycle: UInt64
    public var hart: Int
    public var from: Int32?
    public var to: Int32?
    /// Why `from` left, with what it blocked on (nil: the hart was idle).
    public var stop: ThreadStopReason?
    public var object: UInt64

    public init(cycle: UInt64, hart: Int, from: Int32?, to: Int32?, stop: ThreadStopReason?, object: UInt64) {
        self.cycle = cycle
        self.hart = hart
        self.from = from
        self.to = to
        self.stop = stop
        self.object = object
    }

    /// Why `from` left: "time slice expired", "blocked in futex_wait on 0x…", "exited with
    /// status 0", … or "from idle".
    public var reason: String {
        guard let stop else { return "from idle" }
        let number = Int32(truncatingIfNeeded: object)
        return switch stop {
        case .sliceExpired: "time slice expired"
        case .yielded: "yielded"
        case .preempted: "preempted by a higher priority"
        case .migrated: "migrated"
        case .programWaits: "its program waits"
        case .exited: "exited with status \(number)"
        case .blockedOnFutex: "blocked in futex_wait on 0x\(String(object, radix: 16))"
        case .sleeping: "blocked in nanosleep until cycle \(object)"
        case .joining: "blocked in thread_join of thread \(number)"
        case .waitingForChild: number == -1 ? "blocked in process_wait for any child" : "blocked in process_wait for process \(number)"
        case .waitingForMessage: "blocked in get_message (its message queue is empty)"
        case .waitingForIO: "blocked waiting for I/O"
        case .waitingForSignal: "blocked waiting for a signal"
        case .stopped: "stopped by \(number == 19 ? "SIGSTOP" : "signal \(number)")"
        }
    }

    /// "cycle 1200 hart 0: thread 1 -> thread 2 (time slice expired)".
    public var description: String {
        "cycle \(cycle) hart \(hart): \(from.map { "thread \($0)" } ?? "idle") -> \(to.map { "thread \($0)" } ?? "idle") (\(reason))"
    }
}

/// Turns a run's events, in the order they are recorded, into its context switches.
public struct SwitchLog {
    /// Per hart, a thread that stopped and has not yet been followed.
    private var stopped: [Int: (tid: Int32, cycle: UInt64, reason: ThreadStopReason, object: UInt64)] = [:]

    public init() {}

    /// The switches `event` completes (none, one, or a hart going idle and then busy).
    public mutating func receive(_ event: TraceEvent) -> [ContextSwitchRecord] {
        guard event.hart >= 0 else { return [] }
        let hart = Int(event.hart)
        switch event.kind {
        case .threadStops(let tid, let reason, let object):
            let idle = finishIdle(hart: hart)
            stopped[hart] = (tid, event.cycle, reason, object)
            return idle
        case .threadRuns(let tid, let switchCycles):
            let start = event.cycle >= UInt64(switchCycles) ? event.cycle - UInt64(switchCycles) : event.cycle
            if let left = stopped[hart], left.cycle == start {
                stopped[hart] = nil
                return [ContextSwitchRecord(cycle: start, hart: hart, from: left.tid, to: tid, stop: left.reason, object: left.object)]
            }
            return finishIdle(hart: hart) + [ContextSwitchRecord(cycle: start, hart: hart, from: nil, to: tid, stop: nil, object: 0)]
        default:
            return []
        }
    }

    /// The harts whose last thread stopped with none after it: they went idle.
    public mutating func finish() -> [ContextSwitchRecord] {
        stopped.keys.sorted().flatMap { finishIdle(hart: $0) }
    }

    private mutating func finishIdle(hart: Int) -> [ContextSwitchRecord] {
        guard let left = stopped.removeValue(forKey: hart) else { return [] }
        return [ContextSwitchRecord(cycle: left.cycle, hart: hart, from: left.tid, to: nil, stop: left.reason, object: left.object)]
    }

    /// Every switch in `log`, in order of cycle (switches at the same cycle in the order
    /// they completed).
    public static func switches(in log: TraceLog) -> [ContextSwitchRecord] {
        var reader = SwitchLog()
        let completed = log.events.flatMap { reader.receive($0) } + reader.finish()
        return completed.enumerated().sorted { ($0.element.cycle, $0.offset) < ($1.element.cycle, $1.offset) }.map(\.element)
    }
}
