// Several machines in one simulation, as the lab runs them (LabCluster.swift): a run of
// two machines through a partition is a pure function of its programs, configuration
// and seed — the same outputs, traces and packet capture, byte for byte, run twice —
// and eight machines of four harts each (one counter server, seven clients) run to
// their end in one simulation.

import Kernel
import Network
import Testing
@testable import Lab

@Suite(.serialized) struct ClusterRuns {
    static func context() throws -> LabContext {
        LabContext(options: LabOptions(size: .small), builder: try LabSupport.builder.get())
    }

    static func configuration(_ context: LabContext, harts: Int) -> KernelConfiguration {
        var configuration = context.baseConfiguration()
        configuration.harts = harts
        configuration.roundRobin(sliceMs: 4, tickMs: nil)
        return configuration
    }

    @Test(.needsGuestToolchain) func twoMachinesThroughAPartitionGiveTheSameBytesEveryRun() throws {
        let context = try Self.context()
        var network = NetworkSettings()
        network.link.latencyNanoseconds = 100_000
        network.partitions = [Partition(side: [2], startNanoseconds: 62_000_000, healNanoseconds: 200_000_000)]
        let spec = ClusterRunSpec(
            machines: [LabMachine(name: "server", programs: [("counter", "Net/counter.swift", ["server", "remember"])]),
                       LabMachine(name: "client", programs: [("counter", "Net/counter.swift", ["client", "1", "5", "30", "10"])])],
            configuration: Self.configuration(context, harts: 2), network: network, seed: 7,
            recordTraces: true, capturePackets: true)
        let first = try context.runCluster(spec), second = try context.runCluster(spec)
        #expect(first.outputs == second.outputs)
        #expect(first.errors == second.errors)
        #expect(first.traces == second.traces)
        #expect(first.pcap == second.pcap)
        #expect(first.outcome.endCycle == second.outcome.endCycle)
        #expect(first.lines(1, starting: "client: done 5 increments; the server's counter is 5").count == 1, "\(first.outputs)")
        #expect(first.traces.count == 2 && first.traces.allSatisfy { $0.count > 1000 })
        #expect(first.pcap.count > 24 + first.packets * 16, "a pcap header and a record for every packet")
        #expect(first.packets > 20)
    }

    @Test(.needsGuestToolchain) func eightMachinesOfFourHartsEachRunToTheirEnd() throws {
        let context = try Self.context()
        let clients = 7
        var machines = [LabMachine(name: "server", programs: [("counter", "Net/counter.swift", ["server", "remember", "\(clients)"])])]
        for number in 2...(clients + 1) {
            machines.append(LabMachine(name: "client\(number)", programs: [("counter", "Net/counter.swift",
                                                                            ["client", "1", "3", "30", "10", "\(number)"])]))
        }
        let result = try context.runCluster(ClusterRunSpec(machines: machines, configuration: Self.configuration(context, harts: 4)))
        #expect(!result.quiescent)
        #expect(result.outcome.endings.count == 8)
        for (index, ending) in result.outcome.endings.enumerated() {
            guard case .exited(0)? = ending else {
                Issue.record("machine \(index + 1) ended \(String(describing: ending)): \(result.outputs[index])")
                continue
            }
        }
        #expect(result.lines(0, starting: "server: counter 21;").count == 1, "\(result.outputs[0])")
        for index in 1...clients {
            #expect(result.lines(index, starting: "client: done 3 increments").count == 1)
        }
    }
}
