// What the network did, as the trace and the reports (`--stats`, `--json`) see it: the
// events besides plain delivery (drops with their reason, duplicates, packets held back)
// and each machine's link counted both ways. Counters wrap rather than trap.

import Kernel

/// Why the network did not deliver a packet.
public enum DropReason: String, Sendable, Equatable, CaseIterable {
    case queueFull = "queue full"
    case fault = "dropped by fault"
    case partition = "partition"
    case noMachine = "no machine at that address"
    case machineDown = "machine down"
    case tooBig = "larger than the MTU"

    /// A short name for tables and JSON keys ("queueFull", "fault", ...).
    public var key: String {
        switch self {
        case .queueFull: "queueFull"
        case .fault: "fault"
        case .partition: "partition"
        case .noMachine: "noMachine"
        case .machineDown: "machineDown"
        case .tooBig: "tooBig"
        }
    }
}

/// What the network did to one packet besides delivering it (for the trace and reports).
/// `link` is the machine (index from 0) whose link the packet was on: the sender's for
/// drops on its uplink or for an address with no machine, else the receiver's.
public enum NetworkEvent: Sendable, Equatable {
    case dropped(Packet, reason: DropReason, cycle: UInt64, link: Int)
    /// The switch sent a second copy (it arrives just after the first).
    case duplicated(Packet, cycle: UInt64)
    /// The packet was held back until `cycle`, so later packets may pass it.
    case reordered(Packet, cycle: UInt64)

    // `cycle` (when it happened) is declared beside the trace's use of these events
    // (Network/ClusterTracing.swift, part G).

    public var packet: Packet {
        switch self {
        case .dropped(let packet, _, _, _), .duplicated(let packet, _), .reordered(let packet, _): packet
        }
    }
}

/// Drops counted by reason; iterate `DropReason.allCases` for a fixed order.
public struct DropCounts: Sendable, Equatable {
    private var counts = [UInt64](repeating: 0, count: DropReason.allCases.count)
    public init() {}

    public subscript(reason: DropReason) -> UInt64 {
        get { counts[DropReason.allCases.firstIndex(of: reason) ?? 0] }
        set { counts[DropReason.allCases.firstIndex(of: reason) ?? 0] = newValue }
    }

    /// Every reason with at least one drop, in `DropReason.allCases` order.
    public var nonZero: [(reason: DropReason, count: UInt64)] {
        DropReason.allCases.compactMap { self[$0] > 0 ? ($0, self[$0]) : nil }
    }
}

/// What crossed one machine's link, each way. "Out" is the machine's uplink (machine to
/// switch), "in" its downlink (switch to machine). Bytes are IP bytes (`Packet.wireSize`).
public struct LinkStatistics: Sendable, Equatable {
    /// Packets and bytes the machine put on its link (accepted by the uplink's queue).
    public var packetsOut: UInt64 = 0, bytesOut: UInt64 = 0
    /// Packets and bytes delivered to the machine (duplicates included).
    public var packetsIn: UInt64 = 0, bytesIn: UInt64 = 0
    /// Every drop counted against this link (see `NetworkEvent`), and by reason.
    public var drops: UInt64 = 0
    public var dropsByReason = DropCounts()
    /// Copies the switch made for this machine, and packets it held back.
    public var duplicates: UInt64 = 0
    public var reorders: UInt64 = 0
    /// The most packets ever waiting in either direction, and in each.
    public var largestQueue = 0
    public var largestQueueOut = 0, largestQueueIn = 0
    /// Cycles packets spent waiting in this link's queues (both ways), for the mean wait.
    public var queueingCycles: UInt64 = 0
    public init() {}

    mutating func countDrop(_ reason: DropReason) {
        drops &+= 1
        dropsByReason[reason] &+= 1
    }
}
