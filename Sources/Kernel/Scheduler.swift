// Scheduling: which ready thread runs next on a hart, and when the kernel takes the hart
// back. One global ready queue (FIFO) serves every hart: the simplest policy that is
// fair and never leaves a hart idle while a thread waits; affinity and per-hart queues
// can build on it. Policies: cooperative (a thread keeps its hart until it blocks, yields
// or exits), and round robin with a time slice, driven by a periodic tick or tickless
// (the timer programmed for the next deadline only).

import Machine

public enum SchedulingPolicy: Sendable, Equatable, CustomStringConvertible {
    /// No timer: a thread runs until it blocks, yields or exits.
    case cooperative
    /// Preemptive round robin: a running thread gets `sliceCycles`; a periodic timer tick
    /// every `tickCycles` checks it (nil: tickless, the timer is set for the slice's end).
    case roundRobin(sliceCycles: UInt64, tickCycles: UInt64?)

    public var description: String {
        switch self {
        case .cooperative: "cooperative"
        case .roundRobin(let slice, let tick?): "round robin, slice \(slice) cycles, tick every \(tick) cycles"
        case .roundRobin(let slice, nil): "round robin, slice \(slice) cycles, tickless"
        }
    }

    func validate() throws(KernelError) {
        guard case .roundRobin(let slice, let tick) = self else { return }
        guard slice >= 100 else { throw KernelError("a time slice must be at least 100 cycles, not \(slice)") }
        if let tick {
            guard tick >= 100 else { throw KernelError("a timer tick must be at least 100 cycles apart, not \(tick)") }
            guard slice >= tick else { throw KernelError("a time slice (\(slice) cycles) cannot be shorter than the tick (\(tick) cycles)") }
        }
    }

    var isPreemptive: Bool { if case .roundRobin = self { true } else { false } }

    var tickCycles: UInt64? { if case .roundRobin(_, let tick) = self { tick } else { nil } }
    var sliceCycles: UInt64? { if case .roundRobin(let slice, _) = self { slice } else { nil } }
}

struct Scheduler {
    let policy: SchedulingPolicy
    private var ready: [Thread] = []
    private var head = 0

    init(policy: SchedulingPolicy) { self.policy = policy }

    var hasReady: Bool { head < ready.count }

    mutating func enqueue(_ thread: Thread) {
        ready.append(thread)
    }

    /// The longest-waiting ready thread, or nil.
    mutating func next() -> Thread? {
        while head < ready.count {
            let thread = ready[head]
            head += 1
            if head > 64 && head * 2 > ready.count {
                ready.removeFirst(head)
                head = 0
            }
            if case .ready = thread.state { return thread }
        }
        return nil
    }
}

extension Kernel {
    /// Gives `hart` the next ready thread, or lets it idle until an interrupt.
    func dispatch(_ hart: Hart) {
        if let next = scheduler.next() {
            switchTo(next, on: hart)
        } else {
            running[hart.id] = nil
            programTimer(hart)
            hart.park()
        }
    }

    /// Puts a thread that can run again in the ready queue, and wakes an idle hart for it.
    func makeReady(_ thread: Thread, at cycle: UInt64) {
        thread.transition(to: .ready, at: cycle)
        thread.wakeDeadline = nil
        scheduler.enqueue(thread)
        if let idle = running.indices.first(where: { running[$0] == nil && !isDispatching($0) }) {
            machine.setWakeUp(hart: idle, true)
        }
    }

    /// Whether hart `index` is the one whose trap is being handled (it dispatches itself).
    func isDispatching(_ index: Int) -> Bool { handlingHart == index }

    /// Sets the hart's timer for the earliest of: the tick, the running thread's slice end,
    /// and the deadline of a thread sleeping on this hart.
    func programTimer(_ hart: Hart) {
        var deadline: UInt64? = nil
        func consider(_ cycle: UInt64) { deadline = min(deadline ?? .max, cycle) }
        if let tick = scheduler.policy.tickCycles {
            consider((hart.cycle / tick + 1) * tick)
        } else if let thread = running[hart.id], thread.sliceEnd != .max {
            consider(thread.sliceEnd)
        }
        for thread in sleepers where thread.lastHart == hart.id {
            if let wake = thread.wakeDeadline { consider(wake) }
        }
        if hart.id == input.hart, let injection = input.nextInjection { consider(injection) }
        machine.setTimer(hart: hart.id, atCycle: deadline)
    }

    /// Threads blocked with a deadline (sleeping, or waiting on a futex with a timeout).
    /// Kept as a list that `block` appends to and this prunes, so a timer costs nothing
    /// when no thread sleeps.
    var sleepers: [Thread] {
        if timedWaiters.contains(where: { $0.wakeDeadline == nil }) { timedWaiters.removeAll { $0.wakeDeadline == nil } }
        return timedWaiters
    }

    /// A timer or software interrupt on `hart`.
    func interrupt(_ hart: Hart, code: UInt64) {
        let now = hart.cycle
        if code == 3 { machine.setWakeUp(hart: hart.id, false) }
        if code == 7 { timerInterrupts &+= 1 }
        for thread in sleepers {
            if let wake = thread.wakeDeadline, wake <= now {
                if case .blocked(.futex(_, let key)) = thread.state { futexes.remove(thread, key: key) }
                thread.context.integers[10] = UInt64(bitPattern: thread.timeoutResult)
                makeReady(thread, at: now)
            }
        }
        injectInput(hart)
        if let thread = running[hart.id] {
            if scheduler.policy.isPreemptive, now >= thread.sliceEnd {
                if scheduler.hasReady {
                    preempt(thread, on: hart, reason: .sliceExpired)
                    return
                }
                thread.sliceEnd = now + (scheduler.policy.sliceCycles ?? 0)
            }
            programTimer(hart)
        } else {
            if !scheduler.hasReady { idleWakeUps &+= 1 }
            dispatch(hart)
        }
    }

    /// Takes the hart from a running thread that can still run, and gives it the next one.
    func preempt(_ thread: Thread, on hart: Hart, reason: SwitchReason) {
        saveContext(of: thread, from: hart)
        running[hart.id] = nil
        thread.transition(to: .ready, at: hart.cycle)
        scheduler.enqueue(thread)
        lastSwitchReason = reason
        dispatch(hart)
    }

    /// Takes the hart from a thread that now waits for `reason`, and gives it the next one.
    func block(_ thread: Thread, on hart: Hart, _ reason: BlockReason, deadline: UInt64? = nil, timeoutResult: Int64 = 0) {
        saveContext(of: thread, from: hart)
        running[hart.id] = nil
        thread.transition(to: .blocked(reason), at: hart.cycle)
        thread.wakeDeadline = deadline
        if deadline != nil, !timedWaiters.contains(where: { $0 === thread }) { timedWaiters.append(thread) }
        thread.timeoutResult = timeoutResult
        lastSwitchReason = .blocked
        dispatch(hart)
    }
}
