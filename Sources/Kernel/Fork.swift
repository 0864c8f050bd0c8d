// fork: a new process whose address space is a copy-on-write copy of its parent's
// (issue 16). clone without CLONE_VM arrives here from Clone.swift, and so does clone with
// CLONE_VM but without CLONE_THREAD — vfork, and glibc's posix_spawn — whose child borrows
// the parent's address space (the parent, with CLONE_VFORK, waits until the child execs
// or ends). The child gets a copy of the parent's descriptor table (each open file
// description shared, so a pipe end open in both counts twice), its signal dispositions,
// mask, working directory, process group, priority and affinity, and starts where the
// parent called clone with a0 = 0.

import Machine

extension Kernel {
    /// The fork half of clone: `flags` as clone got them, `stack` the child's sp (0: the
    /// parent's), and the parent/child tid addresses and tls for the flags that use them.
    func forkProcess(flags: UInt64, stack: UInt64, parentTIDAddress: UInt64, tls: UInt64, childTIDAddress: UInt64,
                     hart: Hart, thread: Thread) -> SystemCallResult {
        let parent = thread.process
        let exitSignal = Int32(flags & CloneFlag.exitSignalMask)
        guard flags & CloneFlag.thread == 0, flags & CloneFlag.namespaces == 0, flags & CloneFlag.pidfd == 0,
              flags & CloneFlag.sighand == 0 || flags & CloneFlag.vm != 0,
              exitSignal <= SignalState.signalCount else { return .error(.EINVAL) }
        guard liveProcesses.lazy.filter({ !$0.hasEnded }).count < configuration.processLimit, hasRoomForThread else {
            return .error(.EAGAIN)
        }
        let sharesMemory = flags & CloneFlag.vm != 0
        let space: AddressSpace
        if sharesMemory {
            space = parent.addressSpace
            space.users += 1
        } else {
            guard let copy = parent.addressSpace.forkCopy() else { return .error(.ENOMEM) }
            space = copy
            flushTranslations()   // the parent's private pages just lost their W bit
            watchCopyOnWrite(parent.addressSpace)
            watchCopyOnWrite(copy)
        }
        let pid = nextThreadID
        nextThreadID += 1
        let child = Process(pid: pid, name: parent.name, image: parent.image, addressSpace: space, breakStart: parent.breakStart)
        child.breakEnd = parent.breakEnd
        child.parentID = flags & CloneFlag.parent != 0 ? parent.parentID : parent.pid
        if let parentID = child.parentID { processTable[parentID]?.children.append(pid) }
        child.exitSignal = exitSignal
        child.processGroupID = parent.processGroupID
        child.sessionID = parent.sessionID
        child.attributes = parent.attributes.inherited   // umask, prctl's flags (ProcessAttributes.swift)
        child.workingDirectory = parent.workingDirectory
        child.signals = parent.signals
        child.descriptors = forkedDescriptors(from: parent)
        processTable[pid] = child
        processOrder.append(pid)

        let main = Thread(tid: pid, process: child)
        saveContext(of: main, from: hart)   // pc is past the ecall already
        main.context.integers[10] = 0
        if stack != 0 { main.context.integers[2] = stack }
        if flags & CloneFlag.setTLS != 0 { main.context.integers[4] = tls }
        main.signalMask = thread.signalMask
        main.priority = thread.priority
        main.affinity = thread.affinity
        if flags & CloneFlag.childClearTID != 0 { main.clearChildTIDAddress = childTIDAddress }
        main.stateSince = hart.cycle
        let tidBytes = Array(littleEndianBytes(UInt64(UInt32(bitPattern: pid))).prefix(4))
        // As on Linux, a tid that cannot be written is not an error.
        if flags & CloneFlag.childSetTID != 0 { _ = space.copyOut(tidBytes, to: childTIDAddress) }
        if flags & CloneFlag.parentSetTID != 0 { _ = parent.addressSpace.copyOut(tidBytes, to: parentTIDAddress) }
        register(main)
        traceProcessStart(main, cycle: hart.cycle)
        makeReady(main, at: hart.cycle)
        if flags & CloneFlag.vfork != 0 {
            child.vforkParent = thread
            block(thread, on: hart, .vfork(child: pid))
            thread.context.integers[10] = UInt64(pid)   // a0 once the child lets it go
            return .noReturn
        }
        return .value(Int64(pid))
    }

    /// A fork's descriptors: every one of the parent's (close-on-exec ones too, with the
    /// flag), each sharing its open file description, which counts one more descriptor.
    func forkedDescriptors(from parent: Process) -> DescriptorTable {
        var table = DescriptorTable(limit: parent.descriptors.softLimit)
        table.hardLimit = parent.descriptors.hardLimit
        for entry in parent.descriptors.descriptors {
            _ = table.replace(entry.fd, with: entry.file, closeOnExec: entry.closeOnExec)
        }
        return table
    }

    /// A page of `space` stopped being shared copy-on-write: no hart may keep its
    /// read-only translation. (Futex waiters need nothing: private words are keyed by
    /// address space and virtual address, FutexTable.swift, so a copy does not move them.)
    func watchCopyOnWrite(_ space: AddressSpace) {
        guard space.onCopyOnWriteEnded == nil else { return }
        space.onCopyOnWriteEnded = { [unowned self] page, _, _ in
            for hart in machine.harts { hart.flushAddressTranslation(address: page) }
        }
    }

    /// A vfork child execs or ends: its parent's thread, held since clone, goes on (its
    /// a0, the child's pid, was set when it blocked).
    func releaseVforkParent(of child: Process) {
        guard let waiter = child.vforkParent else { return }
        child.vforkParent = nil
        guard case .blocked(.vfork(let pid)) = waiter.state, pid == child.pid else { return }
        makeReady(waiter, at: currentCycle)
    }

    /// `process` lets go of its address space (it ended, or exec gave it a new one): freed
    /// unless a vfork child or parent still uses it.
    func releaseAddressSpace(of process: Process) {
        let space = process.addressSpace
        space.users -= 1
        if space.users <= 0 { space.release() }
        flushTranslations()   // its page-table frames may come back as another's
    }
}
