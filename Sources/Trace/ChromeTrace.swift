// ChromeTrace: a run as Chrome trace-event JSON, which opens in Perfetto (ui.perfetto.dev)
// and chrome://tracing. `ChromeTraceWriter` streams it to a file while the run records
// (bounded memory: it keeps only open slices and names, never the events), and
// `ChromeTraceWriter.render` writes the same bytes from a finished TraceLog; both go
// through one encoder (`ChromeTraceEncoder`). Times are cycles turned into microseconds
// with integer arithmetic and printed with three decimals, so files are byte-identical.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a Chrome trace file as the run goes.
public final class ChromeTraceWriter {
    public let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var encoder = ChromeTraceEncoder()
    private var failure: TraceViewError?
    private var done = false
    private weak var recorder: TraceRecorder?
    /// Names an instruction event ("addi a0, a0, 1"): the Trace module knows no
    /// instruction set, so the caller that does (the command line) supplies this.
    public var describeInstruction: (@Sendable (_ pc: UInt64, _ bits: UInt32) -> String)? {
        get { encoder.describeInstruction }
        set { encoder.describeInstruction = newValue }
    }
    /// The most bytes of events the file takes; later events are counted in
    /// `eventsLeftOut` (and in the file's otherData), so a long run cannot fill the disk.
    public var byteLimit: UInt64 = 4 << 30
    public private(set) var eventsLeftOut: UInt64 = 0
    private var bytesWritten: UInt64 = 0
    /// Output is written in chunks of this many bytes.
    static let chunkSize = 1 << 16

    /// Opens `path` for writing (really a temporary file beside it, renamed at finish), so an
    /// unwritable path fails here, before the run, with one clear sentence.
    public init(path: String) throws(TraceViewError) {
        guard !path.isEmpty else { throw TraceViewError("the trace file's path is empty") }
        self.path = path
        self.temporaryPath = path + ".partial"
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw TraceViewError("cannot write the trace to \(path): it is a directory; give a file name such as \(path)/trace.json")
        }
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TraceViewError(Self.reason(errno, path: path)) }
        descriptor = fd
    }

    deinit {
        if !done { abandon() }
    }

    /// Sets `recorder.sink`, so every event it records from now on is written.
    public func attach(to recorder: TraceRecorder) {
        self.recorder = recorder
        encoder.begin(clockFrequency: recorder.clockFrequency, harts: recorder.harts, midRun: recorder.recorded > 0)
        recorder.sink = { [weak self] event, recorder in self?.receive(event, from: recorder) }
    }

    private func receive(_ event: TraceEvent, from recorder: TraceRecorder) {
        guard !done, failure == nil else { return }
        guard bytesWritten + UInt64(encoder.output.count) < byteLimit else {
            eventsLeftOut &+= 1
            return
        }
        encoder.encode(event, names: recorder)
        if encoder.output.count >= Self.chunkSize { flush() }
    }

    /// Closes the slices still open at `endCycle`, flushes, and renames the file into place.
    public func finish(endCycle: UInt64) throws(TraceViewError) {
        guard !done else { throw TraceViewError("the trace \(path) was already finished or abandoned") }
        if !encoder.begun { encoder.begin(clockFrequency: 1, harts: 0, midRun: false) }
        encoder.end(endCycle: endCycle, eventsLeftOut: eventsLeftOut)
        flush()
        detach()
        if close(descriptor) != 0, failure == nil {
            failure = TraceViewError("could not write the trace to \(path): \(Self.text(errno))")
        }
        descriptor = -1
        done = true
        if let failure {
            unlink(temporaryPath)
            throw failure
        }
        if rename(temporaryPath, path) != 0 {
            let reason = Self.reason(errno, path: path)
            unlink(temporaryPath)
            throw TraceViewError(reason)
        }
    }

    /// Deletes the temporary file: no partial trace is left behind.
    public func abandon() {
        guard !done else { return }
        done = true
        detach()
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }

    private func detach() {
        recorder?.sink = nil
        recorder = nil
    }

    private func flush() {
        guard failure == nil, !encoder.output.isEmpty else { encoder.output.removeAll(keepingCapacity: true); return }
        encoder.output.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = TraceViewError("could not write the trace to \(path): \(Self.text(errno))")
                    return
                }
                offset += written
            }
        }
        bytesWritten &+= UInt64(encoder.output.count)
        encoder.output.removeAll(keepingCapacity: true)
    }

    static func text(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message).lowercased()
    }

    static func reason(_ code: Int32, path: String) -> String {
        let folder = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) : "."
        switch code {
        case ENOENT: return "cannot write the trace to \(path): the directory \(folder.isEmpty ? "/" : folder) does not exist"
        case EACCES, EPERM: return "cannot write the trace to \(path): permission denied"
        case ENOTDIR: return "cannot write the trace to \(path): part of the path is not a directory"
        default: return "cannot write the trace to \(path): \(text(code))"
        }
    }

    /// The same JSON the writer streams, from a finished log (tests, the lab).
    public static func render(_ log: TraceLog, endCycle: UInt64? = nil,
                              describeInstruction: (@Sendable (_ pc: UInt64, _ bits: UInt32) -> String)? = nil) -> String {
        var encoder = ChromeTraceEncoder()
        encoder.describeInstruction = describeInstruction
        encoder.begin(clockFrequency: log.clockFrequency, harts: log.harts, midRun: log.dropped > 0)
        for event in log.events { encoder.encode(event, names: log) }
        encoder.end(endCycle: endCycle ?? log.span.upperBound)
        return String(decoding: encoder.output, as: UTF8.self)
    }
}

