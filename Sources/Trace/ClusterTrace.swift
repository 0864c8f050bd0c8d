// One Perfetto file for a run of several machines (DESIGN decision 9). Each machine's
// kernel records into its own TraceRecorder; at the end the writer puts them all in one
// Chrome trace JSON: a group of processes per machine ("m1 10.0.0.1" with its harts and
// network lane, then "m1 hello" for each of its programs), a machine booted again after a
// crash as its own group beside the first ("m2 boot 2 10.0.0.2"), and a "network" process
// with a lane per link for what the network did to packets. Every machine's pids and tids
// are moved by its group's offset so none collide, and every packet's arrow joins two
// groups by the packet's trace id (NetworkFlows.swift). The bytes are a function of the
// recorded events: machines in order of number and boot, each machine's events in order.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one machine's lanes go in a cluster's file.
struct LaneGroup {
    /// Added to every pid, tid and process sort index of the machine.
    var idOffset: Int64 = 0
    /// The name of its harts process ("harts" when alone).
    var machineName: String?
    /// Put before each of its programs' names.
    var processPrefix = ""
    /// Its IPv4 address, for packets' "from" and "to".
    var address: UInt32?
    /// Its first flow id (wakes, bytes): groups' ids must not meet.
    var firstFlow: UInt64 = 1

    /// Ids of group g lie in [g·stride, (g+1)·stride): guest ids below 1,000,000, the
    /// harts process at 1,000,000 (ChromeTraceEncoder.machinePid), its lanes above.
    static let stride: Int64 = 2_000_000
    /// Most groups in one file: ids stay below 2^31.
    static let limit = 1000

    init() {}

    init(number: Int, machine: Int, boot: Int) {
        idOffset = Int64(number) * Self.stride
        let address = 0x0A00_0000 | UInt32(truncatingIfNeeded: max(0, min(machine, 254)))
        let name = boot > 1 ? "m\(machine) boot \(boot)" : "m\(machine)"
        machineName = "\(name) \(PacketTrace.address(address))"
        processPrefix = name + " "
        self.address = address
        firstFlow = UInt64(number) << 32 | 1
    }
}

/// One boot of one machine, as the cluster's file shows it.
public struct ClusterTraceMachine: Sendable {
    /// The machine's number, from 1 (its address is 10.0.0.N).
    public var machine: Int
    /// 1 for its first boot, 2 after its first restart, ...
    public var boot: Int
    public var log: TraceLog
    public init(machine: Int, boot: Int = 1, log: TraceLog) {
        self.machine = machine
        self.boot = boot
        self.log = log
    }
}

/// Gives each machine of a cluster its recorder and writes them all, with the network's,
/// into one Chrome trace file.
public final class ClusterTraceWriter {
    public let path: String
    public let clockFrequency: UInt64
    /// Events each recorder keeps (the oldest go first past it).
    public let capacity: Int
    /// Where the cluster records what the network did (drops, duplicates, reorders).
    public let network: TraceRecorder
    /// Names instruction events, as ChromeTraceWriter's does.
    public var describeInstruction: (@Sendable (_ pc: UInt64, _ bits: UInt32) -> String)?
    private let links: Int
    private var boots: [(machine: Int, boot: Int, recorder: TraceRecorder)] = []
    private let temporaryPath: String
    private var descriptor: Int32
    private var done = false

