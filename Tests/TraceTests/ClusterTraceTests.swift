// One Perfetto file for several machines: each machine's processes moved to pids of its
// own, named "m1 …"; a packet's two ends joined by one flow arrow (bind_id) from the
// sender's lane to the receiver's network lane; drops and retransmissions as instants
// with their reason; a restarted machine as a second group; the bytes a function of the
// events; and TraceEvent no larger for the network's cases.

import Foundation
import Testing
@testable import Trace

@Suite struct ClusterTraceTests {
    typealias Event = [String: Any]
    static let syn: UInt8 = 0x02, ack: UInt8 = 0x10
    static let packetID: UInt64 = 1 << 52 | 1 << 44 | 1 << 36 | 0
    static let replyID: UInt64 = 1 << 52 | 2 << 44 | 1 << 36 | 0

    static func machine(_ number: Int, program: String, _ events: (TraceRecorder) -> Void) -> TraceLog {
        let recorder = TraceRecorder(clockFrequency: 1_000_000, harts: 2)
        recorder.nameProcess(1, program: program)
        recorder.nameThread(1, process: 1, name: "main")
        recorder.record(TraceEvent(cycle: 0, hart: 0, .processStarted(pid: 1, parent: 0, name: recorder.intern(program))))
        recorder.record(TraceEvent(cycle: 0, hart: 0, .threadStarted(tid: 1, pid: 1)))
        recorder.record(TraceEvent(cycle: 0, hart: 0, .threadRuns(tid: 1, switchCycles: 0)))
        events(recorder)
        return recorder.log
    }

    /// Machine 1's main thread sends a SYN at 100 (arrives at 200 on machine 2, which
    /// answers from its interrupt at 210: arrives at 310); the network drops a copy.
    static func pair() -> (client: TraceLog, server: TraceLog, network: TraceLog) {
        let client = machine(1, program: "client") { recorder in
            recorder.record(TraceEvent(cycle: 100, hart: 0, .packetSent(PacketTrace(
                id: packetID, peer: 0x0A00_0002, sequence: 7, tid: 1, sourcePort: 40000, destinationPort: 80,
                length: 0, flags: syn | PacketTrace.mssOption))))
            recorder.record(TraceEvent(cycle: 310, hart: 0, .packetArrived(PacketTrace(
                id: replyID, peer: 0x0A00_0002, sequence: 100, acknowledgement: 8, sourcePort: 80, destinationPort: 40000,
                length: 0, flags: syn | ack))))
            recorder.record(TraceEvent(cycle: 400, hart: 0, .retransmission(RetransmissionTrace(
                tid: 0, peer: 0x0A00_0002, sequence: 8, sourcePort: 40000, destinationPort: 80, length: 5, attempt: 1))))
        }
        let server = machine(2, program: "server") { recorder in
            recorder.record(TraceEvent(cycle: 200, hart: 0, .packetArrived(PacketTrace(
                id: packetID, peer: 0x0A00_0001, sequence: 7, sourcePort: 40000, destinationPort: 80, length: 0,
                flags: syn | PacketTrace.mssOption))))
            recorder.record(TraceEvent(cycle: 210, hart: 0, .packetSent(PacketTrace(
                id: replyID, peer: 0x0A00_0001, sequence: 100, acknowledgement: 8, sourcePort: 80, destinationPort: 40000,
                length: 0, flags: syn | ack))))
        }
        let network = TraceRecorder(clockFrequency: 1_000_000, harts: 1)
        network.record(TraceEvent(cycle: 150, hart: -1, .networkFault(NetworkFaultTrace(
            id: packetID, source: 0x0A00_0001, destination: 0x0A00_0002, sequence: 7, sourcePort: 40000,
            destinationPort: 80, length: 0, flags: syn, fault: .dropped, cause: .queueFull, link: 1))))
        return (client, server, network.log)
    }

    static func render(_ machines: [ClusterTraceMachine], network: TraceLog? = nil) -> String {
        ClusterTraceWriter.render(machines: machines, network: network, links: 2, endCycle: 500)
    }

    static func events(_ json: String) throws -> [Event] {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(root["traceEvents"] as? [Event])
    }

    static func int(_ value: Any?) -> Int { (value as? NSNumber)?.intValue ?? -1 }

