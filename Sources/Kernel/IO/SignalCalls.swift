// The signal system calls (issue 16; SignalDelivery.swift acts on what they set):
//   rt_sigaction(sig, act, oact, sigsetsize)   a process's dispositions (riscv64's struct
//       sigaction: handler, flags, mask — 24 bytes); SIGKILL and SIGSTOP cannot be changed
//   rt_sigprocmask(how, set, oset, sigsetsize) SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK on the
//       calling thread's mask (SIGKILL and SIGSTOP are never blocked)
//   kill(pid, sig), tkill(tid, sig), tgkill(tgid, tid, sig), rt_sigqueueinfo,
//   rt_tgsigqueueinfo                          raise signals (sig 0: only check the target)
//   sigaltstack(ss, old)                       the alternate signal stack (SA_ONSTACK)
//   rt_sigsuspend(mask, size)                  wait for a signal under a temporary mask
//   rt_sigpending(set, size)                   pending signals that are blocked
//   rt_sigtimedwait(set, info, timeout, size)  take a pending signal of `set`, or wait
//   rt_sigreturn()                             in SignalFrame.swift
// SIGPIPE: a write to a pipe or socket with no reader raises it at the writing thread.

import Machine

extension Kernel {
    static let SIG_BLOCK: Int32 = 0, SIG_UNBLOCK: Int32 = 1, SIG_SETMASK: Int32 = 2
    static let signalSetSize: UInt64 = 8

    func signalAction(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let signal = arguments.int32(0), new = arguments[1], old = arguments[2]
        let process = thread.process
        guard arguments[3] == Kernel.signalSetSize else { return .error(.EINVAL) }
        var requested: SignalAction? = nil
        if new != 0 {
            guard case .success(let bytes) = process.addressSpace.copyIn(from: new, count: SignalAction.size) else {
                return .error(.EFAULT)
            }
            requested = SignalAction(handler: littleEndianWord(bytes, at: 0),
                                     flags: littleEndianWord(bytes, at: 8) & SignalAction.knownFlags,
                                     mask: littleEndianWord(bytes, at: 16) & ~SignalState.unblockable)
        }
        guard signal >= 1, signal <= SignalState.signalCount else { return .error(.EINVAL) }
        if requested != nil, signal == SignalState.SIGKILL || signal == SignalState.SIGSTOP { return .error(.EINVAL) }
        let previous = process.signals.action(signal)
        if let requested {
            process.signals.setAction(signal, requested)
            // POSIX: setting a pending signal to be ignored discards it.
            if process.signals.isIgnored(signal) { discardPending(SignalState.bit(signal), in: process) }
        }
        if old != 0 {
            let bytes = littleEndianBytes(previous.handler) + littleEndianBytes(previous.flags) + littleEndianBytes(previous.mask)
            guard case .success = process.addressSpace.copyOut(bytes, to: old) else { return .error(.EFAULT) }
        }
        return .value(0)
    }

