// Deterministic stepping of the harts by simulated time. The hart with the smallest
// cycle count runs next (ties: lowest hart id) for one batch of `interleaveGranularity`
// instructions; a seeded jitter may be added after each batch so that different seeds
// give different interleavings while one seed always gives the same one. A hart in
// `wfi` skips ahead to its next timer deadline instead of spinning.

/// The batch a hart is in the middle of: which hart, how many more instructions it may
/// step, and how many of those may touch what other harts can see.
struct ActiveBatch {
    var hart: Int
    var remaining: Int
    var memoryLimit: Int
    /// The cycle of the hart's next timer deadline: with caches or SMT an instruction costs
    /// more than a cycle, so the batch also stops once it reaches this cycle.
    var cycleLimit: UInt64 = .max
}

extension Machine {
    /// Runs until the guest stops the machine or `budget` instructions have been stepped.
    public func run(budget: UInt64) -> StopReason {
        schedulingStateChanged()   // the host may have changed anything since the last run
        var remaining = budget
        while true {
            if let stop = pendingStop() { return stop }
            if remaining == 0 { return .budgetExhausted }
            if fastScheduling && activeBatch == nil {
                // Whole turns without an event, from the scheduling cache (SchedulingCache.swift).
                let stepped = runCachedTurns(limit: Int(min(remaining, 1 << 30)))
                remaining -= min(remaining, UInt64(stepped))
                if stepped > 0 { continue }
            }
            let (stepped, stop) = advance(limit: Int(min(remaining, 1 << 30)))
            remaining -= min(remaining, UInt64(stepped))
            if let stop { return stop }
        }
    }

    /// Steps the current batch (choosing a new one first if needed) by at most `limit`
    /// instructions. Both `run` and `stepTraced` go through here, so an instruction trace
    /// shows exactly the interleaving an untraced run takes.
    func advance(limit: Int) -> (stepped: Int, stop: StopReason?) {
        if activeBatch == nil {
            guard let batch = chooseBatch() else {
                let someHartCanRun = harts.contains { readyCycle($0) != nil }
                return (0, someHartCanRun ? .horizonReached : .allHartsWaiting)
            }
            // A host kernel handling the interrupt just taken may have put the hart back to
            // sleep (nothing to run): then it must not run a single instruction.
            if harts[batch.hart].waitingForInterrupt { return (0, nil) }
            activeBatch = batch
        }
        guard var batch = activeBatch else { return (0, nil) }
        let cycleBefore = harts[batch.hart].cycle
        let stepped = harts.withUnsafeBufferPointer { harts -> Int in
            let hart = harts[batch.hart]
            currentHart = hart
            defer { currentHart = nil }
            return hart.runBatch(limit: min(limit, batch.remaining), memoryLimit: batch.memoryLimit, cycleLimit: batch.cycleLimit)
        }
        totalSteps &+= UInt64(stepped)
        batch.remaining -= stepped
        let hart = harts[batch.hart]
        hartRanBatch(hart, index: batch.hart)
        // The horizon counts cycles (one per instruction without caches or SMT).
        let passed = Int(truncatingIfNeeded: min(hart.cycle &- cycleBefore, 1 << 40))
        batch.memoryLimit = batch.memoryLimit == .max ? .max : batch.memoryLimit - passed
        if batch.remaining <= 0 || hart.breakRequested || hart.reachedHorizon {
            activeBatch = nil
            if configuration.jitter > 0 && harts.count > 1 {
                // jitter is at most MachineConfiguration.maximumJitter (validated), so + 1 cannot overflow.
                hart.cycle = hart.cycle.addingSaturated(random.next() % (configuration.jitter + 1))
                hartRanBatch(hart, index: batch.hart)
            }
        } else {
            activeBatch = batch
        }
        return (stepped, nil)
    }

    /// The next batch: from the scheduling cache, or (forced, for the differential tests)
    /// from `scheduleBatch`, the reference; both give the same batch.
    @inline(__always) func chooseBatch() -> ActiveBatch? {
        fastScheduling ? scheduleBatchFast() : scheduleBatch()
    }

