// The futex table's index (FutexTable.swift): from a futex word's key to the queue of its
// sleepers, in an open-addressing hash table with linear probing. A word is looked up on
// every wait and wake, so the hash is a few multiplies, not a seeded SipHash. A removed
// word leaves no tombstone: the entries after it in its run move back (backward-shift
// deletion), so a lookup costs what the words sleeping now make it cost, never what
// slept before, and the table shrinks again when most of it is empty.

struct FutexQueueTable {
    private struct Slot {
        let key: FutexKey
        let queue: FutexQueue
    }

    static let minimumCapacity = 16
    /// A power of two; at most three quarters full.
    private var slots = [Slot?](repeating: nil, count: FutexQueueTable.minimumCapacity)
    private(set) var count = 0

    /// The key as one word, mixed (SplitMix64's finaliser) so nearby addresses spread out.
    private static func hash(_ key: FutexKey) -> UInt64 {
        var z = key.word
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func home(_ key: FutexKey) -> Int {
        Int(truncatingIfNeeded: FutexQueueTable.hash(key)) & (slots.count &- 1)
    }

    private func index(of key: FutexKey) -> Int? {
        let mask = slots.count &- 1
        var index = home(key)
        while let slot = slots[index] {
            if slot.key == key { return index }
            index = (index &+ 1) & mask
        }
        return nil
    }

    /// The queue of `key`'s sleepers, if it has any.
    subscript(key: FutexKey) -> FutexQueue? {
        guard let index = index(of: key) else { return nil }
        return slots[index]?.queue
    }

    /// Adds `key` (which has no queue yet) with `queue`.
    mutating func insert(_ queue: FutexQueue, for key: FutexKey) {
        if (count &+ 1) &* 4 > slots.count &* 3 { resize(to: slots.count &* 2) }
        place(Slot(key: key, queue: queue))
        count &+= 1
    }

    private mutating func place(_ slot: Slot) {
        let mask = slots.count &- 1
        var index = home(slot.key)
        while slots[index] != nil { index = (index &+ 1) & mask }
        slots[index] = slot
    }

    /// Takes `key` out, moving the rest of its run back over the hole.
    mutating func remove(_ key: FutexKey) {
        guard var hole = index(of: key) else { return }
        let mask = slots.count &- 1
        slots[hole] = nil
        count &-= 1
        var next = (hole &+ 1) & mask
        while let slot = slots[next] {
            // It may move back to the hole if the hole is not before its home in the run.
            if (next &- home(slot.key)) & mask >= (next &- hole) & mask {
                slots[hole] = slot
                slots[next] = nil
                hole = next
            }
            next = (next &+ 1) & mask
        }
        if slots.count > FutexQueueTable.minimumCapacity, count &* 8 < slots.count { resize(to: slots.count / 2) }
    }

    private mutating func resize(to capacity: Int) {
        let old = slots
        slots = [Slot?](repeating: nil, count: capacity)
        for case let slot? in old { place(slot) }
    }

    /// Every queue (in slot order).
    var queues: [FutexQueue] { slots.compactMap { $0?.queue } }
}
