// Scheduling: which ready thread runs next on a hart, and when the kernel takes the hart
// back. One global ready queue serves every hart: the simplest design that never leaves a
// hart idle while a thread it may run waits. It serves the highest priority first (FIFO
// within a priority) among the threads whose affinity mask allows the hart. Policies:
// single-tasking (only the oldest live process runs, as under DOS), cooperative (a thread
// keeps its hart until it blocks, yields or exits), and round robin with a time slice,
// driven by a periodic tick or tickless (the timer programmed for the next deadline only).
// Under round robin a thread that becomes ready with a higher priority than a running
// one takes that one's hart at once. The foreground process may get a boost (Era.swift).

import Machine
import Trace

public enum SchedulingPolicy: Sendable, Equatable, CustomStringConvertible {
    /// One program at a time: only the threads of the oldest live process run (among
    /// them, cooperatively); the next program waits until it exits.
    case singleTasking
    /// No timer: a thread runs until it blocks, yields or exits.
    case cooperative
    /// Preemptive round robin: a running thread gets `sliceCycles`; a periodic timer tick
    /// every `tickCycles` checks it (nil: tickless, the timer is set for the slice's end).
    case roundRobin(sliceCycles: UInt64, tickCycles: UInt64?)

    public var description: String {
        switch self {
        case .singleTasking: "single-tasking"
        case .cooperative: "cooperative"
        case .roundRobin(let slice, let tick?): "round robin, slice \(slice) cycles, tick every \(tick) cycles"
        case .roundRobin(let slice, nil): "round robin, slice \(slice) cycles, tickless"
        }
    }

    func validate() throws(KernelError) {
        guard case .roundRobin(let slice, let tick) = self else { return }
        try KernelConfiguration.check(slice, KernelConfiguration.periodRange, "a time slice", unit: "cycles")
        if let tick {
            try KernelConfiguration.check(tick, KernelConfiguration.periodRange, "a timer tick", unit: "cycles")
            guard slice >= tick else { throw KernelError("a time slice (\(slice) cycles) cannot be shorter than the tick (\(tick) cycles)") }
        }
    }

    var isPreemptive: Bool { if case .roundRobin = self { true } else { false } }

    /// The periodic tick and the time slice in cycles (nil: none).
    public var tickCycles: UInt64? { if case .roundRobin(_, let tick) = self { tick } else { nil } }
    public var sliceCycles: UInt64? { if case .roundRobin(let slice, _) = self { slice } else { nil } }
}

/// Thread priorities, numbered as Windows numbers them: higher runs first.
enum Priority {
    static let lowest = 0, highest = 31, normal = 8
}

/// The foreground process's advantage (Windows' foreground boost): its threads run
/// `priority` levels higher and, under round robin, get `sliceCycles` instead of the
/// policy's slice (nil: the same slice).
public struct ForegroundBoost: Sendable, Equatable {
    public var priority: Int
    public var sliceCycles: UInt64?

    public init(priority: Int, sliceCycles: UInt64? = nil) {
        self.priority = priority
        self.sliceCycles = sliceCycles
    }

    func validate() throws(KernelError) {
        guard priority >= 0, priority <= Priority.highest else {
            throw KernelError("a foreground priority boost must be between 0 and \(Priority.highest), not \(priority)")
        }
        if let sliceCycles { try KernelConfiguration.check(sliceCycles, KernelConfiguration.periodRange, "the foreground time slice", unit: "cycles") }
    }
}

struct Scheduler {
    let policy: SchedulingPolicy
    let boost: ForegroundBoost?
    /// `policy` is single-tasking (asked on every trap).
    let isSingleTasking: Bool
    /// The foreground process (set_foreground); its threads get `boost`.
    var foregroundPID: Int32 = 1
    /// Under single-tasking, the one process whose threads may run now.
    var onlyProcess: Int32? = nil
    /// Ready threads by priority, FIFO within one (ReadyQueue.swift).
    private var ready = ReadyQueue()

    init(policy: SchedulingPolicy, boost: ForegroundBoost? = nil) {
        self.policy = policy
        self.boost = boost
        if case .singleTasking = policy { isSingleTasking = true } else { isSingleTasking = false }
    }

    var hasReady: Bool { !ready.isEmpty }

    mutating func enqueue(_ thread: Thread) {
        ready.enqueue(thread, priority: priority(of: thread))
    }

    /// The priority the scheduler uses: the thread's own, plus the foreground boost.
    func priority(of thread: Thread) -> Int {
        guard let boost, thread.process.pid == foregroundPID else { return thread.priority }
        return min(Priority.highest, thread.priority + boost.priority)
    }

