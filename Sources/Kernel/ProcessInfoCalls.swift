// The calls start-up code makes to learn about its process and tune it (issue 16), with
// Linux's numbers, layouts and errno:
//   readlinkat(dirfd, path, buf, size)   "/proc/self/exe" (and /proc/thread-self/exe,
//       /proc/<pid>/exe) names the program; other paths: EINVAL for a file that exists
//       (the file system has no symbolic links of its own), else the lookup's error
//   sched_getaffinity / sched_setaffinity(tid, size, mask)   the kernel's affinity
//       (bit h: hart h), as Linux's cpu mask of `--harts` CPUs; tid 0 is the caller
//   umask, gettimeofday, prctl (names, dumpable, no_new_privs, death signal, capabilities)
//   setpgid, getpgid, getsid, setsid   process groups and sessions
//   getrusage, times, sysinfo (ResourceUsage.swift); madvise, mremap (MemoryAdvice.swift)
//   rseq, membarrier, clone3   ENOSYS on purpose: glibc and Go carry on without them, so
//       they are not listed in the run's "does not implement" note.

import Machine

extension Kernel {
    /// Calls that answer ENOSYS by design (the libraries fall back), with the reason the
    /// README gives; they stay out of the note about calls this kernel lacks.
    static let deliberatelyUnimplemented: [UInt64: String] = [
        SystemCall.rseq.rawValue: "restartable sequences: glibc registers one only if the kernel has them",
        SystemCall.membarrier.rawValue: "Go and glibc do not need it; the machine without caches is sequentially consistent",
        SystemCall.clone3.rawValue: "glibc and Go fall back to clone",
    ]

    func processInformation(_ number: UInt64, _ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        switch SystemCall(rawValue: number) {
        case .readlinkat?: return readLinkAt(arguments, thread: thread)
        case .schedGetaffinity?: return getAffinityMask(arguments, thread: thread)
        case .schedSetaffinity?: return setAffinityMask(arguments, thread: thread)
        case .umask?:
            let old = thread.process.attributes.fileCreationMask
            thread.process.attributes.fileCreationMask = UInt32(truncatingIfNeeded: arguments[0]) & 0o777
            return .value(Int64(old))
        case .gettimeofday?: return timeOfDay(arguments, hart: hart, thread: thread)
        case .prctl?: return processControl(arguments, thread: thread)
        case .setpgid?: return setProcessGroup(arguments, thread: thread)
        case .getpgid?:
            return processNamed(arguments.int32(0), by: thread).map { .value(Int64($0.processGroupID)) } ?? .error(.ESRCH)
        case .getsid?:
            return processNamed(arguments.int32(0), by: thread).map { .value(Int64($0.sessionID)) } ?? .error(.ESRCH)
        case .setsid?: return setSession(thread: thread)
        case .getrusage?: return resourceUsage(arguments, hart: hart, thread: thread)
        case .times?: return processTimes(arguments, hart: hart, thread: thread)
        case .sysinfo?: return systemInformation(arguments, hart: hart, thread: thread)
        case .madvise?: return adviseMemory(arguments, thread: thread)
        case .mremap?: return remapMemory(arguments, thread: thread)
        case .rseq?, .membarrier?: return .error(.ENOSYS)
        default: return notImplemented(number)
        }
    }

    // MARK: readlinkat

