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

/// One context switch as it happened: at `cycle` on `hart`, thread `from` left (nil: the
/// hart was idle) for `reason`, and thread `to` got the hart (nil: the hart went idle).
/// The trace views draw timelines from these.
public struct SwitchEvent: Sendable, Equatable, CustomStringConvertible {
    public var cycle: UInt64
    public var hart: Int
    public var from: Int32?
    public var to: Int32?
    let cause: LeaveCause

    /// Why `from` left: "time slice expired", "blocked in futex_wait on 0x…", "exited with
    /// status 0", … or "from idle".
    public var reason: String {
        switch cause {
        case .switched(let reason): reason.rawValue
        case .blocked(let reason): "blocked in \(reason)"
        case .exited(let status): "exited with status \(status)"
        }
    }

    public var description: String {
        "cycle \(cycle) hart \(hart): \(from.map { "thread \($0)" } ?? "idle") -> \(to.map { "thread \($0)" } ?? "idle") (\(reason))"
    }
}

/// Why a thread left its hart, kept cheap (no text) until someone reads the event.
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
    /// Notes why a thread leaves its hart: counted by reason, and kept for the switch
    /// event the next dispatch records.
    func noteLeaving(_ thread: Thread, hart: Hart, _ cause: LeaveCause) {
        switchCounts[cause.switchReason.index] &+= 1
        traceStop(thread, on: hart, cause)
        if hart.id < leavingThread.count { leavingThread[hart.id] = (thread.tid, cause) }
    }

    /// Records the switch on `hart` to `next` (nil: the hart goes idle).
    func recordSwitch(on hart: Hart, to next: Thread?) {
        guard hart.id < leavingThread.count else { return }
        let left = leavingThread[hart.id]
        leavingThread[hart.id] = nil
        guard left != nil || next != nil else { return }
        guard switchEvents.count < configuration.switchEventLimit else {
            droppedSwitchEvents &+= 1
            return
        }
        switchEvents.append(SwitchEvent(cycle: hart.cycle, hart: hart.id, from: left?.tid, to: next?.tid,
                                        cause: left?.cause ?? .switched(.fromIdle)))
    }

    func saveContext(of thread: Thread, from hart: Hart) {
        hart.saveRegisters(integers: &thread.context.integers, floats: &thread.context.floats)
        thread.context.floatingPointControl = hart.floatingPointControl
        thread.context.pc = hart.pc
    }

    func restoreContext(of thread: Thread, onto hart: Hart) {
        hart.restoreRegisters(integers: thread.context.integers, floats: thread.context.floats)
        hart.floatingPointControl = thread.context.floatingPointControl
        hart.setPC(thread.context.pc)
    }

    /// Puts `next` on `hart`, charging the switch and starting its time slice.
    func switchTo(_ next: Thread, on hart: Hart) {
        let newSpace = hart.addressTranslation != next.process.addressSpace.satp
        if newSpace { hart.setAddressTranslation(next.process.addressSpace.satp) }
        restoreContext(of: next, onto: hart)
        let wasIdle = hartBecomesBusy(hart)
        let cost = configuration.switchCost.addingSaturated(newSpace ? configuration.addressSpaceSwitchCost : 0)
        if newSpace { traceEvent(.tlbFlush(tid: next.tid), on: hart) }
        hart.advanceClock(by: cost)
        traceEvent(.threadRuns(tid: next.tid, switchCycles: UInt32(truncatingIfNeeded: cost)), on: hart)
        if let last = next.lastHart, last != hart.id { next.metrics.migrations &+= 1 }
        next.lastHart = hart.id
        next.metrics.hartsRunOn |= hart.id < 64 ? 1 << UInt64(hart.id) : 0
        next.metrics.switches &+= 1
        contextSwitches &+= 1
        if wasIdle { switchCounts[SwitchReason.fromIdle.index] &+= 1 }
        next.transition(to: .running(hart: hart.id), at: hart.cycle)
        next.sliceEnd = scheduler.sliceCycles(for: next).map { hart.cycle.addingSaturated($0) } ?? .max
        running[hart.id] = next
        programTimer(hart)
    }
}
