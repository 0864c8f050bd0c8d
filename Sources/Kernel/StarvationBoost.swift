// The starvation boost (Windows NT's balance-set manager): under a priority scheduler a
// ready thread below a busy higher priority could wait for ever. Once a period (NT: once
// a second) the kernel looks at the longest-waiting ready threads of the levels below
// `priority`; one that has been ready for at least `waitCycles` (NT: about 4 s) is raised
// to `priority` (NT: 15) for `quanta` time slices (NT: two), then drops back to its own
// priority when it leaves the hart. The check looks at the heads of the queue's levels
// only (at most `examined` threads), never at every thread, so it costs the same however
// long the run or however many threads wait. Counted in the statistics (starvationBoosts).

public struct StarvationBoost: Sendable, Equatable {
    /// How long a thread must have been ready, in cycles.
    public var waitCycles: UInt64
    /// How often the kernel looks, in cycles.
    public var periodCycles: UInt64
    /// The priority a starved thread gets, and for how many time slices.
    public var priority: Int
    public var quanta: Int
    /// Most threads one check looks at (NT's balance-set manager: 16).
    public var examined: Int

    public init(waitCycles: UInt64, periodCycles: UInt64, priority: Int = 15, quanta: Int = 2, examined: Int = 16) {
        self.waitCycles = waitCycles
        self.periodCycles = periodCycles
        self.priority = priority
        self.quanta = quanta
        self.examined = examined
    }

    func validate() throws(KernelError) {
        try KernelConfiguration.check(waitCycles, KernelConfiguration.periodRange, "the starvation wait", unit: "cycles")
        try KernelConfiguration.check(periodCycles, KernelConfiguration.periodRange, "the starvation check period", unit: "cycles")
        guard priority >= 0, priority <= Priority.highest else {
            throw KernelError("a starvation boost priority must be between 0 and \(Priority.highest), not \(priority)")
        }
        guard quanta >= 1, quanta <= 100 else { throw KernelError("a starvation boost lasts 1 to 100 time slices, not \(quanta)") }
        guard examined >= 1, examined <= 1024 else { throw KernelError("a starvation check looks at 1 to 1024 threads, not \(examined)") }
    }
}

extension ReadyQueue {
    /// The threads, longest waiting first within each level below `level`, that became
    /// ready at or before `cycle` (their `stateSince`): at most `limit` looked at.
    mutating func starved(below level: Int, readySince cycle: UInt64, limit: Int) -> [Thread] {
        var found: [Thread] = []
        var looked = 0
        forEachLevelHead(below: level) { head in
            var cursor: Thread? = head
            while let thread = cursor, looked < limit {
                looked += 1
                guard thread.stateSince <= cycle else { break }
                found.append(thread)
                cursor = thread.readyNext
            }
            return looked < limit
        }
        return found
    }
}

extension Kernel {
    /// Once a period, from a timer interrupt: boosts the threads that have waited too long.
    /// One comparison on every other interrupt.
    func checkStarvation(at now: UInt64) {
        guard now >= nextStarvationCheck, let boost = configuration.starvationBoost, scheduler.policy.isPreemptive else { return }
        nextStarvationCheck = (now / boost.periodCycles + 1) * boost.periodCycles
        guard scheduler.hasReady, now >= boost.waitCycles else { return }
        for thread in scheduler.starved(below: boost.priority, readySince: now - boost.waitCycles, limit: boost.examined) {
            thread.starvationPriority = boost.priority
            thread.starvationSlices = UInt64(boost.quanta)
            scheduler.priorityChanged(thread)
            starvationBoosts &+= 1
            wakeHart(for: thread)
        }
    }
}

extension Thread {
    /// The boost ends: the thread is back at its own priority and slice.
    func endStarvationBoost() {
        starvationPriority = -1
        starvationSlices = 0
    }
}
