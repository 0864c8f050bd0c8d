// System calls: the numbers (Linux riscv64's, DESIGN decision 3), the errno values, and
// the dispatcher that reads a7 and a0..a5 from the hart and writes the result to a0.
// The calls themselves live beside the subsystem they belong to: FileCalls (streams),
// MemoryCalls (brk, mmap), TimeCalls (clocks, sleep, random, uname), ProcessCalls.

import Machine
import Trace

/// Linux riscv64 system-call numbers this kernel knows by name.
enum SystemCall: UInt64 {
    case ioctl = 29, close = 57, read = 63, write = 64, readv = 65, writev = 66
    case exit = 93, exitGroup = 94, setTIDAddress = 96, futex = 98, nanosleep = 101
    case clockGetTime = 113, clockGetResolution = 114, clockNanosleep = 115, schedYield = 124
    case kill = 129, rtSigaction = 134, rtSigprocmask = 135, uname = 160, getpid = 172, getppid = 173
    case getuid = 174, geteuid = 175, getgid = 176, getegid = 177, gettid = 178
    case brk = 214, munmap = 215, clone = 220, execve = 221, mmap = 222, mprotect = 226, getrandom = 278

    /// Names for the notes about calls the program made that this kernel lacks.
    static func name(of number: UInt64) -> String {
        if let call = SystemCall(rawValue: number) { return "\(call)" }
        if number == Kernel.threadSpawn { return "thread_spawn" }
        if number == Kernel.threadJoin { return "thread_join" }
        if number == Kernel.setPriorityCall { return "set_priority" }
        if number == Kernel.setAffinityCall { return "set_affinity" }
        if number == Kernel.setForegroundCall { return "set_foreground" }
        if number == Kernel.processSpawn { return "process_spawn" }
        if number == Kernel.processWait { return "process_wait" }
        if number == Kernel.postMessage { return "post_message" }
        if number == Kernel.getMessage { return "get_message" }
        if number == Kernel.peekMessage { return "peek_message" }
        if number == Kernel.traceMarkCall { return "trace_mark" }
        if number == Kernel.traceLabelCall { return "trace_label" }
        if number == Kernel.traceEnabledCall { return "trace_enabled" }
        let others: [UInt64: String] = [
            17: "getcwd", 23: "dup", 24: "dup3", 25: "fcntl", 34: "mkdirat", 35: "unlinkat", 46: "ftruncate",
            48: "faccessat", 49: "chdir", 56: "openat", 59: "pipe2", 61: "getdents64", 62: "lseek",
            67: "pread64", 68: "pwrite64", 73: "ppoll", 78: "readlinkat", 79: "newfstatat", 80: "fstat",
            99: "set_robust_list", 131: "tgkill", 139: "rt_sigreturn", 165: "getrusage", 167: "prctl",
            169: "gettimeofday", 198: "socket", 203: "connect", 233: "madvise", 260: "wait4", 261: "prlimit64",
            291: "statx", 293: "rseq",
        ]
        return others[number] ?? "unknown"
    }
}

/// Linux errno values the calls return (negated, in a0).
enum Errno: Int64 {
    case EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, E2BIG = 7, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EEXIST = 17
    case ENODEV = 19, EINVAL = 22, ENOTTY = 25, EDEADLK = 35, ENOSYS = 38, ETIMEDOUT = 110
}

/// What a call gives back: a value for a0, or nothing because the process is gone.
enum SystemCallResult {
    case value(Int64)
    case error(Errno)
    case noReturn
}

/// The six argument registers of a call.
struct SystemCallArguments {
    let a0, a1, a2, a3, a4, a5: UInt64

    init(_ hart: Hart) {
        (a0, a1, a2, a3, a4, a5) = (hart.register(10), hart.register(11), hart.register(12),
                                    hart.register(13), hart.register(14), hart.register(15))
    }