    /// Picks the hart with the smallest cycle count (ties: lowest id), takes a pending
    /// interrupt, and sizes its batch: the granularity, cut at the next timer deadline; at
    /// granularity 1, accesses other harts can see wait until this hart is the earliest.
    func scheduleBatch() -> ActiveBatch? {
        harts.withUnsafeBufferPointer { harts -> ActiveBatch? in
            guard let index = nextHartIndex(harts) else { return nil }
            let hart = harts[index]
            currentHart = hart
            defer { currentHart = nil }
            if hart.mie != 0 || hart.mipSoftware != 0 { hart.takePendingInterrupt() }
            let granularity = configuration.interleaveGranularity
            var limit = harts.count == 1 ? 1 << 24 : granularity
            var cycleLimit = UInt64.max
            if hart.mie & (CSRBits.mtip | CSRBits.stip) != 0, let deadline = nextTimerDeadline(hart), deadline > hart.cycle {
                limit = Int(min(UInt64(limit), deadline - hart.cycle))
                cycleLimit = deadline
            }
            if horizon != .max, horizon > hart.cycle {
                limit = Int(min(UInt64(limit), horizon - hart.cycle))
                cycleLimit = min(cycleLimit, horizon)
            }
            var memoryLimit = Int.max
            if harts.count > 1 && granularity == 1 {
                // Run ahead through register-only code, but let an access that others can
                // see happen only at a cycle where no other hart is earlier (ties: lower id).
                var horizon = UInt64.max
                for other in 0..<harts.count where other != index {
                    guard let ready = readyCycle(harts[other]) else { continue }
                    horizon = min(horizon, other > index ? ready : ready &- 1)
                }
                if horizon != .max {
                    memoryLimit = horizon >= hart.cycle ? Int(min(horizon - hart.cycle + 1, 1 << 30)) : 0
                }
                limit = 1 << 16
                // With interrupts enabled, even register-only code must not outrun the others:
                // an interrupt another hart raises has to arrive at the right instruction.
                if hart.mie != 0 { limit = max(1, min(limit, memoryLimit)) }
            }
            return ActiveBatch(hart: index, remaining: max(1, limit), memoryLimit: memoryLimit, cycleLimit: cycleLimit)
        }
    }

    /// The cycle from which a hart can next act, or nil if it sleeps until woken.
    func readyCycle(_ hart: Hart) -> UInt64? {
        guard hart.waitingForInterrupt && !hart.hasWakeUpInterrupt else { return hart.cycle }
        return nextTimerDeadline(hart).map { max(hart.cycle, $0) }
    }

    /// A reason to stop that the last batch left behind, if any.
    @inline(__always) func pendingStop() -> StopReason? {
        if let code = testDevice.exitCode { return .powerOff(exitCode: code) }
        if let code = toHostExit { return .toHost(exitCode: code) }
        if let fault = fatalFault { return .fatal(fault) }
        if stopRequested {
            stopRequested = false
            return .hostRequest
        }
        return nil
    }

    /// The hart to run next, waking a sleeper whose timer has come; nil if all sleep for good.
    @inline(__always) func nextHartIndex(_ harts: UnsafeBufferPointer<Hart>) -> Int? {
        var best = -1
        var bestCycle = UInt64.max
        for index in 0..<harts.count {
            guard let ready = readyCycle(harts[index]) else { continue }
            if best < 0 || ready < bestCycle {
                best = index
                bestCycle = ready
            }
        }
        guard best >= 0, bestCycle < horizon else { return nil }
        let hart = harts[best]
        if hart.waitingForInterrupt {
            hart.cycle = max(hart.cycle, bestCycle)   // time passed while it slept
            hart.waitingForInterrupt = false
        }
        return best
    }

    /// The cycle at which an enabled timer interrupt of `hart` becomes pending, if any.
    func nextTimerDeadline(_ hart: Hart) -> UInt64? {
        var deadline: UInt64? = nil
        if hart.mie & CSRBits.mtip != 0, let cycle = cycle(whenTimeReaches: clint.mtimecmp[hart.id]) {
            deadline = cycle
        }
        if hart.mie & CSRBits.stip != 0 && hart.menvcfg & CSRBits.stce != 0, let cycle = cycle(whenTimeReaches: hart.stimecmp) {
            deadline = min(deadline ?? .max, cycle)
        }
        return deadline
    }
}
