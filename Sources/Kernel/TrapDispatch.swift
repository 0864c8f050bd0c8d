// Trap dispatch: every trap a U-mode thread takes arrives here through the machine's
// host trap hook — interrupts go to the scheduler, ecalls to the system-call table, page
// faults to the address space (which gives a page its frame or reports a bad access),
// and anything else ends the process with a fault report.

import Machine
import Trace

extension Kernel {
    public func handleTrap(_ hart: Hart, _ trap: TrapRecord) {
        guard !runEnded else { machine.stopRequested = true; return }
        handlingHart = hart.id
        defer { handlingHart = nil }
        hart.dropReservation()   // an LR before the trap must not pair with an SC after it
        if trap.isInterrupt {
            interrupt(hart, code: trap.code)
            deliverSignalsOnReturn(hart)   // a signal from another hart kicked this one
            return
        }
        guard let thread = running[hart.id] else { return }   // an idle hart traps only by interrupt
        // Held here for the trap's length (trapProcess is unretained): one access to the
        // unowned reference per trap.
        let process = thread.process
        trapProcess = process
        defer { trapProcess = nil }
        let changes = runningChanges
        switch trap.cause {
        case ExceptionCause.environmentCallFromU.rawValue:
            if schedulePoints.isOn {
                if stopsBeforeSystemCall(hart, thread, pc: trap.pc) { break }
                let threadsMade = threadRecords.count
                hart.setPCKeepingFetch(trap.pc &+ 4)
                systemCall(hart, thread, process)
                if threadRecords.count != threadsMade { afterThreadMade(hart, thread) }   // ScheduleHook.swift
                break
            }
            hart.setPCKeepingFetch(trap.pc &+ 4)
            systemCall(hart, thread, process)
        case SchedulePointWatch.schedulePointCause:
            machineSchedulePoint(hart, thread, trap)   // ScheduleHook.swift
        case ExceptionCause.instructionPageFault.rawValue, ExceptionCause.loadPageFault.rawValue,
             ExceptionCause.storePageFault.rawValue:
            pageFault(hart, thread, trap)
        default:
            handleFault(thread, on: hart, trap: trap)   // a handler, or the fault report (SignalDelivery.swift)
        }
        // The common case at a glance: the same thread stays, nothing waits for a hart, no
        // affinity or single-tasking to obey, no signal work; then reschedule and
        // deliverSignalsOnReturn would do nothing.
        if runningChanges == changes, !runEnded, !scheduler.hasReady, thread.affinity == .max, scheduler.onlyProcess == nil,
           !scheduler.isSingleTasking, !needsSignalWork(thread, process) {
            return
        }
        reschedule(hart)   // a higher priority woken by the call, or a new affinity
        deliverSignalsOnReturn(hart)   // the thread about to run acts on its signals first
        if runEnded { machine.stopRequested = true }
    }

    func pageFault(_ hart: Hart, _ thread: Thread, _ trap: TrapRecord) {
        let access: MemoryAccess = switch trap.cause {
        case ExceptionCause.instructionPageFault.rawValue: .execute
        case ExceptionCause.loadPageFault.rawValue: .read
        default: .write
        }
        switch thread.process.addressSpace.resolve(trap.value, for: access) {
        case .success:
            hart.setPC(trap.pc)   // run the instruction again, now that the page is there
        case .failure(.outOfMemory):
            kill(thread.process, .outOfMemory(memoryLimitReport(hart, address: trap.value)))
        case .failure:
            handleFault(thread, on: hart, trap: trap)   // a handler, or the fault report (SignalDelivery.swift)
        }
    }

    /// Ends a process alone: every thread of it stops, its memory goes (processFinished),
    /// the other processes run on, and the run ends when no process is left.
    func kill(_ victim: Process, _ reason: ProcessEnding) {
        guard !victim.hasEnded else { return }
        if case .killed(let fault) = reason {
            traceEvent(.fault(tid: fault.threadID, cause: UInt32(truncatingIfNeeded: fault.cause), pc: fault.pc, address: fault.address),
                       cycle: machine.harts[max(0, min(fault.hart, machine.harts.count - 1))].cycle, hart: fault.hart)
        }
        victim.ending = reason   // the last thread's finish sees it (processFinished)
        for thread in victim.liveThreads.values.sorted(by: { $0.tid < $1.tid }) {
            finish(thread, status: Int32(truncatingIfNeeded: reason.status))
        }
        machine.stopRequested = true
    }
}
