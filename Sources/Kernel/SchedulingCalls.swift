// The scheduling parameters a program may set (Interleave's own calls, from 0x1030):
//   set_priority(tid, priority)  0x1030  priority 0 (lowest) ... 31 (highest), 8 at first
//   set_affinity(tid, mask)      0x1031  bit h lets the thread run on hart h
//   set_foreground(pid)          0x1032  that process gets the foreground boost (if any)
// A tid or pid of 0 means the caller's own. A thread may set these for the threads of its
// own process only (another's: -EPERM; none alive with that id: -ESRCH). The new values
// take effect at once: a thread that may no longer run on its hart leaves it ("migrated"),
// and a ready thread now above a running one takes its hart under round robin.

import Machine

extension Kernel {
    static let setPriorityCall: UInt64 = 0x1030, setAffinityCall: UInt64 = 0x1031, setForegroundCall: UInt64 = 0x1032

    /// The live thread `tid` names for `caller` (0: the caller), or the error to return.
    private func target(_ tid: Int32, for caller: Thread) -> Result<Thread, SchedulingCallError> {
        if tid == 0 { return .success(caller) }
        guard let thread = threads[tid], !thread.isExited else { return .failure(SchedulingCallError(.ESRCH)) }
        guard thread.process === caller.process else { return .failure(SchedulingCallError(.EPERM)) }
        return .success(thread)
    }

    func setPriority(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let priority = arguments.signed(1)
        guard priority >= Int64(Priority.lowest), priority <= Int64(Priority.highest) else { return .error(.EINVAL) }
        switch target(arguments.int32(0), for: thread) {
        case .failure(let error): return .error(error.errno)
        case .success(let target):
            target.priority = Int(priority)
            scheduler.priorityChanged(target)
            rescheduleAfterChange(of: target)
            return .value(0)
        }
    }

    func setAffinity(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let harts = configuration.harts
        let existing: UInt64 = harts >= 64 ? .max : (1 << UInt64(harts)) - 1
        let mask = arguments[1] & existing
        guard mask != 0 else { return .error(.EINVAL) }
        switch target(arguments.int32(0), for: thread) {
        case .failure(let error): return .error(error.errno)
        case .success(let target):
            target.affinity = mask
            rescheduleAfterChange(of: target)
            return .value(0)
        }
    }

    func setForeground(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let pid = arguments.int32(0) == 0 ? thread.process.pid : arguments.int32(0)
        guard let process = processTable[pid], !process.liveThreads.isEmpty else { return .error(.ESRCH) }
        let previous = scheduler.foregroundPID
        scheduler.foregroundPID = pid
        // Priorities changed for both processes' threads: look at every hart again.
        if previous != pid {
            let affected = (Array(process.liveThreads.values) + (processTable[previous]?.liveThreads.values.map { $0 } ?? []))
                .filter { $0.state == .ready }.sorted { $0.tid < $1.tid }
            for ready in affected { scheduler.priorityChanged(ready) }
            for ready in affected { wakeHart(for: ready) }
            for index in running.indices where running[index] != nil && !isDispatching(index) { machine.setWakeUp(hart: index, true) }
        }
        return .value(0)
    }

    /// After a thread's priority or affinity changed: if it runs on another hart, that hart
    /// looks again at its next interrupt (an IPI now); if it is ready, a hart that should
    /// take it is woken. The caller's own hart looks again when the call returns.
    func rescheduleAfterChange(of thread: Thread) {
        switch thread.state {
        case .running(let index) where !isDispatching(index): machine.setWakeUp(hart: index, true)
        case .ready: wakeHart(for: thread)
        default: break
        }
    }

    /// The thread that input goes to: the foreground process's main thread, or its oldest
    /// live thread once the main one has exited; nil when the process has ended.
    var foregroundThread: Thread? {
        let pid = scheduler.foregroundPID
        if let main = threads[pid], main.process.pid == pid, !main.isExited { return main }
        return processTable[pid]?.liveThreads.values.min { $0.tid < $1.tid }
    }

    /// The foreground process's id (1, the first program, until set_foreground).
    public var foregroundProcessID: Int32 { scheduler.foregroundPID }
}

struct SchedulingCallError: Error {
    let errno: Errno
    init(_ errno: Errno) { self.errno = errno }
}
