// Where events go while a run records them: a ring buffer of a stated size (so a long
// run keeps its most recent events and cannot exhaust the host) and, optionally, a
// streaming sink that sees every event as it happens (ChromeTrace writes its file that
// way). `log` hands the views a snapshot.

/// Records a run's events. One recorder belongs to one simulation; it is not shared
/// across host threads.
public final class TraceRecorder {
    /// Events kept in memory by default: about 40 MiB.
    public static let defaultCapacity = 1 << 20

    public let capacity: Int
    /// Cycles per simulated second, to show cycles as time.
    public let clockFrequency: UInt64
    public let harts: Int
    private var ring: [TraceEvent] = []
    private var next = 0
    /// Events recorded in all, kept or not.
    public private(set) var recorded: UInt64 = 0
    public private(set) var strings: [String] = []
    private var stringIndex: [String: Int32] = [:]
    /// Per thread id, its process and name ("main", "thread 3"); per pid, its program.
    public private(set) var threadNames: [Int32: String] = [:]
    public private(set) var threadProcess: [Int32: Int32] = [:]
    public private(set) var processNames: [Int32: String] = [:]
    /// Sees every event, in order, as it is recorded (streaming writers).
    public var sink: ((TraceEvent, TraceRecorder) -> Void)?

    public init(capacity: Int = TraceRecorder.defaultCapacity, clockFrequency: UInt64, harts: Int) {
        self.capacity = max(1, capacity)
        self.clockFrequency = max(1, clockFrequency)
        self.harts = max(1, harts)
        ring.reserveCapacity(min(self.capacity, 1 << 16))
    }

    public func record(_ event: TraceEvent) {
        recorded &+= 1
        if ring.count < capacity {
            ring.append(event)
        } else {
            ring[next] = event
            next = next + 1 == capacity ? 0 : next + 1
        }
        sink?(event, self)
    }

    /// Most distinct strings kept: a guest labelling with ever-new text cannot grow the
    /// host's memory without bound; past it, labels read "(too many distinct labels)".
    public static let stringLimit = 1 << 16
    static let overflowLabel = "(too many distinct labels)"

    /// Interns `text`, returning its index in `strings`.
    public func intern(_ text: String) -> TraceString {
        if let index = stringIndex[text] { return TraceString(index) }
        if strings.count >= Self.stringLimit, text != Self.overflowLabel {
            return intern(Self.overflowLabel)   // kept one past the limit
        }
        let index = Int32(strings.count)
        strings.append(text)
        stringIndex[text] = index
        return TraceString(index)
    }

    public func string(_ text: TraceString) -> String {
        text.index >= 0 && Int(text.index) < strings.count ? strings[Int(text.index)] : "?"
    }

    /// Names a process (`program`) and its threads: the views show "hello (pid 1)" and
    /// "main" / "thread 3".
    public func nameProcess(_ pid: Int32, program: String) { processNames[pid] = program }

    public func nameThread(_ tid: Int32, process pid: Int32, name: String) {
        threadNames[tid] = name
        threadProcess[tid] = pid
    }

    /// The events kept, oldest first, with the names: what the views draw.
    public var log: TraceLog {
        let events = ring.count < capacity ? ring : Array(ring[next...] + ring[..<next])
        return TraceLog(events: events, dropped: recorded &- UInt64(events.count), strings: strings,
                        threadNames: threadNames, threadProcess: threadProcess, processNames: processNames,
                        clockFrequency: clockFrequency, harts: harts)
    }
}
