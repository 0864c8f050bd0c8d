// The packet capture: the file header and records byte by byte, timestamps from cycles,
// streaming (to a sink and to a file) equal to the in-memory form, and tshark reading a
// TCP handshake, data, FIN and a UDP datagram with every field and checksum right.

import Foundation
import Kernel
import Network
import Testing

enum PcapFixtures {
    static let clock: UInt64 = 100_000_000
    static let client = IPv4Address.machine(2), server = IPv4Address.machine(1)

    static func tcp(_ from: IPv4Address, _ to: IPv4Address, seq: UInt32, ack: UInt32, _ flags: TCPFlags,
                    mss: UInt16? = nil, payload: String = "", id: UInt16) -> Packet {
        let clientSide = from == client
        return Packet(source: from, destination: to, sourcePort: clientSide ? 40000 : 5000, destinationPort: clientSide ? 5000 : 40000,
                      transport: .tcp, tcp: TCPHeader(sequence: seq, acknowledgement: ack, flags: flags, window: 65535, maximumSegmentSize: mss),
                      payload: Array(payload.utf8), identification: id)
    }

    /// A connection's life and a UDP datagram, each with the cycle it was seen.
    static let conversation: [(packet: Packet, cycle: UInt64)] = [
        (tcp(client, server, seq: 1000, ack: 0, [.syn], mss: 1460, id: 0), 150_000_123),
        (tcp(server, client, seq: 5000, ack: 1001, [.syn, .ack], mss: 1460, id: 0), 150_010_000),
        (tcp(client, server, seq: 1001, ack: 5001, [.ack], id: 1), 150_020_000),
        (tcp(client, server, seq: 1001, ack: 5001, [.psh, .ack], payload: "hello", id: 2), 150_020_001),
        (tcp(server, client, seq: 5001, ack: 1006, [.ack], id: 1), 150_030_000),
        (tcp(client, server, seq: 1006, ack: 5001, [.fin, .ack], id: 3), 150_040_000),
        (tcp(server, client, seq: 5001, ack: 1007, [.fin, .ack], id: 2), 150_050_000),
        (tcp(client, server, seq: 1007, ack: 5002, [.ack], id: 4), 150_060_000),
        (Packet(source: .machine(3), destination: server, sourcePort: 40001, destinationPort: 40002, transport: .udp,
                payload: Array("ping".utf8), identification: 9), 250_000_000),
    ]

    /// tshark on the PATH (Debian puts it in /usr/bin).
    static let tshark: String = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        return folders.map { $0 + "/tshark" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/tshark"
    }()
    static var tsharkAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: tshark) || ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1"
    }
}

@Suite struct PcapTests {
    typealias P = PcapFixtures

    @Test func theFileHeaderIsNanosecondPcapOfRawIPv4() {
        let writer = PcapWriter(clockFrequency: P.clock)
        #expect(writer.bytes == [0x4D, 0x3C, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 0xFF, 0xFF, 0, 0, 101, 0, 0, 0])
        #expect(writer.finish() == nil)   // nothing to close in memory
    }

    @Test func aRecordIsItsTimestampLengthsAndBytes() {
        let writer = PcapWriter(clockFrequency: P.clock)
        let (packet, cycle) = P.conversation[8]
        writer.record(packet, cycle: cycle)   // 2.5 s after 2026-01-01T00:00:00Z
        let record = Array(writer.bytes[24...])
        let seconds = UInt32(1_767_225_602), length = UInt32(packet.wireSize)
        #expect(record[0..<4].elementsEqual(withUnsafeBytes(of: seconds.littleEndian, Array.init)))
        #expect(record[4..<8].elementsEqual(withUnsafeBytes(of: UInt32(500_000_000).littleEndian, Array.init)))
        #expect(record[8..<12].elementsEqual(withUnsafeBytes(of: length.littleEndian, Array.init)))
        #expect(record[12..<16].elementsEqual(withUnsafeBytes(of: length.littleEndian, Array.init)))
        #expect(Array(record[16...]) == packet.wireBytes)
        #expect(writer.packetCount == 1)
    }

    @Test func timestampsRoundDownAndSaturate() {
        #expect(PcapWriter.timestamp(cycle: 0, clockFrequency: P.clock) == (1_767_225_600, 0))
        #expect(PcapWriter.timestamp(cycle: 150_000_123, clockFrequency: P.clock) == (1_767_225_601, 500_001_230))
        #expect(PcapWriter.timestamp(cycle: 2, clockFrequency: 3) == (1_767_225_600, 666_666_666))
        #expect(PcapWriter.timestamp(cycle: .max, clockFrequency: 1).seconds == .max)
    }

    @Test func aLongPacketIsCutToTheSnapshotLength() {
        let writer = PcapWriter(clockFrequency: P.clock)
        let packet = Packet(source: .machine(1), destination: .machine(2), sourcePort: 1, destinationPort: 2, transport: .udp,
                            payload: [UInt8](repeating: 7, count: 70_000))
        writer.record(packet, cycle: 0)
        #expect(writer.bytes.count == 24 + 16 + 65_535)
        #expect(writer.bytes[32..<36].elementsEqual([0xFF, 0xFF, 0, 0]))               // captured
        #expect(writer.bytes[36..<40].elementsEqual([0x8C, 0x11, 0x01, 0]))            // original: 70,028 (0x1118C)
    }