/// Where the encoder finds names, as it meets threads and processes.
protocol TraceNames {
    func threadName(_ tid: Int32) -> String?
    func process(of tid: Int32) -> Int32?
    func processName(_ pid: Int32) -> String?
    func string(_ text: TraceString) -> String
}

extension TraceRecorder: TraceNames {
    func threadName(_ tid: Int32) -> String? { threadNames[tid] }
    func process(of tid: Int32) -> Int32? { threadProcess[tid] }
    func processName(_ pid: Int32) -> String? { processNames[pid] }
}

extension TraceLog: TraceNames {
    func threadName(_ tid: Int32) -> String? { threadNames[tid] }
    func process(of tid: Int32) -> Int32? { threadProcess[tid] }
    func processName(_ pid: Int32) -> String? { processNames[pid] }
}

/// A JSON value in an event's args.
enum JSONArg {
    case string(String), int(Int64), raw(String)

    static func hex(_ value: UInt64) -> JSONArg { .string("0x" + String(value, radix: 16)) }
}

/// Turns events into trace-event JSON, one at a time; the caller drains `output`.
struct ChromeTraceEncoder {
    /// The pseudo-process holding one lane per hart (guest pids stay far below).
    static let machinePid: Int32 = 1_000_000
    var output: [UInt8] = []
    private(set) var begun = false
    private(set) var clockFrequency: UInt64 = 1
    private var harts = 0
    private var midRun = false
    private var first = true
    private var firstCycle: UInt64?
    private var namedProcesses: Set<Int32> = []
    private var threadPids: [Int32: Int32] = [:]
    private var running: [Int: (tid: Int32, start: UInt64)] = [:]
    private var runnable: Set<Int32> = []
    /// Wakes (futex, I/O) whose arrow is drawn when the woken thread next runs.
    var pendingFlows: [Int32: (waker: Int32, cycle: UInt64, id: UInt64, name: String, category: String)] = [:]
    /// Per byte stream, the writes whose bytes are not all read yet, oldest first: a read's
    /// arrow starts at the write that holds its first byte (IOFlows.swift).
    var streamWrites: [UInt32: [PendingWrite]] = [:]
    /// Connects not yet accepted, by connection.
    var pendingConnects: [UInt32: (tid: Int32, cycle: UInt64)] = [:]
    var nextFlow: UInt64 = 1
    private var threadNamed: Set<Int32> = []
    /// Thread names as first written, for the slices on the hart lanes.
    private var threadNameCache: [Int32: String] = [:]
    var describeInstruction: (@Sendable (_ pc: UInt64, _ bits: UInt32) -> String)?
    /// Where this machine's lanes go when several share one file (ClusterTrace.swift).
    var group = LaneGroup()
    /// Whether the machine's network lane has its name yet (NetworkFlows.swift).
    var networkLaneNamed = false
    /// The accelerator's open slices and flows (ChromeAccelerator.swift).
    var accelerator = ChromeAcceleratorState()