    /// Opens `path` for writing (a temporary file beside it, renamed at finish), so a bad
    /// path fails before the run. `machines`: how many machines (one network lane each).
    public init(path: String, clockFrequency: UInt64, machines: Int, capacity: Int = TraceRecorder.defaultCapacity)
        throws(TraceViewError) {
        guard !path.isEmpty else { throw TraceViewError("the trace file's path is empty") }
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw TraceViewError("cannot write the trace to \(path): it is a directory; give a file name such as \(path)/trace.json")
        }
        self.path = path
        self.temporaryPath = path + ".partial"
        self.clockFrequency = max(1, clockFrequency)
        self.capacity = max(1, capacity)
        self.links = max(0, min(machines, 254))
        network = TraceRecorder(capacity: self.capacity, clockFrequency: self.clockFrequency, harts: 1)
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TraceViewError(ChromeTraceWriter.reason(errno, path: path)) }
        descriptor = fd
    }

    deinit { abandon() }

    /// A new recorder for machine `index` (from 0) as it boots: what `Cluster(traces:)`
    /// asks for. Asked again for the same machine (a restart), it is that machine's next boot.
    public func recorder(machine index: Int, harts: Int) -> TraceRecorder {
        let machine = index + 1
        let boot = boots.filter { $0.machine == machine }.count + 1
        let recorder = TraceRecorder(capacity: capacity, clockFrequency: clockFrequency, harts: harts)
        boots.append((machine, boot, recorder))
        return recorder
    }

    /// Writes every machine's events and the network's, the slices still running closed at
    /// `endCycle`, and renames the file into place.
    public func finish(endCycle: UInt64) throws(TraceViewError) {
        guard !done else { throw TraceViewError("the trace \(path) was already finished or abandoned") }
        done = true
        var failure: TraceViewError?
        let parts = boots.map { boot in (boot.machine, boot.boot, { boot.recorder.log }) }
        Self.encode(parts, network: network.log, links: links, endCycle: endCycle, clockFrequency: clockFrequency,
                    describeInstruction: describeInstruction) { bytes in
            guard failure == nil else { return }
            failure = self.store(bytes)
        }
        if close(descriptor) != 0, failure == nil {
            failure = TraceViewError("could not write the trace to \(path): \(ChromeTraceWriter.text(errno))")
        }
        descriptor = -1
        if let failure {
            unlink(temporaryPath)
            throw failure
        }
        if rename(temporaryPath, path) != 0 {
            let reason = ChromeTraceWriter.reason(errno, path: path)
            unlink(temporaryPath)
            throw TraceViewError(reason)
        }
    }

    /// Deletes the temporary file: no partial trace is left behind.
    public func abandon() {
        guard !done else { return }
        done = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }

    private func store(_ bytes: [UInt8]) -> TraceViewError? {
        bytes.withUnsafeBytes { buffer -> TraceViewError? in
            guard let base = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return TraceViewError("could not write the trace to \(path): \(ChromeTraceWriter.text(errno))")
                }
                offset += written
            }
            return nil
        }
    }

    /// The same JSON `finish` writes, from finished logs (tests, the lab).
    public static func render(machines: [ClusterTraceMachine], network: TraceLog? = nil, links: Int, endCycle: UInt64,
                              describeInstruction: (@Sendable (_ pc: UInt64, _ bits: UInt32) -> String)? = nil) -> String {
        var output: [UInt8] = []
        let frequency = machines.first?.log.clockFrequency ?? network?.clockFrequency ?? 1
        encode(machines.map { part in (part.machine, part.boot, { part.log }) }, network: network, links: links,
               endCycle: endCycle, clockFrequency: frequency, describeInstruction: describeInstruction) { output += $0 }
        return String(decoding: output, as: UTF8.self)
    }

    /// The file, in pieces handed to `sink`: the network's process first, then each boot of
    /// each machine in order (its log taken only when its turn comes), then the network's
    /// events and the closing metadata.
    static func encode(_ parts: [(machine: Int, boot: Int, log: () -> TraceLog)], network: TraceLog?, links: Int,
                       endCycle: UInt64, clockFrequency: UInt64,
                       describeInstruction: (@Sendable (_ pc: UInt64, _ bits: UInt32) -> String)?,
                       sink: ([UInt8]) -> Void) {
        let ordered = parts.enumerated().sorted { ($0.element.machine, $0.element.boot, $0.offset) < ($1.element.machine, $1.element.boot, $1.offset) }
            .map(\.element)
        var head = ChromeTraceEncoder()
        head.append("{\"traceEvents\":[\n")
        head.nameNetwork(links: (0..<max(0, min(links, 254))).map { "link m\($0 + 1) \(PacketTrace.address(0x0A00_0000 | UInt32($0 + 1)))" })
        sink(head.output)
        var leftOut = 0
        for (index, part) in ordered.enumerated() {
            guard index < LaneGroup.limit else { leftOut += 1; continue }
            let log = part.log()
            var encoder = ChromeTraceEncoder()
            encoder.describeInstruction = describeInstruction
            encoder.beginGroup(LaneGroup(number: index + 1, machine: part.machine, boot: part.boot),
                               clockFrequency: log.clockFrequency, harts: log.harts, midRun: log.dropped > 0)
            for event in log.events {
                encoder.encode(event, names: log)
                if encoder.output.count >= ChromeTraceWriter.chunkSize { sink(encoder.output); encoder.output.removeAll(keepingCapacity: true) }
            }
            // A boot followed by another lost power: its slices end with its last event.
            let rebooted = index + 1 < ordered.count && ordered[index + 1].machine == part.machine
            encoder.closeSlices(endCycle: rebooted ? min(endCycle, log.span.upperBound) : endCycle)
            sink(encoder.output)
        }
        var tail = ChromeTraceEncoder()
        tail.beginFragment(clockFrequency: clockFrequency)
        if let network {
            for event in network.events {
                tail.encode(event, names: network)
                if tail.output.count >= ChromeTraceWriter.chunkSize { sink(tail.output); tail.output.removeAll(keepingCapacity: true) }
            }
        }
        let dropped = network.map { $0.dropped } ?? 0
        var other = "\"clock_hz\":\(max(1, clockFrequency)),\"machines\":\(Set(parts.map(\.machine)).count),\"boots\":\(parts.count)"
        if leftOut > 0 { other += ",\"boots_left_out\":\(leftOut)" }
        if dropped > 0 { other += ",\"network_events_dropped\":\(dropped)" }
        tail.append("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\(other),\"time_unit\":\"simulated microseconds\",\"generator\":\"Interleave\"}}\n")
        sink(tail.output)
    }
}
