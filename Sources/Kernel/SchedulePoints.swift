// Schedule points: the places where one thread can affect another (a shared page's
// access, an atomic, LR/SC, a futex call, a thread or process starting or ending, I/O).
// Under exploration (`KernelConfiguration.exploration.schedulePoints`) the kernel stops
// at each one and asks a `SchedulePointHandler` which thread runs next; the explorer
// (Sources/Explore/) answers from its strategy. Off, none of this costs anything.
//
// CONTRACT (issue 18 wave): the types below are fixed; the kernel's behaviour behind
// them is built in the `points` part.

/// What an exploration turns on in a kernel. Part of the configuration, so a run stays a
/// pure function of program, configuration and seed.
public struct ExplorationSettings: Sendable, Equatable {
    /// Stop at every schedule point and ask `Kernel.schedulePointHandler`.
    public var schedulePoints = false
    /// Record every guest memory access and synchronisation for race detection
    /// (the race log; Sources/Explore/RaceMonitor.swift reads it).
    public var raceLog = false

    public init(schedulePoints: Bool = false, raceLog: Bool = false) {
        self.schedulePoints = schedulePoints
        self.raceLog = raceLog
    }

    public var isOn: Bool { schedulePoints || raceLog }
}

/// How a thread's next operation uses the object it touches (mirrors Explore's
/// `AccessKind`: read commutes with read; write and sync conflict with everything).
public enum PendingKind: UInt8, Sendable, Hashable {
    case read, write, sync, local
}

/// A candidate at a schedule point: a thread that may run, and what it does next.
public struct ScheduleCandidate: Sendable, Equatable {
    /// The thread's creation index in this run (0 for the first thread): dense and the
    /// same in every run that made the same decisions, so strategies can name threads by it.
    public var serial: UInt32
    /// The thread's id as the guest sees it (gettid).
    public var tid: Int32
    /// What its next operation touches: a physical address for memory, an object id for
    /// a futex word, a thread, a descriptor. Only equality matters.
    public var object: UInt64
    public var kind: PendingKind

    public init(serial: UInt32, tid: Int32, object: UInt64, kind: PendingKind) {
        self.serial = serial
        self.tid = tid
        self.object = object
        self.kind = kind
    }
}

/// Why the kernel stopped at this point (for reports and the stepper).
public enum SchedulePointReason: UInt8, Sendable, Hashable {
    case start, sharedAccess, atomic, loadReserved, storeConditional, systemCall, threadStart, threadEnd, processStart, processEnd, blocked, other
}

/// One schedule point, as the kernel describes it to the handler.
public struct ScheduleQuery: Sendable {
    /// The hart that stopped.
    public var hart: Int
    /// The serial of the thread that ran up to this point on that hart (nil at the first
    /// point, or when the hart was idle). Choosing another candidate while it is among
    /// the candidates is a preemption.
    public var running: UInt32?
    /// The threads that may run now, ascending by serial; never empty when asked.
    public var candidates: [ScheduleCandidate]
    /// Where the running thread stopped (its PC), 0 when none.
    public var pc: UInt64
    public var reason: SchedulePointReason

    public init(hart: Int, running: UInt32?, candidates: [ScheduleCandidate], pc: UInt64, reason: SchedulePointReason) {
        self.hart = hart
        self.running = running
        self.candidates = candidates
        self.pc = pc
        self.reason = reason
    }
}

/// The handler's answer.
public enum ScheduleAnswer: Sendable, Equatable {
    /// Run the candidate with this serial.
    case run(serial: UInt32)
    /// End this run now: the run ends with `ProcessEnding` unchanged and
    /// `Kernel.explorationAbandoned` set (the explorer restores its snapshot).
    /// `run()` then returns at once (no further instruction runs): the first program's
    /// ending if it had already ended, else `.deadlock("abandoned by the explorer")`;
    /// the processes still running end quietly (nothing is written to the error stream).
    case abandon
}

/// The explorer's side of a schedule point. Called once per point (not per instruction),
/// so one existential call is cheap beside the trap that leads to it.
///
/// Behaviour (Kernel/ScheduleHook.swift, Machine/SchedulePointWatch.swift): asked only
/// when there are two or more candidates. Points: before an access to a page two threads
/// have touched (and the access that makes a page shared), before every atomic, LR and
/// SC; before futex, clone, exit, exit_group, wait4/waitid, execve, kill, thread_spawn,
/// thread_join, process_spawn/process_wait, and read/write/send/recv/accept/connect/close
/// on a descriptor (reason `.systemCall`, `.threadStart`, `.threadEnd`, `.processStart`,
/// `.processEnd`); after a call that made a thread (`.threadStart`: the new thread may run
/// first); when the running thread blocks or ends (`.blocked`/`.threadEnd`; `running` is
/// then not among the candidates: no preemption); at sched_yield (the others only).
/// Footprints: memory by physical address; futex words by physical address; thread
/// start/end/join by process; process calls by one object for all; descriptors by their
/// open file description. An answer naming no candidate lets the running thread go on.
/// Without a handler the running thread goes on and the scheduler's queue order picks.
public protocol SchedulePointHandler: AnyObject {
    func choose(_ query: ScheduleQuery) -> ScheduleAnswer
}

extension Kernel {
    /// `function+0x1c (file.swift:12)` for code at `address` in process `pid`, or the
    /// address in hex when the process is gone or has no symbol there. For explorer and
    /// race reports, which name code after the run.
    public func describeCode(at address: UInt64, pid: Int32) -> String {
        processTable[pid]?.describeCode(at: address) ?? "0x\(String(address, radix: 16))"
    }

    /// `symbol+0x8` for a data address of process `pid` (a global), nil for the heap and
    /// the stack.
    public func describeData(at address: UInt64, pid: Int32) -> String? {
        processTable[pid]?.symbolizeData(address)
    }

    /// The process of a live thread.
    public func pid(ofThread tid: Int32) -> Int32? {
        threads[tid]?.process.pid
    }
}
