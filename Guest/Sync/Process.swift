// Process.swift: processes for guest programs, on the kernel's process_spawn and
// process_wait calls. A process runs one of the run's programs (named as
// `interleave run a.swift b.swift` names them: `a`, `b`) in its own address space:
// it shares no memory with its parent, only the standard streams.

public struct Process: Equatable, Sendable {
    /// The kernel's process id (`System.processID` inside the process).
    public let id: Int

    public init(id: Int) {
        self.id = id
    }

    /// Starts program `name` as a child process; its argv is `name` then `arguments`.
    /// Throws ENOENT (2) for a name that is no program of the run, EAGAIN (11) when
    /// too many processes are alive, ENOMEM (12) when it does not fit in memory.
    public static func spawn(_ name: String, arguments: [String] = []) throws(SystemError) -> Process {
        let strings = [name] + arguments
        // Copies of the strings, NUL-terminated, and the NULL-terminated array of them.
        var buffers: [UnsafeMutablePointer<UInt8>] = []
        for string in strings {
            let bytes = Array(string.utf8)
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + 1)
            for index in 0..<bytes.count { buffer[index] = bytes[index] }
            buffer[bytes.count] = 0
            buffers.append(buffer)
        }
        let vector = UnsafeMutablePointer<Int>.allocate(capacity: buffers.count + 1)
        for index in 0..<buffers.count { vector[index] = Int(bitPattern: buffers[index]) }
        vector[buffers.count] = 0
        defer {
            for buffer in buffers { buffer.deallocate() }
            vector.deallocate()
        }
        let id = try System.checkedSyscall(SystemCallNumber.processSpawn, Int(bitPattern: buffers[0]),
                                           Int(bitPattern: vector), 0, 0)
        return Process(id: id)
    }

    /// Waits until the process has ended and returns its exit status as a shell shows
    /// it: the status it exited with, or 128 + the signal that ended it. Throws ECHILD
    /// (10) if it is not a child of this process or was waited for already.
    public func wait() throws(SystemError) -> Int32 {
        Process.decode(try rawWait())
    }

    /// Waits as `wait` does, and returns the raw status word Linux's wait gives: the
    /// exit status << 8, or the signal number.
    public func rawWait() throws(SystemError) -> Int32 {
        let status = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { status.deallocate() }
        status.pointee = 0
        try System.checkedSyscall(SystemCallNumber.processWait, id, Int(bitPattern: status))
        return status.pointee
    }

    /// Waits until any child of this process has ended; returns it and its exit status
    /// (as `wait` does). Throws ECHILD (10) when no child is left to wait for.
    public static func waitForAny() throws(SystemError) -> (process: Process, status: Int32) {
        let status = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { status.deallocate() }
        status.pointee = 0
        let id = try System.checkedSyscall(SystemCallNumber.processWait, -1, Int(bitPattern: status))
        return (Process(id: id), decode(status.pointee))
    }

    /// A wait status word as a shell's exit status.
    public static func decode(_ status: Int32) -> Int32 {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}

extension System {
    /// The id of the process that spawned this one (getppid); 0 for a program the run
    /// started, or once the parent has ended.
    public static var parentProcessID: Int {
        infallibleSyscall("getppid", 173)
    }
}
