// wait4 and waitid: a parent collects a child's ending the Linux way (issue 16), beside
// the kernel's own process_wait (ProcessCalls.swift).
//   wait4(pid, wstatus, options, rusage) → the child's pid, 0 with WNOHANG when none has
//     ended: pid > 0 that child, -1 any, 0 any in the caller's process group, < -1 any in
//     group -pid; options WNOHANG, WUNTRACED (a child stopped by a signal, status
//     sig << 8 | 0x7f), WCONTINUED (one continued by SIGCONT, status 0xffff), __WCLONE,
//     __WALL, __WNOTHREAD.
//   waitid(idtype, id, infop, options, rusage) → 0: P_ALL, P_PID, P_PGID (id 0: the
//     caller's group); WEXITED, WSTOPPED, WCONTINUED, WNOHANG, WNOWAIT (the child stays
//     as it was, to be collected again); the siginfo it fills says CLD_EXITED, CLD_KILLED,
//     CLD_STOPPED or CLD_CONTINUED, with the pid and the status or signal.
// The status word and siginfo follow ProcessEnding.waitStatus: exit status << 8, or the
// signal that ended the child. rusage gets the child's (and its reaped children's) run
// time as user time, its peak memory and its page faults; the rest is zero. A child
// whose ending nobody waits for stays a zombie; a parent that ignores SIGCHLD (SIG_IGN or
// SA_NOCLDWAIT) never has zombies. A caller that must wait blocks on its process's
// queue of child events and runs the call again when a child ends (IO/WaitQueue.swift),
// so signals can interrupt it like any blocking call.

import Machine

/// SIGCHLD and the sigaction flag that keeps a parent from having zombies.
private enum ChildSignal {
    static let SIGCHLD: Int32 = 17, SIGCONT: Int32 = 18
    static let SA_NOCLDWAIT: UInt64 = 2
}

/// What a wait collects about a child: its end, a stop, or a continue.
enum ChildEvent: Equatable {
    case ended(ProcessEnding)
    case stopped(signal: Int32)
    case continued
}

/// Which children a wait takes.
enum ChildSelector: Equatable {
    case any
    case process(Int32)
    case group(Int32)
}

extension Kernel {
    static let WNOHANG: UInt64 = 1, WUNTRACED: UInt64 = 2, WEXITED: UInt64 = 4, WCONTINUED: UInt64 = 8
    static let WNOWAIT: UInt64 = 0x100_0000, WNOTHREAD: UInt64 = 0x2000_0000, WALL: UInt64 = 0x4000_0000
    static let WCLONE: UInt64 = 0x8000_0000
    static let P_ALL: Int32 = 0, P_PID: Int32 = 1, P_PGID: Int32 = 2
    /// siginfo's si_code for SIGCHLD.
    static let CLD_EXITED: Int32 = 1, CLD_KILLED: Int32 = 2, CLD_STOPPED: Int32 = 5, CLD_CONTINUED: Int32 = 6
    /// sizeof(struct rusage) and sizeof(siginfo_t) on riscv64.
    static let rusageSize = 144, siginfoSize = 128

    func wait4(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let pid = arguments.int32(0), statusAddress = arguments[1], options = arguments[2] & 0xFFFF_FFFF
        let usageAddress = arguments[3]
        let known = Kernel.WNOHANG | Kernel.WUNTRACED | Kernel.WCONTINUED | Kernel.WNOTHREAD | Kernel.WCLONE | Kernel.WALL
        guard options & ~known == 0 else { return .error(.EINVAL) }
        guard pid != Int32.min else { return .error(.ESRCH) }
        let selector: ChildSelector = pid > 0 ? .process(pid) : pid == -1 ? .any
            : .group(pid == 0 ? thread.process.processGroupID : -pid)
        return waitForChild(selector, options: options | Kernel.WEXITED, hart: hart, thread: thread, call: "wait4",
                            collect: { child, event in
            let status: Int32
            switch event {
            case .ended(let ending):
                status = ending.waitStatus
                self.raceLogJoinProcess(thread, pid: child.pid)
                _ = self.reap(child, by: thread.process, statusAddress: 0)
            case .stopped(let signal): status = signal << 8 | 0x7F
            case .continued: status = 0xFFFF
            }
            if statusAddress != 0,
               case .failure = thread.process.addressSpace.copyOut(Array(littleEndianBytes(UInt64(UInt32(bitPattern: status))).prefix(4)), to: statusAddress) {
                return .error(.EFAULT)
            }
            if usageAddress != 0, case .failure = thread.process.addressSpace.copyOut(self.resourceUsage(of: child), to: usageAddress) {
                return .error(.EFAULT)
            }
            return .value(Int64(child.pid))
        }, nothingYet: { .value(0) })
    }