    /// Process names by pid.
    static func processNames(_ events: [Event]) -> [Int: String] {
        var names: [Int: String] = [:]
        for event in events where event["name"] as? String == "process_name" {
            names[int(event["pid"])] = (event["args"] as? [String: Any])?["name"] as? String
        }
        return names
    }

    static func pairMachines() -> [ClusterTraceMachine] {
        let (client, server, _) = pair()
        return [ClusterTraceMachine(machine: 1, log: client), ClusterTraceMachine(machine: 2, log: server)]
    }

    @Test func eachPacketIsOneArrowFromTheSendersLaneToTheReceiversNetworkLane() throws {
        let (client, server, network) = Self.pair()
        let events = try Self.events(Self.render([ClusterTraceMachine(machine: 1, log: client),
                                                  ClusterTraceMachine(machine: 2, log: server)], network: network))
        let names = Self.processNames(events)
        for id in [Self.packetID, Self.replyID] {
            let ends = events.filter { ($0["bind_id"] as? NSNumber)?.uint64Value == id }
            let out = try #require(ends.first { $0["flow_out"] as? Bool == true })
            let into = try #require(ends.first { $0["flow_in"] as? Bool == true })
            #expect(ends.count == 2)
            #expect(out["ph"] as? String == "X" && into["ph"] as? String == "X")
            #expect(Self.int(out["ts"]) < Self.int(into["ts"]) || (out["ts"] as? Double ?? 0) < (into["ts"] as? Double ?? 0))
            if id == Self.packetID {
                // Sent by the client's main thread, taken by the server's network interface.
                #expect(names[Self.int(out["pid"])] == "m1 client")
                #expect(Self.int(out["tid"]) == 2_000_001)
                #expect(names[Self.int(into["pid"])] == "m2 10.0.0.2")
                #expect(out["name"] as? String == "send TCP [SYN]")
                let args = try #require(into["args"] as? [String: Any])
                #expect(args["from"] as? String == "10.0.0.1:40000")
                #expect(args["to"] as? String == "10.0.0.2:80")
                #expect(Self.int(args["bytes"]) == 44)
            } else {
                // Sent by the server's kernel (no thread): from its network lane.
                #expect(names[Self.int(out["pid"])] == "m2 10.0.0.2")
                #expect(names[Self.int(into["pid"])] == "m1 10.0.0.1")
                #expect(out["name"] as? String == "send TCP [SYN, ACK]")
            }
        }
        // The network lanes are named.
        let threadNames = events.filter { $0["name"] as? String == "thread_name" }
            .compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(threadNames.filter { $0 == "network" }.count == 2)
        #expect(threadNames.contains("link m2 10.0.0.2"))
    }

    @Test func dropsAndRetransmissionsAreInstantsWithTheirReason() throws {
        let (client, server, network) = Self.pair()
        let events = try Self.events(Self.render([ClusterTraceMachine(machine: 1, log: client),
                                                  ClusterTraceMachine(machine: 2, log: server)], network: network))
        let names = Self.processNames(events)
        let drop = try #require(events.first { ($0["name"] as? String)?.hasPrefix("drop") == true })
        #expect(drop["ph"] as? String == "i")
        #expect(drop["name"] as? String == "drop: queue full")
        #expect(names[Self.int(drop["pid"])] == "network")
        let args = try #require(drop["args"] as? [String: Any])
        #expect(args["packet"] as? String == "10.0.0.1:40000 → 10.0.0.2:80 TCP [SYN] seq 7 len 0")
        #expect(Self.int(args["link"]) == 1)
        let retransmit = try #require(events.first { $0["name"] as? String == "retransmit #1" })
        #expect(retransmit["ph"] as? String == "i")
        #expect(names[Self.int(retransmit["pid"])] == "m1 10.0.0.1")
        #expect(Self.int((retransmit["args"] as? [String: Any])?["seq"]) == 8)
    }

