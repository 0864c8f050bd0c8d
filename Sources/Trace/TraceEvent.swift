// The trace's vocabulary: typed events, each stamped with the simulated cycle and the
// hart it happened on. The kernel records them as the run goes (Kernel/Tracing.swift);
// the views (TerminalTimeline, ChromeTrace, SVGTimeline) draw them. Payloads are plain
// integers, so recording an event copies a few words and never allocates; text (program
// names, guest labels) goes through `TraceString`, an index into the recorder's strings.

/// An index into `TraceLog.strings`: names and labels are interned once.
public struct TraceString: Sendable, Hashable {
    public var index: Int32
    public init(_ index: Int32) { self.index = index }
}

/// One thing that happened, at `cycle` on `hart` (-1: not on a hart, e.g. the input device).
public struct TraceEvent: Sendable, Equatable {
    public var cycle: UInt64
    public var hart: Int32
    public var kind: TraceEventKind

    public init(cycle: UInt64, hart: Int32, _ kind: TraceEventKind) {
        self.cycle = cycle
        self.hart = hart
        self.kind = kind
    }
}

public enum TraceEventKind: Sendable, Equatable {
    /// A process began (its main thread's id is its pid); `parent` is 0 for none.
    case processStarted(pid: Int32, parent: Int32, name: TraceString)
    /// A process ended with this status (128+signal when killed).
    case processEnded(pid: Int32, status: Int32)
    case threadStarted(tid: Int32, pid: Int32)
    case threadEnded(tid: Int32, status: Int32)
    /// The thread became ready to run (woken, started, or put back by its hart).
    case threadReady(tid: Int32)
    /// The thread got the hart; the switch cost these cycles (0 from a start).
    case threadRuns(tid: Int32, switchCycles: UInt32)
    /// The thread left the hart, and why (`object`: what it blocked on, see ThreadStopReason).
    case threadStops(tid: Int32, reason: ThreadStopReason, object: UInt64)
    /// A system call returned `result` (a negative errno for a failure).
    case systemCall(tid: Int32, number: UInt32, result: Int64)
    /// An interrupt reached the hart; `tid` is the thread it found running (0: idle).
    case interrupt(InterruptKind, tid: Int32)
    /// A fault the kernel could not mend: it ends the process.
    case fault(tid: Int32, cause: UInt32, pc: UInt64, address: UInt64)
    /// A signal handler starts on thread `tid` for `signal` (its frame pushed; `handler`
    /// is the function's address).
    case signalHandled(tid: Int32, signal: Int32, handler: UInt64)
    case futexWait(tid: Int32, address: UInt64)
    /// `tid` woke `woken`, which waited on `address`.
    case futexWake(tid: Int32, address: UInt64, woken: Int32)
    case messagePosted(from: Int32, to: Int32, kind: UInt32)
    case messageRetrieved(tid: Int32, kind: UInt32)
    /// The input device injected cursor move number `sequence` for thread `to` (0: nobody took it).
    case inputInjected(sequence: UInt32, to: Int32)
    /// A thread took an input event this many cycles after it was injected.
    case inputHandled(tid: Int32, latencyCycles: UInt64)
    /// A page of the thread's process got its frame on first touch (demand paging); the
    /// address is the one the instruction touched.
    case pageFault(tid: Int32, address: UInt64)
    /// The hart's address translation was flushed (a new address space was switched in).
    case tlbFlush(tid: Int32)
    /// A mark the guest made through trace_mark (the Sync library's locks use these).
    case mark(tid: Int32, kind: MarkKind, object: UInt64, value: UInt64)
    /// A label the guest made through trace_mark with text.
    case label(tid: Int32, text: TraceString)
    /// One retired instruction of a traced thread or address range.
    case instruction(tid: Int32, pc: UInt64, bits: UInt32)
    /// A line changed MESI state in a core's private cache (recorded only when asked: there are many).
    case coherence(CoherenceTrace)
    /// A core's private-cache misses so far (sampled at context switches and at the end).
    case cacheMisses(core: Int32, misses: UInt64)
    /// Bytes a read (recv, readv) took from a descriptor, and bytes a write (send, writev)
    /// gave one; on a byte stream the range lets a view join each read to its write.
    case ioRead(IOTransfer)
    case ioWrite(IOTransfer)
    /// accept on `listener` gave descriptor `fd` for connection `connection` (0: unknown).
    case accept(tid: Int32, listener: Int32, fd: Int32, connection: UInt32)
    /// connect on `fd` returned `result` (0 or a negative errno); `connection` as in accept.
    case connect(tid: Int32, fd: Int32, result: Int32, connection: UInt32)
    /// The thread blocks in system call `call` until I/O can go on: `object` is the
    /// descriptor it waits on (poll, select and epoll_wait over several: 0).
    case ioWait(tid: Int32, call: UInt32, object: UInt64)
    /// `tid` (0: the kernel, e.g. a process ending closed a descriptor) made `woken`,
    /// blocked for I/O, ready again; `events` says what changed (Linux's poll bits).
    case ioWake(tid: Int32, woken: Int32, events: UInt32)
    /// A packet left this machine for the network; the same `id` marks its arrival in the
    /// receiver's trace (NetworkEvents.swift).
    case packetSent(PacketTrace)
    /// A packet reached this machine (its stack takes it on hart 0's interrupt).
    case packetArrived(PacketTrace)
    /// The stack sent a TCP segment again after its retransmission timer ran out.
    case retransmission(RetransmissionTrace)
    /// The network dropped, duplicated or held back a packet (recorded by the cluster).
    case networkFault(NetworkFaultTrace)
    /// The accelerator (Machine/Devices/Accelerator.swift): something happened to one of
    /// its contexts. Stamped with the CPU's cycle scale (the device's cycle converted), hart -1.
    case accelerator(AcceleratorTrace)

