// The lanes: the harts of a small inner machine whose RAM is the device's memory, running
// full RV64GC through the project's interpreter in U-mode with satp = the context's table.
// The device is that machine's host trap handler: an `ecall` on the return page ends an
// item and the lane takes the next one (a work-group at a time, groups in order); any
// other trap faults the context, with a report. A lane with nothing to do sleeps, so
// idle lanes cost no host time; the inner machine steps the busy ones by their clocks.

/// The inner machine's trap hook: every trap a lane takes comes here.
final class AcceleratorLaneTraps: HostTrapHandler {
    unowned let accelerator: Accelerator

    init(accelerator: Accelerator) { self.accelerator = accelerator }

    func handleTrap(_ hart: Hart, _ trap: TrapRecord) { accelerator.laneTrapped(hart, trap) }
}

extension Accelerator {
    /// Runs the busy lanes of the context on the lanes up to `target` (the inner machine's
    /// horizon), or until a trap makes an event (the handler asks the machine to stop).
    func runLanes(until target: UInt64) {
        guard let context = onLanes else { return }
        guard laneBusy.contains(true) else {
            leave(why: .idle)
            return
        }
        lanes.horizon = target
        lanes.stopRequested = false
        let before = retiredByLanes()
        let stop = lanes.run(budget: .max)
        context.statistics.instructions &+= retiredByLanes() &- before
        if case .fatal(let report) = stop {
            lanes.fatalFault = nil
            guard onLanes === context, events.isEmpty else { return }
            // A lane could not even take its trap: treat it as that lane's fault.
            let record = TrapRecord(cause: report.cause, value: report.value, pc: report.pc, privilege: .user)
            if report.hart >= 0, report.hart < lanes.harts.count { fault(lanes.harts[report.hart], record, context: context) }
        }
    }

    func retiredByLanes() -> UInt64 {
        var total: UInt64 = 0
        for hart in lanes.harts { total &+= hart.instret }
        return total
    }

    /// A lane trapped (called from inside the inner machine's run).
    func laneTrapped(_ hart: Hart, _ trap: TrapRecord) {
        let lane = hart.id
        guard let context = onLanes, phase == .running, lane < laneBusy.count, laneBusy[lane], !context.queue.isEmpty else {
            park(hart)
            return
        }
        if !trap.isInterrupt && trap.code == ExceptionCause.environmentCallFromU.rawValue && trap.pc == AcceleratorLayout.returnAddress {
            itemReturned(hart, context: context)
        } else {
            fault(hart, trap, context: context)
        }
        if !events.isEmpty {
            lanes.stopRequested = true
            hart.breakRequested = true
        }
    }

    /// The lane's item returned: the submission may be complete; else the lane takes the
    /// next item, or sleeps; a boundary preemption takes effect when no lane is busy.
    func itemReturned(_ hart: Hart, context: AcceleratorContext) {
        let lane = hart.id
        laneBusy[lane] = false
        context.statistics.items &+= 1
        context.queue[0].returned &+= 1
        context.queue[0].lastReturn = max(context.queue[0].lastReturn, hart.cycle)
        let head = context.queue[0]
        if head.returned == head.launch.items {
            let at = max(cycle, head.lastReturn)
            advanceClock(to: at)
            events.append(.completed(context: context.number, submission: head.number, cycle: cycle))
            context.statistics.completions &+= 1
            context.queue.removeFirst()
            if context.queue.isEmpty {
                leave(why: .idle)
            } else if preemptionPending {
                leave(why: .preempted)
            } else {
                startWork(at: cycle)
            }
            return
        }
        if !startNextItem(on: hart, context: context) {
            park(hart)
            if preemptionPending && !laneBusy.contains(true) {
                advanceClock(to: max(cycle, lanesClock()))
                leave(why: .preempted)
            }
        }
    }

    /// Every idle lane takes an item of the head launch, from cycle `start` (a submission
    /// begins, or the context comes back); lanes left without one sleep.
    func startWork(at start: UInt64) {
        guard let context = onLanes else { return }
        for hart in lanes.harts where !laneBusy[hart.id] {
            hart.cycle = max(hart.cycle, start)
            if startNextItem(on: hart, context: context) { wake(hart) } else { park(hart) }
        }
        lanes.schedulingStateChanged()
    }

