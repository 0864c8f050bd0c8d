// What the scheduler knows about each hart between events, so that choosing the next
// batch costs a scan of a flat array instead of asking every hart, its timers and its
// devices again each turn. Between events a hart's scheduling state changes only with
// time: its ready cycle is its clock (or, asleep in `wfi`, a fixed wake-up cycle), and an
// interrupt can become pending only when its clock reaches a timer deadline known in
// advance. Events are what can change that: a batch that ended with `breakRequested` (a
// CSR write, a trap to the host, a device access, `wfi`), a device change (CLINT, PLIC
// lines, virtio), and anything the host does between runs. Each one drops the cache, and
// the next turn rebuilds it from the harts themselves with the reference functions.
//
// `scheduleBatchFast` gives exactly the batch `scheduleBatch` (Stepping.swift) gives; where
// it could not (an interrupt to poll, a hart to wake, a value it cannot represent) it calls
// `scheduleBatch` itself. MultiHartDifferentialTests runs the same programs both ways.

/// Per hart: when it can next run, from which cycle it must poll its interrupts, and its
/// next timer deadline; `.max` stands for "never" (nil in the reference functions).
final class SchedulingCache {
    /// False after an event: the next turn rebuilds every entry.
    var valid = false
    /// The entries hold values the sentinel cannot tell apart from "never" (a deadline of
    /// exactly `UInt64.max`): the reference path schedules until the next event.
    var usable = false
    let ready: UnsafeMutablePointer<UInt64>
    let pollFrom: UnsafeMutablePointer<UInt64>
    let timerDeadline: UnsafeMutablePointer<UInt64>
    /// The harts themselves, without reference counting on every turn (the machine owns them).
    var hartReferences: [Unmanaged<Hart>] = []
    let count: Int

    init(hartCount: Int) {
        count = hartCount
        ready = .allocate(capacity: hartCount)
        ready.initialize(repeating: 0, count: hartCount)
        pollFrom = .allocate(capacity: hartCount)
        pollFrom.initialize(repeating: 0, count: hartCount)
        timerDeadline = .allocate(capacity: hartCount)
        timerDeadline.initialize(repeating: .max, count: hartCount)
    }

    deinit {
        ready.deallocate()
        pollFrom.deallocate()
        timerDeadline.deallocate()
    }
}

extension Machine {
    /// Something a hart's scheduling depends on may have changed: rebuild before the next turn.
    @inline(__always) func schedulingStateChanged() {
        schedulingCache.valid = false
    }

    /// Fills the cache from the harts with the reference functions.
    func rebuildSchedulingCache() {
        let cache = schedulingCache
        var usable = true
        for index in 0..<harts.count {
            let hart = harts[index]
            let ready = readyCycle(hart)
            let deadline = nextTimerDeadline(hart)
            if ready == .max || deadline == .max { usable = false }
            cache.ready[index] = ready ?? .max
            cache.timerDeadline[index] = deadline ?? .max
            // The reference polls only with an enable or a software bit set; then an interrupt
            // that is not pending now can become pending only at a timer deadline (its other
            // sources change only through events). One pending now is polled at once.
            if hart.mie == 0 && hart.mipSoftware == 0 {
                cache.pollFrom[index] = .max
            } else {
                currentHart = hart
                cache.pollFrom[index] = hart.pendingInterrupt() == nil ? deadline ?? .max : 0
                currentHart = nil
            }
        }
        cache.usable = usable
        cache.valid = true
    }

    /// `scheduleBatch` from the cache: the same hart, limits and side effects.
    func scheduleBatchFast() -> ActiveBatch? {
        let cache = schedulingCache
        if !cache.valid { rebuildSchedulingCache() }
        guard cache.usable else { return scheduleBatch() }
        let (best, next) = earliestHarts(cache)
        guard cache.ready[best] < horizon else { return nil }
        let hart = harts[best]
        if hart.waitingForInterrupt || hart.cycle >= cache.pollFrom[best] {
            // Waking a sleeper or polling interrupts (which may run a host trap handler):
            // the reference does it. The cache stays valid only if it changed nothing (a
            // poll that found no interrupt it may take).
            let wasWaiting = hart.waitingForInterrupt, trapsBefore = trapCount
            let batch = scheduleBatch()
            if wasWaiting || trapCount != trapsBefore { cache.valid = false }
            return batch
        }
        return cachedBatch(cache, hart: hart, index: best, next: next, granularity: configuration.interleaveGranularity,
                           horizon: horizon)
    }

    /// The hart with the smallest ready cycle, ties to the lowest id (`nextHartIndex`), and
    /// the one that would come after it (`next`, -1 if none): the earliest other hart
    /// in the same order. A hart whose ready cycle is `.max` (asleep for good) never passes
    /// the horizon check.
    @inline(__always) func earliestHarts(_ cache: SchedulingCache) -> (best: Int, next: Int) {
        let ready = cache.ready
        var best = 0, bestCycle = ready[0]
        var next = -1, nextCycle = UInt64.max
        for index in 1..<cache.count {
            let cycle = ready[index]
            if cycle < bestCycle {
                // The old best precedes every other hart seen so far (ties: lower id first).
                next = best
                nextCycle = bestCycle
                best = index
                bestCycle = cycle
            } else if cycle < nextCycle {
                next = index
                nextCycle = cycle
            }
        }
        return (best, next)
    }