    /// The thread the event belongs to, or 0.
    public var thread: Int32 {
        switch self {
        case .processStarted(let pid, _, _), .processEnded(let pid, _): pid
        case .threadStarted(let tid, _), .threadEnded(let tid, _), .threadReady(let tid), .threadRuns(let tid, _),
             .threadStops(let tid, _, _), .systemCall(let tid, _, _), .interrupt(_, let tid),
             .fault(let tid, _, _, _), .signalHandled(let tid, _, _), .futexWait(let tid, _), .futexWake(let tid, _, _),
             .messageRetrieved(let tid, _), .inputHandled(let tid, _), .tlbFlush(let tid), .pageFault(let tid, _),
             .mark(let tid, _, _, _), .label(let tid, _), .instruction(let tid, _, _),
             .accept(let tid, _, _, _), .connect(let tid, _, _, _), .ioWait(let tid, _, _), .ioWake(let tid, _, _): tid
        case .ioRead(let transfer), .ioWrite(let transfer): transfer.tid
        case .packetSent(let packet): packet.tid
        case .retransmission(let retransmission): retransmission.tid
        case .packetArrived, .networkFault: 0
        case .messagePosted(let from, _, _): from
        case .inputInjected(_, let to): to
        case .coherence, .cacheMisses: 0
        case .accelerator: 0
        }
    }
}

/// One read or write: `bytes` through descriptor `fd`. On a byte stream (a pipe, a stream
/// socket) `stream` names the stream (unique in the run; 0: not a stream) and `start` is
/// the position of the first byte in it: a write covers [start, start + bytes), and the
/// read whose `start` falls in that range took those bytes.
public struct IOTransfer: Sendable, Equatable {
    public var tid: Int32
    public var fd: Int32
    public var bytes: UInt32
    public var stream: UInt32
    public var start: UInt64

    public init(tid: Int32, fd: Int32, bytes: UInt32, stream: UInt32 = 0, start: UInt64 = 0) {
        self.tid = tid
        self.fd = fd
        self.bytes = bytes
        self.stream = stream
        self.start = start
    }

    /// The stream positions it covers.
    public var range: Range<UInt64> { start..<(start &+ UInt64(bytes)) }
}

/// Why a thread left its hart.
public enum ThreadStopReason: UInt8, Sendable, CaseIterable {
    case sliceExpired, yielded, preempted, migrated
    /// Single-tasking: its program waits while the child it started runs.
    case programWaits
    /// `object` is the status.
    case exited
    /// `object` is the futex word's address.
    case blockedOnFutex
    /// `object` is the wake-up cycle.
    case sleeping
    /// `object` is the thread joined.
    case joining
    /// `object` is the child waited for (as a 32-bit pattern; -1 any).
    case waitingForChild
    case waitingForMessage
    /// `object` is the descriptor waited on (0 for poll, select and epoll over several).
    case waitingForIO
    /// In rt_sigsuspend or rt_sigtimedwait; `object` is the set waited for (0: any).
    case waitingForSignal
    /// Its process was stopped (SIGSTOP, SIGTSTP ...); `object` is the signal.
    case stopped

    /// Short text for views: "slice expired", "futex", "sleep", ...
    public var label: String {
        switch self {
        case .sliceExpired: "slice expired"
        case .yielded: "yield"
        case .preempted: "preempted"
        case .migrated: "migrated"
        case .programWaits: "program waits"
        case .exited: "exit"
        case .blockedOnFutex: "futex"
        case .sleeping: "sleep"
        case .joining: "join"
        case .waitingForChild: "wait"
        case .waitingForMessage: "message"
        case .waitingForIO: "I/O"
        case .waitingForSignal: "signal wait"
        case .stopped: "stopped"
        }
    }

    /// True when the thread gave up the hart to wait for something.
    public var isBlocking: Bool {
        switch self {
        case .blockedOnFutex, .sleeping, .joining, .waitingForChild, .waitingForMessage, .waitingForIO, .programWaits,
             .waitingForSignal, .stopped: true
        default: false
        }
    }
}

