// System calls: the numbers (Linux riscv64's, DESIGN decision 3), the errno values, and
// the dispatcher that reads a7 and a0..a5 from the hart and writes the result to a0.
// The calls themselves live beside the subsystem they belong to:
// MemoryCalls (brk, mmap), TimeCalls (clocks, sleep, random, uname), ProcessCalls, and IO/
// (descriptors, files, pipes, sockets, readiness).

import Machine
import Trace

/// Linux riscv64 system-call numbers this kernel knows by name.
enum SystemCall: UInt64 {
    case getcwd = 17, eventfd2 = 19, epollCreate1 = 20, epollCtl = 21, epollPwait = 22, dup = 23, dup3 = 24, fcntl = 25
    case ioctl = 29, mkdirat = 34, unlinkat = 35, ftruncate = 46, faccessat = 48, chdir = 49, openat = 56
    case close = 57, pipe2 = 59, getdents64 = 61, lseek = 62, read = 63, write = 64, readv = 65, writev = 66
    case pread64 = 67, pwrite64 = 68, pselect6 = 72, ppoll = 73, newfstatat = 79, fstat = 80, fsync = 82, fdatasync = 83
    case getrlimit = 163, setrlimit = 164
    case socket = 198, socketpair = 199, bind = 200, listen = 201, accept = 202, connect = 203, getsockname = 204
    case getpeername = 205, sendto = 206, recvfrom = 207, setsockopt = 208, getsockopt = 209, shutdown = 210
    case sendmsg = 211, recvmsg = 212, accept4 = 242, prlimit64 = 261, renameat2 = 276, epollPwait2 = 441
    case exit = 93, exitGroup = 94, setTIDAddress = 96, futex = 98, nanosleep = 101
    case clockGetTime = 113, clockGetResolution = 114, clockNanosleep = 115, schedYield = 124
    case kill = 129, rtSigaction = 134, rtSigprocmask = 135, uname = 160, getpid = 172, getppid = 173
    case getuid = 174, geteuid = 175, getgid = 176, getegid = 177, gettid = 178
    case brk = 214, munmap = 215, clone = 220, execve = 221, mmap = 222, mprotect = 226, getrandom = 278
    // Issue 16: what static glibc and Go programs ask for.
    case readlinkat = 78, waitid = 95, setRobustList = 99, getRobustList = 100
    case schedSetaffinity = 122, schedGetaffinity = 123, tkill = 130, tgkill = 131, sigaltstack = 132
    case rtSigsuspend = 133, rtSigpending = 136, rtSigtimedwait = 137, rtSigreturn = 139
    case times = 153, setpgid = 154, getpgid = 155, getsid = 156, setsid = 157, getrusage = 165, umask = 166
    case prctl = 167, gettimeofday = 169, sysinfo = 179, mremap = 216, madvise = 233, wait4 = 260
    case membarrier = 283, rseq = 293, clone3 = 435
    case rtSigqueueinfo = 138, rtTgsigqueueinfo = 240

    /// The call's name as Linux spells it (`rt_sigaction`, `clock_gettime`).
    var linuxName: String {
        switch self {
        case .clockGetTime: return "clock_gettime"
        case .clockGetResolution: return "clock_getres"
        case .setTIDAddress: return "set_tid_address"
        default:
            var name = ""
            for character in "\(self)" {
                if character.isUppercase { name += "_" + character.lowercased() } else { name.append(character) }
            }
            return name
        }
    }

