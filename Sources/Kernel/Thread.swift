// A thread: a flow of control in a process — its own registers, PC and stack, sharing
// the process's address space with the process's other threads. The kernel keeps the
// registers here while the thread is not on a hart (ContextSwitch.swift moves them).

import Machine

/// Everything a hart holds for a thread: x1–x31, f0–f31, fcsr and the PC, inline in the
/// thread (RegisterFile.swift), so a switch copies words with no array to allocate, check
/// for uniqueness or bounds-check.
struct ThreadContext {
    var integers = RegisterFile()
    var floats = RegisterFile()
    var floatingPointControl: UInt64 = 0
    var pc: UInt64 = 0
}

/// Why a blocked thread waits, for the scheduler and for deadlock reports.
enum BlockReason: Equatable, CustomStringConvertible {
    /// In a futex call on this word: its user address, and the address its futex-table key
    /// names (the same virtual address for a private word, the physical one in MAP_SHARED
    /// memory; FutexTable.swift).
    case futex(address: UInt64, key: UInt64)
    /// In nanosleep until this cycle.
    case sleep(untilCycle: UInt64)
    /// In thread_join, for this thread.
    case join(tid: Int32)
    /// In process_wait, for this child (-1: any child); the status goes to `statusAddress`.
    case processWait(pid: Int32, statusAddress: UInt64)
    /// In get_message, its queue empty (MessageQueue.swift).
    case message
    /// Waiting for I/O (IO/WaitQueue.swift): what it waits for, and the descriptor (or 0).
    case io(String, object: UInt64)
    /// In clone with CLONE_VFORK: until this child execs or ends (Fork.swift).
    case vfork(child: Int32)
    /// In rt_sigsuspend, until a signal it does not block arrives (SignalDelivery.swift).
    case signalSuspend
    /// In rt_sigtimedwait for one of these signals (bit n - 1 for signal n).
    case signalWait(set: UInt64)
    /// Its process was stopped by this signal (SIGSTOP, SIGTSTP ...) until SIGCONT.
    case stopped(signal: Int32)
    /// In accel_wait, for this submission of this accelerator context (the kernel's number).
    case accelerator(context: Int32, submission: UInt64)

    var description: String {
        switch self {
        case .futex(let address, _): "futex_wait on 0x\(String(address, radix: 16))"
        case .sleep(let cycle): "nanosleep until cycle \(cycle)"
        case .join(let tid): "thread_join of thread \(tid)"
        case .processWait(let pid, _): pid == -1 ? "process_wait for any child" : "process_wait for process \(pid)"
        case .message: "get_message (its message queue is empty)"
        case .io(let what, _): what
        case .vfork(let child): "vfork, until child \(child) execs or exits"
        case .signalSuspend: "rt_sigsuspend"
        case .signalWait(let set): "rt_sigtimedwait for " + Kernel.signalNames(in: set)
        case .stopped(let signal): "stopped by \(Kernel.signalName(signal)) (SIGCONT continues it)"
        case .accelerator(let context, let submission): "accel_wait for submission \(submission) of accelerator context \(context)"
        }
    }
}

enum ThreadState: Equatable {
    case ready
    case running(hart: Int)
    case blocked(BlockReason)
    case exited(status: Int32)
}

/// Counters kept per thread (all in cycles of simulated time where they are times).
public struct ThreadMetrics: Sendable, Equatable {
    public var runCycles: UInt64 = 0
    public var readyCycles: UInt64 = 0
    public var blockedCycles: UInt64 = 0
    public var switches: UInt64 = 0
    /// Times it ran on another core than the time before (with SMT, a move between the two
    /// harts of one core keeps its caches and is no migration).
    public var migrations: UInt64 = 0
    /// Misses in the private caches (every level, fetches and data) while it ran, and those
    /// of them in the first slice after each migration: what moving cost it (0 without caches).
    public var cacheMisses: UInt64 = 0
    public var missesAfterMigration: UInt64 = 0
    /// The harts it has run on: bit h for hart h.
    public var hartsRunOn: UInt64 = 0
    public var stackBytes: UInt64 = 0
}

