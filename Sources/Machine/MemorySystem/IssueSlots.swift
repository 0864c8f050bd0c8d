// SMT's shared issue slot: the two hardware threads of a core issue at most one
// instruction per cycle between them. Per core, a ring bitmap remembers which of the last
// 2^20 cycles already issued one; a hart that wants to issue at cycle c takes the first
// free cycle at or after c, then waits out the rest of its instruction's latency while
// the sibling may issue. Batches of siblings still run one after the other on the host
// (whatever the interleaving granularity): the bitmap is what makes them share the core
// fairly, since a batch that runs second finds the cycles the first one used taken.

final class IssueSlots {
    /// Cycles remembered per core; a cycle older than the newest taken one minus this counts as free.
    static let ringCycles: UInt64 = 1 << 20
    static let wordsPerCore = Int(ringCycles / 64)
    let coreCount: Int
    /// `coreCount × wordsPerCore` words; bit `cycle % ringCycles` of core k's part is set when taken.
    let bits: UnsafeMutablePointer<UInt64>
    /// Per core, the newest cycle whose bit is known: bits for `(newest - ringCycles, newest]` are
    /// current, everything after it is free (stale bits there are cleared when `newest` moves).
    let newest: UnsafeMutablePointer<UInt64>

    init(coreCount: Int) {
        self.coreCount = max(1, coreCount)
        bits = .allocate(capacity: self.coreCount * Self.wordsPerCore)
        bits.initialize(repeating: 0, count: self.coreCount * Self.wordsPerCore)
        newest = .allocate(capacity: self.coreCount)
        newest.initialize(repeating: 0, count: self.coreCount)
    }

    deinit {
        bits.deallocate()
        newest.deallocate()
    }

    /// The first cycle at or after `cycle` in which `core` has not issued yet (not taken).
    @inline(__always)
    func firstFree(core: Int, from cycle: UInt64) -> UInt64 {
        let top = newest[core]
        if cycle > top { return cycle }
        // Too old for the ring: nothing is known about it, so it counts as free.
        if top >= Self.ringCycles && cycle <= top - Self.ringCycles { return cycle }
        let words = bits + core * Self.wordsPerCore
        var candidate = cycle
        while candidate <= top {
            let index = Int(truncatingIfNeeded: (candidate % Self.ringCycles) >> 6)
            let shift = candidate & 63
            // Free bits at or above `shift` in this word.
            let free = ~words[index] >> shift
            if free != 0 {
                // Bits past `top` are stale (a ring ago): every cycle after it is free.
                return min(candidate &+ UInt64(free.trailingZeroBitCount), top &+ 1)
            }
            candidate = (candidate | 63) &+ 1
        }
        return top &+ 1
    }

    /// Marks `cycle` as issued on `core` (a cycle `firstFree` returned).
    @inline(__always)
    func take(core: Int, cycle: UInt64) {
        let top = newest[core]
        if cycle > top {
            clear(core: core, after: top, through: cycle)
            newest[core] = cycle
        } else if top >= Self.ringCycles && cycle <= top - Self.ringCycles {
            return   // older than the ring remembers
        }
        let index = Int(truncatingIfNeeded: (cycle % Self.ringCycles) >> 6)
        bits[core * Self.wordsPerCore + index] |= 1 << (cycle & 63)
    }

    /// Gives back a cycle taken by an instruction that did not run after all (it must not
    /// have been followed by another `take` on this core).
    @inline(__always)
    func release(core: Int, cycle: UInt64) {
        let top = newest[core]
        guard cycle <= top, top < Self.ringCycles || cycle > top - Self.ringCycles else { return }
        let index = Int(truncatingIfNeeded: (cycle % Self.ringCycles) >> 6)
        bits[core * Self.wordsPerCore + index] &= ~(1 << (cycle & 63))
    }

    /// Clears the ring's bits for cycles `(from, through]`, which may hold cycles a ring ago.
    func clear(core: Int, after from: UInt64, through: UInt64) {
        let words = bits + core * Self.wordsPerCore
        if through &- from >= Self.ringCycles {
            words.update(repeating: 0, count: Self.wordsPerCore)
            return
        }
        var cycle = from &+ 1
        while cycle <= through {
            let index = Int(truncatingIfNeeded: (cycle % Self.ringCycles) >> 6)
            let shift = cycle & 63
            let span = min(64 - shift, through - cycle + 1)
            let mask: UInt64 = span == 64 ? .max : ((1 << span) - 1) << shift
            words[index] &= ~mask
            cycle &+= span
        }
    }
}
