// The network in a cluster's trace, end to end: two machines running peer.c exchange
// bytes over TCP under the cluster, each kernel recording its own trace; in the one
// Perfetto file every packet put on the wire (SYN, SYN-ACK, ACKs, data, FINs) is one
// arrow from machine to machine, and a lossy link's drops are instants on the network's
// lanes while the retransmissions show on the sender.

import Foundation
import Kernel
import Network
import Testing
import Toolchain
import Trace

@Suite struct ClusterTraceEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let builder: GuestBuilder? = try? GuestBuilder(toolchain: Toolchain.locate(explicitPath: nil), guestRoot: root + "/Guest",
                                                         cacheDirectory: root + "/.build/interleave-test-cache")
    static let toolsRequired = ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1"

    static func peer() throws -> [UInt8] {
        guard let builder else { throw ClusterError("no guest toolchain (set INTERLEAVE_TOOLCHAIN)") }
        let result = try builder.build(sources: [root + "/Guest/Programs/Net/peer.c"], optimization: .speed)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
    }

    /// A server on 10.0.0.1 and a client on 10.0.0.2 sending `bytes`, traced; the file's
    /// events and every packet the network carried.
    static func exchange(bytes: Int, network: NetworkSettings = NetworkSettings(), seed: UInt64 = 1) throws
        -> (events: [[String: Any]], packets: [Packet], json: String) {
        let elf = try peer()
        func machine(_ name: String, _ arguments: [String]) -> MachineSpec {
            var configuration = KernelConfiguration()
            configuration.memoryLimit = 32 << 20
            return MachineSpec(name: name, configuration: configuration,
                               programs: [ProgramSpec(name: "peer", executable: elf, arguments: arguments)])
        }
        let configuration = ClusterConfiguration(machines: [machine("server", ["server", "7000"]),
                                                            machine("client", ["client", "10.0.0.1", "7000", "\(bytes)"])],
                                                 network: network, seed: seed)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-trace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("trace.json").path
        let trace = try ClusterTraceWriter(path: path, clockFrequency: configuration.machines[0].configuration.clockFrequency,
                                           machines: 2)
        let cluster = try Cluster(configuration: configuration, io: { _ in KernelIO(writeOutput: { _ in }, writeError: { _ in }) },
                                  traces: { trace.recorder(machine: $0, harts: 1) })
        cluster.networkTrace = trace.network
        var packets: [Packet] = []
        cluster.onPacket = { packet, _ in packets.append(packet) }
        let outcome = cluster.run()
        if network.faults.dropRate == 0 { #expect(outcome.endings == [.exited(status: 0), .exited(status: 0)]) }
        try trace.finish(endCycle: outcome.endCycle)
        let json = try String(contentsOfFile: path, encoding: .utf8)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return (try #require(root["traceEvents"] as? [[String: Any]]), packets, json)
    }

    static var enabled: Bool { builder != nil || toolsRequired }

    @Test(.enabled(if: enabled, "needs a Swift toolchain with Embedded Swift for riscv64 (set INTERLEAVE_TOOLCHAIN)"))
    func everyPacketOfATCPExchangeIsOneArrowBetweenTheMachines() throws {
        let (events, packets, _) = try Self.exchange(bytes: 5000)
        var names: [Int: String] = [:]
        for event in events where event["name"] as? String == "process_name" {
            names[(event["pid"] as? NSNumber)?.intValue ?? -1] = (event["args"] as? [String: Any])?["name"] as? String
        }
        var outs: [UInt64: [String: Any]] = [:], ins: [UInt64: [[String: Any]]] = [:]
        for event in events {
            guard let id = (event["bind_id"] as? NSNumber)?.uint64Value else { continue }
            if event["flow_out"] as? Bool == true { #expect(outs[id] == nil); outs[id] = event }
            if event["flow_in"] as? Bool == true { ins[id, default: []].append(event) }
        }
        #expect(packets.count >= 8)
        #expect(packets.contains { $0.tcp.flags == [.syn] } && packets.contains { $0.tcp.flags == [.syn, .ack] })
        #expect(packets.contains { !$0.payload.isEmpty } && packets.contains { $0.tcp.flags.contains(.fin) })
        #expect(Set(packets.map(\.traceID)).count == packets.count)
        #expect(outs.count == packets.count)
        // Every packet arrives once, but the last ones: sent to a machine whose programs had
        // all ended (the run is over), after that machine's own last packet.
        var lastSend: [String: Double] = [:]
        for packet in packets {
            let out = try #require(outs[packet.traceID], "no send for \(packet.summary)")
            lastSend[packet.source.description] = max(lastSend[packet.source.description] ?? 0, Self.time(out))
        }
        var unarrived = 0
        for packet in packets {
            let out = try #require(outs[packet.traceID])
            let from = names[(out["pid"] as? NSNumber)?.intValue ?? -1] ?? ""
            #expect(from.hasPrefix(packet.source == .machine(1) ? "m1 " : "m2 "), "\(packet.summary) sent from \(from)")
            guard let arrivals = ins[packet.traceID] else {
                unarrived += 1
                #expect(Self.time(out) > lastSend[packet.destination.description] ?? 0, "no arrival for \(packet.summary)")
                continue
            }
            #expect(arrivals.count == 1)
            let to = names[(arrivals[0]["pid"] as? NSNumber)?.intValue ?? -1] ?? ""
            #expect(to.hasPrefix(packet.destination == .machine(1) ? "m1 " : "m2 "), "\(packet.summary) arrived at \(to)")
            #expect(Self.time(out) < Self.time(arrivals[0]))
        }
        #expect(unarrived <= 2)
    }

    static func time(_ event: [String: Any]) -> Double { (event["ts"] as? NSNumber)?.doubleValue ?? -1 }

    @Test(.enabled(if: enabled, "needs a Swift toolchain with Embedded Swift for riscv64 (set INTERLEAVE_TOOLCHAIN)"))
    func dropsAndRetransmissionsShowAndTheFileRepeats() throws {
        var network = NetworkSettings()
        network.faults.dropRate = 0.2
        let (events, packets, json) = try Self.exchange(bytes: 20_000, network: network, seed: 5)
        let drops = events.filter { ($0["name"] as? String)?.hasPrefix("drop") == true }
        let retransmits = events.filter { ($0["name"] as? String)?.hasPrefix("retransmit") == true }
        #expect(!drops.isEmpty && !retransmits.isEmpty)
        #expect(drops.allSatisfy { $0["ph"] as? String == "i" && $0["pid"] as? Int == 1_500_000 })
        // A dropped packet has its send but no arrival.
        let arrived = Set(events.filter { $0["flow_in"] as? Bool == true }.compactMap { ($0["bind_id"] as? NSNumber)?.uint64Value })
        let dropped = Set(drops.compactMap { (($0["args"] as? [String: Any])?["id"] as? NSNumber)?.uint64Value })
        #expect(!dropped.isEmpty && dropped.isDisjoint(with: arrived))
        #expect(packets.count > 20)
        // Same seed, same bytes.
        #expect(try Self.exchange(bytes: 20_000, network: network, seed: 5).json == json)
    }
}

/// A machine that crashes and boots again shows as two groups in the cluster's file.
@Suite struct ClusterTraceRestartTests {
    @Test func aRestartedMachineIsItsOwnGroupAndItsFirstBootEndsAtTheCrash() throws {
        var network = NetworkSettings()
        network.crashes = [Crash(machine: 2, atNanoseconds: 1_000_000, restartNanoseconds: 2_500_000)]
        let machines: [MachineSpec] = [.running("quick", TinyProgram.compute(10)),
                                       .running("phoenix", TinyProgram.sleeper(10_000_000))]
        let configuration = ClusterConfiguration(machines: machines, network: network)
        let streams = MachineStreams(count: 2)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("trace.json").path
        let frequency = machines[0].configuration.clockFrequency
        let trace = try ClusterTraceWriter(path: path, clockFrequency: frequency, machines: 2)
        let cluster = try Cluster(configuration: configuration, io: streams.io, traces: { trace.recorder(machine: $0, harts: 1) })
        cluster.networkTrace = trace.network
        let outcome = cluster.run()
        #expect(cluster.boots == [1, 2])
        try trace.finish(endCycle: outcome.endCycle)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let events = try #require(root["traceEvents"] as? [[String: Any]])
        var names: [Int: String] = [:]
        for event in events where event["name"] as? String == "process_name" {
            names[(event["pid"] as? NSNumber)?.intValue ?? -1] = (event["args"] as? [String: Any])?["name"] as? String
        }
        #expect(Set(names.values).isSuperset(of: ["m2 10.0.0.2", "m2 phoenix", "m2 boot 2 10.0.0.2", "m2 boot 2 phoenix"]))
        // The first boot's run slices end by the crash (1 ms = 1,000 µs), not at the run's end.
        let firstBoot = Set(names.filter { $0.value.hasPrefix("m2 ") && !$0.value.hasPrefix("m2 boot 2") }.keys)
        for event in events where event["ph"] as? String == "X" && firstBoot.contains((event["pid"] as? NSNumber)?.intValue ?? -1) {
            let start = (event["ts"] as? NSNumber)?.doubleValue ?? 0, duration = (event["dur"] as? NSNumber)?.doubleValue ?? 0
            #expect(start + duration <= 1_000.001, "\(event["name"] ?? "") runs to \(start + duration) µs")
        }
        #expect((root["otherData"] as? [String: Any])?["boots"] as? Int == 3)
    }
}