    /// Hands the head launch's next item to the lane: false when every item has started, or
    /// when the next one opens a new group while a boundary preemption is pending.
    func startNextItem(on hart: Hart, context: AcceleratorContext) -> Bool {
        guard !context.queue.isEmpty else { return false }
        let submission = context.queue[0]
        let item = submission.nextItem
        guard item < submission.launch.items else { return false }
        if item % submission.launch.groupSize == 0 {
            if preemptionPending { return false }
            context.statistics.workGroups &+= 1
        }
        context.queue[0].nextItem = item + 1
        laneBusy[hart.id] = true
        laneItem[hart.id] = item
        // A clean lane: nothing of the last item, or of another context, stays in a register.
        (hart.x + 1).update(repeating: 0, count: 31)
        hart.f.update(repeating: 0, count: 32)
        hart.frm = 0
        hart.fflags = 0
        hart.setRegister(1, AcceleratorLayout.returnAddress)
        hart.setRegister(2, AcceleratorLayout.stackTop(lane: hart.id))
        hart.setRegister(10, item)
        hart.setRegister(11, submission.launch.argument)
        hart.dropReservation()
        hart.setPCKeepingFetch(submission.launch.entry)
        return true
    }

    /// The latest clock among the lanes.
    func lanesClock() -> UInt64 {
        lanes.harts.reduce(0) { max($0, $1.cycle) }
    }

    func park(_ hart: Hart) {
        hart.waitingForInterrupt = true
        hart.breakRequested = true
        lanes.schedulingStateChanged()
    }

    func wake(_ hart: Hart) {
        hart.waitingForInterrupt = false
        lanes.schedulingStateChanged()
    }

    // MARK: Faults

    /// A trap that is not an item's return: the context's work ends, it is marked faulted
    /// and leaves the lanes; the report says where and why.
    func fault(_ hart: Hart, _ trap: TrapRecord, context: AcceleratorContext) {
        let lane = hart.id
        let submission = context.queue.first?.number ?? 0
        let report = AcceleratorFault(context: context.number, submission: submission, lane: lane,
                                      item: laneBusy[lane] ? laneItem[lane] : 0, pc: trap.pc,
                                      instructionBits: hart.inspectInstruction(at: trap.pc)?.bits,
                                      cause: trap.cause, address: trap.value,
                                      reason: faultReason(trap, context: context))
        context.faulted = true
        context.dropWork()
        advanceClock(to: max(cycle, hart.cycle))
        events.append(.faulted(report, cycle: cycle))
        leave(why: .faulted)
    }

    /// One sentence for people: "load page fault: 0x1000000040 is not mapped in context 2".
    func faultReason(_ trap: TrapRecord, context: AcceleratorContext) -> String {
        let name = trapCauseName(trap.cause)
        let address = "0x" + String(trap.value, radix: 16)
        let pc = "0x" + String(trap.pc, radix: 16)
        let mapped = memory.leafEntry(root: context.root, virtual: trap.value)
        switch ExceptionCause(rawValue: trap.cause) {
        case .loadPageFault, .storePageFault, .instructionPageFault:
            guard let mapped else { return "\(name): \(address) is not mapped in context \(context.number)" }
            let needed = trap.cause == ExceptionCause.storePageFault.rawValue ? "writable"
                : trap.cause == ExceptionCause.loadPageFault.rawValue ? "readable" : "executable"
            let has = (mapped & PTE.read != 0 ? "r" : "-") + (mapped & PTE.write != 0 ? "w" : "-") + (mapped & PTE.execute != 0 ? "x" : "-")
            return "\(name): \(address) is mapped \(has) in context \(context.number), not \(needed)"
        case .environmentCallFromU:
            return "\(name) at \(pc), outside the return page: a kernel on the accelerator cannot make system calls"
        case .breakpoint:
            return "\(name) (ebreak) at \(pc)"
        case .illegalInstruction:
            return "\(name) at \(pc): the lanes run RV64GC in U-mode"
        default:
            return "\(name) at \(pc) (address \(address))"
        }
    }
}