    mutating func begin(clockFrequency: UInt64, harts: Int, midRun: Bool) {
        guard !begun else { return }
        append("{\"traceEvents\":[\n")
        beginLanes(clockFrequency: clockFrequency, harts: harts, midRun: midRun)
    }

    /// Starts a machine's part of a cluster's file: no header, every event after a comma.
    mutating func beginGroup(_ group: LaneGroup, clockFrequency: UInt64, harts: Int, midRun: Bool) {
        guard !begun else { return }
        self.group = group
        nextFlow = group.firstFlow
        first = false
        beginLanes(clockFrequency: clockFrequency, harts: harts, midRun: midRun)
    }

    /// Starts an encoder that writes only events (a cluster's network events), after a comma.
    mutating func beginFragment(clockFrequency: UInt64) {
        begun = true
        first = false
        self.clockFrequency = max(1, clockFrequency)
    }

    private mutating func beginLanes(clockFrequency: UInt64, harts: Int, midRun: Bool) {
        begun = true
        self.clockFrequency = max(1, clockFrequency)
        self.harts = max(0, harts)
        self.midRun = midRun
        let pid = Self.machinePid
        metadata("process_name", pid: pid, tid: pid, ["name": .string(group.machineName ?? "harts")])
        metadata("process_sort_index", pid: pid, tid: pid, ["sort_index": .int(-1)])
        metadata("thread_name", pid: pid, tid: pid, ["name": .string("machine")])
        metadata("thread_sort_index", pid: pid, tid: pid, ["sort_index": .int(-1)])
        for hart in 0..<self.harts {
            metadata("thread_name", pid: pid, tid: hartLane(hart), ["name": .string("hart \(hart)")])
            metadata("thread_sort_index", pid: pid, tid: hartLane(hart), ["sort_index": .int(Int64(hart))])
        }
    }

    mutating func end(endCycle: UInt64, eventsLeftOut: UInt64 = 0) {
        closeSlices(endCycle: endCycle)
        let leftOut = eventsLeftOut > 0 ? ",\"events_left_out\":\(eventsLeftOut)" : ""
        append("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock_hz\":\(clockFrequency),\"harts\":\(harts),\"time_unit\":\"simulated microseconds\",\"generator\":\"Interleave\"\(leftOut)}}\n")
    }

    /// Closes the slices still running at `endCycle`.
    mutating func closeSlices(endCycle: UInt64) {
        for (hart, open) in running.sorted(by: { $0.key < $1.key }) {
            slice(hart: hart, tid: open.tid, start: open.start, end: max(endCycle, open.start), stop: nil, object: 0)
        }
        running = [:]
        closeAcceleratorSlices(endCycle: endCycle)
    }

