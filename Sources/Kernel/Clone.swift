// clone: new threads and new processes the way Linux makes them (issue 16). With
// CLONE_VM | CLONE_THREAD the new thread shares the caller's process; without CLONE_VM it
// is fork, and CLONE_VM without CLONE_THREAD is vfork (both Fork.swift). set_tid_address
// and the robust list are the per-thread words glibc and Go hand the kernel for thread
// exit; a thread's exit clears and futex-wakes the first and releases the second.

import Machine

/// clone's flags (Linux's include/uapi/linux/sched.h).
enum CloneFlag {
    static let exitSignalMask: UInt64 = 0xFF
    static let vm: UInt64 = 0x100, fs: UInt64 = 0x200, files: UInt64 = 0x400, sighand: UInt64 = 0x800
    static let pidfd: UInt64 = 0x1000, ptrace: UInt64 = 0x2000, vfork: UInt64 = 0x4000, parent: UInt64 = 0x8000
    static let thread: UInt64 = 0x1_0000, newNamespace: UInt64 = 0x2_0000, sysvsem: UInt64 = 0x4_0000
    static let setTLS: UInt64 = 0x8_0000, parentSetTID: UInt64 = 0x10_0000, childClearTID: UInt64 = 0x20_0000
    static let detached: UInt64 = 0x40_0000, untraced: UInt64 = 0x80_0000, childSetTID: UInt64 = 0x100_0000
    static let io: UInt64 = 0x8000_0000
    /// CLONE_NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET and NEWNS: namespaces,
    /// which this kernel does not have.
    static let namespaces: UInt64 = 0x7E00_0000 | newNamespace
    /// Flags with nothing to do here: no tracer (PTRACE, UNTRACED), DETACHED (ignored by
    /// Linux since 2.6), SYSVSEM (no System V semaphores to undo), IO (no I/O contexts).
    static let ignored: UInt64 = ptrace | untraced | detached | sysvsem | io
    static let known: UInt64 = exitSignalMask | vm | fs | files | sighand | pidfd | vfork | parent | thread | setTLS
        | parentSetTID | childClearTID | childSetTID | namespaces | ignored
}

extension Kernel {
    /// struct robust_list_head's size on a 64-bit Linux: set_robust_list takes no other.
    static let robustListHeadSize: UInt64 = 24

    /// clone(flags, stack, parent_tid, tls, child_tid) — riscv64's argument order.
    func clone(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let flags = arguments[0], stack = arguments[1], parentTID = arguments[2], tls = arguments[3], childTID = arguments[4]
        // Linux's checks (copy_process), in its order.
        guard flags & ~CloneFlag.known == 0 else { return .error(.EINVAL) }
        if flags & CloneFlag.thread != 0, flags & CloneFlag.sighand == 0 { return .error(.EINVAL) }
        if flags & CloneFlag.sighand != 0, flags & CloneFlag.vm == 0 { return .error(.EINVAL) }
        // The pidfd would go where parent_tid points: the two cannot share it.
        if flags & CloneFlag.pidfd != 0, flags & (CloneFlag.parentSetTID | CloneFlag.detached) != 0 { return .error(.EINVAL) }
        // Not modelled: namespaces and pidfds (answered as a kernel without them answers).
        guard flags & (CloneFlag.namespaces | CloneFlag.pidfd) == 0 else { return .error(.EINVAL) }
        guard flags & CloneFlag.vm != 0, flags & CloneFlag.thread != 0 else {
            return forkProcess(flags: flags, stack: stack, parentTIDAddress: parentTID, tls: tls, childTIDAddress: childTID,
                               hart: hart, thread: thread)
        }
        // A thread shares its process's descriptors and working directory: this kernel
        // keeps both per process, so a thread with copies of its own is not made; nor a
        // thread whose creator waits as vfork's does.
        guard flags & (CloneFlag.fs | CloneFlag.files) == CloneFlag.fs | CloneFlag.files,
              flags & CloneFlag.vfork == 0 else { return .error(.EINVAL) }
        return cloneThread(flags: flags, stack: stack, parentTIDAddress: parentTID, tls: tls, childTIDAddress: childTID,
                           hart: hart, parent: thread)
    }

