// Packets between machines of a cluster: UDP ping-pong through the window loop, the
// window rule (no arrival in a receiver's past), byte-identical reruns, and a crashed
// machine that no packet reaches.

import Kernel
import Machine
import Network
import Testing

@Suite("Cluster network")
struct ClusterNetworkTests {
    final class Record {
        var sent: [String] = []
        var arrivals: [(cycle: UInt64, windowEnd: UInt64, receiverClock: UInt64)] = []
    }

    func pingPong(rounds: Int64, network: NetworkSettings = NetworkSettings(), seed: UInt64 = 1)
        throws -> (outcome: ClusterOutcome, streams: MachineStreams, record: Record, cluster: Cluster) {
        let machines: [MachineSpec] = [.running("pinger", UDPPrograms.pinger(server: 2, rounds: rounds)),
                                       .running("ponger", UDPPrograms.ponger(rounds: rounds))]
        let streams = MachineStreams(count: 2), record = Record()
        let cluster = try Cluster(configuration: ClusterConfiguration(machines: machines, network: network, seed: seed),
                                  io: { streams.io($0) })
        cluster.onPacket = { packet, cycle in record.sent.append("\(cycle) \(packet.summary)") }
        cluster.onArrival = { [unowned cluster] arrival, windowEnd in
            let clock = cluster.kernels[arrival.machine].machine.harts.map(\.cycle).max() ?? 0
            record.arrivals.append((arrival.cycle, windowEnd, clock))
        }
        let outcome = cluster.run()
        return (outcome, streams, record, cluster)
    }

    @Test("UDP ping-pong between two machines: every datagram answered, none arriving in its receiver's past")
    func pingPongRespectsWindows() throws {
        let (outcome, streams, record, cluster) = try pingPong(rounds: 5)
        #expect(outcome.endings == [.exited(status: 0), .exited(status: 0)], "\(outcome.stillWaiting)")
        #expect(String(decoding: streams.outputs[0], as: UTF8.self) == "pong...\u{01}")
        #expect(record.sent.count == 10)
        try #require(record.arrivals.count == 10)
        for arrival in record.arrivals {
            #expect(arrival.cycle >= arrival.windowEnd, "the network's latency is at least the window")
            #expect(arrival.receiverClock <= arrival.windowEnd, "the receiver has not run past the window")
        }
        // A round trip crosses four links of 50 µs: at least 200 µs (20,000 cycles) a round.
        #expect(outcome.endCycle >= 5 * 20_000)
        #expect(cluster.windowsStepped < 200, "waiting for packets costs windows only while one is due: \(cluster.windowsStepped)")
    }

    @Test("the same seed gives the same packets at the same cycles and the same outputs")
    func rerunsAreIdentical() throws {
        var network = NetworkSettings()
        network.faults.jitterNanoseconds = 30_000
        let first = try pingPong(rounds: 4, network: network, seed: 9), second = try pingPong(rounds: 4, network: network, seed: 9)
        #expect(first.record.sent == second.record.sent)
        #expect(first.streams.outputs == second.streams.outputs)
        #expect(first.outcome.endCycle == second.outcome.endCycle)
    }

    @Test("a crashed machine gets no packet: its peer waits for an answer that never comes, and the run is quiescent")
    func crashedMachineIsUnreachable() throws {
        var network = NetworkSettings()
        network.crashes = [Crash(machine: 2, atNanoseconds: 1, restartNanoseconds: nil)]
        let (outcome, _, record, _) = try pingPong(rounds: 3, network: network)
        #expect(outcome.quiescent)
        #expect(outcome.endings[0] == nil)
        #expect(outcome.endings[1]?.status == 137)
        #expect(record.sent.count == 1, "the one ping is lost")
        #expect(outcome.stillWaiting.first?.hasPrefix("machine 1 (pinger): process 1 (pinger), thread 1: blocked in") == true,
                "\(outcome.stillWaiting)")
    }
}
