// Idle ticks. Under a periodic tick every hart takes every tick, busy or idle, as Windows'
// 15.6 ms tick and HZ=250 Linux do, and the lab counts those interrupts and idle wake-ups.
// While every hart is idle, though, no tick can change anything before the next deadline
// (a sleeper's wake-up or the input device's next event): no thread runs that could make
// another ready. Those ticks are counted as taken but not simulated one by one, so a guest
// that sleeps for a century — or deadlocks — under a 15.6 ms tick costs the host a few
// interrupts, not 2·10¹¹. With no deadline at all, no timer is armed, every hart waits for
// good, and the run ends with a deadlock report as it does without a tick.

import Machine

extension Kernel {
    /// When an idle hart's timer should fire under a periodic tick whose next tick is
    /// `nextTick`: that tick while some hart runs a thread, else the first tick at or after
    /// the next deadline of any hart (nil: none will ever come). The ticks skipped are
    /// counted when the hart next takes an interrupt (`countSkippedTicks`).
    func idleTimer(_ hart: Hart, nextTick: UInt64) -> UInt64? {
        guard running.allSatisfy({ $0 == nil }) else { return nextTick }
        var event: UInt64? = nil
        for index in running.indices {
            if let wake = timedWaiters.earliest(onHart: index) { event = min(event ?? .max, wake) }
        }
        if let injection = input.nextInjection { event = min(event ?? .max, injection) }
        if let network = networkDeadline { event = min(event ?? .max, network) }
        if let look = acceleratorDeadline { event = min(event ?? .max, look) }
        let wake = event.map { max(nextTick, wakeCycle(for: $0)) }
        if wake != nextTick { skippedTicksFrom[hart.id] = nextTick }
        return wake
    }

    /// Counts, on `hart`, the ticks it slept through before `now` (each an idle timer
    /// interrupt that would have found nothing to run), as if it had taken them.
    func countSkippedTicks(_ hart: Hart, now: UInt64) {
        guard let from = skippedTicksFrom[hart.id] else { return }
        skippedTicksFrom[hart.id] = nil
        guard let tick = scheduler.policy.tickCycles, tick > 0, now > from else { return }
        let skipped = (now - from - 1) / tick + 1   // ticks at from, from + tick, … below now
        timerInterrupts &+= skipped
        idleWakeUps &+= skipped
        hartMetrics[hart.id].timerInterrupts &+= skipped
        hartMetrics[hart.id].idleWakeUps &+= skipped
    }
}
