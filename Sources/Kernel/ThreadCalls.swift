// Threads' system calls. Linux makes threads with clone(); this kernel has a simpler
// call of its own (numbers from 0x1000, DESIGN decision 3): thread_spawn(entry, argument,
// stack size, tls) maps a stack with an unmapped guard page below it and starts the
// thread at `entry` with a0 = argument, sp at the stack's top, tp = tls, and ra at the
// kernel's trampoline page, so returning from `entry` exits the thread with the returned
// value. thread_join waits for a thread of the same process and returns its status.

import Machine
import Trace

extension Kernel {
    static let threadSpawn: UInt64 = 0x1000, threadJoin: UInt64 = 0x1001
    static let defaultThreadStack: UInt64 = 256 << 10

    func spawnThread(_ arguments: SystemCallArguments, hart: Hart, parent: Thread) -> SystemCallResult {
        let entry = arguments[0], argument = arguments[1], requested = arguments[2], tls = arguments[3]
        let process = parent.process
        guard entry != 0 else { return .error(.EINVAL) }
        guard hasRoomForThread, process.exitStatuses.count < Kernel.unjoinedThreadLimit else { return .error(.EAGAIN) }
        guard let size = AddressSpace.pageUp(requested == 0 ? Kernel.defaultThreadStack : max(requested, 4096)),
              size <= configuration.threadStackLimit else { return .error(.ENOMEM) }
        guard process.liveThreadStackBytes + size <= configuration.threadStackLimit else { return .error(.ENOMEM) }
        let space = process.addressSpace
        let floor = AddressSpace.pageUp(process.breakEnd) ?? process.breakEnd
        guard let start = space.freeRange(length: size + AddressSpace.pageSize, floor: floor, ceiling: mappingCeiling) else {
            return .error(.ENOMEM)
        }
        // The page at `start` stays unmapped: the guard that makes an overflow fault.
        let region = MemoryRegion(start: start + AddressSpace.pageSize, end: start + AddressSpace.pageSize + size,
                                  permissions: PTE.read | PTE.write, kind: .stack)
        guard space.addRegion(region) else { return .error(.ENOMEM) }
        let thread = Thread(tid: nextThreadID, process: process)
        nextThreadID += 1
        thread.stack = region
        thread.metrics.stackBytes = size
        process.liveThreadStackBytes += size
        process.madeThreadStackBytes &+= size
        thread.context.pc = entry
        thread.context.integers[10] = argument
        thread.context.integers[2] = region.end
        thread.context.integers[4] = tls
        thread.context.integers[3] = hart.register(3)          // the global pointer is per program
        thread.context.integers[1] = UserLayout.trampoline
        thread.context.floatingPointControl = 0
        thread.signalMask = parent.signalMask   // a new thread starts with its creator's mask
        thread.stateSince = hart.cycle
        register(thread)
        traceThreadStart(thread, on: hart)
        makeReady(thread, at: hart.cycle)
        return .value(Int64(thread.tid))
    }

    /// Joins a thread of the caller's process: its status at once if it has exited (and
    /// its record goes, as Linux reaps a zombie: a second join gets ESRCH), or the caller
    /// waits on the thread's list of joiners.
    func joinThread(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let tid = arguments.int32(0)
        let process = thread.process
        if let status = process.exitStatuses.removeValue(forKey: tid) {
            raceLogJoin(thread, ended: tid)
            return .value(Int64(status))
        }
        guard let target = process.liveThreads[tid] else { return .error(.ESRCH) }
        guard target !== thread else { return .error(.EDEADLK) }
        target.joiners.append(thread)
        block(thread, on: hart, .join(tid: tid))
        return .noReturn
    }

    /// Exited, unjoined threads one process may leave behind (16 bytes each, 1 MiB in
    /// all); thread_spawn fails with EAGAIN past it, as pthread_create does when the
    /// stacks of unjoined threads have used up the memory.
    static let unjoinedThreadLimit = 65_536

    /// Whether one more thread stays within `threadLimit` (live threads of every process).
    var hasRoomForThread: Bool { threads.count < configuration.threadLimit }

    func register(_ thread: Thread) {
        threads[thread.tid] = thread
        let process = thread.process
        if process.liveThreads.isEmpty { liveProcesses.append(process) }
        process.liveThreads[thread.tid] = thread
        thread.serial = threadRecords.count
        threadRecords.append(ThreadStatistics(tid: thread.tid, pid: process.pid, metrics: thread.metrics))
        raceLogSpawn(thread)   // RaceLogHooks.swift
    }

    /// Ends one thread: frees its stack, wakes its joiners, gives its hart to the next
    /// thread, and ends the process when it was the last one (processFinished).
    func finish(_ thread: Thread, status: Int32) {
        guard !thread.isExited else { return }
        releaseExitWords(of: thread, cycle: currentCycle)   // Clone.swift
        raceLogExit(thread)   // RaceLogHooks.swift
        var freedHart: Int? = nil
        if case .running(let index) = thread.state {
            freedHart = index
            running[index] = nil
        }
        if case .blocked(.futex(_, let key)) = thread.state { futexes.remove(thread, key: key) }
        if case .blocked(.io) = thread.state { leaveWaitQueues(thread) }
        if case .ready = thread.state { scheduler.remove(thread) }
        let cycle = machine.harts[freedHart ?? thread.lastHart ?? 0].cycle
        thread.transition(to: .exited(status: status), at: cycle)
        thread.wakeDeadline = nil
        traceEvent(.threadEnded(tid: thread.tid, status: status), cycle: cycle, hart: freedHart ?? -1)
        if let stack = thread.stack, !thread.madeByClone {
            thread.process.addressSpace.removeRange(stack.start, stack.end)
            flushTranslations()
        }
        let process = thread.process
        threads[thread.tid] = nil
        process.liveThreads[thread.tid] = nil
        process.liveThreadStackBytes -= min(process.liveThreadStackBytes, thread.stack == nil || thread.madeByClone ? 0 : thread.metrics.stackBytes)
        if let freedHart, thread.missesAtSwitchIn != nil { cachesSwitchOut(thread, from: machine.harts[freedHart]) }
        threadRecords[thread.serial].metrics = thread.metrics
        process.endedThreadCycles &+= thread.metrics.runCycles   // wait4's rusage (ProcessWait.swift)
        process.attributes.countEnded(thread.metrics)   // getrusage's switches (ProcessAttributes.swift)
        let joiners = thread.joiners.filter { $0.state == .blocked(.join(tid: thread.tid)) }
        thread.joiners = []
        if joiners.isEmpty, !process.hasEnded, !thread.madeByClone {
            process.exitStatuses[thread.tid] = status   // until a join takes it
        }
        // Linux reports the main thread's status when the last thread ends without exit_group.
        if thread.tid == process.mainThreadID { process.mainThreadStatus = status }
        for waiter in joiners {
            raceLogJoin(waiter, ended: thread.tid)
            waiter.context.integers[10] = UInt64(bitPattern: Int64(status))
            makeReady(waiter, at: cycle)
        }
        if process.liveThreads.isEmpty {
            liveProcesses.removeAll { $0 === process }
            process.exitStatuses = [:]
            processFinished(process, status: process.mainThreadStatus ?? status)
        }
        if let freedHart {
            noteLeaving(thread, hart: machine.harts[freedHart], .exited(status))
            dispatch(machine.harts[freedHart])
        }
    }
}