    @Test func noPidOrTidIsSharedBetweenMachines() throws {
        let events = try Self.events(Self.render(Self.pairMachines()))
        var pidOfTid: [Int: Int] = [:]
        for event in events {
            let pid = Self.int(event["pid"]), tid = Self.int(event["tid"])
            if let known = pidOfTid[tid] { #expect(known == pid, "tid \(tid) under pids \(known) and \(pid)") }
            pidOfTid[tid] = pid
        }
        let names = Self.processNames(events)
        #expect(Set(names.values) == ["network", "m1 10.0.0.1", "m1 client", "m2 10.0.0.2", "m2 server"])
        #expect(names.count == 5)
        for pid in names.keys { #expect(pid > 0 && pid < Int(Int32.max)) }
        // Each machine's main thread keeps a lane of its own.
        let mains = events.filter { $0["name"] as? String == "thread_name" && ($0["args"] as? [String: Any])?["name"] as? String == "main" }
        #expect(Set(mains.map { Self.int($0["tid"]) }).count == 2)
    }

    @Test func wakeArrowsOfTwoMachinesDoNotShareIds() throws {
        func waking(_ number: Int) -> TraceLog {
            Self.machine(number, program: "w") { recorder in
                recorder.nameThread(2, process: 1, name: "thread 2")
                recorder.record(TraceEvent(cycle: 1, hart: 1, .threadStarted(tid: 2, pid: 1)))
                recorder.record(TraceEvent(cycle: 5, hart: 0, .futexWake(tid: 1, address: 0x100, woken: 2)))
                recorder.record(TraceEvent(cycle: 9, hart: 1, .threadRuns(tid: 2, switchCycles: 0)))
            }
        }
        let events = try Self.events(Self.render([ClusterTraceMachine(machine: 1, log: waking(1)),
                                                  ClusterTraceMachine(machine: 2, log: waking(2))]))
        let starts = events.filter { $0["ph"] as? String == "s" }.map { Self.int($0["id"]) }
        #expect(starts.count == 2)
        #expect(Set(starts).count == 2)
    }

    @Test func aRestartedMachineIsASecondGroupBesideTheFirst() throws {
        let first = Self.machine(2, program: "server") { _ in }
        let second = Self.machine(2, program: "server") { _ in }
        let events = try Self.events(Self.render([ClusterTraceMachine(machine: 2, boot: 2, log: second),
                                                  ClusterTraceMachine(machine: 2, boot: 1, log: first)]))
        let names = Self.processNames(events)
        #expect(Set(names.values) == ["network", "m2 10.0.0.2", "m2 server", "m2 boot 2 10.0.0.2", "m2 boot 2 server"])
        // Boot 1 sorts before boot 2 whatever order they were given in.
        var sortIndex: [String: Int] = [:]
        for event in events where event["name"] as? String == "process_sort_index" {
            if let name = names[Self.int(event["pid"])] { sortIndex[name] = Self.int((event["args"] as? [String: Any])?["sort_index"]) }
        }
        let order = sortIndex.sorted { $0.value < $1.value }.map(\.key)
        #expect(order == ["network", "m2 10.0.0.2", "m2 server", "m2 boot 2 10.0.0.2", "m2 boot 2 server"])
    }

    @Test func theBytesAreAFunctionOfTheEventsAndTheFileMatchesRender() throws {
        let (client, server, network) = Self.pair()
        let machines = [ClusterTraceMachine(machine: 1, log: client), ClusterTraceMachine(machine: 2, log: server)]
        let once = Self.render(machines, network: network)
        #expect(once == Self.render(machines, network: network))
        #expect(once.hasPrefix("{\"traceEvents\":[\n{\"ph\":\"M\""))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-trace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("trace.json").path
        let writer = try ClusterTraceWriter(path: path, clockFrequency: 1_000_000, machines: 2)
        let recorders = [writer.recorder(machine: 0, harts: 2), writer.recorder(machine: 1, harts: 2)]
        for (recorder, log) in zip(recorders, [client, server]) {
            for (pid, name) in log.processNames { recorder.nameProcess(pid, program: name) }
            for (tid, name) in log.threadNames { recorder.nameThread(tid, process: log.threadProcess[tid] ?? tid, name: name) }
            for text in log.strings { _ = recorder.intern(text) }
            for event in log.events { recorder.record(event) }
        }
        writer.network.record(network.events[0])
        try writer.finish(endCycle: 500)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == once)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
    }

    @Test func aBadPathFailsBeforeTheRun() {
        #expect(throws: TraceViewError.self) {
            _ = try ClusterTraceWriter(path: "/nonexistent-folder/trace.json", clockFrequency: 1, machines: 1)
        }
    }

    @Test func networkEventsKeepATraceEventAsSmallAsBefore() {
        #expect(MemoryLayout<TraceEvent>.stride <= 48)
    }
}
