// The network in the trace: a packet sent and arrived (the two ends of a Perfetto flow
// arrow from sender to receiver, Trace/NetworkFlows.swift), and the stack's
// retransmissions as instants. A packet's trace id is made where it leaves
// (`Kernel.transmit`) from its sending machine, that machine's boot and its serial, and
// travels with the packet (`Packet.traceID`), so the receiver records the same id.
//
// Part G (trace) owns this file.

import Machine
import Trace

extension NetworkInterface {
    /// Bits of a trace id: a marker bit 52 (ids stay below 2^53, exact in any JSON reader,
    /// and far above the small flow ids a view counts itself), the address's last byte
    /// (machine N of 10.0.0.N), the boot (mod 256), then the serial (mod 2^36).
    static let traceIDMarker: UInt64 = 1 << 52
    static let traceSerialBits: UInt64 = 36

    /// The trace id of this machine's packet number `serial`.
    func traceID(serial: UInt64) -> UInt64 {
        let machine = UInt64(address.value & 0xFF)
        let boot = UInt64(truncatingIfNeeded: boot) & 0xFF
        let serialMask: UInt64 = (1 << Self.traceSerialBits) - 1
        return Self.traceIDMarker | machine << 44 | boot << Self.traceSerialBits | (serial & serialMask)
    }
}

extension Packet {
    /// The trace's flag byte (PacketTrace.flags): TCP's flags and MSS option, or UDP.
    public var traceFlags: UInt8 {
        guard transport == .tcp else { return PacketTrace.udp }
        return tcp.flags.rawValue & 0x3F | (tcp.maximumSegmentSize != nil ? PacketTrace.mssOption : 0)
    }
}

extension PacketTrace {
    /// `packet` as the trace keeps it, `peer` being the other end.
    init(_ packet: Packet, peer: IPv4Address, tid: Int32) {
        let tcp = packet.transport == .tcp
        self.init(id: packet.traceID, peer: peer.value, sequence: tcp ? packet.tcp.sequence : 0,
                  acknowledgement: tcp ? packet.tcp.acknowledgement : 0, tid: tid, sourcePort: packet.sourcePort,
                  destinationPort: packet.destinationPort, length: UInt16(clamping: packet.payload.count),
                  flags: packet.traceFlags)
    }
}

extension Kernel {
    func tracePacketSent(_ sent: SentPacket, _ context: IOContext) {
        guard trace != nil else { return }
        let packet = PacketTrace(sent.packet, peer: sent.packet.destination, tid: context.thread?.tid ?? 0)
        traceEvent(.packetSent(packet), cycle: sent.cycle, hart: context.hart?.id ?? -1)
    }

    func tracePacketArrived(_ packet: Packet, _ context: IOContext) {
        guard trace != nil else { return }
        traceEvent(.packetArrived(PacketTrace(packet, peer: packet.source, tid: 0)), cycle: context.cycle,
                   hart: context.hart?.id ?? -1)
    }

    /// A TCP segment sent again after its timer ran out (`attempt`: 1 for the first retry).
    func traceRetransmission(_ packet: Packet, attempt: Int, _ context: IOContext) {
        guard trace != nil else { return }
        let segment = RetransmissionTrace(tid: context.thread?.tid ?? 0, peer: packet.destination.value,
                                          sequence: packet.tcp.sequence, sourcePort: packet.sourcePort,
                                          destinationPort: packet.destinationPort,
                                          length: UInt16(clamping: packet.payload.count),
                                          attempt: UInt16(clamping: attempt))
        traceEvent(.retransmission(segment), cycle: context.cycle, hart: context.hart?.id ?? -1)
    }
}