    mutating func encode<Names: TraceNames>(_ event: TraceEvent, names: Names) {
        let cycle = event.cycle
        if firstCycle == nil { firstCycle = cycle }
        switch event.kind {
        case .processStarted(let pid, _, let name):
            nameProcess(pid, names: names, fallback: names.string(name))
        case .processEnded(let pid, let status):
            instant("process exit", lane: threadLane(pid, names), cycle, ["status": .int(Int64(status))])
        case .threadStarted(let tid, let pid):
            threadPids[tid] = names.process(of: tid) ?? pid
            _ = threadLane(tid, names)
        case .threadEnded(let tid, let status):
            instant("thread exit", lane: threadLane(tid, names), cycle, ["status": .int(Int64(status))])
            setRunnable(tid, false, cycle)
        case .threadReady(let tid):
            _ = threadLane(tid, names)
            setRunnable(tid, true, cycle)
        case .threadRuns(let tid, let switchCycles):
            guard event.hart >= 0 else { break }
            let hart = Int(event.hart)
            let lane = threadLane(tid, names)
            if let open = running[hart] {
                slice(hart: hart, tid: open.tid, start: open.start, end: cycle, stop: nil, object: 0)
            }
            running[hart] = (tid, cycle)
            setRunnable(tid, true, cycle)
            if switchCycles > 0 {
                instant("switch", lane: (Self.machinePid, hartLane(hart)), cycle, ["to": .int(Int64(tid)), "cycles": .int(Int64(switchCycles))])
            }
            if let flow = pendingFlows.removeValue(forKey: tid) {
                let waker = threadLane(flow.waker, names)
                emit("s", flow.name, lane: waker, flow.cycle, ",\"cat\":\"\(flow.category)\",\"id\":\(flow.id)")
                emit("f", flow.name, lane: lane, cycle, ",\"cat\":\"\(flow.category)\",\"id\":\(flow.id),\"bp\":\"e\"")
            }
        case .threadStops(let tid, let reason, let object):
            guard event.hart >= 0 else { break }
            let hart = Int(event.hart)
            _ = threadLane(tid, names)
            if let open = running[hart], open.tid == tid {
                slice(hart: hart, tid: tid, start: open.start, end: cycle, stop: reason, object: object)
                running[hart] = nil
            } else if running[hart] == nil, midRun || (firstCycle ?? 0) > 0 {
                slice(hart: hart, tid: tid, start: firstCycle ?? cycle, end: cycle, stop: reason, object: object)
            }
            if reason.isBlocking || reason == .exited { setRunnable(tid, false, cycle) }
        case .systemCall(let tid, let number, let result):
            instant(Self.systemCallName(number), lane: threadLane(tid, names), cycle,
                    ["number": .int(Int64(number)), "result": .int(result)], category: "syscall")
        case .interrupt(let kind, let tid):
            instant("\(kind.label) interrupt", lane: (Self.machinePid, hartLane(Int(event.hart))), cycle,
                    ["thread": .int(Int64(tid))], category: "interrupt")
        case .fault(let tid, let cause, let pc, let address):
            instant("fault", lane: threadLane(tid, names), cycle,
                    ["cause": .int(Int64(cause)), "pc": .hex(pc), "address": .hex(address)], category: "fault")
        case .signalHandled(let tid, let signal, let handler):
            instant("signal \(signal)", lane: threadLane(tid, names), cycle,
                    ["signal": .int(Int64(signal)), "handler": .hex(handler)], category: "signal")
        case .futexWait(let tid, let address):
            instant("futex wait", lane: threadLane(tid, names), cycle, ["address": .hex(address)], category: "futex")
        case .futexWake(let tid, let address, let woken):
            instant("futex wake", lane: threadLane(tid, names), cycle,
                    ["address": .hex(address), "woken": .int(Int64(woken))], category: "futex")
            if woken > 0 { pendingFlows[woken] = (tid, cycle, nextFlow, "futex wake", "futex"); nextFlow += 1 }
        case .messagePosted(let from, let to, let kind):
            instant("post message", lane: threadLane(from, names), cycle, ["to": .int(Int64(to)), "kind": .int(Int64(kind))], category: "message")
        case .messageRetrieved(let tid, let kind):
            instant("get message", lane: threadLane(tid, names), cycle, ["kind": .int(Int64(kind))], category: "message")
        case .inputInjected(let sequence, let to):
            instant("input", lane: (Self.machinePid, Self.machinePid), cycle,
                    ["sequence": .int(Int64(sequence)), "to": .int(Int64(to))], category: "input")
        case .inputHandled(let tid, let latency):
            instant("input handled", lane: threadLane(tid, names), cycle, ["latency_cycles": .int(Int64(clamping: latency))], category: "input")
            let ms = Self.fixed(latency, frequency: clockFrequency, digits: 6, decimals: 3)
            emit("C", "input latency (ms)", lane: (Self.machinePid, Self.machinePid), cycle, ",\"args\":{\"ms\":\(ms)}")
        case .pageFault(let tid, let address):
            instant("page fault", lane: threadLane(tid, names), cycle, ["address": .hex(address)], category: "memory")
        case .tlbFlush(let tid):
            instant("TLB flush", lane: (Self.machinePid, hartLane(Int(event.hart))), cycle, ["thread": .int(Int64(tid))])
        case .mark(let tid, let kind, let object, let value):
            instant(kind.label, lane: threadLane(tid, names), cycle, ["object": .hex(object), "value": .int(Int64(clamping: value))], category: "mark")
        case .label(let tid, let text):
            instant(names.string(text), lane: threadLane(tid, names), cycle, [:], category: "label")
        case .instruction(let tid, let pc, let bits):
            let name = describeInstruction?(pc, bits) ?? "instruction"
            instant(name, lane: threadLane(tid, names), cycle, ["pc": .hex(pc), "bits": .hex(UInt64(bits))], category: "instruction")
        case .coherence(let transition):
            var args: [String: JSONArg] = ["core": .int(Int64(transition.core)), "line": .hex(transition.line),
                                           "from": .string(CoherenceTrace.stateName(transition.from)),
                                           "to": .string(CoherenceTrace.stateName(transition.to))]
            if transition.invalidated != 0 { args["invalidated"] = .hex(transition.invalidated) }
            if transition.supplier >= 0 { args["supplier"] = .int(Int64(transition.supplier)) }
            instant(transition.sentence, lane: (Self.machinePid, hartLane(Int(event.hart))), cycle, args, category: "coherence")
        case .cacheMisses(let core, let misses):
            emit("C", "cache misses core \(core)", lane: (Self.machinePid, Self.machinePid), cycle,
                 ",\"args\":{\"misses\":\(misses)}")
        case .ioRead, .ioWrite, .accept, .connect, .ioWait, .ioWake:
            encodeIO(event, names: names)
        case .packetSent, .packetArrived, .retransmission, .networkFault:
            encodeNetwork(event, names: names)
        case .accelerator:
            encodeAccelerator(event, names: names)
        }
    }

