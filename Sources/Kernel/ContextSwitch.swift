// The context switch: a thread's registers (x1–x31, f0–f31, fcsr) and PC go from the
// hart into the kernel's Thread and another thread's come back; between processes the
// address space (satp, with sfence.vma) changes too. A switch costs simulated cycles
// (`switchCost`, plus `addressSpaceSwitchCost` for a new address space), charged to the
// hart, so its price shows in the time a program takes.

import Machine
import Trace

/// Why a thread left its hart (counted when it leaves, whether or not another thread
/// takes the hart at once), and `fromIdle`: a hart that had no thread took one.
enum SwitchReason: String, CaseIterable {
    case sliceExpired = "time slice expired"
    case blocked
    case yielded
    case exited
    case preempted = "preempted by a higher priority"
    case migrated
    /// Single-tasking: the process must wait while the child it started runs.
    case programWaits = "its program waits"
    case fromIdle = "from idle"

    /// Its place in `allCases`, for counting without hashing.
    var index: Int {
        switch self {
        case .sliceExpired: 0
        case .blocked: 1
        case .yielded: 2
        case .exited: 3
        case .preempted: 4
        case .migrated: 5
        case .programWaits: 6
        case .fromIdle: 7
        }
    }
}

/// Why a thread left its hart: counted by reason, and traced with what it waits on.
enum LeaveCause: Sendable, Equatable {
    case switched(SwitchReason)
    case blocked(BlockReason)
    case exited(Int32)

    var switchReason: SwitchReason {
        switch self {
        case .switched(let reason): reason
        case .blocked: .blocked
        case .exited: .exited
        }
    }
}

extension Kernel {
    /// Notes why a thread leaves its hart: counted by reason and traced (the switch log
    /// is a view of the trace, Trace/SwitchLog.swift).
    func noteLeaving(_ thread: Thread, hart: Hart, _ cause: LeaveCause) {
        switchCounts[cause.switchReason.index] &+= 1
        if thread.missesAtSwitchIn != nil { cachesSwitchOut(thread, from: hart) }
        traceStop(thread, on: hart, cause)
    }

    func saveContext(of thread: Thread, from hart: Hart) {
        thread.context.integers.withWords { hart.saveIntegerRegisters(into: $0) }
        thread.context.floats.withWords { hart.saveFloatRegisters(into: $0) }
        thread.context.floatingPointControl = hart.floatingPointControl
        thread.context.pc = hart.pc
    }

    func restoreContext(of thread: Thread, onto hart: Hart) {
        thread.context.integers.withWords { hart.restoreIntegerRegisters(from: $0) }
        thread.context.floats.withWords { hart.restoreFloatRegisters(from: $0) }
        hart.floatingPointControl = thread.context.floatingPointControl
        hart.setPCKeepingFetch(thread.context.pc)
    }

    /// Puts `next` on `hart`, charging the switch and starting its time slice.
    func switchTo(_ next: Thread, on hart: Hart) {
        hart.dropReservation()   // the next thread's SC must not use the last one's LR
        let newSpace = hart.addressTranslation != next.process.addressSpace.satp
        if newSpace { hart.setAddressTranslation(next.process.addressSpace.satp) }
        restoreContext(of: next, onto: hart)
        let wasIdle = hartBecomesBusy(hart)
        let cost = configuration.switchCost.addingSaturated(newSpace ? configuration.addressSpaceSwitchCost : 0)
        if newSpace { traceEvent(.tlbFlush(tid: next.tid), on: hart) }
        hart.advanceClock(by: cost)
        traceEvent(.threadRuns(tid: next.tid, switchCycles: UInt32(truncatingIfNeeded: cost)), on: hart)
        // A migration is a move to another core (SMT siblings share their caches); a core
        // has 1 or 2 harts, so the core is the hart shifted by 0 or 1.
        let coreShift = configuration.threadsPerCore &- 1
        let migrated = next.lastHart.map { $0 &>> coreShift != hart.id &>> coreShift } ?? false
        if migrated { next.metrics.migrations &+= 1 }
        if let memorySystem = machine.memorySystem { cachesSwitchIn(next, on: hart, memorySystem, migrated: migrated) }
        next.lastHart = hart.id
        next.metrics.hartsRunOn |= hart.id < 64 ? 1 << UInt64(hart.id) : 0
        next.metrics.switches &+= 1
        contextSwitches &+= 1
        if wasIdle { switchCounts[SwitchReason.fromIdle.index] &+= 1 }
        next.transition(to: .running(hart: hart.id), at: hart.cycle)
        next.sliceEnd = scheduler.sliceCycles(for: next).map { hart.cycle.addingSaturated($0) } ?? .max
        running[hart.id] = next
        raceLogRunning(next, on: hart)   // RaceLogHooks.swift
        if schedulePoints.isOn { enterUnderSchedulePoints(next, on: hart) }
        programTimer(hart)
        // Put on a hart from another hart's trap: its signals need a trap of its own hart.
        if hart.id != handlingHart, needsSignalWork(next) { machine.setWakeUp(hart: hart.id, true) }
    }
}
