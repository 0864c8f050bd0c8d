// EventCounter.swift: a kernel counter behind a descriptor (eventfd) — the smallest
// way for one thread to wake another that waits in an EventLoop, read or poll.
//
// `add` raises the counter; the descriptor is readable while it is above zero; `take`
// reads it: the whole count and a reset to zero, or in semaphore mode just 1. Reads and
// writes are always 8 bytes, so no partial reads or writes exist here.

/// An eventfd counter.
public struct EventCounter: Equatable, Hashable, Sendable {
    public let descriptor: FileDescriptor

    /// A new counter starting at `initial` (eventfd2). `semaphore`: each `take` takes 1
    /// (EFD_SEMAPHORE); `nonBlocking`: `take` at zero throws `.wouldBlock`.
    public static func make(initial: UInt32 = 0, semaphore: Bool = false, nonBlocking: Bool = false,
                            closeOnExec: Bool = false) throws(SystemError) -> EventCounter {
        let flags = FileControl.creationFlags(nonBlocking: nonBlocking, closeOnExec: closeOnExec) | (semaphore ? 1 : 0)
        let result = try System.checkedSyscall(SystemCallNumber.eventfd2, Int(initial), flags)
        return EventCounter(descriptor: FileDescriptor(Int32(truncatingIfNeeded: result)))
    }

    /// Adds `amount` (write of 8 bytes); waits, or throws `.wouldBlock`, while the
    /// counter would pass 2^64 - 2. Adding 0 is allowed and wakes nobody.
    public func add(_ amount: UInt64 = 1) throws(SystemError) {
        var value = amount
        while true {
            let result = withUnsafeMutablePointer(to: &value) { pointer in
                System.syscall(SystemCallNumber.write, descriptor.argument, Int(bitPattern: pointer), 8)
            }
            if result != -SystemError.interrupted.code {
                try System.check(result)
                return
            }
        }
    }

    /// Takes the count (read of 8 bytes): all of it, or 1 in semaphore mode; waits while
    /// it is zero unless non-blocking.
    public func take() throws(SystemError) -> UInt64 {
        var value: UInt64 = 0
        while true {
            let result = withUnsafeMutablePointer(to: &value) { pointer in
                System.syscall(SystemCallNumber.read, descriptor.argument, Int(bitPattern: pointer), 8)
            }
            if result != -SystemError.interrupted.code {
                try System.check(result)
                return value
            }
        }
    }

    /// Closes the counter.
    public func close() throws(SystemError) {
        try descriptor.close()
    }
}