    /// readlinkat(dirfd, path, buf, bufsiz): the link's text, not NUL-terminated, cut at bufsiz.
    func readLinkAt(_ arguments: SystemCallArguments, thread: Thread) -> SystemCallResult {
        let size = arguments.int32(3)
        guard size > 0 else { return .error(.EINVAL) }
        let path: [UInt8]
        switch pathArgument(arguments[1], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let bytes): path = bytes
        }
        let target: String
        if let process = processForExecutableLink(path, thread: thread) {
            target = process.executablePath
        } else {
            switch locate(arguments.int32(0), path: path, thread: thread) {
            case .failure(let errno): return .error(errno)
            case .success(let location): return .error(location.existing == nil ? .ENOENT : .EINVAL)
            }
        }
        let bytes = Array(Array(target.utf8).prefix(Int(size)))
        guard case .success = thread.process.addressSpace.copyOut(bytes, to: arguments[2]) else { return .error(.EFAULT) }
        return .value(Int64(bytes.count))
    }

    /// The process whose executable `path` names: /proc/self/exe, /proc/thread-self/exe,
    /// /proc/<pid>/exe of a live process, or /proc/self/task/<tid>/exe.
    private func processForExecutableLink(_ path: [UInt8], thread: Thread) -> Process? {
        let parts = path.split(separator: 0x2F, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
        guard path.first == 0x2F, parts.count >= 3, parts[0] == "proc", parts.last == "exe" else { return nil }
        let owner: Process?
        switch parts[1] {
        case "self", "thread-self": owner = thread.process
        default: owner = Int32(parts[1]).flatMap { processNamed($0, by: thread) }
        }
        guard let owner else { return nil }
        if parts.count == 3 { return owner }
        guard parts.count == 5, parts[2] == "task", let tid = Int32(parts[3]),
              owner.liveThreads[tid] != nil else { return nil }
        return owner
    }

    // MARK: Affinity

    /// Bytes of Linux's cpu mask for this machine: one 64-bit word (at most 64 harts).
    private var cpuMaskSize: UInt64 { 8 }
    private var existingHarts: UInt64 { configuration.harts >= 64 ? .max : (1 << UInt64(configuration.harts)) - 1 }

    /// The live thread `tid` names (0: the caller), in any process, as Linux lets root.
    private func affinityTarget(_ tid: Int32, for caller: Thread) -> Thread? {
        if tid == 0 { return caller }
        guard let target = threads[tid], !target.isExited else { return nil }
        return target
    }

    /// sched_getaffinity(tid, size, mask): the mask's size in bytes written (Linux's return).
    func getAffinityMask(_ arguments: SystemCallArguments, thread: Thread) -> SystemCallResult {
        let size = UInt32(truncatingIfNeeded: arguments[1])   // an unsigned int in Linux's prototype
        guard (size &* 8) >= UInt32(configuration.harts), size & 7 == 0 else { return .error(.EINVAL) }
        guard let target = affinityTarget(arguments.int32(0), for: thread) else { return .error(.ESRCH) }
        let count = min(UInt64(size), cpuMaskSize)
        let bytes = littleEndianBytes(target.affinity & existingHarts, count: Int(count))
        guard case .success = thread.process.addressSpace.copyOut(bytes, to: arguments[2]) else { return .error(.EFAULT) }
        return .value(Int64(count))
    }

    /// sched_setaffinity(tid, size, mask): a shorter mask is zero-extended, a longer one cut;
    /// the harts it names that exist must not be none (EINVAL).
    func setAffinityMask(_ arguments: SystemCallArguments, thread: Thread) -> SystemCallResult {
        let count = Int(min(UInt64(UInt32(truncatingIfNeeded: arguments[1])), cpuMaskSize))
        var mask: UInt64 = 0
        if count > 0 {
            guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: arguments[2], count: count) else {
                return .error(.EFAULT)
            }
            mask = littleEndianWord(bytes, at: 0, count: count)
        }
        guard let target = affinityTarget(arguments.int32(0), for: thread) else { return .error(.ESRCH) }
        mask &= existingHarts
        guard mask != 0 else { return .error(.EINVAL) }
        target.affinity = mask == existingHarts ? .max : mask
        rescheduleAfterChange(of: target)
        return .value(0)
    }

    // MARK: gettimeofday

    /// gettimeofday(tv, tz): CLOCK_REALTIME in microseconds; the time zone is UTC.
    func timeOfDay(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let space = thread.process.addressSpace
        if arguments[0] != 0 {
            let (seconds, nanoseconds) = clockReading(hart, realtime: true)
            let bytes = littleEndianBytes(seconds) + littleEndianBytes(nanoseconds / 1000)
            guard case .success = space.copyOut(bytes, to: arguments[0]) else { return .error(.EFAULT) }
        }
        if arguments[1] != 0 {
            guard case .success = space.copyOut([UInt8](repeating: 0, count: 8), to: arguments[1]) else { return .error(.EFAULT) }
        }
        return .value(0)
    }

    // MARK: prctl

    static let PR_SET_PDEATHSIG: Int32 = 1, PR_GET_PDEATHSIG: Int32 = 2, PR_GET_DUMPABLE: Int32 = 3
    static let PR_SET_DUMPABLE: Int32 = 4, PR_SET_NAME: Int32 = 15, PR_GET_NAME: Int32 = 16
    static let PR_CAPBSET_READ: Int32 = 23, PR_SET_NO_NEW_PRIVS: Int32 = 38, PR_GET_NO_NEW_PRIVS: Int32 = 39
    /// Linux's highest capability (CAP_CHECKPOINT_RESTORE) and a thread name's length with its NUL.
    static let lastCapability: UInt64 = 40, threadNameSize = 16

    /// A thread's name as PR_GET_NAME and the trace give it: what PR_SET_NAME set, else
    /// the program's name, at most 15 bytes.
    func threadName(_ thread: Thread) -> [UInt8] {
        thread.name ?? Array(Array(thread.process.name.utf8).prefix(Kernel.threadNameSize - 1))
    }

    /// prctl(option, arg2, ...): the options start-up code and servers use; others EINVAL,
    /// as Linux answers an option it does not know.
    func processControl(_ arguments: SystemCallArguments, thread: Thread) -> SystemCallResult {
        let process = thread.process
        switch arguments.int32(0) {
        case Kernel.PR_SET_NAME:
            guard case .success(let bytes) = process.addressSpace.copyInString(from: arguments[1], limit: Kernel.threadNameSize - 1) else {
                return .error(.EFAULT)
            }
            thread.name = bytes
            return .value(0)
        case Kernel.PR_GET_NAME:
            let name = threadName(thread)
            let bytes = name + [UInt8](repeating: 0, count: Kernel.threadNameSize - name.count)
            guard case .success = process.addressSpace.copyOut(bytes, to: arguments[1]) else { return .error(.EFAULT) }
            return .value(0)
        case Kernel.PR_GET_DUMPABLE: return .value(process.attributes.dumpable ? 1 : 0)
        case Kernel.PR_SET_DUMPABLE:
            guard arguments[1] <= 1 else { return .error(.EINVAL) }
            process.attributes.dumpable = arguments[1] == 1
            return .value(0)
        case Kernel.PR_SET_NO_NEW_PRIVS:
            guard arguments[1] == 1, arguments[2] == 0, arguments[3] == 0, arguments[4] == 0 else { return .error(.EINVAL) }
            process.attributes.noNewPrivileges = true
            return .value(0)
        case Kernel.PR_GET_NO_NEW_PRIVS:
            guard arguments[1] == 0, arguments[2] == 0, arguments[3] == 0, arguments[4] == 0 else { return .error(.EINVAL) }
            return .value(process.attributes.noNewPrivileges ? 1 : 0)
        case Kernel.PR_SET_PDEATHSIG:
            guard arguments[1] <= UInt64(SignalState.signalCount) else { return .error(.EINVAL) }
            process.attributes.parentDeathSignal = Int32(arguments[1])
            return .value(0)
        case Kernel.PR_GET_PDEATHSIG:
            let bytes = littleEndianBytes(UInt64(process.attributes.parentDeathSignal), count: 4)
            guard case .success = process.addressSpace.copyOut(bytes, to: arguments[1]) else { return .error(.EFAULT) }
            return .value(0)
        case Kernel.PR_CAPBSET_READ:
            // Every program runs as root with every capability in its bounding set.
            return arguments[1] <= Kernel.lastCapability ? .value(1) : .error(.EINVAL)
        default:
            return .error(.EINVAL)
        }
    }

    /// A process that has just ended sends each live child that asked for it
    /// (PR_SET_PDEATHSIG) its death signal.
    func sendParentDeathSignals(of process: Process) {
        for childID in process.children {
            guard let child = processTable[childID], !child.hasEnded, child.attributes.parentDeathSignal != 0 else { continue }
            sendSignal(child.attributes.parentDeathSignal, to: child, from: nil)
        }
    }

    // MARK: Process groups and sessions

    /// The live process `pid` names (0: the caller's).
    func processNamed(_ pid: Int32, by thread: Thread) -> Process? {
        if pid == 0 { return thread.process }
        guard pid > 0, let process = processTable[pid], !process.hasEnded else { return nil }
        return process
    }

    /// setpgid(pid, pgid), with Linux's checks: the caller or a child of its (ESRCH), not a
    /// session leader and in the caller's session (EPERM), into its own new group or a
    /// group that exists in that session (EPERM).
    func setProcessGroup(_ arguments: SystemCallArguments, thread: Thread) -> SystemCallResult {
        let caller = thread.process
        let pid = arguments.int32(0) == 0 ? caller.pid : arguments.int32(0)
        let group = arguments.int32(1) == 0 ? pid : arguments.int32(1)
        guard group >= 0 else { return .error(.EINVAL) }
        guard let target = processNamed(pid, by: thread), target === caller || target.parentID == caller.pid else {
            return .error(.ESRCH)
        }
        guard target.sessionID != target.pid, target.sessionID == caller.sessionID else { return .error(.EPERM) }
        if group != target.pid {
            let exists = liveProcesses.contains { !$0.hasEnded && $0.processGroupID == group && $0.sessionID == caller.sessionID }
            guard exists else { return .error(.EPERM) }
        }
        target.processGroupID = group
        return .value(0)
    }

    /// setsid(): a new session and group led by the caller, unless it leads a group already.
    func setSession(thread: Thread) -> SystemCallResult {
        let process = thread.process
        let leadsGroup = liveProcesses.contains { !$0.hasEnded && $0.processGroupID == process.pid }
        guard !leadsGroup else { return .error(.EPERM) }
        process.processGroupID = process.pid
        process.sessionID = process.pid
        return .value(Int64(process.pid))
    }
}
