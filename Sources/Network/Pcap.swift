// A packet capture in the classic pcap format (LINKTYPE_RAW: each record an IPv4 packet
// as PacketBytes.swift writes it), so Wireshark and tshark open a run's network.
//
// Part B (network model and pcap) owns this file.

import Kernel

public final class PcapWriter {
    /// The file's bytes so far (header and records).
    public private(set) var bytes: [UInt8] = []
    public init(clockFrequency: UInt64) {}

    /// Records `packet` as seen at `cycle`.
    public func record(_ packet: Packet, cycle: UInt64) {}
}