    func waitID(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let idType = arguments.int32(0), id = arguments.int32(1), infoAddress = arguments[2]
        let options = arguments[3] & 0xFFFF_FFFF, usageAddress = arguments[4]
        let known = Kernel.WNOHANG | Kernel.WUNTRACED | Kernel.WEXITED | Kernel.WCONTINUED | Kernel.WNOWAIT
            | Kernel.WNOTHREAD | Kernel.WCLONE | Kernel.WALL
        guard options & ~known == 0, options & (Kernel.WEXITED | Kernel.WUNTRACED | Kernel.WCONTINUED) != 0 else {
            return .error(.EINVAL)
        }
        let selector: ChildSelector
        switch idType {
        case Kernel.P_ALL: selector = .any
        case Kernel.P_PID:
            guard id > 0 else { return .error(.EINVAL) }
            selector = .process(id)
        case Kernel.P_PGID:
            guard id >= 0 else { return .error(.EINVAL) }
            selector = .group(id == 0 ? thread.process.processGroupID : id)
        default: return .error(.EINVAL)   // P_PIDFD: this kernel has no pidfds
        }
        let space = thread.process.addressSpace
        return waitForChild(selector, options: options, hart: hart, thread: thread, call: "waitid", collect: { child, event in
            let code: Int32, status: Int32
            switch event {
            case .ended(let ending):
                (code, status) = ending.childCode
                self.raceLogJoinProcess(thread, pid: child.pid)
                if options & Kernel.WNOWAIT == 0 { _ = self.reap(child, by: thread.process, statusAddress: 0) }
            case .stopped(let signal): (code, status) = (Kernel.CLD_STOPPED, signal)
            case .continued: (code, status) = (Kernel.CLD_CONTINUED, ChildSignal.SIGCONT)
            }
            let cycles = child.endedThreadCycles &+ child.reapedChildrenCycles
            if infoAddress != 0 {
                var info = [UInt8](repeating: 0, count: Kernel.siginfoSize)
                func put(_ value: UInt64, at offset: Int, count: Int) {
                    info.replaceSubrange(offset..<offset + count, with: littleEndianBytes(value, count: count))
                }
                put(UInt64(ChildSignal.SIGCHLD), at: 0, count: 4)
                put(UInt64(UInt32(bitPattern: code)), at: 8, count: 4)
                put(UInt64(UInt32(bitPattern: child.pid)), at: 16, count: 4)
                put(UInt64(UInt32(bitPattern: status)), at: 24, count: 4)
                put(self.clockTicks(cycles), at: 32, count: 8)   // si_utime; si_stime stays 0
                guard case .success = space.copyOut(info, to: infoAddress) else { return .error(.EFAULT) }
            }
            if usageAddress != 0, case .failure = space.copyOut(self.resourceUsage(of: child), to: usageAddress) {
                return .error(.EFAULT)
            }
            return .value(0)
        }, nothingYet: {
            // As Linux: si_signo, si_errno, si_code, si_pid, si_uid and si_status zeroed.
            if infoAddress != 0, case .failure = space.copyOut([UInt8](repeating: 0, count: 28), to: infoAddress) {
                return .error(.EFAULT)
            }
            return .value(0)
        })
    }

    /// The common part of wait4 and waitid: ECHILD when no child matches; the first
    /// matching child (oldest first) with something the options ask for — its end, an
    /// unreported stop, an unreported continue, in Linux's order — goes to `collect` (a
    /// stop or continue is then reported, unless WNOWAIT); with WNOHANG `nothingYet`
    /// answers; otherwise the thread waits for a child to change and runs the call again.
    private func waitForChild(_ selector: ChildSelector, options: UInt64, hart: Hart, thread: Thread, call: String,
                              collect: (Process, ChildEvent) -> SystemCallResult, nothingYet: () -> SystemCallResult) -> SystemCallResult {
        let parent = thread.process
        let matching = parent.children.compactMap { processTable[$0] }.filter { child in
            switch selector {
            case .any: break
            case .process(let pid): if child.pid != pid { return false }
            case .group(let group): if child.processGroupID != group { return false }
            }
            // Linux: a child whose exit signal is not SIGCHLD is a "clone" child, seen only
            // with __WCLONE; __WALL sees every child.
            return options & Kernel.WALL != 0 || (child.exitSignal != ChildSignal.SIGCHLD) == (options & Kernel.WCLONE != 0)
        }
        guard !matching.isEmpty else { return .error(.ECHILD) }
        let keep = options & Kernel.WNOWAIT != 0
        for child in matching {
            if let ending = child.ending {
                if options & Kernel.WEXITED != 0 { return collect(child, .ended(ending)) }
            } else if let signal = child.unreportedStop, options & Kernel.WUNTRACED != 0 {
                if !keep { child.unreportedStop = nil }
                return collect(child, .stopped(signal: signal))
            } else if child.unreportedContinue, options & Kernel.WCONTINUED != 0 {
                if !keep { child.unreportedContinue = false }
                return collect(child, .continued)
            }
        }
        if options & Kernel.WNOHANG != 0 { return nothingYet() }
        let what: String = switch selector {
        case .any: "\(call) for any child"
        case .process(let pid): "\(call) for child \(pid)"
        case .group(let group): "\(call) for a child in process group \(group)"
        }
        blockForIO(thread, on: hart, queues: [parent.childWaiters], what)
        return .noReturn
    }

