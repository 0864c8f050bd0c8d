// The network's words in the trace: a packet as plain integers (so a TraceEvent stays
// the size it is and recording one never allocates), what the network did to a packet
// besides delivering it, and the text views write for them ("TCP [SYN, ACK]",
// "10.0.0.1:5000 → 10.0.0.2:40000 seq 1 ack 1 len 0"). The Trace module knows no
// kernel: the kernel (Kernel/Net/NetworkTracing.swift) and the network
// (Network/ClusterTracing.swift) fill these in.

/// One packet sent or arrived, as a machine's trace keeps it. `id` is the same in the
/// sender's and the receiver's records (the sending machine, its boot and its count of
/// packets sent), so a view can draw an arrow from one to the other.
public struct PacketTrace: Sendable, Equatable {
    /// The packet's trace id (0: none).
    public var id: UInt64
    /// The other end's IPv4 address: the destination of a packet sent, the source of one arrived.
    public var peer: UInt32
    public var sequence: UInt32
    public var acknowledgement: UInt32
    /// The thread whose system call sent it (0: the kernel, e.g. an ACK on an interrupt).
    public var tid: Int32
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// Payload bytes (saturated at 65,535).
    public var length: UInt16
    /// TCP's flag bits, with `PacketTrace.udp` for a UDP datagram and `mssOption` for a
    /// TCP header carrying the MSS option.
    public var flags: UInt8

    /// `flags` bit: a UDP datagram (its TCP bits are then 0).
    public static let udp: UInt8 = 0x80
    /// `flags` bit: the TCP header carries the MSS option (4 bytes more).
    public static let mssOption: UInt8 = 0x40

    public init(id: UInt64, peer: UInt32, sequence: UInt32 = 0, acknowledgement: UInt32 = 0, tid: Int32 = 0,
                sourcePort: UInt16, destinationPort: UInt16, length: UInt16, flags: UInt8) {
        self.id = id
        self.peer = peer
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.tid = tid
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.flags = flags
    }

    /// Bytes at the IP layer: IPv4's 20, TCP's 20 (24 with the MSS option) or UDP's 8, the payload.
    public var wireSize: Int { PacketTrace.wireSize(flags: flags, length: length) }

    static func wireSize(flags: UInt8, length: UInt16) -> Int {
        let transport = flags & udp != 0 ? 8 : (flags & mssOption != 0 ? 24 : 20)
        return 20 + transport + Int(length)
    }

    /// "TCP [SYN, ACK]" or "UDP".
    static func kind(flags: UInt8) -> String {
        if flags & udp != 0 { return "UDP" }
        let names: [(UInt8, String)] = [(0x02, "SYN"), (0x01, "FIN"), (0x04, "RST"), (0x08, "PSH"), (0x10, "ACK")]
        return "TCP [" + names.filter { flags & $0.0 != 0 }.map(\.1).joined(separator: ", ") + "]"
    }

    /// "10.0.0.3".
    public static func address(_ value: UInt32) -> String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }
}

/// What the network did to a packet besides delivering it once.
public enum NetworkFault: UInt8, Sendable, CaseIterable {
    case dropped, duplicated, reordered

    public var label: String {
        switch self {
        case .dropped: "drop"
        case .duplicated: "duplicate"
        case .reordered: "reorder"
        }
    }
}

/// Why the network lost a packet (the network's own reasons, as numbers).
public enum NetworkDropCause: UInt8, Sendable, CaseIterable {
    case none, queueFull, fault, partition, noMachine, machineDown, tooBig

    public var label: String {
        switch self {
        case .none: ""
        case .queueFull: "queue full"
        case .fault: "dropped by fault"
        case .partition: "partition"
        case .noMachine: "no machine at that address"
        case .machineDown: "machine down"
        case .tooBig: "larger than the MTU"
        }
    }
}

/// A packet the network dropped, duplicated or held back, on link `link` (the link of
/// machine `link + 1`, counted from 0).
public struct NetworkFaultTrace: Sendable, Equatable {
    public var id: UInt64
    public var source: UInt32
    public var destination: UInt32
    public var sequence: UInt32
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var length: UInt16
    public var flags: UInt8
    public var fault: NetworkFault
    public var cause: NetworkDropCause
    public var link: UInt8

    public init(id: UInt64, source: UInt32, destination: UInt32, sequence: UInt32 = 0, sourcePort: UInt16,
                destinationPort: UInt16, length: UInt16, flags: UInt8, fault: NetworkFault,
                cause: NetworkDropCause = .none, link: UInt8) {
        self.id = id
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.flags = flags
        self.fault = fault
        self.cause = cause
        self.link = link
    }

    /// "10.0.0.1:5000 → 10.0.0.2:80 TCP [SYN] seq 7 len 0".
    public var summary: String {
        let ends = "\(PacketTrace.address(source)):\(sourcePort) → \(PacketTrace.address(destination)):\(destinationPort)"
        let tcp = flags & PacketTrace.udp == 0
        return "\(ends) \(PacketTrace.kind(flags: flags))" + (tcp ? " seq \(sequence)" : "") + " len \(length)"
    }
}

/// A TCP segment sent again after its timer ran out (attempt 1 is the first retry).
public struct RetransmissionTrace: Sendable, Equatable {
    public var tid: Int32
    public var peer: UInt32
    public var sequence: UInt32
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var length: UInt16
    public var attempt: UInt16

    public init(tid: Int32, peer: UInt32, sequence: UInt32, sourcePort: UInt16, destinationPort: UInt16, length: UInt16,
                attempt: UInt16) {
        self.tid = tid
        self.peer = peer
        self.sequence = sequence
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.attempt = attempt
    }
}
