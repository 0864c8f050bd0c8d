// FileDescriptor.swift: reading and writing bytes through file descriptors.
//
// `print` writes standard output through the runtime's line buffer; these
// calls write directly, so a write to standard output flushes that buffer
// first to keep the two in order.

@_extern(c, "interleave_flush")
func interleave_flush()

/// A kernel file descriptor: 0, 1 and 2 now; pipes and sockets later.
public struct FileDescriptor: Equatable, Hashable, Sendable {
    public let rawValue: Int32

    public init(_ rawValue: Int32) {
        self.rawValue = rawValue
    }

    public static let standardInput = FileDescriptor(0)
    public static let standardOutput = FileDescriptor(1)
    public static let standardError = FileDescriptor(2)
}

extension System {
    /// Writes all of `bytes`, calling write again after a short write or
    /// EINTR, so a caller never handles partial writes. Use `syscall` for a
    /// single raw write.
    public static func write(_ bytes: UnsafeRawBufferPointer,
                             to fd: FileDescriptor = .standardOutput) throws(SystemError) {
        if fd == .standardOutput {
            interleave_flush()
        }
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written: Int
            do {
                written = try checkedSyscall(SystemCallNumber.write, Int(fd.rawValue),
                                             Int(bitPattern: next), left)
            } catch {
                if error == .interrupted { continue }
                throw error
            }
            if written == 0 { throw SystemError.invalidArgument }
            next += written
            left -= written
        }
    }

    /// Writes the string's UTF-8 bytes (no newline is added).
    public static func write(_ string: String,
                             to fd: FileDescriptor = .standardOutput) throws(SystemError) {
        var copy = string
        try copy.withUTF8 { utf8 -> Result<Void, SystemError> in
            do throws(SystemError) {
                return .success(try write(UnsafeRawBufferPointer(utf8), to: fd))
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Writes the bytes of an array.
    public static func write(_ bytes: [UInt8],
                             to fd: FileDescriptor = .standardOutput) throws(SystemError) {
        try bytes.withUnsafeBytes { raw -> Result<Void, SystemError> in
            do throws(SystemError) {
                return .success(try write(raw, to: fd))
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Reads at most `buffer.count` bytes (one read call, retried on EINTR)
    /// and returns how many arrived; 0 means end of file.
    public static func read(_ fd: FileDescriptor = .standardInput,
                            into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        guard let start = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            do {
                return try checkedSyscall(SystemCallNumber.read, Int(fd.rawValue),
                                          Int(bitPattern: start), buffer.count)
            } catch {
                if error != .interrupted { throw error }
            }
        }
    }

    /// Reads at most `maxCount` bytes; an empty array means end of file.
    public static func read(_ fd: FileDescriptor = .standardInput,
                            maxCount: Int) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: maxCount)
        let count = try bytes.withUnsafeMutableBytes { raw -> Result<Int, SystemError> in
            do throws(SystemError) {
                return .success(try read(fd, into: raw))
            } catch {
                return .failure(error)
            }
        }.get()
        bytes.removeSubrange(count...)
        return bytes
    }
}