    /// The batch `scheduleBatch` sizes for `hart` (at `best`, `next` after it) when it
    /// takes no interrupt.
    @inline(__always) func cachedBatch(_ cache: SchedulingCache, hart: Hart, index best: Int, next: Int, granularity: Int,
                                       horizon machineHorizon: UInt64) -> ActiveBatch {
        let count = cache.count
        let cycle = hart.cycle
        var limit = count == 1 ? 1 << 24 : granularity
        var cycleLimit = UInt64.max
        let deadline = cache.timerDeadline[best]
        if hart.mie & (CSRBits.mtip | CSRBits.stip) != 0, deadline != .max, deadline > cycle {
            limit = Int(min(UInt64(limit), deadline - cycle))
            cycleLimit = deadline
        }
        if machineHorizon != .max, machineHorizon > cycle {
            limit = Int(min(UInt64(limit), machineHorizon - cycle))
            cycleLimit = min(cycleLimit, machineHorizon)
        }
        var memoryLimit = Int.max
        if count > 1 && granularity == 1 {
            // The reference takes the minimum over the other harts of their ready cycle,
            // less one for a lower id (it goes first on a tie). That minimum is `next`'s: a
            // hart after it in (cycle, id) order has a later cycle, or the same cycle and a
            // higher id than `next` (so, on the same side of `best`). And a lower id than
            // `best` means a later cycle than `best`'s, so the subtraction cannot wrap.
            let nextCycle = next >= 0 ? cache.ready[next] : .max
            let horizon = nextCycle == .max || next > best ? nextCycle : nextCycle - 1
            if horizon != .max {
                memoryLimit = horizon >= cycle ? Int(min(horizon - cycle + 1, 1 << 30)) : 0
            }
            limit = 1 << 16
            if hart.mie != 0 { limit = max(1, min(limit, memoryLimit)) }
        }
        return ActiveBatch(hart: best, remaining: max(1, limit), memoryLimit: memoryLimit, cycleLimit: cycleLimit)
    }

    /// Runs whole turns from the cache, as `run` would through `advance` and the reference,
    /// for as long as nothing happens that the reference path must see. Stops after a
    /// batch that ended on an event (the run loop then looks for a reason to stop), when
    /// the next turn needs the reference (a hart to wake, an interrupt to poll, the
    /// horizon), or when `limit` instructions ran, leaving an unfinished batch in
    /// `activeBatch` for `advance` to go on with. Returns the instructions stepped.
    func runCachedTurns(limit: Int) -> Int {
        let cache = schedulingCache
        if !cache.valid { rebuildSchedulingCache() }
        guard cache.usable else { return 0 }
        let jitter = configuration.jitter
        let jitters = jitter > 0 && cache.count > 1
        let granularity = configuration.interleaveGranularity
        // Only host code can move the horizon, and host code runs only on events.
        let machineHorizon = horizon
        let references = cache.hartReferences
        return references.withUnsafeBufferPointer { references -> Int in
            var total = 0
            while total < limit {
                let (best, next) = earliestHarts(cache)
                guard cache.ready[best] < machineHorizon else { break }
                // The machine keeps its harts alive: no reference counting per turn.
                let ended = references[best]._withUnsafeGuaranteedRef { hart -> Bool? in
                    guard !hart.waitingForInterrupt, hart.cycle < cache.pollFrom[best] else { return nil }
                    let batch = cachedBatch(cache, hart: hart, index: best, next: next, granularity: granularity,
                                            horizon: machineHorizon)
                    let cycleBefore = hart.cycle
                    currentHart = hart
                    let stepped = hart.runBatch(limit: min(limit - total, batch.remaining), memoryLimit: batch.memoryLimit,
                                                cycleLimit: batch.cycleLimit)
                    currentHart = nil
                    totalSteps &+= UInt64(stepped)
                    total += stepped
                    guard stepped >= batch.remaining || hart.breakRequested || hart.reachedHorizon else {
                        // The budget ended inside the batch: `advance` goes on with it.
                        var rest = batch
                        rest.remaining -= stepped
                        let passed = Int(truncatingIfNeeded: min(hart.cycle &- cycleBefore, 1 << 40))
                        rest.memoryLimit = rest.memoryLimit == .max ? .max : rest.memoryLimit - passed
                        activeBatch = rest
                        hartRanBatch(hart, index: best)
                        return false
                    }
                    // jitter is at most MachineConfiguration.maximumJitter (validated), so + 1 cannot overflow.
                    if jitters { hart.cycle = hart.cycle.addingSaturated(random.next() % (jitter + 1)) }
                    hartRanBatch(hart, index: best)
                    return true
                }
                // nil: the turn needs the reference; false: the budget ended inside the batch.
                guard ended == true, cache.valid, !stopRequested else { break }
            }
            return total
        }
    }

    /// After a batch of `hart` (at `index`): its clock is its ready cycle again, unless the
    /// batch ended on an event, which may have changed any hart.
    @inline(__always) func hartRanBatch(_ hart: Hart, index: Int) {
        if hart.breakRequested || hart.waitingForInterrupt || hart.cycle == .max {
            schedulingCache.valid = false
        } else {
            schedulingCache.ready[index] = hart.cycle
        }
    }
}