    /// The thread's time slice in cycles under a preemptive policy (nil: no slice).
    func sliceCycles(for thread: Thread) -> UInt64? {
        guard let slice = policy.sliceCycles else { return nil }
        guard let boost, thread.process.pid == foregroundPID, let longer = boost.sliceCycles else { return slice }
        return longer
    }

    /// Whether `thread` may run on hart `hart` now (affinity, single-tasking).
    func mayRun(_ thread: Thread, on hart: Int) -> Bool { Scheduler.mayRun(thread, on: hart, onlyProcess: onlyProcess) }

    static func mayRun(_ thread: Thread, on hart: Int, onlyProcess: Int32?) -> Bool {
        guard hart < 64, thread.affinity & (1 << UInt64(hart)) != 0 else { return false }
        if let onlyProcess, thread.process.pid != onlyProcess { return false }
        return true
    }

    /// Whether a thread that may run on `hart` with at least priority `floor` is ready.
    mutating func hasReady(for hart: Int, atLeast floor: Int = Priority.lowest) -> Bool {
        let only = onlyProcess
        return ready.first(atLeast: floor) { Scheduler.mayRun($0, on: hart, onlyProcess: only) } != nil
    }

    /// Takes the thread to run next on `hart` out of the queue, or nil: the highest
    /// priority, the longest waiting among equals.
    mutating func next(for hart: Int, atLeast floor: Int = Priority.lowest) -> Thread? {
        let only = onlyProcess
        return ready.take(atLeast: floor) { Scheduler.mayRun($0, on: hart, onlyProcess: only) }
    }

    /// Takes `thread` out of the queue (when it leaves the ready state another way).
    mutating func remove(_ thread: Thread) {
        ready.remove(thread)
    }

    /// Empties the queue (the kernel goes).
    mutating func removeAllReady() {
        ready.removeAll()
    }

    /// After the thread's priority (or the foreground) changed: its place in the queue
    /// follows, keeping the time it became ready.
    mutating func priorityChanged(_ thread: Thread) {
        ready.requeue(thread, priority: priority(of: thread))
    }
}

extension Kernel {
    /// Gives `hart` the next ready thread, or lets it idle until an interrupt.
    func dispatch(_ hart: Hart) {
        if case .singleTasking = scheduler.policy { updateSingleTasking(hart) }
        if schedulePoints.isOn, running.count > 1, let handed = takeHandOffUnderSchedulePoints(hart) {
            if let handed { switchTo(handed, on: hart) } else { idleUnderSchedulePoints(hart) }
        } else if schedulePoints.isOn, let chosen = chooseNextUnderSchedulePoints(hart) {
            switchTo(chosen, on: hart)   // under exploration the handler picks (ScheduleHook.swift)
        } else if let next = scheduler.next(for: hart.id) {
            switchTo(next, on: hart)
        } else {
            running[hart.id] = nil
            hartIdles(hart)
            programTimer(hart)
            hart.park()
        }
    }

    /// Single-tasking: moves the turn to the process that should have it now; when it
    /// moved, idle harts other than `hart` look again (the new program may have threads
    /// for them).
    func updateSingleTasking(_ hart: Hart) {
        let current = singleTaskingProcessID
        guard current != scheduler.onlyProcess else { return }
        scheduler.onlyProcess = current
        for index in running.indices where running[index] == nil && index != hart.id { machine.setWakeUp(hart: index, true) }
    }

    /// The one process single-tasking runs now: the program started first among those
    /// still alive — or, as DOS's EXEC did, the child it started last (and that one's, and
    /// so on), while that is alive; the parent resumes when it has exited.
    var singleTaskingProcessID: Int32? {
        var live: [Int32: Process] = [:]
        for process in liveProcesses { live[process.pid] = process }
        var current = live.values.filter { $0.parentID.map { live[$0] == nil } ?? true }.min { $0.pid < $1.pid }
        while let parent = current, let child = live.values.filter({ $0.parentID == parent.pid }).max(by: { $0.pid < $1.pid }) {
            current = child
        }
        return current?.pid
    }

    /// Puts a thread that can run again in the ready queue, and wakes a hart for it: an
    /// idle one it may run on, or, under round robin, one running a lower priority.
    func makeReady(_ thread: Thread, at cycle: UInt64) {
        thread.transition(to: .ready, at: cycle)
        thread.wakeDeadline = nil
        scheduler.enqueue(thread)
        traceEvent(.threadReady(tid: thread.tid), cycle: cycle, hart: handlingHart ?? -1)
        wakeHart(for: thread)
    }