    subscript(_ index: Int) -> UInt64 {
        switch index {
        case 0: a0
        case 1: a1
        case 2: a2
        case 3: a3
        case 4: a4
        default: a5
        }
    }
    func signed(_ index: Int) -> Int64 { Int64(bitPattern: self[index]) }
    /// Argument as a C `int` (the low 32 bits, sign-extended), as the kernel's prototypes say.
    func int32(_ index: Int) -> Int32 { Int32(truncatingIfNeeded: self[index]) }
}

extension Kernel {
    /// The Linux name of a system-call number (`close`), or "unknown".
    public static func systemCallName(_ number: UInt64) -> String { SystemCall.name(of: number) }

    func systemCall(_ hart: Hart, _ thread: Thread) {
        systemCallCount &+= 1
        let process = thread.process
        let number = hart.register(17)
        let arguments = SystemCallArguments(hart)
        let entryCycle = hart.cycle
        let result: SystemCallResult
        switch SystemCall(rawValue: number) {
        case .read?: result = read(arguments)
        case .write?: result = write(arguments)
        case .writev?: result = writeVector(arguments)
        case .exit?:
            finish(thread, status: arguments.int32(0))
            result = .noReturn
        case .exitGroup?:
            kill(process, .exited(status: arguments.int32(0)))
            result = .noReturn
        case .futex?: result = futex(arguments, hart: hart, thread: thread)
        case .brk?: result = setBreak(arguments)
        case .mmap?: result = mapMemory(arguments)
        case .munmap?: result = unmapMemory(arguments)
        case .mprotect?: result = protectMemory(arguments)
        case .clockGetTime?: result = clockGetTime(arguments, hart: hart)
        case .clockGetResolution?: result = clockGetResolution(arguments)
        case .nanosleep?: result = sleep(request: arguments[0], absolute: false, hart: hart, thread: thread)
        case .clockNanosleep?: result = clockSleep(arguments, hart: hart, thread: thread)
        case .getrandom?: result = getRandom(arguments)
        case .uname?: result = uname(arguments)
        case .schedYield?:
            if scheduler.hasReady(for: hart.id, atLeast: scheduler.priority(of: thread)) {
                hart.setRegister(10, 0)
                preempt(thread, on: hart, reason: .yielded)
                result = .noReturn
            } else {
                result = .value(0)
            }
        case .getpid?: result = .value(Int64(process.pid))
        case .gettid?, .setTIDAddress?: result = .value(Int64(thread.tid))
        case .getppid?: result = .value(Int64(process.parentID ?? 0))
        case .getuid?, .geteuid?, .getgid?, .getegid?: result = .value(0)
        case .ioctl?: result = .error(.ENOTTY)
        case nil where number == Kernel.threadSpawn: result = spawnThread(arguments, hart: hart, parent: thread)
        case nil where number == Kernel.threadJoin: result = joinThread(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.setPriorityCall: result = setPriority(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.setAffinityCall: result = setAffinity(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.setForegroundCall: result = setForeground(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.processSpawn: result = spawnProcess(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.processWait: result = waitProcess(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.postMessage: result = postMessage(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.getMessage: result = getMessage(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.peekMessage: result = peekMessage(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.traceMarkCall: result = traceMark(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.traceLabelCall: result = traceLabel(arguments, hart: hart, thread: thread)
        case nil where number == Kernel.traceEnabledCall: result = .value(trace == nil ? 0 : 1)
        default:
            unknownSystemCalls[number, default: 0] += 1
            result = .error(.ENOSYS)
        }
        switch result {
        case .value(let value): hart.setRegister(10, UInt64(bitPattern: value))
        case .error(let errno): hart.setRegister(10, UInt64(bitPattern: -errno.rawValue))
        case .noReturn: break
        }
        if trace != nil, number != Kernel.traceMarkCall, number != Kernel.traceLabelCall {
            // A call that blocked or exited is stamped with the cycle it was made at.
            let value: Int64 = switch result {
            case .value(let value): value
            case .error(let errno): -errno.rawValue
            case .noReturn: 0
            }
            traceEvent(.systemCall(tid: thread.tid, number: UInt32(truncatingIfNeeded: number), result: value),
                       cycle: entryCycle, hart: hart.id)
        }
    }
}