    /// A child of `parent` was stopped by `signal` (SignalDelivery.swift): wait4 with
    /// WUNTRACED and waitid with WSTOPPED may report it once.
    func childStopped(_ child: Process, parent: Process, signal: Int32) {
        child.unreportedStop = signal
        child.unreportedContinue = false
        parent.childWaiters.wake(.input, IOContext(kernel: self, cycle: currentCycle, thread: nil, hart: nil))
    }

    /// A stopped child of `parent` was continued by SIGCONT: WCONTINUED may report it once.
    func childContinued(_ child: Process, parent: Process) {
        child.unreportedStop = nil
        child.unreportedContinue = true
        parent.childWaiters.wake(.input, IOContext(kernel: self, cycle: currentCycle, thread: nil, hart: nil))
    }

    /// A child of `parent` has just ended: the parent gets its exit signal (SIGCHLD),
    /// the child is reaped at once if the parent ignores SIGCHLD or set SA_NOCLDWAIT,
    /// and the parent's threads in wait4 or waitid look again.
    func childEnded(_ child: Process, parent: Process) {
        if child.exitSignal != 0, let ending = child.ending {
            // With the siginfo a SIGCHLD handler reads: CLD_EXITED or CLD_KILLED, pid, status.
            let (code, status) = ending.childCode
            send(SignalInfo(signal: child.exitSignal, code: code, pid: child.pid, value: UInt64(UInt32(bitPattern: status))),
                 to: parent)   // SignalDelivery.swift
        }
        let action = parent.signals.action(ChildSignal.SIGCHLD)
        let noZombies = action.handler == SignalAction.ignoreHandler || action.flags & ChildSignal.SA_NOCLDWAIT != 0
        if child.exitSignal == ChildSignal.SIGCHLD, noZombies { _ = reap(child, by: parent, statusAddress: 0) }
        parent.childWaiters.wake(.input, IOContext(kernel: self, cycle: currentCycle, thread: nil, hart: nil))
    }

    /// struct rusage for an ended child (RUSAGE_BOTH: it and its reaped children): user
    /// time from the cycles its threads ran, the peak of its memory in KiB, its page faults.
    func resourceUsage(of child: Process) -> [UInt8] {
        let nanoseconds = SimulatedTime(cycles: child.endedThreadCycles &+ child.reapedChildrenCycles)
            .nanoseconds(clockFrequency: configuration.clockFrequency)
        let space = child.addressSpace
        var words = [UInt64](repeating: 0, count: Kernel.rusageSize / 8)
        words[0] = nanoseconds / 1_000_000_000                 // ru_utime.tv_sec
        words[1] = nanoseconds % 1_000_000_000 / 1000          // ru_utime.tv_usec
        words[4] = space.peakResidentPages &* (AddressSpace.pageSize / 1024)   // ru_maxrss (KiB)
        words[8] = space.demandFaults &+ space.copyOnWriteCopies              // ru_minflt
        return words.flatMap { littleEndianBytes($0) }
    }

    /// Cycles as clock ticks (100 a second, Linux's USER_HZ), as siginfo's si_utime counts.
    func clockTicks(_ cycles: UInt64) -> UInt64 {
        SimulatedTime(cycles: cycles).nanoseconds(clockFrequency: configuration.clockFrequency) / 10_000_000
    }
}

extension ProcessEnding {
    /// waitid's si_code and si_status: CLD_EXITED with the exit status, or CLD_KILLED with
    /// the signal that ended it.
    var childCode: (code: Int32, status: Int32) {
        if case .exited(let status) = self { return (Kernel.CLD_EXITED, status & 0xFF) }
        return (Kernel.CLD_KILLED, waitStatus & 0x7F)
    }
}