final class Thread {
    let tid: Int32
    unowned let process: Process
    var context = ThreadContext()
    var state: ThreadState = .ready
    /// The cycle at which `state` last changed, to charge the time to the right counter.
    var stateSince: UInt64 = 0
    /// The hart it last ran on (for migrations), or nil before it first runs.
    var lastHart: Int? = nil
    /// With caches: the hart's private-miss count when it got the hart (nil while it is
    /// off a hart), and whether this slice is the first after a migration (CacheAccounting.swift).
    var missesAtSwitchIn: UInt64? = nil
    var migratedIntoSlice = false
    /// Cycle at which its current time slice ends, when running under a preemptive policy.
    var sliceEnd: UInt64 = .max
    /// When blocked with a deadline (sleep, futex timeout): the cycle it is woken at, and
    /// the value a0 gets then.
    var wakeDeadline: UInt64? = nil
    var timeoutResult: Int64 = 0
    /// Its entry among the timed waiters (TimedWaiters.swift).
    var timedOrder: UInt64 = 0
    /// The stack region the kernel mapped for it (none for the main thread's, which the
    /// loader made).
    var stack: MemoryRegion? = nil
    var metrics = ThreadMetrics()
    /// Its priority, 0 (lowest) ... 31 (highest), as set_priority sets it (Scheduler.swift).
    var priority = Priority.normal
    /// Its name as prctl(PR_SET_NAME) set it (at most 15 bytes), or nil for the program's.
    var name: [UInt8]? = nil
    /// The harts it may run on: bit h for hart h (set_affinity). All of them at first.
    var affinity: UInt64 = .max
    /// Messages posted to it and not yet taken (MessageQueue.swift).
    var messages = MessageQueue()
    /// Where it is in the ready queue (ReadyQueue.swift): its level (-1: not queued), the
    /// stamp of its entry there, and its neighbours in the level's list (the one after it
    /// held; the one before it, which holds it, not).
    var readyLevel = -1
    var readyStamp: UInt64 = 0
    var readyNext: Thread? = nil
    unowned(unsafe) var readyPrevious: Thread? = nil
    /// Asleep in a futex call: its record in the futex table (FutexTable.swift), so taking
    /// it off needs no lookup.
    var futexWaiter: FutexWaiter? = nil
    /// Threads blocked in thread_join on it, woken when it exits.
    var joiners: [Thread] = []
    /// Its place in creation order: the index of its record in `Kernel.threadRecords`.
    var serial = 0
    /// Under exploration (ScheduleHook.swift): it waits at a schedule point, before an
    /// operation on `pendingObject` (`.local` when it is at none).
    var atSchedulePoint = false
    var pendingObject: UInt64 = 0
    var pendingKind: PendingKind = .local
    /// Blocked for I/O: the wait queues it is on (IO/WaitQueue.swift).
    var ioQueues: [WaitQueue] = []
    /// Its system call runs again when it wakes; `callRestarted` tells the call it is a rerun.
    var restartsCall = false
    var callRestarted = false
    /// A rerun call's deadline (poll, epoll_wait, select with a timeout), and a blocking
    /// write's bytes taken before it waited.
    var ioDeadline: UInt64? = nil
    var ioProgress = 0
    /// Signals it blocks (rt_sigprocmask) and those raised while blocked: bit n - 1 for
    /// signal n (IO/SignalCalls.swift).
    var signalMask: UInt64 = 0
    /// Signals raised at it (or given it from its process's) and not yet taken, with their
    /// siginfo; its alternate signal stack; the mask to put back after rt_sigsuspend,
    /// ppoll, pselect6 or epoll_pwait set one for the call; a0 as its current call got it;
    /// the call a signal cut short; and where rt_sigtimedwait writes the siginfo
    /// (SignalState.swift, SignalDelivery.swift).
    var pending = SignalQueue()
    var pendingSignals: UInt64 { pending.bits }
    var alternateStack = AlternateSignalStack()
    var savedSignalMask: UInt64? = nil
    var callFirstArgument: UInt64 = 0
    var interruptedCall: InterruptedCall? = nil
    var signalWaitInfoAddress: UInt64 = 0
    /// set_tid_address / CLONE_CHILD_CLEARTID: the word zeroed and futex-woken at its exit
    /// (0: none). set_robust_list: its robust list's head and the length it gave (Clone.swift,
    /// RobustFutex.swift).
    var clearChildTIDAddress: UInt64 = 0
    var robustListHead: UInt64 = 0
    var robustListLength: UInt64 = 0
    /// Made by clone (Clone.swift): its stack is the program's own mapping, not one the
    /// kernel made, and nobody joins it with thread_join (no exit status is kept for it).
    var madeByClone = false

    init(tid: Int32, process: Process) {
        self.tid = tid
        self.process = process
    }

    var isExited: Bool { if case .exited = state { true } else { false } }

    /// Moves to `state` at `cycle`, charging the time since the last change.
    func transition(to newState: ThreadState, at cycle: UInt64) {
        let elapsed = cycle > stateSince ? cycle - stateSince : 0
        switch state {
        case .running: metrics.runCycles &+= elapsed
        case .ready: metrics.readyCycles &+= elapsed
        case .blocked: metrics.blockedCycles &+= elapsed
        case .exited: break
        }
        state = newState
        stateSince = cycle
    }
}