    /// Sends a wake-up (an IPI) to a hart that should take `thread` now: an idle hart in
    /// its mask, or else the one running the lowest priority below the thread's. The hart
    /// whose trap is being handled needs none: it looks again before it returns.
    func wakeHart(for thread: Thread) {
        for index in running.indices where running[index] == nil && index != handlingHart && scheduler.mayRun(thread, on: index) {
            // Exploration on several harts runs in lock-step: only the handler's choice puts
            // a thread on another hart (ScheduleHook.swift), never a wake-up. (Its policy is
            // cooperative, so the preemptive wake-up below does not happen either.)
            if schedulePoints.isOn { return }
            machine.setWakeUp(hart: index, true)
            return
        }
        guard scheduler.policy.isPreemptive else { return }
        var victim: (hart: Int, priority: Int)? = nil
        let priority = scheduler.priority(of: thread)
        for index in running.indices where scheduler.mayRun(thread, on: index) {
            guard let other = running[index] else { continue }
            let otherPriority = scheduler.priority(of: other)
            if otherPriority < priority && otherPriority < (victim?.priority ?? .max) { victim = (index, otherPriority) }
        }
        if let victim, !isDispatching(victim.hart) { machine.setWakeUp(hart: victim.hart, true) }
    }

    /// Whether the thread on `hart` must give the hart up now, and why: it may no longer
    /// run there (its affinity changed, or single-tasking moved on), or, under round
    /// robin, a thread of higher priority waits for the hart.
    func mustLeave(_ thread: Thread, _ hart: Hart) -> SwitchReason? {
        if let only = scheduler.onlyProcess, thread.process.pid != only { return .programWaits }
        guard scheduler.mayRun(thread, on: hart.id) else { return .migrated }
        guard scheduler.policy.isPreemptive, scheduler.hasReady else { return nil }
        return scheduler.hasReady(for: hart.id, atLeast: scheduler.priority(of: thread) + 1) ? .preempted : nil
    }

    /// After a trap on `hart`: hands the hart over if its thread must leave (see mustLeave).
    func reschedule(_ hart: Hart) {
        guard let thread = running[hart.id] else { return }
        if case .singleTasking = scheduler.policy { updateSingleTasking(hart) }
        // The common case at a glance: nothing waits, and the thread may stay.
        if !scheduler.hasReady && thread.affinity == .max && scheduler.onlyProcess == nil { return }
        guard let reason = mustLeave(thread, hart) else { return }
        if runEnded { return }
        preempt(thread, on: hart, reason: reason)
    }

    /// Whether hart `index` is the one whose trap is being handled (it dispatches itself).
    func isDispatching(_ index: Int) -> Bool { handlingHart == index }

    /// Sets the hart's timer for the earliest of: the tick, the running thread's slice end,
    /// and the deadline of a thread sleeping on this hart.
    func programTimer(_ hart: Hart) {
        var deadline: UInt64? = nil
        func consider(_ cycle: UInt64) { deadline = min(deadline ?? .max, cycle) }
        if let tick = scheduler.policy.tickCycles {
            let nextTick = (SimulatedTime(cycles: hart.cycle) + SimulatedTime(cycles: 1)).roundedUp(toMultipleOf: SimulatedTime(cycles: tick)).cycles
            if running[hart.id] == nil {
                if let wake = idleTimer(hart, nextTick: nextTick) { consider(wake) }   // IdleTicks.swift
            } else {
                consider(nextTick)
            }
        } else if let thread = running[hart.id], thread.sliceEnd != .max {
            consider(thread.sliceEnd)
        }
        if let wake = timedWaiters.earliest(onHart: hart.id) { consider(wake) }
        if hart.id == input.hart, let injection = input.nextInjection { consider(injection) }
        if hart.id == NetworkInterface.hart, let event = networkDeadline { consider(event) }
        if hart.id == AcceleratorDriver.hart, acceleratorDriver != nil, let look = acceleratorDeadline { consider(look) }
        machine.setTimer(hart: hart.id, atCycle: deadline)
    }