    @Test func streamingWritesTheSameBytesInPieces() throws {
        let memory = PcapWriter(clockFrequency: P.clock)
        var pieces: [[UInt8]] = []
        let streamed = PcapWriter(clockFrequency: P.clock) { pieces.append($0) }
        for round in 0..<300 {
            for (packet, cycle) in P.conversation {
                memory.record(packet, cycle: cycle + UInt64(round) * 1_000_000)
                streamed.record(packet, cycle: cycle + UInt64(round) * 1_000_000)
            }
        }
        #expect(streamed.bytes.isEmpty)
        streamed.flush()
        #expect(pieces.count > 1)
        #expect(pieces.dropLast().allSatisfy { $0.count >= 64 * 1024 })
        #expect(pieces.flatMap { $0 } == memory.bytes)

        let path = NSTemporaryDirectory() + "interleave-pcap-\(getpid()).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try PcapWriter(path: path, clockFrequency: P.clock)
        for round in 0..<300 {
            for (packet, cycle) in P.conversation { file.record(packet, cycle: cycle + UInt64(round) * 1_000_000) }
        }
        #expect(file.finish() == nil)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == memory.bytes)
    }

    @Test func aFileThatCannotBeMadeIsAnErrorThatNamesIt() {
        #expect {
            _ = try PcapWriter(path: "/nonexistent-folder/run.pcap", clockFrequency: P.clock)
        } throws: { error in
            "\(error)" == "cannot write the packet capture /nonexistent-folder/run.pcap: No such file or directory"
        }
    }

    @Test(.enabled(if: PcapFixtures.tsharkAvailable, "needs tshark (Debian package tshark)"))
    func tsharkReadsEveryFieldAndEveryChecksumIsGood() throws {
        let writer = PcapWriter(clockFrequency: P.clock)
        for (packet, cycle) in P.conversation { writer.record(packet, cycle: cycle) }
        let path = NSTemporaryDirectory() + "interleave-tshark-\(getpid()).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
        let fields = ["frame.time_epoch", "ip.src", "ip.dst", "ip.id", "ip.ttl", "ip.flags.df", "ip.checksum.status",
                      "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.window_size_value",
                      "tcp.options.mss_val", "tcp.len", "tcp.checksum.status",
                      "udp.srcport", "udp.dstport", "udp.length", "udp.checksum.status", "data.data", "_ws.malformed"]
        let lines = try PcapTests.tshark(["-r", path, "-n", "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                                          "-o", "udp.check_checksum:TRUE", "-o", "tcp.relative_sequence_numbers:FALSE",
                                          "-T", "fields", "-E", "occurrence=f"] + fields.flatMap { ["-e", $0] })
        // Checksum status 1 is "good"; data.data is the payload when no dissector claims it.
        let expected = [
            "1767225601.500001230 10.0.0.2 10.0.0.1 0x0000 64 1 1 40000 5000 0x0002 1000 0 65535 1460 0 1      ",
            "1767225601.500100000 10.0.0.1 10.0.0.2 0x0000 64 1 1 5000 40000 0x0012 5000 1001 65535 1460 0 1      ",
            "1767225601.500200000 10.0.0.2 10.0.0.1 0x0001 64 1 1 40000 5000 0x0010 1001 5001 65535  0 1      ",
            "1767225601.500200010 10.0.0.2 10.0.0.1 0x0002 64 1 1 40000 5000 0x0018 1001 5001 65535  5 1     68656c6c6f ",
            "1767225601.500300000 10.0.0.1 10.0.0.2 0x0001 64 1 1 5000 40000 0x0010 5001 1006 65535  0 1      ",
            "1767225601.500400000 10.0.0.2 10.0.0.1 0x0003 64 1 1 40000 5000 0x0011 1006 5001 65535  0 1      ",
            "1767225601.500500000 10.0.0.1 10.0.0.2 0x0002 64 1 1 5000 40000 0x0011 5001 1007 65535  0 1      ",
            "1767225601.500600000 10.0.0.2 10.0.0.1 0x0004 64 1 1 40000 5000 0x0010 1007 5002 65535  0 1      ",
            "1767225602.500000000 10.0.0.3 10.0.0.1 0x0009 64 1 1          40001 40002 12 1 70696e67 ",
        ]
        #expect(lines.count == expected.count)
        for (line, want) in zip(lines, expected) {
            #expect(line.replacingOccurrences(of: "\t", with: " ") == want)
        }
        // Nothing tshark's experts call a warning or an error (bad checksum, malformed, ...);
        // the same check finds the error once one bit of a checksum is flipped.
        #expect(try PcapTests.worstExpertSeverity(path) < PcapTests.warning)
        var corrupted = writer.bytes
        corrupted[corrupted.count - 5] ^= 1   // the UDP checksum's low byte
        try Data(corrupted).write(to: URL(fileURLWithPath: path))
        #expect(try PcapTests.worstExpertSeverity(path) >= PcapTests.warning)
    }

    /// tshark's expert severity for a warning (errors are higher).
    static let warning = 0x0060_0000

    /// The most severe expert note tshark makes on the file, checksums checked.
    static func worstExpertSeverity(_ path: String) throws -> Int {
        let severities = try tshark(["-r", path, "-n", "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                                     "-o", "udp.check_checksum:TRUE", "-T", "fields", "-e", "_ws.expert.severity"])
        return severities.flatMap { $0.split(separator: ",") }.compactMap { field -> Int? in
            field.hasPrefix("0x") ? Int(field.dropFirst(2), radix: 16) : Int(field)
        }.max() ?? 0
    }

    /// Runs tshark; its standard output's lines.
    static func tshark(_ arguments: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PcapFixtures.tshark)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "tshark \(arguments.joined(separator: " ")) failed")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
