// Deterministic stepping of the harts by simulated time. The hart with the smallest
// cycle count runs next (ties: lowest hart id) for one batch of `interleaveGranularity`
// instructions; a seeded jitter may be added after each batch so that different seeds
// give different interleavings while one seed always gives the same one. A hart in
// `wfi` skips ahead to its next timer deadline instead of spinning.

extension Machine {
    /// Runs until the guest stops the machine or `budget` instructions have been stepped.
    public func run(budget: UInt64) -> StopReason {
        // The harts are reached through an unsafe buffer so that choosing one per batch
        // costs no reference counting: at granularity 1 this loop runs once per instruction.
        harts.withUnsafeBufferPointer { harts in
            var remaining = budget
            let granularity = harts.count == 1 ? UInt64(1 << 24) : UInt64(configuration.interleaveGranularity)
            while true {
                if let stop = pendingStop() { return stop }
                if remaining == 0 { return .budgetExhausted }
                guard let index = nextHartIndex(harts) else { return .allHartsWaiting }
                let hart = harts[index]
                currentHart = hart
                if hart.mie != 0 || hart.mipSoftware != 0 { hart.takePendingInterrupt() }
                var limit = min(remaining, granularity)
                if hart.mie & (CSRBits.mtip | CSRBits.stip) != 0, let deadline = nextTimerDeadline(hart), deadline > hart.cycle {
                    limit = min(limit, deadline - hart.cycle)
                }
                let stepped = UInt64(hart.runBatch(limit: Int(max(1, limit))))
                currentHart = nil
                totalSteps &+= stepped
                remaining -= min(remaining, stepped)
                if configuration.jitter > 0 && harts.count > 1 {
                    hart.cycle &+= random.next() % (configuration.jitter + 1)
                }
            }
        }
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
    func nextHart() -> Hart? {
        harts.withUnsafeBufferPointer { harts in nextHartIndex(harts).map { harts[$0] } }
    }

    @inline(__always) func nextHartIndex(_ harts: UnsafeBufferPointer<Hart>) -> Int? {
        var best = -1
        var bestCycle = UInt64.max
        for index in 0..<harts.count {
            let hart = harts[index]
            var ready = hart.cycle
            if hart.waitingForInterrupt && !hart.hasWakeUpInterrupt {
                guard let wake = nextTimerDeadline(hart) else { continue }
                ready = max(ready, wake)
            }
            if best < 0 || ready < bestCycle {
                best = index
                bestCycle = ready
            }
        }
        guard best >= 0 else { return nil }
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
