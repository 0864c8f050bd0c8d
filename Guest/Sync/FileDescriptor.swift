// FileDescriptor.swift: reading and writing bytes through file descriptors, and
// the calls every kind of descriptor answers (close, dup, fcntl).
//
// A descriptor is a small number naming an open file description in the kernel: a
// standard stream, a pipe end, a socket, an epoll instance. This value type is only
// the number — copying it does not duplicate anything, and nothing closes it behind
// the program's back: `close()` is explicit, as in C, so a descriptor can be handed
// to another thread or (by number) to a child process.
//
// `print` writes standard output through the runtime's line buffer; these
// calls write directly, so a write to standard output flushes that buffer
// first to keep the two in order.

@_extern(c, "interleave_flush")
func interleave_flush()

/// A kernel file descriptor: a standard stream, a pipe end, a socket, an epoll instance.
public struct FileDescriptor: Equatable, Hashable, Sendable {
    public let rawValue: Int32

    public init(_ rawValue: Int32) {
        self.rawValue = rawValue
    }

    public static let standardInput = FileDescriptor(0)
    public static let standardOutput = FileDescriptor(1)
    public static let standardError = FileDescriptor(2)

    /// The number as the system calls take it.
    var argument: Int { Int(rawValue) }
}

/// fcntl commands and flags (Linux riscv64).
enum FileControl {
    static let duplicate = 0              // F_DUPFD
    static let getDescriptorFlags = 1     // F_GETFD
    static let setDescriptorFlags = 2     // F_SETFD
    static let getStatusFlags = 3         // F_GETFL
    static let setStatusFlags = 4         // F_SETFL
    static let duplicateCloseOnExec = 1030 // F_DUPFD_CLOEXEC
    static let closeOnExecFlag = 1        // FD_CLOEXEC
    static let nonBlocking = 0o4000       // O_NONBLOCK (also SOCK_NONBLOCK, EFD_NONBLOCK)
    static let closeOnExec = 0o2000000    // O_CLOEXEC (also SOCK_CLOEXEC, EPOLL_CLOEXEC)

    /// O_NONBLOCK and O_CLOEXEC as the creating calls (pipe2, socket, accept4) take them.
    static func creationFlags(nonBlocking: Bool, closeOnExec: Bool) -> Int {
        (nonBlocking ? FileControl.nonBlocking : 0) | (closeOnExec ? FileControl.closeOnExec : 0)
    }
}

