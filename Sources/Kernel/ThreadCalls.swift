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
        guard hasRoomForThread else { return .error(.EAGAIN) }
        guard let size = AddressSpace.pageUp(requested == 0 ? Kernel.defaultThreadStack : max(requested, 4096)),
              size <= configuration.threadStackLimit else { return .error(.ENOMEM) }
        let inUse = threads.values.filter { $0.process === process && !$0.isExited }.reduce(0) { $0 + $1.metrics.stackBytes }
        guard inUse + size <= configuration.threadStackLimit else { return .error(.ENOMEM) }
        let space = process.addressSpace
        let floor = AddressSpace.pageUp(process.breakEnd) ?? process.breakEnd
        guard let start = space.freeRange(length: size + AddressSpace.pageSize, floor: floor, ceiling: mappingCeiling) else {
            return .error(.ENOMEM)
        }
        // The page at `start` stays unmapped: the guard that makes an overflow fault.
        let region = MemoryRegion(start: start + AddressSpace.pageSize, end: start + AddressSpace.pageSize + size,
                                  permissions: PTE.read | PTE.write, kind: .stack)
        space.addRegion(region)
        let thread = Thread(tid: nextThreadID, process: process)
        nextThreadID += 1
        thread.stack = region
        thread.metrics.stackBytes = size
        thread.context.pc = entry
        thread.context.integers[10] = argument
        thread.context.integers[2] = region.end
        thread.context.integers[4] = tls
        thread.context.integers[3] = hart.register(3)          // the global pointer is per program
        thread.context.integers[1] = UserLayout.trampoline
        thread.context.floatingPointControl = 0
        thread.stateSince = hart.cycle
        register(thread)
        traceThreadStart(thread, on: hart)
        makeReady(thread, at: hart.cycle)
        return .value(Int64(thread.tid))
    }

    func joinThread(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let tid = arguments.int32(0)
        guard let target = threads[tid], target.process === thread.process else { return .error(.ESRCH) }
        guard target !== thread else { return .error(.EDEADLK) }
        if case .exited(let status) = target.state { return .value(Int64(status)) }
        block(thread, on: hart, .join(tid: tid))
        return .noReturn
    }

    /// Whether one more thread stays within `threadLimit` (live threads of every process).
    var hasRoomForThread: Bool { allThreads.lazy.filter { !$0.isExited }.count < configuration.threadLimit }

    func register(_ thread: Thread) {
        threads[thread.tid] = thread
        allThreads.append(thread)
    }

    /// Ends one thread: frees its stack, wakes its joiners, gives its hart to the next
    /// thread, and ends the process when it was the last one (processFinished).
    func finish(_ thread: Thread, status: Int32) {
        guard !thread.isExited else { return }
        var freedHart: Int? = nil
        if case .running(let index) = thread.state {
            freedHart = index
            running[index] = nil
        }
        if case .blocked(.futex(_, let key)) = thread.state { futexes.remove(thread, key: key) }
        let cycle = machine.harts[freedHart ?? thread.lastHart ?? 0].cycle
        thread.transition(to: .exited(status: status), at: cycle)
        thread.wakeDeadline = nil
        traceEvent(.threadEnded(tid: thread.tid, status: status), cycle: cycle, hart: freedHart ?? -1)
        if let stack = thread.stack {
            thread.process.addressSpace.removeRange(stack.start, stack.end)
            flushTranslations()
        }
        for waiter in allThreads where waiter.state == .blocked(.join(tid: thread.tid)) {
            waiter.context.integers[10] = UInt64(bitPattern: Int64(status))
            makeReady(waiter, at: cycle)
        }
        let process = thread.process
        if !threads.values.contains(where: { $0.process === process && !$0.isExited }) {
            processFinished(process, status: status)
        }
        if let freedHart {
            noteLeaving(thread, hart: machine.harts[freedHart], .exited(status))
            dispatch(machine.harts[freedHart])
        }
    }
}
