// A packet as bytes on the wire: IPv4 header (RFC 791) with its checksum, then TCP
// (RFC 9293, with the MSS option on a SYN) or UDP (RFC 768) with the checksum over the
// pseudo-header, then the payload. Checksums are RFC 1071's ones' complement sum.
// Lengths past what a field holds are cut to the field (never trap); the links drop such
// packets long before (their MTU).
//
// Part B (network model and pcap) owns this file.

import Kernel

extension Packet {
    /// The packet as an IPv4 datagram, as Wireshark reads it (LINKTYPE_RAW).
    public var wireBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(wireSize)
        let total = UInt16(truncatingIfNeeded: wireSize)
        // IPv4: version 4, IHL 5 (20 bytes, no options), DSCP/ECN 0.
        bytes.append(0x45)
        bytes.append(0)
        bytes.appendBigEndian(total)
        bytes.appendBigEndian(identification)
        bytes.appendBigEndian(UInt16(0x4000))   // flags: don't fragment; offset 0
        bytes.append(64)                        // TTL
        bytes.append(transport.rawValue)
        bytes.appendBigEndian(UInt16(0))        // checksum, filled in below
        bytes.appendBigEndian(source.value)
        bytes.appendBigEndian(destination.value)
        let ipChecksum = InternetChecksum.of(bytes[0..<20])
        bytes[10] = UInt8(ipChecksum >> 8)
        bytes[11] = UInt8(ipChecksum & 0xFF)

        let transportStart = bytes.count
        switch transport {
        case .tcp:
            bytes.appendBigEndian(sourcePort)
            bytes.appendBigEndian(destinationPort)
            bytes.appendBigEndian(tcp.sequence)
            bytes.appendBigEndian(tcp.acknowledgement)
            let words: UInt8 = tcp.maximumSegmentSize == nil ? 5 : 6
            bytes.append(words << 4)
            bytes.append(tcp.flags.rawValue)
            bytes.appendBigEndian(tcp.window)
            bytes.appendBigEndian(UInt16(0))    // checksum, filled in below
            bytes.appendBigEndian(UInt16(0))    // urgent pointer
            if let mss = tcp.maximumSegmentSize {
                bytes.append(2)                 // kind: maximum segment size
                bytes.append(4)                 // length
                bytes.appendBigEndian(mss)
            }
        case .udp:
            bytes.appendBigEndian(sourcePort)
            bytes.appendBigEndian(destinationPort)
            bytes.appendBigEndian(UInt16(truncatingIfNeeded: 8 + payload.count))
            bytes.appendBigEndian(UInt16(0))    // checksum, filled in below
        }
        bytes.append(contentsOf: payload)

        let segment = bytes[transportStart...]
        var checksum = InternetChecksum.of(segment, pseudoHeader: pseudoHeader(length: segment.count))
        let checksumOffset = transportStart + (transport == .tcp ? 16 : 6)
        // UDP sends a computed 0 as all ones (0 means "no checksum").
        if transport == .udp, checksum == 0 { checksum = 0xFFFF }
        bytes[checksumOffset] = UInt8(checksum >> 8)
        bytes[checksumOffset + 1] = UInt8(checksum & 0xFF)
        return bytes
    }

    /// The sum of the pseudo-header TCP and UDP checksum over: addresses, protocol, length.
    private func pseudoHeader(length: Int) -> UInt32 {
        var sum: UInt32 = 0
        sum &+= source.value >> 16
        sum &+= source.value & 0xFFFF
        sum &+= destination.value >> 16
        sum &+= destination.value & 0xFFFF
        sum &+= UInt32(transport.rawValue)
        sum &+= UInt32(UInt16(truncatingIfNeeded: length))
        return sum
    }
}

/// RFC 1071's Internet checksum: the ones' complement of the ones' complement sum of
/// 16-bit big-endian words (an odd last byte padded with zero).
public enum InternetChecksum {
    public static func of<Bytes: Collection>(_ bytes: Bytes, pseudoHeader: UInt32 = 0) -> UInt16 where Bytes.Element == UInt8 {
        var sum = UInt64(pseudoHeader)
        var high = true
        for byte in bytes {
            sum &+= high ? UInt64(byte) << 8 : UInt64(byte)
            high.toggle()
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) &+ (sum >> 16) }
        return ~UInt16(truncatingIfNeeded: sum)
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(value >> 24))
        append(UInt8((value >> 16) & 0xFF))
        append(UInt8((value >> 8) & 0xFF))
        append(UInt8(value & 0xFF))
    }
}
