// The network between the machines: each machine's link to one switch, the switch's
// link to each machine, and the faults. A packet crosses two links (sender → switch →
// receiver); on each it waits its turn in a bounded queue, is serialised at the link's
// bandwidth and propagates for its latency. Faults and partitions act at the switch.
// Everything random comes from the cluster's seed, drawn in the order packets are sent,
// so the same run gives the same deliveries.
//
// Part B (network model and pcap) owns this file.

import Kernel

/// A packet's arrival at a machine.
public struct Arrival: Sendable, Equatable {
    /// Machine index, from 0.
    public var machine: Int
    public var cycle: UInt64
    public var packet: Packet
}

/// What the network did to one packet besides delivering it (for the trace and reports).
public enum NetworkEvent: Sendable, Equatable {
    case dropped(Packet, reason: DropReason, cycle: UInt64, link: Int)
    case duplicated(Packet, cycle: UInt64)
    case reordered(Packet, cycle: UInt64)
}

public enum DropReason: String, Sendable, Equatable {
    case queueFull = "queue full"
    case fault = "dropped by fault"
    case partition = "partition"
    case noMachine = "no machine at that address"
    case machineDown = "machine down"
    case tooBig = "larger than the MTU"
}

/// What crossed one machine's link, each way.
public struct LinkStatistics: Sendable, Equatable {
    public var packetsOut: UInt64 = 0, bytesOut: UInt64 = 0
    public var packetsIn: UInt64 = 0, bytesIn: UInt64 = 0
    public var drops: UInt64 = 0
    public var duplicates: UInt64 = 0
    public var reorders: UInt64 = 0
    public var largestQueue = 0
    public init() {}
}

public final class Fabric {
    /// The shortest one-way link latency in cycles (at least 1): a packet sent at cycle t
    /// arrives at t + lookahead or later, so machines can run that far on their own.
    public let lookahead: UInt64
    public private(set) var linkStatistics: [LinkStatistics]
    /// What happened to packets besides delivery, since the cluster last took them.
    public var events: [NetworkEvent] = []

    public init(settings: NetworkSettings, links: [LinkSettings], clockFrequency: UInt64, seed: UInt64) {
        lookahead = 1
        linkStatistics = Array(repeating: LinkStatistics(), count: links.count)
    }

    /// Carries a packet machine `from` sent; the arrivals it makes (none if lost, two if
    /// duplicated). `down` says which machines have no power now.
    public func transmit(_ sent: SentPacket, from machine: Int, down: (Int) -> Bool) -> [Arrival] {
        []
    }
}