    /// A timer or software interrupt on `hart`.
    func interrupt(_ hart: Hart, code: UInt64) {
        let now = hart.cycle
        if trace != nil {
            let kind: InterruptKind = code == 7 ? .timer : code == 3 ? .software : .external
            traceEvent(.interrupt(kind, tid: running[hart.id]?.tid ?? 0), on: hart)
        }
        if code == 3 { machine.setWakeUp(hart: hart.id, false) }
        countSkippedTicks(hart, now: now)
        // The run ends at the clock limit (RunLoop.swift); stop stepping to let it.
        if now >= SimulatedTime.runLimit.cycles { machine.stopRequested = true }
        if code == 7 {
            timerInterrupts &+= 1
            hartMetrics[hart.id].timerInterrupts &+= 1
        }
        for thread in timedWaiters.takeExpired(at: now) {
            if case .blocked(.futex(_, let key)) = thread.state { futexes.remove(thread, key: key) }
            if case .blocked(.io) = thread.state {
                leaveWaitQueues(thread)   // its call runs again and sees its deadline passed
            } else {
                thread.context.integers[10] = UInt64(bitPattern: thread.timeoutResult)
            }
            makeReady(thread, at: now)
        }
        injectInput(hart)
        processNetworkEvents(hart)
        if acceleratorDriver != nil { processAcceleratorEvents(hart) }   // AcceleratorScheduler.swift
        if let thread = running[hart.id] {
            if let reason = mustLeave(thread, hart) {
                preempt(thread, on: hart, reason: reason)
                return
            }
            // With a periodic tick the slice ends at the tick nearest its end (a 4 ms slice on
            // a 4 ms tick lasts one tick, not two); tickless, exactly at its end.
            let early = (scheduler.policy.tickCycles ?? 0) / 2
            if scheduler.policy.isPreemptive, now >= thread.sliceEnd - min(thread.sliceEnd, early) {
                // Round robin among equals: a lower priority does not get the hart.
                if scheduler.hasReady(for: hart.id, atLeast: scheduler.priority(of: thread)) {
                    preempt(thread, on: hart, reason: .sliceExpired)
                    return
                }
                thread.sliceEnd = now.addingSaturated(scheduler.sliceCycles(for: thread) ?? 0)
            }
            programTimer(hart)
        } else {
            if case .singleTasking = scheduler.policy { updateSingleTasking(hart) }
            if !scheduler.hasReady(for: hart.id) {
                idleWakeUps &+= 1
                hartMetrics[hart.id].idleWakeUps &+= 1
            }
            dispatch(hart)
        }
    }

    /// Takes the hart from a running thread that can still run, and gives it the next one:
    /// `next` if the caller already took it from the queue (it is the one `dispatch` would
    /// take: the first that may run there, at the thread's priority or above).
    func preempt(_ thread: Thread, on hart: Hart, reason: SwitchReason, next: Thread? = nil) {
        saveContext(of: thread, from: hart)
        running[hart.id] = nil
        thread.transition(to: .ready, at: hart.cycle)
        scheduler.enqueue(thread)
        noteLeaving(thread, hart: hart, .switched(reason))
        traceEvent(.threadReady(tid: thread.tid), on: hart)
        if let next { switchTo(next, on: hart) } else { dispatch(hart) }
        // It may run elsewhere (it had to leave this hart, or another is idle).
        if running[hart.id] !== thread, case .ready = thread.state { wakeHart(for: thread) }
    }

    /// When a thread blocked until `deadline` wakes. Under a periodic tick, timers expire
    /// only at ticks (as on Windows and HZ Linux): at the first tick at or after the
    /// deadline, so a 1 ms sleep on a 15.6 ms tick lasts until the next tick. Tickless
    /// and cooperative wake it exactly. Never past the run limit, where the run ends.
    func wakeCycle(for deadline: UInt64) -> UInt64 {
        var wake = SimulatedTime(cycles: deadline)
        if let tick = scheduler.policy.tickCycles { wake = wake.roundedUp(toMultipleOf: SimulatedTime(cycles: tick)) }
        return min(wake, SimulatedTime.runLimit).cycles
    }

    /// Takes the hart from a thread that now waits for `reason`, and gives it the next one.
    func block(_ thread: Thread, on hart: Hart, _ reason: BlockReason, deadline: UInt64? = nil, timeoutResult: Int64 = 0) {
        saveContext(of: thread, from: hart)
        running[hart.id] = nil
        thread.transition(to: .blocked(reason), at: hart.cycle)
        thread.wakeDeadline = deadline.map(wakeCycle(for:))
        if thread.wakeDeadline != nil { timedWaiters.add(thread, hart: thread.lastHart ?? hart.id) }
        thread.timeoutResult = timeoutResult
        noteLeaving(thread, hart: hart, .blocked(reason))
        dispatch(hart)
    }
}
