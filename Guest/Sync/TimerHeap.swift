// TimerHeap.swift: an EventLoop's timers, ordered by deadline in a binary heap.
//
// The loop needs the earliest deadline (to bound its epoll wait) and the due timers in
// order; a cancelled timer leaves the heap at once (each entry knows its place), so
// timers set and cancelled over and over — per-connection timeouts — cost O(log n)
// each and leave nothing behind.

/// A timer of an EventLoop, to cancel it.
public struct EventLoopTimer: Equatable {
    let entry: TimerEntry

    /// When it fires next, on the loop's clock (monotonic nanoseconds).
    public var deadline: UInt64 { entry.deadline }

    /// Whether it will still fire: not cancelled, and not a one-shot timer that has fired.
    public var isPending: Bool { entry.live }

    public static func == (left: EventLoopTimer, right: EventLoopTimer) -> Bool {
        left.entry === right.entry
    }
}

/// A timer's state: when it fires next, how often, what it runs.
final class TimerEntry {
    let sequence: Int
    var deadline: UInt64
    let interval: UInt64
    let action: () -> Void
    /// Not cancelled, and (one-shot) not fired yet.
    var live = true
    /// Its place in the heap; -1 when it is not in it.
    var heapIndex = -1

    init(sequence: Int, deadline: UInt64, interval: UInt64, action: @escaping () -> Void) {
        self.sequence = sequence
        self.deadline = deadline
        self.interval = interval
        self.action = action
    }

    /// Heap order: the earlier deadline, then the one scheduled first.
    func firesBefore(_ other: TimerEntry) -> Bool {
        deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
    }
}

/// A min-heap of timer entries.
struct TimerHeap {
    private(set) var entries: [TimerEntry] = []

    var first: TimerEntry? { entries.first }
    var isEmpty: Bool { entries.isEmpty }

    mutating func insert(_ entry: TimerEntry) {
        entries.append(entry)
        entry.heapIndex = entries.count - 1
        siftUp(entries.count - 1)
    }

    mutating func removeFirst() -> TimerEntry? {
        guard let first = entries.first else { return nil }
        remove(first)
        return first
    }

    /// Takes `entry` out, wherever it is; nothing happens if it is not in the heap.
    mutating func remove(_ entry: TimerEntry) {
        let index = entry.heapIndex
        guard index >= 0 && index < entries.count && entries[index] === entry else { return }
        let last = entries.count - 1
        if index != last { swap(index, last) }
        entries.removeLast()
        entry.heapIndex = -1
        if index < entries.count {
            siftDown(index)
            siftUp(index)
        }
    }

    /// Empties the heap.
    mutating func removeAll() {
        for entry in entries { entry.heapIndex = -1 }
        entries = []
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        entries.swapAt(a, b)
        entries[a].heapIndex = a
        entries[b].heapIndex = b
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].firesBefore(entries[parent]) else { return }
            swap(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = parent * 2 + 1, right = left + 1
            var smallest = parent
            if left < entries.count && entries[left].firesBefore(entries[smallest]) { smallest = left }
            if right < entries.count && entries[right].firesBefore(entries[smallest]) { smallest = right }
            if smallest == parent { return }
            swap(parent, smallest)
            parent = smallest
        }
    }
}