    // MARK: lanes and names

    private func hartLane(_ hart: Int) -> Int32 {
        hart >= 0 ? Self.machinePid + 1 + Int32(clamping: hart) : Self.machinePid
    }

    private mutating func nameProcess<Names: TraceNames>(_ pid: Int32, names: Names, fallback: String? = nil) {
        guard !namedProcesses.contains(pid) else { return }
        namedProcesses.insert(pid)
        let name = group.processPrefix + (names.processName(pid) ?? fallback ?? "process \(pid)")
        metadata("process_name", pid: pid, tid: pid, ["name": .string(name)])
        metadata("process_sort_index", pid: pid, tid: pid, ["sort_index": .int(Int64(pid))])
    }

    /// The thread's (pid, tid), naming it the first time it is seen.
    mutating func threadLane<Names: TraceNames>(_ tid: Int32, _ names: Names) -> (pid: Int32, tid: Int32) {
        if tid <= 0 { return (Self.machinePid, Self.machinePid) }
        if let pid = threadPids[tid], threadNamed.contains(tid) { return (pid, tid) }
        let pid = threadPids[tid] ?? names.process(of: tid) ?? tid
        threadPids[tid] = pid
        nameProcess(pid, names: names)
        threadNamed.insert(tid)
        metadata("thread_name", pid: pid, tid: tid, ["name": .string(names.threadName(tid) ?? "thread \(tid)")])
        metadata("thread_sort_index", pid: pid, tid: tid, ["sort_index": .int(Int64(tid))])
        return (pid, tid)
    }

    private mutating func setRunnable(_ tid: Int32, _ isRunnable: Bool, _ cycle: UInt64) {
        let changed = isRunnable ? runnable.insert(tid).inserted : runnable.remove(tid) != nil
        guard changed else { return }
        emit("C", "runnable threads", lane: (Self.machinePid, Self.machinePid), cycle, ",\"args\":{\"threads\":\(runnable.count)}")
    }

    // MARK: events

