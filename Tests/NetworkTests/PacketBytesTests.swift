// Packets as bytes: RFC 1071's checksum on its own example and a well-known IPv4 header,
// then whole UDP and TCP packets byte by byte (checksums computed independently).

import Kernel
import Network
import Testing

@Suite struct PacketBytesTests {
    @Test func checksumMatchesRFC1071sExample() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum (ones' complement) to ddf2.
        #expect(InternetChecksum.of([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]) == ~UInt16(0xDDF2))
        // An odd byte is padded with zero.
        #expect(InternetChecksum.of([0x01]) == ~UInt16(0x0100))
        #expect(InternetChecksum.of([UInt8]()) == 0xFFFF)
    }

    @Test func checksumOfAKnownIPv4Header() {
        // 192.168.0.1 → 192.168.0.199, UDP, total length 115: the header's checksum is b861.
        let header: [UInt8] = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
                               0xC0, 0xA8, 0x00, 0x01, 0xC0, 0xA8, 0x00, 0xC7]
        #expect(InternetChecksum.of(header) == 0xB861)
        var filled = header
        filled[10] = 0xB8
        filled[11] = 0x61
        #expect(InternetChecksum.of(filled) == 0)   // a correct header sums to all ones
    }

    @Test func aUDPDatagramByteByByte() {
        let packet = Packet(source: .machine(1), destination: .machine(2), sourcePort: 5000, destinationPort: 6000,
                            transport: .udp, payload: Array("hi".utf8), identification: 7)
        let expected: [UInt8] = [
            0x45, 0x00, 0x00, 0x1E, 0x00, 0x07, 0x40, 0x00, 0x40, 0x11, 0x26, 0xC6,   // IPv4: length 30, id 7, DF, TTL 64, UDP
            0x0A, 0x00, 0x00, 0x01, 0x0A, 0x00, 0x00, 0x02,                           // 10.0.0.1 → 10.0.0.2
            0x13, 0x88, 0x17, 0x70, 0x00, 0x0A, 0x58, 0x76,                           // UDP: 5000 → 6000, length 10
            0x68, 0x69,                                                               // "hi"
        ]
        #expect(packet.wireBytes == expected)
        #expect(packet.wireBytes.count == packet.wireSize)
    }

    @Test func aSYNCarriesTheMSSOption() {
        let packet = Packet(source: .machine(2), destination: .machine(1), sourcePort: 40000, destinationPort: 5000,
                            transport: .tcp, tcp: TCPHeader(sequence: 1000, flags: [.syn], window: 65535, maximumSegmentSize: 1460),
                            identification: 1)
        let expected: [UInt8] = [
            0x45, 0x00, 0x00, 0x2C, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x26, 0xC9,   // IPv4: length 44, id 1, TCP
            0x0A, 0x00, 0x00, 0x02, 0x0A, 0x00, 0x00, 0x01,
            0x9C, 0x40, 0x13, 0x88,                                                   // 40000 → 5000
            0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x00, 0x00,                           // seq 1000, ack 0
            0x60, 0x02, 0xFF, 0xFF, 0xD0, 0x73, 0x00, 0x00,                           // 24-byte header, SYN, window, checksum, urgent
            0x02, 0x04, 0x05, 0xB4,                                                   // MSS 1460
        ]
        #expect(packet.wireBytes == expected)
        #expect(packet.wireBytes.count == packet.wireSize)
    }

    @Test func everyChecksumVerifies() {
        for size in [0, 1, 2, 3, 100, 1460] {
            for transport in [TransportProtocol.tcp, .udp] {
                let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
                let packet = Packet(source: .machine(3), destination: .machine(17), sourcePort: 65535, destinationPort: 1,
                                    transport: transport, tcp: TCPHeader(sequence: .max, acknowledgement: 0x8000_0001,
                                                                         flags: [.psh, .ack], window: 512),
                                    payload: payload, identification: 0xFFFF)
                let bytes = packet.wireBytes
                #expect(bytes.count == packet.wireSize)
                #expect(InternetChecksum.of(bytes[0..<20]) == 0)
                let segment = bytes[20...]
                var pseudo: [UInt8] = Array(bytes[12..<20]) + [0, transport.rawValue]
                pseudo += [UInt8(segment.count >> 8), UInt8(segment.count & 0xFF)]
                #expect(InternetChecksum.of(pseudo + segment) == 0, "\(transport) with \(size) bytes")
            }
        }
    }

    @Test func anOversizedPayloadIsCutToItsFieldsWithoutTrapping() {
        let packet = Packet(source: .machine(1), destination: .machine(2), sourcePort: 1, destinationPort: 2,
                            transport: .udp, payload: [UInt8](repeating: 1, count: 70_000))
        let bytes = packet.wireBytes
        #expect(bytes.count == 70_028)
        #expect(UInt16(bytes[2]) << 8 | UInt16(bytes[3]) == UInt16(truncatingIfNeeded: 70_028))
    }
}
