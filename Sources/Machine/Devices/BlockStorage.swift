// The bytes behind a virtio block device: a host file (`--drive FILE[,rw|,ro]`) or a
// buffer in memory (tests, embedders). A file opened without `rw` is never written:
// the guest's writes stay in an overlay in host memory for the run, as QEMU's
// `snapshot=on` keeps them; with `rw` they go to the file as they happen.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Storage a virtio block device reads and writes, in bytes from its start.
public protocol BlockStorage: AnyObject {
    /// Size in bytes; the device shows whole 512-byte sectors of it.
    var byteCount: UInt64 { get }
    /// The guest may not write at all (the device offers VIRTIO_BLK_F_RO).
    var readOnly: Bool { get }
    /// Fills `buffer` from `offset`; false on a host error (the request fails with IOERR).
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Bool
    /// Stores `buffer` at `offset`; false on a host error.
    func write(at offset: UInt64, from buffer: UnsafeRawBufferPointer) -> Bool
    /// Makes written data durable (VIRTIO_BLK_T_FLUSH); false on a host error.
    func flush() -> Bool
}

/// A disk image held in host memory.
public final class MemoryBlockStorage: BlockStorage {
    public private(set) var bytes: [UInt8]
    public let readOnly: Bool
    public var byteCount: UInt64 { UInt64(bytes.count) }

    public init(bytes: [UInt8], readOnly: Bool = false) {
        self.bytes = bytes
        self.readOnly = readOnly
    }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard offset <= byteCount, UInt64(buffer.count) <= byteCount - offset else { return false }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(offset) ..< Int(offset) + buffer.count]))
        }
        return true
    }

    public func write(at offset: UInt64, from buffer: UnsafeRawBufferPointer) -> Bool {
        guard !readOnly, offset <= byteCount, UInt64(buffer.count) <= byteCount - offset else { return false }
        bytes.withUnsafeMutableBytes { target in
            UnsafeMutableRawBufferPointer(rebasing: target[Int(offset) ..< Int(offset) + buffer.count]).copyMemory(from: buffer)
        }
        return true
    }

    public func flush() -> Bool { true }
}

/// A disk image in a host file.
public final class FileBlockStorage: BlockStorage {
    /// What the guest's writes do to the file.
    public enum Mode: String, Sendable, CaseIterable {
        /// Kept in host memory for the run; the file is never written (the default).
        case snapshot
        /// Written to the file (`--drive FILE,rw`).
        case writeBack = "rw"
        /// Refused: the guest sees a read-only disk (`--drive FILE,ro`).
        case readOnly = "ro"
    }

    public let path: String
    public let mode: Mode
    public let byteCount: UInt64
    public var readOnly: Bool { mode == .readOnly }
    private let descriptor: Int32
    /// Snapshot mode: the 4 KiB chunks the guest wrote, by chunk number (looked up, never iterated).
    private var overlay: [UInt64: [UInt8]] = [:]
    private static let chunk: UInt64 = 4096

    /// Opens `path`; the error says what is wrong with it in words a person can act on.
    public init(path: String, mode: Mode) throws(MachineError) {
        let flags = (mode == .writeBack ? O_RDWR : O_RDONLY) | O_CLOEXEC
        let descriptor = open(path, flags)
        guard descriptor >= 0 else {
            throw MachineError("cannot open drive '\(path)'\(mode == .writeBack ? " for writing" : ""): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw MachineError("drive '\(path)' is not a regular file (a disk image is a plain file of 512-byte sectors)")
        }
        guard info.st_size >= 512 else {
            close(descriptor)
            throw MachineError("drive '\(path)' is \(info.st_size) bytes; a disk image holds at least one 512-byte sector")
        }
        self.path = path
        self.mode = mode
        self.descriptor = descriptor
        byteCount = UInt64(info.st_size)
    }

    deinit { close(descriptor) }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard offset <= byteCount, UInt64(buffer.count) <= byteCount - offset, let base = buffer.baseAddress else {
            return buffer.isEmpty
        }
        guard readFile(at: offset, into: base, count: buffer.count) else { return false }
        if !overlay.isEmpty {
            // Lay the snapshot's chunks over what the file holds.
            var position = offset
            let end = offset + UInt64(buffer.count)
            while position < end {
                let index = position / Self.chunk
                let chunkEnd = min(end, (index + 1) * Self.chunk)
                if let data = overlay[index] {
                    let from = Int(position - index * Self.chunk)
                    let count = Int(chunkEnd - position)
                    data.withUnsafeBytes { source in
                        UnsafeMutableRawBufferPointer(start: base + Int(position - offset), count: count)
                            .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[from ..< from + count]))
                    }
                }
                position = chunkEnd
            }
        }
        return true
    }

    public func write(at offset: UInt64, from buffer: UnsafeRawBufferPointer) -> Bool {
        guard mode != .readOnly, offset <= byteCount, UInt64(buffer.count) <= byteCount - offset else { return false }
        guard let base = buffer.baseAddress else { return true }
        if mode == .writeBack {
            var done = 0
            while done < buffer.count {
                let written = pwrite(descriptor, base + done, buffer.count - done, off_t(offset) + off_t(done))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                done += written
            }
            return true
        }
        var position = offset
        let end = offset + UInt64(buffer.count)
        while position < end {
            let index = position / Self.chunk
            let chunkStart = index * Self.chunk
            let chunkEnd = min(end, chunkStart + Self.chunk)
            var data: [UInt8]
            if let existing = overlay[index] {
                data = existing
            } else {
                let size = Int(min(Self.chunk, byteCount - chunkStart))
                data = [UInt8](repeating: 0, count: size)
                let filled = data.withUnsafeMutableBytes { target in
                    target.baseAddress.map { readFile(at: chunkStart, into: $0, count: size) } ?? false
                }
                guard filled else { return false }
            }
            let from = Int(position - chunkStart), count = Int(chunkEnd - position)
            data.withUnsafeMutableBytes { target in
                UnsafeMutableRawBufferPointer(rebasing: target[from ..< from + count])
                    .copyMemory(from: UnsafeRawBufferPointer(start: base + Int(position - offset), count: count))
            }
            overlay[index] = data
            position = chunkEnd
        }
        return true
    }

    public func flush() -> Bool {
        mode != .writeBack || fsync(descriptor) == 0
    }

    private func readFile(at offset: UInt64, into base: UnsafeMutableRawPointer, count: Int) -> Bool {
        var done = 0
        while done < count {
            let got = pread(descriptor, base + done, count - done, off_t(offset) + off_t(done))
            if got < 0 && errno == EINTR { continue }
            if got == 0 {
                // The file shrank since it was opened: the rest reads as zeros.
                (base + done).initializeMemory(as: UInt8.self, repeating: 0, count: count - done)
                return true
            }
            guard got > 0 else { return false }
            done += got
        }
        return true
    }
}
