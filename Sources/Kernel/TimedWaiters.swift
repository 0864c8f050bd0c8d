// Threads blocked with a deadline (nanosleep, a futex wait with a timeout), in one
// min-heap per hart keyed by deadline, so a timer interrupt and programming a hart's
// timer cost O(log n) however many threads sleep (issue 12 §3). A thread is filed under
// the hart it last ran on (the hart whose timer wakes it). An entry goes stale when its
// thread is woken another way (its `wakeDeadline` cleared or changed): stale entries are
// dropped when they reach the top.

struct TimedWaiters {
    private struct Entry {
        let deadline: UInt64
        /// When it was filed: equal deadlines wake in the order threads went to sleep.
        let order: UInt64
        let thread: Thread

        func isBefore(_ other: Entry) -> Bool { (deadline, order) < (other.deadline, other.order) }
        /// Whether the thread still waits for this deadline.
        var isCurrent: Bool { thread.wakeDeadline == deadline && thread.timedOrder == order }
    }

    private var heaps: [[Entry]]
    /// Per heap: the size at which its stale entries are swept out (twice what was left
    /// after the last sweep), so threads woken early cannot make it grow without bound.
    private var sweepAt: [Int]
    private var nextOrder: UInt64 = 1

    init(harts: Int) {
        heaps = Array(repeating: [], count: max(1, harts))
        sweepAt = Array(repeating: 64, count: max(1, harts))
    }

    /// Files `thread` (its `wakeDeadline` set) under its last hart.
    mutating func add(_ thread: Thread, hart: Int) {
        guard let deadline = thread.wakeDeadline else { return }
        let order = nextOrder
        nextOrder &+= 1
        thread.timedOrder = order
        let index = max(0, min(heaps.count - 1, hart))
        if heaps[index].count >= sweepAt[index] {
            heaps[index] = heaps[index].filter(\.isCurrent).sorted { $0.isBefore($1) }   // sorted is a heap
            sweepAt[index] = max(64, 2 * heaps[index].count)
        }
        heaps[index].append(Entry(deadline: deadline, order: order, thread: thread))
        siftUp(index, heaps[index].count - 1)
    }

    /// The earliest deadline of a thread filed under `hart`, or nil.
    mutating func earliest(onHart hart: Int) -> UInt64? {
        guard hart >= 0, hart < heaps.count else { return nil }
        dropStale(hart)
        return heaps[hart].first?.deadline
    }

    /// Takes every thread whose deadline is at or before `cycle`, on any hart, in the
    /// order they went to sleep.
    mutating func takeExpired(at cycle: UInt64) -> [Thread] {
        var expired: [Entry] = []
        for hart in heaps.indices {
            while true {
                dropStale(hart)
                guard let top = heaps[hart].first, top.deadline <= cycle else { break }
                expired.append(pop(hart))
            }
        }
        expired.sort { $0.order < $1.order }
        return expired.map(\.thread)
    }

    /// Entries kept, stale ones included (for tests of the structure).
    var count: Int { heaps.reduce(0) { $0 + $1.count } }

    private mutating func dropStale(_ hart: Int) {
        while let top = heaps[hart].first, !top.isCurrent { _ = pop(hart) }
    }

    private mutating func pop(_ hart: Int) -> Entry {
        let top = heaps[hart][0]
        let last = heaps[hart].removeLast()
        if !heaps[hart].isEmpty {
            heaps[hart][0] = last
            siftDown(hart, 0)
        }
        return top
    }

    private mutating func siftUp(_ hart: Int, _ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heaps[hart][child].isBefore(heaps[hart][parent]) else { return }
            heaps[hart].swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ hart: Int, _ start: Int) {
        var parent = start
        let count = heaps[hart].count
        while true {
            var smallest = parent
            let left = 2 * parent + 1, right = left + 1
            if left < count, heaps[hart][left].isBefore(heaps[hart][smallest]) { smallest = left }
            if right < count, heaps[hart][right].isBefore(heaps[hart][smallest]) { smallest = right }
            guard smallest != parent else { return }
            heaps[hart].swapAt(parent, smallest)
            parent = smallest
        }
    }
}
