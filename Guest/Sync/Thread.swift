// Thread.swift: threads for guest programs, on the kernel's thread_spawn and
// thread_join calls. A thread runs a closure on its own stack (with an unmapped
// guard page below it, so an overflow faults cleanly) and shares everything
// else with the threads of its process.

/// The closure a new thread runs, kept alive across the spawn by a retain.
final class ThreadStart {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// Where every thread begins: runs its closure, then returns 0, which the
/// kernel's trampoline turns into the thread's exit status.
private let threadEntry: @convention(c) (UnsafeMutableRawPointer?) -> Int = { argument in
    guard let argument else { return 1 }
    let start = Unmanaged<ThreadStart>.fromOpaque(argument).takeRetainedValue()
    start.body()
    return 0
}

public struct Thread: Equatable, Sendable {
    /// The kernel's thread id (`gettid` inside the thread).
    public let id: Int

    /// Starts `body` on a new thread with a stack of `stackSize` bytes (rounded up to
    /// pages; 0 means the kernel's default, 256 KiB).
    public static func spawn(stackSize: Int = 0, _ body: @escaping () -> Void) throws(SystemError) -> Thread {
        let argument = Unmanaged.passRetained(ThreadStart(body)).toOpaque()
        let entry = unsafeBitCast(threadEntry, to: Int.self)
        do {
            let id = try System.checkedSyscall(SystemCallNumber.threadSpawn, entry, Int(bitPattern: argument), stackSize, 0)
            return Thread(id: id)
        } catch {
            Unmanaged<ThreadStart>.fromOpaque(argument).release()
            throw error
        }
    }

    /// Waits until the thread has finished; returns its exit status.
    @discardableResult
    public func join() throws(SystemError) -> Int {
        try System.checkedSyscall(SystemCallNumber.threadJoin, id)
    }

    /// The calling thread.
    public static var current: Thread { Thread(id: System.threadID) }

    /// Ends the calling thread (not the process) with `status`.
    public static func exit(_ status: Int32 = 0) -> Never {
        System.syscall(SystemCallNumber.exit, Int(status))
        while true {}
    }
}