public enum InterruptKind: UInt8, Sendable, CaseIterable {
    case timer, software, external

    public var label: String {
        switch self {
        case .timer: "timer"
        case .software: "software"
        case .external: "external"
        }
    }
}

/// What a guest mark says. The numbers are the trace_mark system call's (0x1040) first
/// argument, shared with Guest/Sync/Trace.swift.
public enum MarkKind: UInt8, Sendable, CaseIterable {
    /// A thread asks for a lock (`object`: the lock's address).
    case acquire = 1
    /// It found the lock taken and will wait.
    case contended = 2
    /// It holds the lock now; `value`: spin iterations it took (0 for none).
    case acquired = 3
    case release = 4
    /// A semaphore's count after a wait or signal (`value`).
    case count = 5
    /// A user mark with a number (`value`), e.g. a job id.
    case user = 6
    /// Spans a user opens and closes, named by a label.
    case begin = 7
    case end = 8

    public var label: String {
        switch self {
        case .acquire: "acquire"
        case .contended: "contended"
        case .acquired: "acquired"
        case .release: "release"
        case .count: "count"
        case .user: "mark"
        case .begin: "begin"
        case .end: "end"
        }
    }
}

/// One coherence transition, in plain integers (the Trace module knows no machine):
/// "core 1 L1D store I→M at 0x80001040, invalidates core 0".
public struct CoherenceTrace: Sendable, Equatable {
    public enum Level: UInt8, Sendable { case l1i, l1d, l2, llc }
    public enum Access: UInt8, Sendable { case fetch, load, store, atomic }

    public var core: Int16
    public var level: Level
    public var access: Access
    /// MESI states as numbers: 0 I, 1 S, 2 E, 3 M.
    public var from: UInt8
    public var to: UInt8
    /// The core whose cache supplied the line, or -1.
    public var supplier: Int16
    /// Physical address of the line.
    public var line: UInt64
    /// Bit c: core c's copy was invalidated.
    public var invalidated: UInt64

    public init(core: Int16, level: Level, access: Access, from: UInt8, to: UInt8, supplier: Int16, line: UInt64, invalidated: UInt64) {
        self.core = core
        self.level = level
        self.access = access
        self.from = from
        self.to = to
        self.supplier = supplier
        self.line = line
        self.invalidated = invalidated
    }

    static func stateName(_ state: UInt8) -> String { ["I", "S", "E", "M"][Int(state & 3)] }

    public var levelName: String {
        switch level {
        case .l1i: "L1I"
        case .l1d: "L1D"
        case .l2: "L2"
        case .llc: "LLC"
        }
    }

    public var accessName: String {
        switch access {
        case .fetch: "fetch"
        case .load: "load"
        case .store: "store"
        case .atomic: "atomic"
        }
    }

    /// The cores named by a bit mask: "core 0", "cores 0, 2".
    static func cores(_ mask: UInt64) -> String {
        let list = (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map(String.init)
        return (list.count == 1 ? "core " : "cores ") + list.joined(separator: ", ")
    }

    /// "core 1 L1D store I→M at 0x80001040, invalidates core 0" (and ", from core 2" when a
    /// core's cache supplied the line).
    public var sentence: String {
        var text = "core \(core) \(levelName) \(accessName) \(Self.stateName(from))→\(Self.stateName(to)) at 0x\(String(line, radix: 16))"
        if invalidated != 0 { text += ", invalidates \(Self.cores(invalidated))" }
        if supplier >= 0 { text += ", from core \(supplier)" }
        return text
    }
}

/// One accelerator event: its context (numbered by the kernel, unique in the run), the
/// process that owns it, and the submission it concerns (0: none).
public struct AcceleratorTrace: Sendable, Equatable {
    public var context: Int32
    public var pid: Int32
    public var kind: AcceleratorTraceKind
    public var submission: UInt64

    public init(context: Int32, pid: Int32, kind: AcceleratorTraceKind, submission: UInt64 = 0) {
        self.context = context
        self.pid = pid
        self.kind = kind
        self.submission = submission
    }
}

/// What happened to an accelerator context. `runs` up to the next `preempted`, `idle`,
/// `faulted`, `reset` or `destroyed` is a slice of the device's time: a lane of its own
/// in the timelines.
public enum AcceleratorTraceKind: UInt8, Sendable, CaseIterable {
    case created, submitted, runs, preempted, idle, completed, faulted, reset, destroyed

    public var name: String {
        switch self {
        case .created: "created"
        case .submitted: "submitted"
        case .runs: "runs"
        case .preempted: "preempted"
        case .idle: "idle"
        case .completed: "completed"
        case .faulted: "faulted"
        case .reset: "reset by the watchdog"
        case .destroyed: "destroyed"
        }
    }
}
