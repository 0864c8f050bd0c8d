// What a simulation of several machines (Sources/Network/Cluster.swift) needs from one
// machine besides `horizon`: harts whose clocks start at a given cycle (a machine that
// boots while the others run on), and the earliest cycle any hart can act, so the
// cluster can jump over time in which no machine does anything.

extension Machine {
    /// Sets every hart's clock to `cycle` before the machine first runs (power-on time).
    public func startClocks(atCycle cycle: UInt64) {
        for hart in harts { hart.cycle = max(hart.cycle, cycle) }
        schedulingStateChanged()
    }

    /// Moves one idle hart's clock forward to `cycle` (never back): the kernel of a machine
    /// whose programs have all ended runs only its network stack, on hart 0's clock.
    public func advanceIdleClock(hart index: Int, toCycle cycle: UInt64) {
        guard harts.indices.contains(index) else { return }
        harts[index].cycle = max(harts[index].cycle, cycle)
        schedulingStateChanged()
    }

    /// The earliest cycle at which some hart can next act (run, or take a timer
    /// interrupt), or nil when every hart sleeps until woken from outside.
    public var nextActivityCycle: UInt64? {
        var earliest: UInt64? = nil
        for hart in harts {
            if let ready = readyCycle(hart) { earliest = min(earliest ?? .max, ready) }
        }
        return earliest
    }
}