    /// A new thread of the caller's process: the caller's registers, a0 = 0, sp = `stack`
    /// (the caller's own when 0), tp = `tls` with CLONE_SETTLS; it goes on after the
    /// ecall as the caller does. The caller gets its id.
    private func cloneThread(flags: UInt64, stack: UInt64, parentTIDAddress: UInt64, tls: UInt64, childTIDAddress: UInt64,
                             hart: Hart, parent: Thread) -> SystemCallResult {
        let process = parent.process
        guard hasRoomForThread, nextThreadID < Int32.max else { return .error(.EAGAIN) }
        let child = Thread(tid: nextThreadID, process: process)
        nextThreadID += 1
        child.madeByClone = true
        saveContext(of: child, from: hart)   // the registers as the ecall left them, pc past it
        child.context.integers[10] = 0
        if stack != 0 { child.context.integers[2] = stack }
        if flags & CloneFlag.setTLS != 0 { child.context.integers[4] = tls }
        // As on Linux: the creator's signal mask and affinity; no pending signals, no
        // robust list, no clear-child-tid word unless asked for. Interleave's own priority
        // starts at normal, as thread_spawn's does (Windows' CreateThread gives new threads
        // the normal priority too).
        child.signalMask = parent.signalMask
        child.affinity = parent.affinity
        child.name = parent.name   // prctl(PR_SET_NAME): a thread starts with its creator's name
        if flags & CloneFlag.childClearTID != 0 { setClearChildTID(of: child, to: childTIDAddress) }
        // Its stack, as far as the kernel can tell: the mapping the new sp points into
        // (glibc and the Sync library map one per thread); counted as spawned stacks are.
        if stack != 0, let region = process.addressSpace.region(containing: stack &- 1), region.kind != .program,
           region.kind != .heap, region.end != UserLayout.stackTop {
            child.stack = region
            child.metrics.stackBytes = region.end - region.start
            process.madeThreadStackBytes &+= region.end - region.start
        }
        child.stateSince = hart.cycle
        // The id words: failures to write them are ignored, as Linux ignores them.
        let tidBytes = Array(littleEndianBytes(UInt64(UInt32(bitPattern: child.tid))).prefix(4))
        if flags & CloneFlag.parentSetTID != 0 { _ = process.addressSpace.copyOut(tidBytes, to: parentTIDAddress) }
        if flags & CloneFlag.childSetTID != 0 { _ = process.addressSpace.copyOut(tidBytes, to: childTIDAddress) }
        register(child)
        if schedulePoints.isOn { handOverStartPage(stack, from: parent, to: child) }   // ScheduleHook.swift
        traceThreadStart(child, on: hart)
        makeReady(child, at: hart.cycle)
        return .value(Int64(child.tid))
    }

    /// set_tid_address(tidptr): the word cleared (and futex-woken) when the thread exits.
    func setThreadIDAddress(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        setClearChildTID(of: thread, to: arguments[0])
        return .value(Int64(thread.tid))
    }

    /// Sets a thread's clear-child-tid word, and the process's note of whose word it is.
    func setClearChildTID(of thread: Thread, to address: UInt64) {
        let process = thread.process
        if thread.clearChildTIDAddress != 0, process.tidWordOwners[thread.clearChildTIDAddress] == thread.tid {
            process.tidWordOwners[thread.clearChildTIDAddress] = nil
        }
        thread.clearChildTIDAddress = address
        if address != 0 { process.tidWordOwners[address] = thread.tid }
    }

    /// set_robust_list(head, len): remembered for the thread's exit (RobustFutex.swift).
    func setRobustList(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard arguments[1] == Kernel.robustListHeadSize else { return .error(.EINVAL) }
        thread.robustListHead = arguments[0]
        thread.robustListLength = arguments[1]
        return .value(0)
    }

    /// get_robust_list(tid, head_ptr, len_ptr): a thread's list head (tid 0: the caller's).
    func getRobustList(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let tid = arguments.int32(0)
        let target: Thread
        if tid == 0 {
            target = thread
        } else {
            guard tid > 0, let found = threads[tid], !found.isExited else { return .error(.ESRCH) }
            // Another process's list would need ptrace rights, which nobody has here.
            guard found.process === thread.process else { return .error(.EPERM) }
            target = found
        }
        let space = thread.process.addressSpace
        guard case .success = space.copyOut(littleEndianBytes(target.robustListHead), to: arguments[1]),
              case .success = space.copyOut(littleEndianBytes(Kernel.robustListHeadSize), to: arguments[2]) else {
            return .error(.EFAULT)
        }
        return .value(0)
    }

    /// What a thread's end does to the words it gave the kernel, before its process may
    /// lose its memory: robust futexes it holds are released (RobustFutex.swift), then,
    /// while other threads still use the address space (Linux's mm_release), its
    /// clear-child-tid word is zeroed and one waiter on it woken — what pthread_join and
    /// the Sync library's join wait for.
    func releaseExitWords(of thread: Thread, cycle: UInt64) {
        let process = thread.process
        releaseRobustFutexes(of: thread)
        let address = thread.clearChildTIDAddress
        setClearChildTID(of: thread, to: 0)
        guard address != 0, !process.hasEnded, process.liveThreads.count > 1 else { return }
        raceLogRelease(thread, at: address)   // a join that reads the word zero acquires the thread's past
        guard case .success = process.addressSpace.copyOut([0, 0, 0, 0], to: address) else { return }
        wakeFutexWaiters(address: address, in: process, count: 1, cycle: cycle)
    }
}
