// Several machines in one simulation (DESIGN decision 9): each with its own harts, RAM
// and kernel, the network the only thing they share, one host thread stepping them all
// by simulated time. Time goes in windows as long as the network's shortest latency: in
// a window every machine runs on its own up to the window's end; then the packets sent
// are carried, each arriving at a cycle after the window. So the order the machines are
// stepped in within a window cannot change anything, and a run is a pure function of
// its programs, configuration and seed.
//
// Part A (cluster) owns this file.

import Kernel
import Machine
import Trace

/// How a multi-machine run ended.
public struct ClusterOutcome: Sendable {
    /// Per machine (index from 0): its first program's ending, or nil if it was still
    /// running or waiting when the run ended.
    public var endings: [ProcessEnding?]
    /// The run ended because nothing could happen any more: every machine waits with no
    /// timer armed and no packet in flight (processes still waiting are listed).
    public var quiescent: Bool
    /// The simulated cycle the run ended at.
    public var endCycle: UInt64
    /// What each machine still waiting was blocked in, for the report.
    public var stillWaiting: [String]
}

public final class Cluster {
    public let configuration: ClusterConfiguration
    /// The machines' kernels, in order (machine N is index N−1, address 10.0.0.N).
    public private(set) var kernels: [Kernel] = []
    public let fabric: Fabric
    /// Called for every packet put on the wire, with the cycle it left (pcap, tests).
    public var onPacket: ((_ packet: Packet, _ cycle: UInt64) -> Void)? = nil

    public init(configuration: ClusterConfiguration, io: (Int) -> KernelIO, traces: (Int) -> TraceRecorder? = { _ in nil })
        throws(ClusterError) {
        self.configuration = configuration
        fabric = Fabric(settings: configuration.network, links: configuration.machines.map { $0.link ?? configuration.network.link },
                        clockFrequency: configuration.machines.first?.configuration.clockFrequency ?? 100_000_000,
                        seed: configuration.seed)
        throw ClusterError("several machines are not built yet")
    }

    /// Runs until every process on every machine has ended or nothing can happen any more.
    public func run() -> ClusterOutcome {
        ClusterOutcome(endings: [], quiescent: false, endCycle: 0, stillWaiting: [])
    }
}
