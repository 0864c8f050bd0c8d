// Waiting for I/O. Each object has a wait queue; a thread whose read, write, accept,
// connect or poll cannot go on is put on the queues it depends on and blocked. Any change
// that could let it go on (bytes arrive, room frees, a peer closes) wakes every thread on
// the object's queue, in the order they came; a woken thread runs its system call again
// from the start (its PC is set back to the ecall), re-checks, and blocks again if it
// still cannot go on — Linux's wait-queue loop, with the retry done by re-issuing the
// call. So no operation is ever half done across a sleep, and no wake can be lost: the
// check and the sleep happen between two instructions.
//
// Epoll instances watch objects through the same queues (`ReadinessWatcher`): a change
// tells each watcher, which puts the object on its ready list, so epoll_wait touches only
// ready descriptors.

import Machine

/// Something told of every readiness change of an object (an epoll registration).
protocol ReadinessWatcher: AnyObject {
    /// `events`: what may have become true (the watcher asks the object for the truth).
    func readinessChanged(_ events: PollEvents, _ context: IOContext)
    /// An open file description of the watched object was released (its last descriptor
    /// closed): Linux drops the registration then.
    func fileReleased(_ file: OpenFile, _ context: IOContext)
}

final class WaitQueue {
    /// Blocked threads, in the order they came.
    private(set) var threads: [Thread] = []
    /// Epoll registrations watching the object.
    private(set) var watchers: [ReadinessWatcher] = []

    init() {}

    func add(_ thread: Thread) {
        threads.append(thread)
    }

    func remove(_ thread: Thread) {
        if let index = threads.firstIndex(where: { $0 === thread }) { threads.remove(at: index) }
    }

    func addWatcher(_ watcher: ReadinessWatcher) {
        guard !watchers.contains(where: { $0 === watcher }) else { return }
        watchers.append(watcher)
    }

    func removeWatcher(_ watcher: ReadinessWatcher) {
        watchers.removeAll { $0 === watcher }
    }

    func fileReleased(_ file: OpenFile, _ context: IOContext) {
        for watcher in watchers { watcher.fileReleased(file, context) }
    }

    /// Something changed: every blocked thread runs its call again, every watcher is told.
    func wake(_ events: PollEvents, _ context: IOContext) {
        if !threads.isEmpty {
            let woken = threads
            for thread in woken {
                context.kernel.traceIOWake(thread, events, context)
                context.kernel.wakeFromIO(thread, cycle: context.cycle)
            }
        }
        if !watchers.isEmpty {
            for watcher in watchers { watcher.readinessChanged(events, context) }
        }
    }
}

extension Kernel {
    /// Blocks `thread` until one of `queues` wakes it (or `deadline` passes); it then runs
    /// the current system call again. `description` names the wait in deadlock reports;
    /// `object` (a descriptor, or 0) goes to the trace.
    func blockForIO(_ thread: Thread, on hart: Hart, queues: [WaitQueue], deadline: UInt64? = nil,
                    _ description: String, object: UInt64 = 0) {
        for queue in queues { queue.add(thread) }
        thread.ioQueues = queues
        thread.restartsCall = true
        traceIOWait(thread, on: hart, object: object)
        block(thread, on: hart, .io(description, object: object), deadline: deadline)
        thread.context.pc &-= 4   // back to the ecall: the call runs again when the thread wakes
    }

    /// Makes a thread blocked in `blockForIO` ready (it runs its call again).
    func wakeFromIO(_ thread: Thread, cycle: UInt64) {
        guard case .blocked(.io) = thread.state else { return }
        leaveWaitQueues(thread)
        makeReady(thread, at: cycle)
    }

    /// Takes a thread off every wait queue it is on (woken, timed out, or ended).
    func leaveWaitQueues(_ thread: Thread) {
        for queue in thread.ioQueues { queue.remove(thread) }
        thread.ioQueues = []
    }

    /// The deadline of a call with a timeout that may block and run again: computed from
    /// `timeout` when the call starts, kept while it waits (so retries keep the first
    /// deadline), nil for no timeout. Cleared by `finishTimedCall`.
    func callDeadline(_ thread: Thread, hart: Hart, timeout: SimulatedTime?) -> UInt64? {
        if thread.callRestarted { return thread.ioDeadline }
        thread.ioDeadline = timeout.map { (SimulatedTime(cycles: hart.cycle) + $0).cycles }
        return thread.ioDeadline
    }

    /// Whether a timed call's deadline has passed (it should return its timeout answer).
    func deadlinePassed(_ thread: Thread, hart: Hart) -> Bool {
        guard let deadline = thread.ioDeadline else { return false }
        return hart.cycle >= deadline
    }

    func finishTimedCall(_ thread: Thread) {
        thread.ioDeadline = nil
    }

    /// An IOContext for a call made by `thread` on `hart`.
    func ioContext(_ hart: Hart, _ thread: Thread) -> IOContext {
        IOContext(kernel: self, cycle: hart.cycle, thread: thread, hart: hart)
    }
}
