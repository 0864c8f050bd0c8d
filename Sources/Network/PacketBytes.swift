// A packet as bytes on the wire: IPv4 header (RFC 791) with its checksum, then TCP
// (RFC 9293, with the MSS option on a SYN) or UDP (RFC 768) with the checksum over the
// pseudo-header, then the payload.
//
// Part B (network model and pcap) owns this file.

import Kernel

extension Packet {
    public var wireBytes: [UInt8] { [] }
}