    /// Names for the notes about calls the program made that this kernel lacks.
    static func name(of number: UInt64) -> String {
        if let call = SystemCall(rawValue: number) { return call.linuxName }
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
        if number >= Kernel.acceleratorCreate, number <= Kernel.acceleratorWait {
            return ["accel_create", "accel_destroy", "accel_alloc", "accel_free", "accel_copy_in", "accel_copy_out",
                    "accel_submit", "accel_wait"][Int(number - Kernel.acceleratorCreate)]
        }
        let others: [UInt64: String] = [
            0: "io_setup", 26: "inotify_init1", 32: "flock", 38: "renameat", 43: "statfs", 44: "fstatfs", 47: "fallocate",
            50: "fchdir", 52: "fchmod", 53: "fchmodat", 54: "fchownat", 55: "fchown", 69: "preadv", 70: "pwritev",
            71: "sendfile", 74: "signalfd4", 76: "splice", 81: "sync", 85: "timerfd_create", 86: "timerfd_settime",
            87: "timerfd_gettime", 88: "utimensat", 90: "capget", 91: "capset", 102: "getitimer", 103: "setitimer",
            107: "timer_create", 108: "timer_gettime", 109: "timer_getoverrun", 110: "timer_settime", 111: "timer_delete",
            117: "ptrace", 118: "sched_setparam", 119: "sched_setscheduler", 120: "sched_getscheduler",
            121: "sched_getparam", 125: "sched_get_priority_max", 126: "sched_get_priority_min",
            127: "sched_rr_get_interval", 140: "setpriority", 141: "getpriority", 142: "reboot", 143: "setregid",
            144: "setgid", 145: "setreuid", 146: "setuid", 147: "setresuid", 148: "getresuid", 149: "setresgid",
            150: "getresgid", 158: "getgroups", 159: "setgroups", 161: "sethostname", 168: "getcpu", 170: "settimeofday",
            180: "mq_open", 194: "shmget", 195: "shmctl", 196: "shmat", 197: "shmdt", 227: "msync", 228: "mlock",
            229: "munlock", 230: "mlockall", 231: "munlockall", 232: "mincore", 258: "riscv_hwprobe",
            259: "riscv_flush_icache", 277: "seccomp", 279: "memfd_create", 281: "execveat", 284: "mlock2",
            285: "copy_file_range", 286: "preadv2", 287: "pwritev2", 291: "statx", 424: "pidfd_send_signal",
            425: "io_uring_setup", 434: "pidfd_open", 436: "close_range", 437: "openat2", 439: "faccessat2",
            449: "futex_waitv",
        ]
        return others[number] ?? "unknown"
    }
}

/// Linux errno values the calls return (negated, in a0).
enum Errno: Int64, Error {
    case EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11
    case ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21
    case EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31
    case EPIPE = 32, ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40
    case ENOTSOCK = 88, EDESTADDRREQ = 89, EMSGSIZE = 90, EPROTOTYPE = 91, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93
    case ESOCKTNOSUPPORT = 94, EOPNOTSUPP = 95, EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99
    case ENETDOWN = 100, ENETUNREACH = 101, ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106
    case ENOTCONN = 107, ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTUNREACH = 113, EALREADY = 114, EINPROGRESS = 115
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

