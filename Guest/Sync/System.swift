// System.swift: the process a guest program runs as: its arguments, its ids,
// and how it ends or gives the processor away.
//
// Guest programs `import Sync` and call `System.…`. The other files of this
// module extend `System` by concept (file descriptors, time, random bytes);
// threads and locks will join them.

@_extern(c, "interleave_argc")
func interleave_argc() -> Int32

@_extern(c, "interleave_argv")
func interleave_argv() -> UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?

@_extern(c, "exit")
func interleave_exit(_ status: Int32)   // never returns; C's noreturn has no Swift spelling here

/// The system calls a guest program makes, as static functions.
public enum System {
    /// Ends the whole process (every thread) with `status`, after writing out
    /// what `print` has buffered. Status 0 means success, as in a shell.
    public static func exit(_ status: Int32) -> Never {
        interleave_exit(status)
        fatalError("exit returned")
    }

    /// The command-line arguments, the program's name first; decoded as UTF-8,
    /// with invalid bytes replaced.
    public static let arguments: [String] = {
        var result: [String] = []
        guard let argv = interleave_argv() else { return result }
        let count = Int(interleave_argc())
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let argument = argv[index] else { break }
            result.append(String(cString: argument))
        }
        return result
    }()

    /// Argument `index` as a non-negative decimal number, or `fallback` when it is missing
    /// or not one: how the lab's programs take their sizes.
    public static func number(_ index: Int, default fallback: Int) -> Int {
        guard index < arguments.count, let value = Int(arguments[index]), value >= 0 else { return fallback }
        return value
    }

    /// This process's id (getpid).
    public static var processID: Int {
        infallibleSyscall("getpid", SystemCallNumber.getpid)
    }

    /// The calling thread's id (gettid); equals `processID` in the first thread.
    public static var threadID: Int {
        infallibleSyscall("gettid", SystemCallNumber.gettid)
    }

    /// Gives the rest of this time slice to another runnable thread, if any
    /// (sched_yield). Under a cooperative scheduler this is how others get to run.
    public static func yield() {
        syscall(SystemCallNumber.schedYield)
    }
}
