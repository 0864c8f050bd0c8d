// A packet on the simulated network: an IPv4 datagram carrying a TCP segment or a UDP
// datagram. The kernel's stack (NetworkStack.swift) makes and takes them; the network
// (Sources/Network/) carries them between machines, and writes them to a pcap file with
// real headers (Network/PacketBytes.swift). Fields are the headers' own, so what the
// stack decides is what Wireshark shows.

/// IPv4's protocol field.
public enum TransportProtocol: UInt8, Sendable {
    case tcp = 6
    case udp = 17
}

/// The TCP header's flag bits (RFC 9293 §3.1).
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
}

/// What a TCP segment says besides its ports: sequence and acknowledgement numbers, the
/// flags, the receive window (in bytes; no window scaling, so at most 65,535) and, on a
/// SYN, the maximum segment size option.
public struct TCPHeader: Sendable, Equatable {
    public var sequence: UInt32 = 0
    public var acknowledgement: UInt32 = 0
    public var flags: TCPFlags = []
    public var window: UInt16 = 0
    public var maximumSegmentSize: UInt16? = nil
    public init(sequence: UInt32 = 0, acknowledgement: UInt32 = 0, flags: TCPFlags = [], window: UInt16 = 0,
                maximumSegmentSize: UInt16? = nil) {
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.flags = flags
        self.window = window
        self.maximumSegmentSize = maximumSegmentSize
    }
}

public struct Packet: Sendable, Equatable {
    public var source: IPv4Address
    public var destination: IPv4Address
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var transport: TransportProtocol
    /// TCP's header (ignored for UDP).
    public var tcp: TCPHeader
    public var payload: [UInt8]
    /// IPv4's identification field: the sending machine counts its packets.
    public var identification: UInt16 = 0
    /// The packet's id in the trace, the same in the sender's and the receiver's records
    /// (NetworkTracing.swift: sending machine, boot, serial); 0 for none. Not on the wire.
    public var traceID: UInt64 = 0

    public init(source: IPv4Address, destination: IPv4Address, sourcePort: UInt16, destinationPort: UInt16,
                transport: TransportProtocol, tcp: TCPHeader = TCPHeader(), payload: [UInt8] = [], identification: UInt16 = 0) {
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.transport = transport
        self.tcp = tcp
        self.payload = payload
        self.identification = identification
    }

    /// Bytes on the wire at the IP layer: IPv4's 20-byte header, TCP's 20 (24 with the
    /// MSS option) or UDP's 8, and the payload. Links charge serialisation for these.
    public var wireSize: Int {
        let transportHeader = transport == .tcp ? (tcp.maximumSegmentSize == nil ? 20 : 24) : 8
        return 20 + transportHeader + payload.count
    }

    /// A short summary for traces and reports: "10.0.0.1:5000 → 10.0.0.2:40000 TCP [SYN, ACK] seq 1 ack 1 len 0".
    public var summary: String {
        let ends = "\(source):\(sourcePort) → \(destination):\(destinationPort)"
        guard transport == .tcp else { return "\(ends) UDP len \(payload.count)" }
        var names: [String] = []
        if tcp.flags.contains(.syn) { names.append("SYN") }
        if tcp.flags.contains(.fin) { names.append("FIN") }
        if tcp.flags.contains(.rst) { names.append("RST") }
        if tcp.flags.contains(.psh) { names.append("PSH") }
        if tcp.flags.contains(.ack) { names.append("ACK") }
        return "\(ends) TCP [\(names.joined(separator: ", "))] seq \(tcp.sequence) ack \(tcp.acknowledgement) win \(tcp.window) len \(payload.count)"
    }
}

/// A packet a kernel sent, with the cycle it left the machine (the sending hart's clock).
public struct SentPacket: Sendable, Equatable {
    public var cycle: UInt64
    public var packet: Packet
    /// The sender's count of packets sent: orders packets sent in one cycle.
    public var serial: UInt64
    public init(cycle: UInt64, packet: Packet, serial: UInt64) {
        self.cycle = cycle
        self.packet = packet
        self.serial = serial
    }
}