extension FileDescriptor {
    /// Reads at most `buffer.count` bytes with one read call (retried on EINTR) and
    /// returns how many arrived; 0 means end of file. On a non-blocking descriptor
    /// with nothing to read it throws `.wouldBlock` (EAGAIN).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        guard let start = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try System.retryingInterrupts(SystemCallNumber.read, argument, Int(bitPattern: start), buffer.count)
    }

    /// Reads at most `maxCount` bytes (one read call); an empty array means end of file.
    public func read(maxCount: Int) throws(SystemError) -> [UInt8] {
        var result = 0
        // Uninitialised: the kernel fills what it returns, and only that is kept.
        let bytes = [UInt8](unsafeUninitializedCapacity: max(0, maxCount)) { buffer, initialized in
            guard let start = buffer.baseAddress, buffer.count > 0 else {
                initialized = 0
                return
            }
            repeat {
                result = System.syscall(SystemCallNumber.read, argument, Int(bitPattern: start), buffer.count)
            } while result == -SystemError.interrupted.code
            initialized = result > 0 ? min(result, buffer.count) : 0
        }
        try System.check(result)
        return bytes
    }

    /// Reads until `count` bytes have arrived or the end of file; fewer bytes back
    /// means the writer closed first. Loops over short reads, which pipes and stream
    /// sockets give whenever the writer wrote less at a time.
    public func read(exactly count: Int) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            let more = try waitingRead(maxCount: count - bytes.count)
            if more.isEmpty { break }
            bytes += more
        }
        return bytes
    }

    /// One read that waits for input even on a non-blocking descriptor.
    func waitingRead(maxCount: Int) throws(SystemError) -> [UInt8] {
        while true {
            do {
                return try read(maxCount: maxCount)
            } catch {
                guard error == .wouldBlock else { throw error }
                _ = try wait(for: .readable)
            }
        }
    }

    /// Writes with one write call (retried on EINTR) and returns how many bytes the
    /// kernel took: maybe fewer than given (a pipe or socket with little room left).
    /// Throws `.wouldBlock` (EAGAIN) on a full non-blocking descriptor.
    public func writeSome(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        guard let start = bytes.baseAddress, bytes.count > 0 else { return 0 }
        if self == .standardOutput { interleave_flush() }
        return try System.retryingInterrupts(SystemCallNumber.write, argument, Int(bitPattern: start), bytes.count)
    }

    /// Writes all of `bytes`: after a short write it writes the rest, and on a
    /// non-blocking descriptor that is full it waits (ppoll) until there is room,
    /// so a caller never handles partial writes. Throws `.brokenPipe` (EPIPE) when
    /// no reader is left — unless SIGPIPE's default action ended the process first
    /// (`Signals.ignoreBrokenPipe()` prevents that).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written: Int
            do {
                written = try writeSome(UnsafeRawBufferPointer(start: next, count: left))
            } catch {
                guard error == .wouldBlock else { throw error }
                _ = try wait(for: .writable)
                continue
            }
            if written <= 0 { throw SystemError.invalidArgument }
            next += written
            left -= written
        }
    }

    /// Writes every byte of the array (as `write(_:)` with a buffer does).
    public func write(_ bytes: [UInt8]) throws(SystemError) {
        let result = bytes.withUnsafeBytes { raw -> SystemError? in
            do throws(SystemError) {
                try write(raw)
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
    }

    /// Writes the string's UTF-8 bytes (no newline is added).
    public func write(_ string: String) throws(SystemError) {
        try write(Array(string.utf8))
    }

    /// Closes the descriptor (close). The open file description lives on while
    /// another descriptor (a dup, a child's copy) refers to it. EINTR is not retried:
    /// on Linux the descriptor is gone even then.
    public func close() throws(SystemError) {
        let result = System.syscall(SystemCallNumber.close, argument)
        if result == -SystemError.interrupted.code { return }
        try System.check(result)
    }

    /// A new descriptor, the lowest free number, for the same open file description
    /// (dup, or fcntl F_DUPFD_CLOEXEC): it shares the offset and the status flags
    /// (O_NONBLOCK) with this one but has its own close-on-exec flag.
    public func duplicate(closeOnExec: Bool = false) throws(SystemError) -> FileDescriptor {
        let result = closeOnExec
            ? try System.checkedSyscall(SystemCallNumber.fcntl, argument, FileControl.duplicateCloseOnExec, 0)
            : try System.checkedSyscall(SystemCallNumber.dup, argument)
        return FileDescriptor(Int32(truncatingIfNeeded: result))
    }

    /// Makes `target` refer to this descriptor's open file description, closing what
    /// `target` was first (dup3). Throws `.invalidArgument` when `target` is this one.
    @discardableResult
    public func duplicate(as target: FileDescriptor, closeOnExec: Bool = false) throws(SystemError) -> FileDescriptor {
        let flags = closeOnExec ? FileControl.closeOnExec : 0
        while true {
            let result = System.syscall(SystemCallNumber.dup3, argument, target.argument, flags)
            // dup3 gives EBUSY only in a race with open; trying again is what libc's callers do.
            if result == -SystemError.interrupted.code || result == -16 { continue }
            return FileDescriptor(Int32(truncatingIfNeeded: try System.check(result)))
        }
    }

    /// Whether reads and writes return EAGAIN instead of waiting (O_NONBLOCK).
    /// The flag belongs to the open file description: every dup of it sees it.
    public func isNonBlocking() throws(SystemError) -> Bool {
        let flags = try System.checkedSyscall(SystemCallNumber.fcntl, argument, FileControl.getStatusFlags)
        return flags & FileControl.nonBlocking != 0
    }

    /// Sets or clears O_NONBLOCK (fcntl F_GETFL, then F_SETFL).
    public func setNonBlocking(_ on: Bool = true) throws(SystemError) {
        let flags = try System.checkedSyscall(SystemCallNumber.fcntl, argument, FileControl.getStatusFlags)
        let wanted = on ? flags | FileControl.nonBlocking : flags & ~FileControl.nonBlocking
        if wanted != flags {
            try System.checkedSyscall(SystemCallNumber.fcntl, argument, FileControl.setStatusFlags, wanted)
        }
    }

    /// Whether a child started with `Process.spawn` does not get this descriptor
    /// (FD_CLOEXEC): the flag belongs to this descriptor only, not to its dups.
    public func isCloseOnExec() throws(SystemError) -> Bool {
        let flags = try System.checkedSyscall(SystemCallNumber.fcntl, argument, FileControl.getDescriptorFlags)
        return flags & FileControl.closeOnExecFlag != 0
    }

    /// Sets or clears FD_CLOEXEC (fcntl F_SETFD).
    public func setCloseOnExec(_ on: Bool = true) throws(SystemError) {
        try System.checkedSyscall(SystemCallNumber.fcntl, argument, FileControl.setDescriptorFlags,
                                  on ? FileControl.closeOnExecFlag : 0)
    }
}

extension System {
    /// Writes all of `bytes` to `fd` (standard output unless told), looping over
    /// short writes and EINTR: `FileDescriptor.write(_:)`.
    public static func write(_ bytes: UnsafeRawBufferPointer,
                             to fd: FileDescriptor = .standardOutput) throws(SystemError) {
        try fd.write(bytes)
    }

    /// Writes the string's UTF-8 bytes (no newline is added).
    public static func write(_ string: String,
                             to fd: FileDescriptor = .standardOutput) throws(SystemError) {
        try fd.write(string)
    }

    /// Writes the bytes of an array.
    public static func write(_ bytes: [UInt8],
                             to fd: FileDescriptor = .standardOutput) throws(SystemError) {
        try fd.write(bytes)
    }

    /// Reads at most `buffer.count` bytes (one read call, retried on EINTR)
    /// and returns how many arrived; 0 means end of file.
    public static func read(_ fd: FileDescriptor = .standardInput,
                            into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try fd.read(into: buffer)
    }

    /// Reads at most `maxCount` bytes; an empty array means end of file.
    public static func read(_ fd: FileDescriptor = .standardInput,
                            maxCount: Int) throws(SystemError) -> [UInt8] {
        try fd.read(maxCount: maxCount)
    }
}
