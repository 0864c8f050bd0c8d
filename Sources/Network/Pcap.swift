// A packet capture in the classic pcap format (LINKTYPE_RAW: each record an IPv4 packet
// as PacketBytes.swift writes it), so Wireshark and tshark open a run's network. The
// nanosecond variant (magic 0xa1b23c4d, little-endian) keeps the links' microsecond
// latencies visible; a record's time is its cycle as simulated time since
// 2026-01-01T00:00:00Z, where every machine's CLOCK_REALTIME starts (TimeCalls.swift).
// The writer keeps the file in memory (tests) or streams it in 64 KiB pieces to a sink,
// such as a file written with POSIX calls, so a long run never holds its capture.
//
// Part B (network model and pcap) owns this file.

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Kernel
import Machine

public final class PcapWriter {
    /// The file's bytes so far (header and records) when kept in memory; empty when
    /// streaming to a sink.
    public private(set) var bytes: [UInt8] = []
    /// Packets recorded.
    public private(set) var packetCount = 0
    public let clockFrequency: UInt64
    private let sink: (([UInt8]) -> Void)?
    private var pending: [UInt8] = []
    private var file: PcapFile? = nil

    /// LINKTYPE_RAW: the packet begins with its IP header.
    public static let linkTypeRaw: UInt32 = 101
    public static let snapshotLength: UInt32 = 65_535
    /// Nanosecond-resolution pcap's magic number (written little-endian).
    public static let nanosecondMagic: UInt32 = 0xA1B2_3C4D
    /// Seconds from 1970 to 2026-01-01T00:00:00Z: the simulated realtime clock's start.
    public static let epochSeconds: UInt64 = 1_767_225_600
    static let flushThreshold = 64 * 1024

    /// Keeps the capture in `bytes`.
    public init(clockFrequency: UInt64) {
        self.clockFrequency = max(1, clockFrequency)
        sink = nil
        bytes = PcapWriter.fileHeader()
    }

    /// Streams the capture to `sink`, in pieces of about 64 KiB (call `flush` at the end).
    public init(clockFrequency: UInt64, sink: @escaping ([UInt8]) -> Void) {
        self.clockFrequency = max(1, clockFrequency)
        self.sink = sink
        pending = PcapWriter.fileHeader()
    }

    /// Streams the capture to a new file at `path` (replaced if it exists), as
    /// `--pcap FILE` does; call `finish` at the end to write the rest and close it.
    public convenience init(path: String, clockFrequency: UInt64) throws(PcapError) {
        let file = try PcapFile(path: path)
        self.init(clockFrequency: clockFrequency) { file.write($0) }
        self.file = file
    }

    /// Writes what is pending and closes the file, if any: the first error of any write
    /// (a full disk, say) or of closing, or nil.
    @discardableResult
    public func finish() -> PcapError? {
        flush()
        return file?.close()
    }

    /// Records `packet` as seen at `cycle`.
    public func record(_ packet: Packet, cycle: UInt64) {
        let wire = packet.wireBytes
        let captured = min(wire.count, Int(PcapWriter.snapshotLength))
        let (seconds, nanoseconds) = PcapWriter.timestamp(cycle: cycle, clockFrequency: clockFrequency)
        var record: [UInt8] = []
        record.reserveCapacity(16 + captured)
        record.appendLittleEndian(seconds)
        record.appendLittleEndian(nanoseconds)
        record.appendLittleEndian(UInt32(captured))
        record.appendLittleEndian(UInt32(truncatingIfNeeded: wire.count))
        record.append(contentsOf: wire[0..<captured])
        packetCount += 1
        if sink == nil {
            bytes.append(contentsOf: record)
        } else {
            pending.append(contentsOf: record)
            if pending.count >= PcapWriter.flushThreshold { flush() }
        }
    }

    /// Hands everything recorded so far to the sink.
    public func flush() {
        guard let sink, !pending.isEmpty else { return }
        sink(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// A cycle's timestamp: seconds since 1970 (saturating at the field's 2^32−1) and
    /// nanoseconds past them.
    public static func timestamp(cycle: UInt64, clockFrequency: UInt64) -> (seconds: UInt32, nanoseconds: UInt32) {
        let time = SimulatedTime(cycles: cycle).timespec(clockFrequency: clockFrequency)
        let seconds = time.seconds.addingSaturated(epochSeconds)
        return (UInt32(min(seconds, UInt64(UInt32.max))), UInt32(min(time.nanoseconds, 999_999_999)))
    }

    static func fileHeader() -> [UInt8] {
        var header: [UInt8] = []
        header.appendLittleEndian(nanosecondMagic)
        header.appendLittleEndian(UInt16(2))    // version 2.4
        header.appendLittleEndian(UInt16(4))
        header.appendLittleEndian(UInt32(0))    // this zone: UTC
        header.appendLittleEndian(UInt32(0))    // significant figures
        header.appendLittleEndian(snapshotLength)
        header.appendLittleEndian(linkTypeRaw)
        return header
    }
}

/// A capture file written with POSIX calls (no Foundation, nothing held in memory). The first failed write is kept in
/// `error` (later writes are skipped), so a full disk is reported, not a crash.
final class PcapFile {
    let path: String
    private(set) var error: PcapError? = nil
    private var descriptor: Int32

    init(path: String) throws(PcapError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw PcapError("cannot write the packet capture \(path): \(String(cString: strerror(errno)))")
        }
    }

    func write(_ bytes: [UInt8]) {
        guard error == nil, descriptor >= 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemWrite(descriptor, base + offset, buffer.count - offset)
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                error = PcapError("writing the packet capture \(path) failed: \(String(cString: strerror(errno)))")
                return
            }
            offset += written
        }
    }

    /// Closes the file; the first error of any write or of closing.
    @discardableResult
    func close() -> PcapError? {
        if descriptor >= 0 {
            if systemClose(descriptor) != 0, error == nil {
                error = PcapError("closing the packet capture \(path) failed: \(String(cString: strerror(errno)))")
            }
            descriptor = -1
        }
        return error
    }

    deinit { close() }
}

public struct PcapError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

private func systemWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int { write(descriptor, pointer, count) }
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }

extension [UInt8] {
    fileprivate mutating func appendLittleEndian(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func appendLittleEndian(_ value: UInt32) {
        append(UInt8(value & 0xFF))
        append(UInt8((value >> 8) & 0xFF))
        append(UInt8((value >> 16) & 0xFF))
        append(UInt8(value >> 24))
    }
}
