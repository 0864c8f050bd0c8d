// SystemCall.swift: the raw way into the kernel, the call numbers, and the
// error type every checked system call throws.
//
// `interleave_syscall` (Guest/Runtime/start.S) is the one place that executes
// `ecall`; everything in this module goes through it.

@_extern(c, "interleave_syscall")
func interleave_syscall(_ number: Int, _ a0: Int, _ a1: Int, _ a2: Int,
                        _ a3: Int, _ a4: Int, _ a5: Int) -> Int

/// System-call numbers. Linux riscv64's where Linux has the call, so a
/// single-threaded guest also runs under `qemu-riscv64`; calls of Interleave's
/// own will be numbered from 0x1000 up.
public enum SystemCallNumber {
    public static let read = 63
    public static let write = 64
    public static let exit = 93
    public static let exitGroup = 94
    public static let futex = 98
    public static let nanosleep = 101
    public static let clockGetTime = 113
    public static let schedYield = 124
    public static let uname = 160
    public static let getpid = 172
    public static let gettid = 178
    public static let brk = 214
    public static let munmap = 215
    public static let mmap = 222
    public static let getrandom = 278
    /// Interleave's own: thread_spawn(entry, argument, stack size, tls) → thread id.
    public static let threadSpawn = 0x1000
    /// Interleave's own: thread_join(thread id) → the thread's exit status.
    public static let threadJoin = 0x1001
    /// Interleave's own: process_spawn(program name, argv, 0, 0) → the child's pid.
    public static let processSpawn = 0x1010
    /// Interleave's own: process_wait(pid or -1, status pointer) → the child's pid.
    public static let processWait = 0x1011
    /// Interleave's own: post_message(thread id, kind, parameter 1, parameter 2) → 0.
    public static let postMessage = 0x1020
    /// Interleave's own: get_message(32-byte record) → 0; blocks while the queue is empty.
    public static let getMessage = 0x1021
    /// Interleave's own: peek_message(32-byte record) → 1 with a message, 0 without.
    public static let peekMessage = 0x1022
    /// Interleave's own: set_priority(thread id or 0, priority 0...31) → 0.
    public static let setPriority = 0x1030
    /// Interleave's own: set_affinity(thread id or 0, hart mask) → 0.
    public static let setAffinity = 0x1031
    /// Interleave's own: set_foreground(pid or 0) → 0.
    public static let setForeground = 0x1032
    /// Interleave's own: trace_mark(kind, object address, value) → 0. Puts one of the
    /// Sync library's marks (`TraceMarkKind`) into the run's trace, stamped with the
    /// cycle, hart and thread, so a timeline shows who asked for a lock and who waited.
    public static let traceMark = 0x1040
    /// Interleave's own: trace_label(pointer, length) → 0. Puts a piece of text (UTF-8)
    /// into the trace beside the calling thread's marks.
    public static let traceLabel = 0x1041
    /// Interleave's own: trace_enabled() → 1 when the run records a trace, else 0, so a
    /// program can skip making marks nobody records (`-ENOSYS` elsewhere: treat as 0).
    public static let traceEnabled = 0x1042
}

/// A failed system call: the kernel's errno.
///
/// Embedded Swift has no existentials, so `any Error` (plain `throws`) is not
/// available: the calls that can fail for reasons a program should handle
/// (read, write, the checked raw call) use typed throws, `throws(SystemError)`,
/// which costs no allocation. Calls that only fail when the kernel itself is
/// broken (time, process and thread ids, random bytes) do not throw; they stop
/// the program with a message instead.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    /// The errno value (positive), e.g. 14 for EFAULT.
    public let code: Int

    public init(code: Int) {
        self.code = code
    }

    public static let notPermitted = SystemError(code: 1)       // EPERM
    public static let noSuchFile = SystemError(code: 2)         // ENOENT
    public static let noSuchThread = SystemError(code: 3)       // ESRCH
    public static let interrupted = SystemError(code: 4)        // EINTR
    public static let badFileDescriptor = SystemError(code: 9)  // EBADF
    public static let noChild = SystemError(code: 10)           // ECHILD
    public static let wouldBlock = SystemError(code: 11)        // EAGAIN
    public static let outOfMemory = SystemError(code: 12)       // ENOMEM
    public static let badAddress = SystemError(code: 14)        // EFAULT
    public static let invalidArgument = SystemError(code: 22)   // EINVAL
    public static let notImplemented = SystemError(code: 38)    // ENOSYS

    public var description: String {
        switch code {
        case 2: return "ENOENT (no such file or program)"
        case 1: return "EPERM (operation not permitted)"
        case 3: return "ESRCH (no such thread or process)"
        case 4: return "EINTR (interrupted system call)"
        case 9: return "EBADF (bad file descriptor)"
        case 10: return "ECHILD (no such child process)"
        case 11: return "EAGAIN (try again)"
        case 12: return "ENOMEM (out of memory)"
        case 14: return "EFAULT (bad address)"
        case 22: return "EINVAL (invalid argument)"
        case 38: return "ENOSYS (system call not implemented)"
        default: return "errno \(code)"
        }
    }
}

extension System {
    /// Makes system call `number` and returns what the kernel put in a0:
    /// the result, or -errno on failure (Linux's convention, unchanged).
    @discardableResult
    public static func syscall(_ number: Int, _ a0: Int = 0, _ a1: Int = 0,
                               _ a2: Int = 0, _ a3: Int = 0, _ a4: Int = 0,
                               _ a5: Int = 0) -> Int {
        interleave_syscall(number, a0, a1, a2, a3, a4, a5)
    }

    /// Like `syscall`, but a result in -4095 ... -1 (Linux's error range)
    /// throws it as a `SystemError`.
    @discardableResult
    public static func checkedSyscall(_ number: Int, _ a0: Int = 0, _ a1: Int = 0,
                                      _ a2: Int = 0, _ a3: Int = 0, _ a4: Int = 0,
                                      _ a5: Int = 0) throws(SystemError) -> Int {
        let result = interleave_syscall(number, a0, a1, a2, a3, a4, a5)
        if result < 0 && result >= -4095 {
            throw SystemError(code: -result)
        }
        return result
    }

    /// For calls that only fail when the kernel is broken: stop with a message.
    static func infallibleSyscall(_ name: StaticString, _ number: Int, _ a0: Int = 0,
                                  _ a1: Int = 0, _ a2: Int = 0) -> Int {
        do {
            return try checkedSyscall(number, a0, a1, a2)
        } catch {
            fatalError("\(name) failed: \(error.description)")
        }
    }
}
