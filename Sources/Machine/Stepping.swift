// Deterministic stepping of the harts by simulated time. The hart with the smallest
// cycle count runs next (ties: lowest hart id) for one batch of `interleaveGranularity`
// instructions; a seeded jitter may be added after each batch so that different seeds
// give different interleavings while one seed always gives the same one. A hart in
// `wfi` skips ahead to its next timer deadline instead of spinning.

extension Machine {
    /// Runs until the guest stops the machine or `budget` instructions have been stepped.
    public func run(budget: UInt64) -> StopReason {
        var remaining = budget
        while true {
            if let code = testDevice.exitCode { return .powerOff(exitCode: code) }
            if let code = toHostExit { return .toHost(exitCode: code) }
            if let fault = fatalFault { return .fatal(fault) }
            if stopRequested {
                stopRequested = false
                return .hostRequest
            }
            if remaining == 0 { return .budgetExhausted }
            guard let hart = nextHart() else { return .allHartsWaiting }

            currentHart = hart
            if hart.mie != 0 || hart.mipSoftware != 0 { hart.takePendingInterrupt() }
            let granularity = harts.count == 1 ? Int.max : configuration.interleaveGranularity
            var limit = min(remaining, UInt64(granularity), 1 << 24)
            if let deadline = nextTimerDeadline(hart), deadline > hart.cycle {
                limit = min(limit, deadline - hart.cycle)
            }
            let stepped = hart.runBatch(limit: Int(max(1, limit)))
            currentHart = nil
            totalSteps &+= UInt64(stepped)
            remaining -= min(remaining, UInt64(stepped))
            if configuration.jitter > 0 && harts.count > 1 {
                hart.cycle &+= random.next() % (configuration.jitter + 1)
            }
        }
    }

    /// The hart to run next, waking a sleeper whose timer has come; nil if all sleep for good.
    func nextHart() -> Hart? {
        var best: Hart? = nil
        var bestCycle = UInt64.max
        for hart in harts {
            var ready = hart.cycle
            if hart.waitingForInterrupt && !hart.hasWakeUpInterrupt {
                guard let wake = nextTimerDeadline(hart) else { continue }
                ready = max(ready, wake)
            }
            if best == nil || ready < bestCycle {
                best = hart
                bestCycle = ready
            }
        }
        if let best, best.waitingForInterrupt {
            best.cycle = max(best.cycle, bestCycle)   // time passed while it slept
            best.waitingForInterrupt = false
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
