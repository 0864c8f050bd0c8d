// TCP between machines of a cluster (part C's stack, Guest/Programs/Net/peer.c): a 1 MiB
// transfer through lossy links, the same on a rerun; a server that crashes mid-transfer
// and restarts resets the connection, one that stays down times it out.

import Kernel
import Machine
import Network
import Testing

@Suite("Cluster TCP")
struct ClusterTCPTests {
    func transfer(bytes: Int, network: NetworkSettings = NetworkSettings(), seed: UInt64 = 3)
        throws -> (outcome: ClusterOutcome, streams: MachineStreams, packets: [String], cluster: Cluster) {
        let peer = try ClusterGuestPrograms.build("Net/peer.c")
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 32 << 20
        let machines = [
            MachineSpec(name: "server", configuration: configuration,
                        programs: [ProgramSpec(name: "peer", executable: peer, arguments: ["server", "7000"])]),
            MachineSpec(name: "client", configuration: configuration,
                        programs: [ProgramSpec(name: "peer", executable: peer, arguments: ["client", "10.0.0.1", "7000", "\(bytes)"])]),
        ]
        let streams = MachineStreams(count: 2)
        let cluster = try Cluster(configuration: ClusterConfiguration(machines: machines, network: network, seed: seed),
                                  io: { streams.io($0) })
        var packets: [String] = []
        cluster.onPacket = { packet, cycle in packets.append("\(cycle) \(packet.summary)") }
        let outcome = cluster.run()
        return (outcome, streams, packets, cluster)
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("1 MiB crosses two machines through 1 % drops intact, and a rerun sends the same packets at the same cycles",
          .needsClusterGuestToolchain)
    func lossyTransfer() throws {
        var network = NetworkSettings()
        network.faults.dropRate = 0.01
        let first = try transfer(bytes: 1 << 20, network: network), second = try transfer(bytes: 1 << 20, network: network)
        #expect(first.outcome.endings == [.exited(status: 0), .exited(status: 0)],
                "\(Self.text(first.streams.outputs[0])) \(Self.text(first.streams.outputs[1]))")
        #expect(Self.text(first.streams.outputs[1]) == "client: sent 1048576, reply: got 1048576 ok\n")
        #expect(first.packets.count > 700)
        #expect(first.packets == second.packets)
        #expect(first.streams.outputs == second.streams.outputs)
    }

    /// The client's connection failed: write or read gave `errno` (as Linux reports it
    /// first), or the write after the failure ended it with SIGPIPE.
    static func failed(_ ending: ProcessEnding?, output: String, errno: Int) -> Bool {
        if case .signalled(signal: 13, _)? = ending { return true }
        return ending == .exited(status: 1) && (output.hasPrefix("client: write -\(errno)") || output.hasPrefix("client: read -\(errno)"))
    }

    @Test("a server that crashes mid-transfer and restarts answers the client's next segment with a reset",
          .needsClusterGuestToolchain)
    func crashAndRestartResets() throws {
        var network = NetworkSettings()
        network.crashes = [Crash(machine: 1, atNanoseconds: 1_000_000, restartNanoseconds: 1_500_000)]
        let (outcome, streams, packets, cluster) = try transfer(bytes: 1 << 20, network: network)
        #expect(cluster.boots == [2, 1])
        #expect(Self.failed(outcome.endings[1], output: Self.text(streams.outputs[1]), errno: 104), "\(String(describing: outcome.endings[1]))")
        // The rebooted server knows no connection: the client's next segment draws a reset.
        let resets = packets.filter { $0.contains("10.0.0.1:7000 → 10.0.0.2") && $0.contains("[RST]") }
        let firstReset = try #require(resets.first.flatMap { $0.split(separator: " ").first }.flatMap { UInt64($0) })
        #expect(firstReset > 150_000, "after the restart at cycle 150000")
        // The restarted server waits in accept for ever: nothing more can happen.
        #expect(outcome.quiescent)
        #expect(outcome.stillWaiting.contains { $0.hasPrefix("machine 1 (server): process 1 (peer), thread 1: blocked in") },
                "\(outcome.stillWaiting)")
    }

    @Test("a server that crashes for good: the client retransmits with back-off until it gives up, 15 minutes in a few dozen windows",
          .needsClusterGuestToolchain)
    func crashForGoodTimesOut() throws {
        var network = NetworkSettings()
        network.crashes = [Crash(machine: 1, atNanoseconds: 1_000_000, restartNanoseconds: nil)]
        let (outcome, streams, packets, cluster) = try transfer(bytes: 1 << 20, network: network)
        #expect(outcome.endings[0]?.status == 137)
        #expect(Self.failed(outcome.endings[1], output: Self.text(streams.outputs[1]), errno: 110), "\(String(describing: outcome.endings[1]))")
        #expect(!packets.contains { $0.contains("10.0.0.1:7000 → 10.0.0.2") && $0.contains("[RST]") }, "a crashed machine sends nothing")
        // Linux's 15 retries with back-off: about 924 s, jumped over rather than stepped through.
        #expect(outcome.endCycle > 900 * 100_000_000)
        #expect(cluster.windowsStepped < 200, "\(cluster.windowsStepped) windows")
    }
}