    init(_ registers: (a0: UInt64, a1: UInt64, a2: UInt64, a3: UInt64, a4: UInt64, a5: UInt64)) {
        (a0, a1, a2, a3, a4, a5) = registers
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
    /// A call this kernel lacks: ENOSYS, counted for the note the run prints at its end.
    func notImplemented(_ number: UInt64) -> SystemCallResult {
        if Kernel.deliberatelyUnimplemented[number] == nil { unknownSystemCalls[number, default: 0] += 1 }
        return .error(.ENOSYS)
    }

    /// The Linux name of a system-call number (`close`), or "unknown".
    public static func systemCallName(_ number: UInt64) -> String { SystemCall.name(of: number) }

    func systemCall(_ hart: Hart, _ thread: Thread, _ process: Process) {
        systemCallCount &+= 1
        let number = hart.register(17)
        let arguments = SystemCallArguments(hart.argumentRegisters())
        let entryCycle = hart.cycle
        // A call that blocked for I/O runs again from the start when woken (WaitQueue.swift).
        thread.callRestarted = thread.restartsCall
        thread.restartsCall = false
        thread.callFirstArgument = arguments.a0   // Linux's orig_a0: a call a signal cuts short may run again
        let result: SystemCallResult
        switch SystemCall(rawValue: number) {
        case .read?: result = read(arguments, hart: hart, thread: thread)
        case .write?: result = write(arguments, hart: hart, thread: thread)
        case .readv?: result = readVector(arguments, hart: hart, thread: thread)
        case .writev?: result = writeVector(arguments, hart: hart, thread: thread)
        case .close?: result = close(arguments, hart: hart, thread: thread)
        case .dup?: result = duplicate(arguments, hart: hart, thread: thread)
        case .dup3?: result = duplicate3(arguments, hart: hart, thread: thread)
        case .fcntl?: result = fileControl(arguments, hart: hart, thread: thread)
        case .prlimit64?: result = resourceLimit(arguments, hart: hart, thread: thread)
        case .getrlimit?: result = getResourceLimit(arguments, hart: hart, thread: thread)
        case .setrlimit?: result = setResourceLimit(arguments, hart: hart, thread: thread)
        case .openat?: result = openAt(arguments, hart: hart, thread: thread)
        case .pread64?: result = positionalRead(arguments, hart: hart, thread: thread)
        case .pwrite64?: result = positionalWrite(arguments, hart: hart, thread: thread)
        case .lseek?: result = seek(arguments, hart: hart, thread: thread)
        case .fstat?: result = fileStatus(arguments, hart: hart, thread: thread)
        case .newfstatat?: result = fileStatusAt(arguments, hart: hart, thread: thread)
        case .getdents64?: result = directoryEntries(arguments, hart: hart, thread: thread)
        case .mkdirat?: result = makeDirectory(arguments, hart: hart, thread: thread)
        case .unlinkat?: result = unlinkAt(arguments, hart: hart, thread: thread)
        case .renameat2?: result = renameAt(arguments, hart: hart, thread: thread)
        case .ftruncate?: result = truncateFile(arguments, hart: hart, thread: thread)
        case .fsync?, .fdatasync?: result = synchronize(arguments, hart: hart, thread: thread)
        case .getcwd?: result = workingDirectory(arguments, hart: hart, thread: thread)
        case .chdir?: result = changeDirectory(arguments, hart: hart, thread: thread)
        case .faccessat?: result = accessAt(arguments, hart: hart, thread: thread)
        case .pipe2?: result = makePipe(arguments, hart: hart, thread: thread)
        case .eventfd2?: result = makeEventCounter(arguments, hart: hart, thread: thread)
        case .rtSigaction?: result = signalAction(arguments, hart: hart, thread: thread)
        case .rtSigprocmask?: result = signalMask(arguments, hart: hart, thread: thread)
        case .socket?: result = socket(arguments, hart: hart, thread: thread)
        case .socketpair?: result = socketPair(arguments, hart: hart, thread: thread)
        case .bind?: result = bind(arguments, hart: hart, thread: thread)
        case .listen?: result = listen(arguments, hart: hart, thread: thread)
        case .accept?: result = accept(arguments, hart: hart, thread: thread, withFlags: false)
        case .accept4?: result = accept(arguments, hart: hart, thread: thread, withFlags: true)
        case .connect?: result = connect(arguments, hart: hart, thread: thread)
        case .getsockname?: result = socketName(arguments, hart: hart, thread: thread, peer: false)
        case .getpeername?: result = socketName(arguments, hart: hart, thread: thread, peer: true)
        case .sendto?: result = sendTo(arguments, hart: hart, thread: thread)
        case .recvfrom?: result = receiveFrom(arguments, hart: hart, thread: thread)
        case .sendmsg?: result = sendMessage(arguments, hart: hart, thread: thread)
        case .recvmsg?: result = receiveMessage(arguments, hart: hart, thread: thread)
        case .setsockopt?: result = setSocketOption(arguments, hart: hart, thread: thread)
        case .getsockopt?: result = getSocketOption(arguments, hart: hart, thread: thread)
        case .shutdown?: result = shutdown(arguments, hart: hart, thread: thread)
        case .pselect6?: result = selectDescriptors(arguments, hart: hart, thread: thread)
        case .ppoll?: result = pollDescriptors(arguments, hart: hart, thread: thread)
        case .epollCreate1?: result = epollCreate(arguments, hart: hart, thread: thread)
        case .epollCtl?: result = epollControl(arguments, hart: hart, thread: thread)
        case .epollPwait?: result = epollWait(arguments, hart: hart, thread: thread, timespec: false)
        case .epollPwait2?: result = epollWait(arguments, hart: hart, thread: thread, timespec: true)
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
            if schedulePoints.isOn {
                result = yieldUnderSchedulePoints(hart, thread)   // ScheduleHook.swift
            } else if !scheduler.isSingleTasking {
                // One look at the queue: the thread it finds is the one dispatch would take.
                if let next = scheduler.next(for: hart.id, atLeast: scheduler.priority(of: thread)) {
                    hart.setRegister(10, 0)
                    preempt(thread, on: hart, reason: .yielded, next: next)
                    result = .noReturn
                } else {
                    result = .value(0)
                }
            } else if scheduler.hasReady(for: hart.id, atLeast: scheduler.priority(of: thread)) {
                hart.setRegister(10, 0)
                preempt(thread, on: hart, reason: .yielded)   // dispatch may move single-tasking's turn first
                result = .noReturn
            } else {
                result = .value(0)
            }
        case .getpid?: result = .value(Int64(process.pid))
        case .gettid?: result = .value(Int64(thread.tid))
        // Threads and processes the Linux way (Clone.swift, Fork.swift, Exec.swift, ProcessWait.swift).
        case .clone?: result = clone(arguments, hart: hart, thread: thread)
        case .clone3?: result = .error(.ENOSYS)   // glibc and Go fall back to clone
        case .setTIDAddress?: result = setThreadIDAddress(arguments, hart: hart, thread: thread)
        case .setRobustList?: result = setRobustList(arguments, hart: hart, thread: thread)
        case .getRobustList?: result = getRobustList(arguments, hart: hart, thread: thread)
        case .execve?: result = execute(arguments, hart: hart, thread: thread)
        case .wait4?: result = wait4(arguments, hart: hart, thread: thread)
        case .waitid?: result = waitID(arguments, hart: hart, thread: thread)
        // Signals (IO/SignalCalls.swift, SignalDelivery.swift).
        case .kill?: result = killCall(arguments, hart: hart, thread: thread)
        case .tkill?: result = threadKill(arguments, hart: hart, thread: thread, group: false)
        case .tgkill?: result = threadKill(arguments, hart: hart, thread: thread, group: true)
        case .sigaltstack?: result = alternateSignalStack(arguments, hart: hart, thread: thread)
        case .rtSigreturn?: result = signalReturn(arguments, hart: hart, thread: thread)
        case .rtSigsuspend?: result = signalSuspend(arguments, hart: hart, thread: thread)
        case .rtSigpending?: result = signalsPending(arguments, hart: hart, thread: thread)
        case .rtSigtimedwait?: result = signalTimedWait(arguments, hart: hart, thread: thread)
        case .rtSigqueueinfo?: result = queueSignal(arguments, hart: hart, thread: thread, toThread: false)
        case .rtTgsigqueueinfo?: result = queueSignal(arguments, hart: hart, thread: thread, toThread: true)
        // What start-up code asks about the process (ProcessInfoCalls.swift).
        case .readlinkat?, .schedSetaffinity?, .schedGetaffinity?, .times?, .setpgid?, .getpgid?, .getsid?, .setsid?,
             .getrusage?, .umask?, .prctl?, .gettimeofday?, .sysinfo?, .mremap?, .madvise?, .membarrier?, .rseq?:
            result = processInformation(number, arguments, hart: hart, thread: thread)
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
        case nil where number >= Kernel.acceleratorCreate && number <= Kernel.acceleratorWait:
            result = acceleratorCall(number, arguments, hart: hart, thread: thread)   // AcceleratorCalls.swift
        default:
            result = notImplemented(number)
        }
        switch result {
        case .value(let value): hart.setRegister(10, UInt64(bitPattern: value))
        case .error(let errno): hart.setRegister(10, UInt64(bitPattern: -errno.rawValue))
        case .noReturn: break
        }
        if thread.savedSignalMask != nil || thread.interruptedCall != nil || !thread.pending.isEmpty
            || !process.sharedPending.isEmpty { settleSignalsAfterCall(thread, result) }
        if trace != nil, number != Kernel.traceMarkCall, number != Kernel.traceLabelCall {
            // A call that blocked or exited is stamped with the cycle it was made at.
            let value: Int64 = switch result {
            case .value(let value): value
            case .error(let errno): -errno.rawValue
            case .noReturn: 0
            }
            traceEvent(.systemCall(tid: thread.tid, number: UInt32(truncatingIfNeeded: number), result: value),
                       cycle: entryCycle, hart: hart.id)
            traceIOCall(number, arguments, result: result, thread: thread, hart: hart)
        }
    }
}