    func signalMask(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let how = arguments.int32(0), new = arguments[1], old = arguments[2]
        guard arguments[3] == Kernel.signalSetSize else { return .error(.EINVAL) }
        let previous = thread.signalMask
        if new != 0 {
            guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: new, count: 8) else { return .error(.EFAULT) }
            let set = littleEndianWord(bytes, at: 0) & ~SignalState.unblockable
            switch how {
            case Kernel.SIG_BLOCK: thread.signalMask |= set
            case Kernel.SIG_UNBLOCK: thread.signalMask &= ~set
            case Kernel.SIG_SETMASK: thread.signalMask = set
            default: return .error(.EINVAL)
            }
        }
        if old != 0, case .failure = thread.process.addressSpace.copyOut(littleEndianBytes(previous), to: old) {
            return .error(.EFAULT)
        }
        // Signals pending and no longer blocked arrive on the way back to the program.
        return .value(0)
    }

    /// A write to a pipe or socket with no reader failed with EPIPE: SIGPIPE for the thread.
    func brokenPipe(_ thread: Thread, file: OpenFile) {
        send(SignalInfo(signal: SignalState.SIGPIPE, code: SignalInfo.SI_USER, pid: thread.process.pid), toThread: thread)
    }

    // MARK: Raising signals

    /// kill(pid, sig): pid > 0 one process; 0 the caller's group, -1 every process but
    /// pid 1 and the caller, < -1 group -pid (`signalGroup`). Signal 0 only checks.
    func killCall(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let pid = arguments.int32(0), signal = arguments.int32(1)
        guard signal >= 0, signal <= SignalState.signalCount else { return .error(.EINVAL) }
        let caller = thread.process
        let targets: [Process]
        switch pid {
        case 1...:
            guard let target = processTable[pid] else { return .error(.ESRCH) }
            if target.hasEnded {
                // A child nobody has waited for yet still exists (a zombie): nothing to do.
                let zombie = target.parentID.flatMap { processTable[$0] }?.children.contains(pid) ?? false
                return zombie ? .value(0) : .error(.ESRCH)
            }
            targets = [target]
        case 0: targets = signalGroup(of: caller.pid)
        case -1: targets = liveProcesses.filter { !$0.hasEnded && $0.pid != 1 && $0 !== caller }
        default: targets = pid == .min ? [] : signalGroup(of: -pid)
        }
        guard !targets.isEmpty else { return .error(.ESRCH) }
        guard signal != 0 else { return .value(0) }
        var queued = false
        for target in targets {
            queued = send(SignalInfo(signal: signal, code: SignalInfo.SI_USER, pid: caller.pid), to: target) || queued
        }
        if caller.hasEnded { return .noReturn }
        return queued ? .value(0) : .error(.EAGAIN)
    }

    /// The processes `kill(0)` and `kill(-group)` reach: the process `group` and its live
    /// descendants (a child belongs to its parent's group until it moves).
    func signalGroup(of group: Int32) -> [Process] {
        guard let leader = processTable[group], !leader.hasEnded else { return [] }
        var members = [leader], index = 0
        while index < members.count {
            for child in members[index].children {
                if let process = processTable[child], !process.hasEnded { members.append(process) }
            }
            index += 1
        }
        return members
    }

    /// tkill(tid, sig) and tgkill(tgid, tid, sig).
    func threadKill(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, group: Bool) -> SystemCallResult {
        let tgid = group ? arguments.int32(0) : 0
        let tid = group ? arguments.int32(1) : arguments.int32(0)
        let signal = group ? arguments.int32(2) : arguments.int32(1)
        guard tid > 0, !group || tgid > 0, signal >= 0, signal <= SignalState.signalCount else { return .error(.EINVAL) }
        guard let target = threads[tid], !group || target.process.pid == tgid else { return .error(.ESRCH) }
        guard signal != 0 else { return .value(0) }
        let queued = send(SignalInfo(signal: signal, code: SignalInfo.SI_TKILL, pid: thread.process.pid), toThread: target)
        if thread.process.hasEnded { return .noReturn }
        return queued ? .value(0) : .error(.EAGAIN)
    }

    /// rt_sigqueueinfo(tgid, sig, info) and rt_tgsigqueueinfo(tgid, tid, sig, info): a
    /// signal with the caller's siginfo; another process may not be sent one that claims
    /// to come from kill or the kernel (si_code >= 0, or SI_TKILL): EPERM.
    func queueSignal(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, toThread: Bool) -> SystemCallResult {
        let tgid = arguments.int32(0), tid = toThread ? arguments.int32(1) : 0
        let signal = arguments.int32(toThread ? 2 : 1), address = arguments[toThread ? 3 : 2]
        guard signal >= 0, signal <= SignalState.signalCount, !toThread || (tgid > 0 && tid > 0) else { return .error(.EINVAL) }
        guard case .success(let raw) = thread.process.addressSpace.copyIn(from: address, count: SignalInfo.size) else {
            return .error(.EFAULT)
        }
        let target: Thread?
        if toThread {
            guard let found = threads[tid], found.process.pid == tgid else { return .error(.ESRCH) }
            target = found
        } else {
            guard let process = processTable[tgid], !process.hasEnded else { return .error(.ESRCH) }
            target = nil
            if signal == 0 { return .value(0) }
            let code = Int32(truncatingIfNeeded: littleEndianWord(raw, at: 8))
            if (code >= 0 || code == SignalInfo.SI_TKILL) && process !== thread.process { return .error(.EPERM) }
            let queued = send(SignalInfo(signal: signal, code: code, raw: raw), to: process)
            if thread.process.hasEnded { return .noReturn }
            return queued ? .value(0) : .error(.EAGAIN)
        }
        guard let target, signal != 0 else { return .value(0) }
        let code = Int32(truncatingIfNeeded: littleEndianWord(raw, at: 8))
        if (code >= 0 || code == SignalInfo.SI_TKILL) && target.process !== thread.process { return .error(.EPERM) }
        let queued = send(SignalInfo(signal: signal, code: code, raw: raw), toThread: target)
        if thread.process.hasEnded { return .noReturn }
        return queued ? .value(0) : .error(.EAGAIN)
    }

    // MARK: The alternate stack

    /// sigaltstack(ss, old_ss): stack_t is {ss_sp, ss_flags (int), ss_size}, 24 bytes.
    func alternateSignalStack(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let new = arguments[0], old = arguments[1], sp = hart.register(2)
        let space = thread.process.addressSpace
        let previous = thread.alternateStack
        if new != 0 {
            guard case .success(let bytes) = space.copyIn(from: new, count: 24) else { return .error(.EFAULT) }
            if let errno = setAlternateStack(thread, base: littleEndianWord(bytes, at: 0),
                                             flags: UInt32(truncatingIfNeeded: littleEndianWord(bytes, at: 8)),
                                             size: littleEndianWord(bytes, at: 16), sp: sp) {
                return .error(errno)
            }
        }
        if old != 0 {
            let bytes = littleEndianBytes(previous.base) + littleEndianBytes(UInt64(previous.reportedFlags(sp: sp)))
                + littleEndianBytes(previous.size)
            guard case .success = space.copyOut(bytes, to: old) else { return .error(.EFAULT) }
        }
        return .value(0)
    }

    // MARK: Waiting for signals

    /// rt_sigsuspend(mask, size): the mask for the wait, then sleep until a signal it does
    /// not block arrives; returns EINTR (the handler's frame keeps the old mask).
    func signalSuspend(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard arguments[1] == Kernel.signalSetSize else { return .error(.EINVAL) }
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: arguments[0], count: 8) else {
            return .error(.EFAULT)
        }
        if thread.savedSignalMask == nil { thread.savedSignalMask = thread.signalMask }
        thread.signalMask = littleEndianWord(bytes, at: 0) & ~SignalState.unblockable
        thread.interruptedCall = InterruptedCall(restart: .onlyWithoutHandler, firstArgument: arguments[0])
        if hasDeliverableSignal(thread) { return .error(.EINTR) }
        thread.interruptedCall = nil
        block(thread, on: hart, .signalSuspend)
        return .noReturn
    }

    /// rt_sigpending(set, size): signals raised at the thread or its process that it blocks.
    func signalsPending(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let size = arguments[1]
        guard size <= Kernel.signalSetSize else { return .error(.EINVAL) }
        let pending = (thread.pending.bits | thread.process.sharedPending.bits) & thread.signalMask
        guard case .success = thread.process.addressSpace.copyOut(Array(littleEndianBytes(pending).prefix(Int(size))),
                                                                  to: arguments[0]) else { return .error(.EFAULT) }
        return .value(0)
    }

    /// rt_sigtimedwait(set, info, timeout, size): takes a pending signal of `set` (its
    /// number, its siginfo to `info`), or waits for one until the timeout (EAGAIN); a
    /// handled signal outside the set cuts the wait short (EINTR).
    func signalTimedWait(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard arguments[3] == Kernel.signalSetSize else { return .error(.EINVAL) }
        let process = thread.process
        guard case .success(let bytes) = process.addressSpace.copyIn(from: arguments[0], count: 8) else { return .error(.EFAULT) }
        let set = littleEndianWord(bytes, at: 0) & ~SignalState.unblockable
        let timeout: SimulatedTime?
        switch readTimeout(arguments[2], process: process) {
        case .failure(let errno): return .error(errno)
        case .success(let value): timeout = value
        }
        if let info = thread.pending.take(from: set) ?? process.sharedPending.take(from: set) {
            if arguments[1] != 0, case .failure = process.addressSpace.copyOut(info.bytes, to: arguments[1]) {
                return .error(.EFAULT)
            }
            return .value(Int64(info.signal))
        }
        if timeout == .zero { return .error(.EAGAIN) }
        thread.signalWaitInfoAddress = arguments[1]
        let deadline = timeout.map { (SimulatedTime(cycles: hart.cycle) + $0).cycles }
        block(thread, on: hart, .signalWait(set: set), deadline: deadline, timeoutResult: -Errno.EAGAIN.rawValue)
        return .noReturn
    }

    /// "SIGUSR1, SIGUSR2" for a set (the first few, for reports).
    static func signalNames(in set: UInt64) -> String {
        var names: [String] = []
        for signal in 1...SignalState.signalCount where set & SignalState.bit(signal) != 0 {
            if names.count == 4 { names.append("..."); break }
            names.append(signalName(signal))
        }
        return names.isEmpty ? "no signal" : names.joined(separator: ", ")
    }
}
