// A miss completes when its line arrives. With several cores and coherence on, a store
// or atomic that an L1D hit cannot serve is done in two steps (a load is done as it
// issues, priced then): when the hart issues it,
// the memory system prices the request from the state of the caches then and answers
// "wait this many cycles" without changing anything; the hart waits, the other harts
// run up to that moment, and the instruction issues again and is served as the line
// arrives. Accesses so take effect in the order they complete, as on real hardware —
// which is what lets a core that just released a lock, still holding its line, take it
// again before a waiter's request for the line comes back (the fairness experiment).
//
// A line moves between cores one request at a time, as a directory serializes them: a
// request that takes the line from another core, or invalidates copies, completes no
// sooner than half a transfer after the request before it for the same line (the half
// that carries the request to the new owner). So a core that got a line keeps it that
// long, as on real hardware, and may use it again before the next request takes it.
//
// The price is fixed when the request is sent; the second issue costs an L1D hit. An
// access that spans two lines, a fetch, and every access with one core or with
// coherence off are served at once.

extension MemorySystem {
    /// Set in an access's answer: the access was not done; wait the low bits' cycles, then issue it again.
    public static let waitForLine: UInt64 = 1 << 63

    /// Whether `hart`'s store or atomic must first wait for its line: nil to serve it now, else
    /// the answer to give (the wait, flagged). A second issue of the access it asked to
    /// wait for is served now and costs an L1D hit (`arrived`).
    @inline(__always) func missWait(hart: Int, offset: Int, size: Int, now: UInt64) -> (wait: UInt64?, arrived: Bool) {
        let line = UInt64(truncatingIfNeeded: offset) >> lineShift
        guard UInt64(truncatingIfNeeded: offset &+ size &- 1) >> lineShift == line else { return (nil, false) }
        if pendingLine[hart] == line {
            pendingLine[hart] = .max
            return (nil, true)
        }
        let (price, transfer) = requestPrice(core: coreOfHart[hart], line: line, wantsModified: true)
        guard price > l1d.hitLatency else { return (nil, false) }
        pendingLine[hart] = line
        var wait = price
        if transfer {
            // Served after the line's previous transfer, and one transfer after it.
            let slot = Int(truncatingIfNeeded: line) & (MemorySystem.transferSlots - 1)
            let previous = transferLine[slot] == line ? transferDone[slot] : 0
            let done = max(now.addingSaturated(price), previous.addingSaturated(price / 2))
            transferLine[slot] = line
            transferDone[slot] = done
            wait = done &- now
        }
        return (MemorySystem.waitForLine | min(wait, 1 << 40), false)
    }

    /// Lines whose last ownership transfer is remembered (a direct-mapped table: a line
    /// pushed out of it simply has no transfer in flight).
    static let transferSlots = 4096

    /// What a data access to `line` by `core` would cost now, changing nothing (the same
    /// cases as `coherentAccess` and `request` in Coherence.swift, read only), and whether it
    /// moves the line's ownership: takes it from another core or invalidates other copies.
    func requestPrice(core: Int, line: UInt64, wantsModified: Bool) -> (cycles: UInt64, transfer: Bool) {
        let way = l1d.find(cache: core, line: line)
        if way >= 0 {
            guard wantsModified, l1d.state(way) == .shared else { return (l1d.hitLatency, false) }
            let directory = directoryPrice(core: core, line: line, wantsModified: true)
            return (max(l1d.hitLatency, directory.cycles), directory.transfer)
        }
        if let l2 {
            let secondWay = l2.find(cache: core, line: line)
            if secondWay >= 0 {
                guard wantsModified, l2.state(secondWay) == .shared else { return (l2.hitLatency, false) }
                let directory = directoryPrice(core: core, line: line, wantsModified: true)
                return (max(l2.hitLatency, directory.cycles), directory.transfer)
            }
        }
        return directoryPrice(core: core, line: line, wantsModified: wantsModified)
    }

    /// The directory's part of `requestPrice`: memory, the LLC, or another core's cache.
    func directoryPrice(core: Int, line: UInt64, wantsModified: Bool) -> (cycles: UInt64, transfer: Bool) {
        let way = llc.find(cache: 0, line: line)
        guard way >= 0 else { return (memoryLatency, false) }
        let others = llc.sharers.unsafelyUnwrapped[way] & ~(1 << UInt64(core))
        if others != 0 && llc.sharers.unsafelyUnwrapped.has(WayState.owned, way: way) { return (cacheToCacheLatency, true) }
        return (llc.hitLatency, others != 0 && wantsModified)
    }
}