    private mutating func slice(hart: Int, tid: Int32, start: UInt64, end: UInt64, stop: ThreadStopReason?, object: UInt64) {
        let duration = Self.fixed(end - start, frequency: clockFrequency, digits: 9, decimals: 3)
        var args: [String: JSONArg] = ["stop": .string(stop?.label ?? "still running")]
        if let stop, stop.isBlocking || stop == .exited {
            switch stop {
            case .blockedOnFutex: args["futex"] = .hex(object)
            case .sleeping: args["until_cycle"] = .int(Int64(clamping: object))
            case .joining: args["joining"] = .int(Int64(Int32(truncatingIfNeeded: object)))
            case .waitingForChild: args["child"] = .int(Int64(Int32(truncatingIfNeeded: object)))
            case .exited: args["status"] = .int(Int64(Int32(truncatingIfNeeded: object)))
            default: break
            }
        }
        let pid = threadPids[tid] ?? tid
        let extra = ",\"cat\":\"sched\",\"dur\":\(duration),\"args\":" + Self.object(args)
        let thread = threadNameCache[tid] ?? "thread \(tid)"
        emit("X", thread, lane: (Self.machinePid, hartLane(hart)), start, extra)
        emit("X", "running", lane: (pid, tid), start, extra)
    }

    mutating func instant(_ name: String, lane: (pid: Int32, tid: Int32), _ cycle: UInt64,
                                  _ args: [String: JSONArg], category: String = "kernel") {
        emit("i", name, lane: lane, cycle, ",\"cat\":\"\(category)\",\"s\":\"t\",\"args\":" + Self.object(args))
    }

    mutating func metadata(_ name: String, pid: Int32, tid: Int32, _ args: [String: JSONArg]) {
        if name == "thread_name", case .string(let text)? = args["name"] { threadNameCache[tid] = text }
        var args = args
        if group.idOffset != 0, name == "process_sort_index", case .int(let index)? = args["sort_index"] {
            args["sort_index"] = .int(index + group.idOffset)
        }
        emit("M", name, lane: (pid, tid), nil, ",\"args\":" + Self.object(args))
    }

    mutating func emit(_ phase: String, _ name: String, lane: (pid: Int32, tid: Int32), _ cycle: UInt64?, _ extra: String) {
        // Appended piece by piece: this runs for every event of a long trace.
        append(first ? "{\"ph\":\"" : ",\n{\"ph\":\"")
        append(phase)
        append("\",\"name\":")
        appendQuoted(name)
        append(",\"pid\":")
        appendInteger(Int64(lane.pid) + group.idOffset)
        append(",\"tid\":")
        appendInteger(Int64(lane.tid) + group.idOffset)
        append(",\"ts\":")
        if let cycle { appendFixed(cycle) } else { append("0") }
        append(extra)
        append("}")
        first = false
    }

    /// Short numbers are small strings: no allocation.
    private mutating func appendInteger(_ value: Int64) { append(String(value)) }

