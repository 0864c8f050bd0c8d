// Running several simulated machines for the lab (DESIGN decision 9): each machine's
// programs (by run name → path under Guest/Programs, with their arguments), one kernel
// configuration for all, the network between them; the Cluster steps them by simulated
// time and this keeps each machine's output and how the run ended — every program's
// ending, or quiescence with what was still waiting.

import Kernel
import Network
import Trace

/// One machine of a lab run: its programs, the first started as pid 1.
struct LabMachine {
    var name: String
    /// (run name, path under Guest/Programs, arguments), in start order.
    var programs: [(name: String, path: String, arguments: [String])]
}

struct ClusterRunSpec {
    var machines: [LabMachine]
    var configuration: KernelConfiguration
    var network = NetworkSettings()
    var seed: UInt64 = 1
    /// Record each machine's trace (`ClusterRunResult.traces`, as Chrome trace JSON).
    var recordTraces = false
    /// Capture every packet put on the wire (`ClusterRunResult.pcap`).
    var capturePackets = false
}

struct ClusterRunResult {
    /// Each machine's standard output and error, in machine order.
    var outputs: [String]
    var errors: [String]
    var outcome: ClusterOutcome
    /// What crossed each machine's link.
    var links: [LinkStatistics]
    /// Every packet put on the wire (count and bytes at the IP layer).
    var packets: Int
    var wireBytes: Int
    /// Each machine's trace as Chrome trace JSON, when the spec asked for them.
    var traces: [String] = []
    /// The packets in pcap form, when the spec asked for them.
    var pcap: [UInt8] = []

    var quiescent: Bool { outcome.quiescent }

    /// Output lines of machine `index` (from 0) that start with `prefix`.
    func lines(_ index: Int, starting prefix: String) -> [String] {
        guard outputs.indices.contains(index) else { return [] }
        return outputs[index].split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }
}

extension LabContext {
    /// Builds every program, starts the machines and runs them until every program has
    /// ended or nothing can happen any more.
    func runCluster(_ spec: ClusterRunSpec) throws -> ClusterRunResult {
        var machines: [MachineSpec] = []
        for machine in spec.machines {
            var programs: [ProgramSpec] = []
            for program in machine.programs {
                programs.append(ProgramSpec(name: program.name, executable: try self.program(program.path), arguments: program.arguments))
            }
            var configuration = spec.configuration
            options.applyCaches(to: &configuration)
            machines.append(MachineSpec(name: machine.name, configuration: configuration, programs: programs))
        }
        let count = machines.count
        let outputs = MachineOutputs(count), errors = MachineOutputs(count)
        let configuration = ClusterConfiguration(machines: machines, network: spec.network, seed: spec.seed)
        let recorders: [TraceRecorder?] = machines.map { machine in
            spec.recordTraces ? TraceRecorder(clockFrequency: machine.configuration.clockFrequency, harts: machine.configuration.harts) : nil
        }
        let cluster: Cluster
        do {
            cluster = try Cluster(configuration: configuration, io: { index in
                KernelIO(writeOutput: { outputs.append($0, to: index) }, writeError: { errors.append($0, to: index) })
            }, traces: { index in recorders.indices.contains(index) ? recorders[index] : nil })
        } catch {
            throw LabError("cannot start the machines: \(error)")
        }
        var packets = 0, wireBytes = 0
        let capture = spec.capturePackets ? PcapWriter(clockFrequency: spec.configuration.clockFrequency) : nil
        cluster.onPacket = { packet, cycle in
            packets += 1
            wireBytes += packet.wireSize
            capture?.record(packet, cycle: cycle)
        }
        let outcome = cluster.run()
        return ClusterRunResult(outputs: outputs.texts, errors: errors.texts, outcome: outcome,
                                links: cluster.fabric.linkStatistics, packets: packets, wireBytes: wireBytes,
                                traces: recorders.compactMap { $0.map { ChromeTraceWriter.render($0.log) } },
                                pcap: capture?.bytes ?? [])
    }
}

/// Each machine's bytes, collected by the kernels' output callbacks.
final class MachineOutputs {
    var bytes: [[UInt8]]
    init(_ count: Int) { bytes = Array(repeating: [], count: count) }
    func append(_ more: [UInt8], to index: Int) {
        if bytes.indices.contains(index) { bytes[index] += more }
    }
    var texts: [String] { bytes.map { String(decoding: $0, as: UTF8.self) } }
}
