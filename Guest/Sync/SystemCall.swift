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
    public static let eventfd2 = 19
    public static let epollCreate1 = 20
    public static let epollCtl = 21
    public static let epollPwait = 22
    public static let dup = 23
    public static let dup3 = 24
    public static let fcntl = 25
    public static let openat = 56
    public static let close = 57
    public static let pipe2 = 59
    public static let lseek = 62
    public static let read = 63
    public static let write = 64
    public static let readv = 65
    public static let writev = 66
    public static let pselect6 = 72
    public static let ppoll = 73
    public static let exit = 93
    public static let exitGroup = 94
    public static let futex = 98
    public static let nanosleep = 101
    public static let clockGetTime = 113
    public static let schedYield = 124
    public static let rtSigaction = 134
    public static let rtSigprocmask = 135
    public static let uname = 160
    public static let getpid = 172
    public static let gettid = 178
    public static let getrlimit = 163
    public static let setrlimit = 164
    public static let socket = 198
    public static let socketpair = 199
    public static let bind = 200
    public static let listen = 201
    public static let accept = 202
    public static let connect = 203
    public static let getsockname = 204
    public static let getpeername = 205
    public static let sendto = 206
    public static let recvfrom = 207
    public static let setsockopt = 208
    public static let getsockopt = 209
    public static let shutdown = 210
    public static let sendmsg = 211
    public static let recvmsg = 212
    public static let brk = 214
    public static let munmap = 215
    public static let clone = 220
    public static let mmap = 222
    public static let mprotect = 226
    public static let accept4 = 242
    public static let prlimit64 = 261
    public static let getrandom = 278
    public static let epollPwait2 = 441
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
    public static let permissionDenied = SystemError(code: 13)  // EACCES
    public static let exists = SystemError(code: 17)            // EEXIST
    public static let notDirectory = SystemError(code: 20)      // ENOTDIR
    public static let isDirectory = SystemError(code: 21)       // EISDIR
    public static let tooManyOpenFilesInSystem = SystemError(code: 23) // ENFILE
    public static let tooManyOpenFiles = SystemError(code: 24)  // EMFILE
    public static let illegalSeek = SystemError(code: 29)       // ESPIPE
    public static let brokenPipe = SystemError(code: 32)        // EPIPE
    public static let deadlock = SystemError(code: 35)          // EDEADLK
    public static let notSocket = SystemError(code: 88)         // ENOTSOCK
    public static let destinationRequired = SystemError(code: 89) // EDESTADDRREQ
    public static let messageTooLong = SystemError(code: 90)    // EMSGSIZE
    public static let wrongProtocolType = SystemError(code: 91) // EPROTOTYPE
    public static let optionUnavailable = SystemError(code: 92) // ENOPROTOOPT
    public static let protocolUnsupported = SystemError(code: 93) // EPROTONOSUPPORT
    public static let operationUnsupported = SystemError(code: 95) // EOPNOTSUPP
    public static let familyUnsupported = SystemError(code: 97) // EAFNOSUPPORT
    public static let addressInUse = SystemError(code: 98)      // EADDRINUSE
    public static let addressUnavailable = SystemError(code: 99) // EADDRNOTAVAIL
    public static let connectionAborted = SystemError(code: 103) // ECONNABORTED
    public static let connectionReset = SystemError(code: 104)  // ECONNRESET
    public static let noBufferSpace = SystemError(code: 105)    // ENOBUFS
    public static let alreadyConnected = SystemError(code: 106) // EISCONN
    public static let notConnected = SystemError(code: 107)     // ENOTCONN
    public static let timedOut = SystemError(code: 110)         // ETIMEDOUT
    public static let connectionRefused = SystemError(code: 111) // ECONNREFUSED
    public static let alreadyInProgress = SystemError(code: 114) // EALREADY
    public static let inProgress = SystemError(code: 115)       // EINPROGRESS

    public var description: String {
        switch code {
        case 2: return "ENOENT (no such file or program)"
        case 1: return "EPERM (operation not permitted)"
        case 3: return "ESRCH (no such thread or process)"
        case 4: return "EINTR (interrupted system call)"
        case 5: return "EIO (input/output error)"
        case 9: return "EBADF (bad file descriptor)"
        case 10: return "ECHILD (no such child process)"
        case 11: return "EAGAIN (try again)"
        case 12: return "ENOMEM (out of memory)"
        case 14: return "EFAULT (bad address)"
        case 22: return "EINVAL (invalid argument)"
        case 38: return "ENOSYS (system call not implemented)"
        case 13: return "EACCES (permission denied)"
        case 17: return "EEXIST (file exists)"
        case 19: return "ENODEV (no such device)"
        case 20: return "ENOTDIR (not a directory)"
        case 21: return "EISDIR (is a directory)"
        case 23: return "ENFILE (too many open files in the system)"
        case 24: return "EMFILE (too many open files)"
        case 29: return "ESPIPE (illegal seek)"
        case 32: return "EPIPE (broken pipe)"
        case 35: return "EDEADLK (resource deadlock would occur)"
        case 88: return "ENOTSOCK (not a socket)"
        case 89: return "EDESTADDRREQ (destination address required)"
        case 90: return "EMSGSIZE (message too long)"
        case 91: return "EPROTOTYPE (wrong protocol type for socket)"
        case 92: return "ENOPROTOOPT (protocol not available)"
        case 93: return "EPROTONOSUPPORT (protocol not supported)"
        case 95: return "EOPNOTSUPP (operation not supported)"
        case 97: return "EAFNOSUPPORT (address family not supported)"
        case 98: return "EADDRINUSE (address already in use)"
        case 99: return "EADDRNOTAVAIL (cannot assign requested address)"
        case 103: return "ECONNABORTED (connection aborted)"
        case 104: return "ECONNRESET (connection reset by peer)"
        case 105: return "ENOBUFS (no buffer space available)"
        case 106: return "EISCONN (already connected)"
        case 107: return "ENOTCONN (not connected)"
        case 110: return "ETIMEDOUT (timed out)"
        case 111: return "ECONNREFUSED (connection refused)"
        case 114: return "EALREADY (operation already in progress)"
        case 115: return "EINPROGRESS (operation now in progress)"
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

    /// A raw result (from `syscall`) checked as `checkedSyscall` checks it: for calls
    /// made inside `withUnsafe…` closures, which cannot throw a typed error out.
    @discardableResult
    public static func check(_ result: Int) throws(SystemError) -> Int {
        if result < 0 && result >= -4095 {
            throw SystemError(code: -result)
        }
        return result
    }

    /// Makes the call again while it fails with EINTR: a signal handler ran, nothing
    /// else happened, and the caller wants the call made.
    @discardableResult
    static func retryingInterrupts(_ number: Int, _ a0: Int = 0, _ a1: Int = 0, _ a2: Int = 0,
                                   _ a3: Int = 0, _ a4: Int = 0, _ a5: Int = 0) throws(SystemError) -> Int {
        while true {
            let result = interleave_syscall(number, a0, a1, a2, a3, a4, a5)
            if result == -SystemError.interrupted.code { continue }
            return try check(result)
        }
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