    /// A JSON string literal, straight into the output; plain ASCII names go as they are.
    private mutating func appendQuoted(_ text: String) {
        var plain = true
        for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte >= 0x7F { plain = false; break }
        if plain {
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: text.utf8)
            output.append(UInt8(ascii: "\""))
        } else {
            append(Self.quote(text))
        }
    }

    /// Cycles as microseconds with three decimals (`fixed(_, digits: 9, decimals: 3)`).
    private mutating func appendFixed(_ cycles: UInt64) {
        append(Self.fixed(cycles, frequency: clockFrequency, digits: 9, decimals: 3))
    }

    mutating func append(_ text: String) { output.append(contentsOf: text.utf8) }

    // MARK: formatting

    /// `cycles / frequency` seconds in units of 10^-(digits - decimals) s, with `decimals`
    /// decimals, rounded down: digits 9 and decimals 3 give microseconds to the nanosecond.
    static func fixed(_ cycles: UInt64, frequency: UInt64, digits: Int, decimals: Int) -> String {
        let frequency = max(1, frequency)
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let seconds = cycles / frequency
        let product = (cycles % frequency).multipliedFullWidth(by: scale)
        let fraction = frequency.dividingFullWidth((product.high, product.low)).quotient
        // The common case, a total that fits in 64 bits: two integers and a point.
        if decimals > 0, decimals <= digits, seconds < UInt64.max / scale {
            var unit: UInt64 = 1
            for _ in 0..<decimals { unit *= 10 }
            let total = seconds * scale + fraction
            let decimal = String(total % unit)
            return String(total / unit) + "." + String(repeating: "0", count: decimals - decimal.count) + decimal
        }
        var text = String(fraction)
        if seconds > 0 {
            text = String(seconds) + String(repeating: "0", count: digits - text.count) + text
        } else if text.count <= decimals {
            text = String(repeating: "0", count: decimals + 1 - text.count) + text
        }
        guard decimals > 0 else { return text }
        let point = text.index(text.endIndex, offsetBy: -decimals)
        return text[..<point] + "." + text[point...]
    }

    static func object(_ args: [String: JSONArg]) -> String {
        if args.isEmpty { return "{}" }
        var text = "{"
        for (index, (key, value)) in args.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { text += "," }
            text += quote(key)
            text += ":"
            switch value {
            case .string(let value): text += quote(value)
            case .int(let number): text += String(number)
            case .raw(let json): text += json
            }
        }
        return text + "}"
    }

    static func quote(_ text: String) -> String { jsonQuoted(text) }

    /// Names for the common system calls (Linux riscv64 numbers and Interleave's own).
    static func systemCallName(_ number: UInt32) -> String {
        systemCallNames[number] ?? linuxThreadCallNames[number] ?? startUpCallNames[number] ?? "syscall \(number)"
    }

    /// Linux's calls start-up code makes about its process (issue 16: ProcessInfoCalls.swift).
    static let startUpCallNames: [UInt32: String] = [
        78: "readlinkat", 122: "sched_setaffinity", 123: "sched_getaffinity", 153: "times", 154: "setpgid",
        155: "getpgid", 156: "getsid", 157: "setsid", 165: "getrusage", 166: "umask", 167: "prctl",
        169: "gettimeofday", 179: "sysinfo", 216: "mremap", 233: "madvise", 283: "membarrier", 293: "rseq",
    ]

    /// Linux's calls for threads (issue 16: clone and the words a thread gives the kernel).
    static let linuxThreadCallNames: [UInt32: String] = [
        220: "clone", 435: "clone3", 99: "set_robust_list", 100: "get_robust_list",
    ]

    static let systemCallNames: [UInt32: String] = [
            29: "ioctl", 57: "close", 63: "read", 64: "write", 65: "readv", 66: "writev", 93: "exit",
            94: "exit_group", 96: "set_tid_address", 98: "futex", 101: "nanosleep", 113: "clock_gettime",
            115: "clock_nanosleep", 124: "sched_yield", 129: "kill", 172: "getpid", 173: "getppid", 178: "gettid",
            214: "brk", 215: "munmap", 222: "mmap", 226: "mprotect", 278: "getrandom",
            17: "getcwd", 19: "eventfd2", 20: "epoll_create1", 21: "epoll_ctl", 22: "epoll_pwait", 23: "dup", 24: "dup3",
            25: "fcntl", 56: "openat", 59: "pipe2", 62: "lseek", 67: "pread64", 68: "pwrite64", 72: "pselect6", 73: "ppoll",
            80: "fstat", 198: "socket", 199: "socketpair", 200: "bind", 201: "listen", 202: "accept", 203: "connect",
            206: "sendto", 207: "recvfrom", 210: "shutdown", 211: "sendmsg", 212: "recvmsg", 242: "accept4", 261: "prlimit64",
            441: "epoll_pwait2",
            0x1000: "thread_spawn", 0x1001: "thread_join", 0x1010: "process_spawn", 0x1011: "process_wait",
            0x1020: "post_message", 0x1021: "get_message", 0x1022: "peek_message",
            0x1030: "set_priority", 0x1031: "set_affinity", 0x1032: "set_foreground", 0x1040: "trace_mark", 0x1041: "trace_label", 0x1042: "trace_enabled",
            0x1050: "accel_create", 0x1051: "accel_destroy", 0x1052: "accel_alloc", 0x1053: "accel_free",
            0x1054: "accel_copy_in", 0x1055: "accel_copy_out", 0x1056: "accel_submit", 0x1057: "accel_wait",
    ]
}

/// A JSON string literal: quotes, backslashes and control characters escaped. Shared by
/// every JSON this project writes (the Perfetto trace, the kernel's metrics).
public func jsonQuoted(_ text: String) -> String {
    // Most names and keys need no escape at all.
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 >= 0x7F }) { return "\"" + text + "\"" }
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case "\u{2028}": result += "\\u2028"
        case "\u{2029}": result += "\\u2029"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}
