// How a context takes the lanes and leaves them: a switch in costs `switchCycles` (its
// page table loaded), plus `saveCycles` when its lanes' registers come back; a preemption
// at any instruction saves every busy lane (x1–x31, f0–f31, fcsr, PC, item) in the context
// and costs `saveCycles` on the way out; a preemption at work-group boundaries starts no
// new group and leaves when the running ones end — so a runaway item never leaves, and
// the kernel's watchdog resets the context instead.

extension Accelerator {
    /// Puts the context on the lanes; it starts (or resumes where a preemption left it)
    /// after `switchCycles` (+ `saveCycles` when its lanes' registers come back). The
    /// lanes must be free (no context on them); otherwise, or for an unknown context,
    /// nothing happens.
    public func switchTo(_ number: Int) {
        guard phase == .free, onLanes == nil, let context = context(number) else { return }
        onLanes = context
        contextOnLanes = number
        preemptionPending = false
        context.statistics.switchesIn &+= 1
        let cost = configuration.switchCycles + (context.savedLanes != nil ? configuration.saveCycles : 0)
        phase = .switchingIn(ready: cycle.addingSaturated(cost))
    }

    /// Asks the context on the lanes to leave: at the next instruction (instruction
    /// preemption) or once its running work-groups end (boundary). A `switchedOut(.preempted)`
    /// event follows.
    public func requestPreemption() {
        guard let context = onLanes, !preemptionPending else { return }
        switch phase {
        case .switchingIn:
            preemptionPending = true
        case .running:
            preemptionPending = true
            guard configuration.preemption == .instruction else { return }
            // The lanes stand between two instructions now: save them, pay to write them out.
            let stoppedAt = max(cycle, lanesClock())
            context.savedLanes = saveLanes()
            parkAllLanes()
            phase = .leaving(at: stoppedAt.addingSaturated(configuration.saveCycles))
        case .free, .leaving:
            return
        }
    }

    /// The switch's cost is paid: the context's table goes in, its saved lanes come back or
    /// its lanes take items; with nothing to do it leaves at once.
    func switchIn() {
        guard let context = onLanes else { return }
        events.append(.switchedIn(context: context.number, cycle: cycle))
        if preemptionPending {
            leave(why: .preempted)
            return
        }
        for hart in lanes.harts {
            hart.setAddressTranslation(context.satp)
            hart.dropReservation()
            hart.cycle = cycle
            laneBusy[hart.id] = false
            park(hart)
        }
        phase = .running
        if let saved = context.savedLanes {
            restoreLanes(saved)
            context.savedLanes = nil
        }
        startWork(at: cycle)
        if !laneBusy.contains(true) { leave(why: .idle) }
    }

    /// The context leaves the lanes at the current cycle.
    func leave(why: AcceleratorSwitchOut) {
        guard let context = onLanes else { return }
        parkAllLanes()
        events.append(.switchedOut(context: context.number, cycle: cycle, why: why))
        if why == .preempted { context.statistics.preemptions &+= 1 }
        onLanes = nil
        contextOnLanes = nil
        phase = .free
        preemptionPending = false
    }

    /// A reset or a destroy: the lanes stop now, whatever they were doing.
    func takeLanesAway(why: AcceleratorSwitchOut) {
        leave(why: why)
    }

    func parkAllLanes() {
        for hart in lanes.harts {
            laneBusy[hart.id] = false
            park(hart)
        }
    }

    // MARK: Save and restore

    func saveLanes() -> [SavedLane] {
        lanes.harts.map { hart in
            var lane = SavedLane()
            guard laneBusy[hart.id] else { return lane }
            lane.busy = true
            lane.item = laneItem[hart.id]
            lane.pc = hart.pc
            hart.saveRegisters(integers: &lane.integers, floats: &lane.floats)
            lane.floatingPointControl = hart.floatingPointControl
            return lane
        }
    }

    func restoreLanes(_ saved: [SavedLane]) {
        for (hart, lane) in zip(lanes.harts, saved) where lane.busy {
            hart.restoreRegisters(integers: lane.integers, floats: lane.floats)
            hart.floatingPointControl = lane.floatingPointControl
            hart.setPC(lane.pc)
            laneBusy[hart.id] = true
            laneItem[hart.id] = lane.item
            wake(hart)
        }
    }
}
