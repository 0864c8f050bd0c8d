// The ready queue: the threads that may run, one FIFO per priority level and a bitmap of
// the levels that hold any, so taking the next thread costs the same with 2 threads or
// 1,000 (issue 12 §3). The order is the scheduler's: the highest priority first, the
// longest waiting among equals, skipping threads whose affinity mask (or single-tasking)
// keeps them off the hart that asks. Each level is a list threaded through the threads
// themselves (Thread.readyNext / readyPrevious): queueing, taking and taking out a thread
// that leaves the ready state another way (it is killed, its priority changes) cost O(1)
// and allocate nothing.

struct ReadyQueue {
    /// One priority level: its threads in the order they became ready.
    private struct Level {
        var head: Thread? = nil
        /// Unretained: the last thread is held by the one before it (or by `head`).
        unowned(unsafe) var tail: Thread? = nil
    }

    static let levelCount = Priority.highest + 1
    private var levels = [Level](repeating: Level(), count: ReadyQueue.levelCount)
    /// Bit p set: level p holds a thread.
    private var nonEmpty: UInt64 = 0
    /// The next stamp: every enqueue gets a new one, so the FIFO order is the stamps' order.
    private var nextStamp: UInt64 = 1

    var isEmpty: Bool { nonEmpty == 0 }

    /// Queues `thread` at `priority` (0 ... 31), behind every thread already there.
    mutating func enqueue(_ thread: Thread, priority: Int) {
        if thread.readyLevel >= 0 { remove(thread) }
        let level = max(0, min(ReadyQueue.levelCount - 1, priority))
        let stamp = nextStamp
        nextStamp &+= 1
        insert(thread, stamp: stamp, level: level)
    }

    /// Moves a queued thread to another level, keeping its place in the FIFO order (the
    /// time it became ready), as when its priority changed while it waited.
    mutating func requeue(_ thread: Thread, priority: Int) {
        let old = thread.readyLevel
        let level = max(0, min(ReadyQueue.levelCount - 1, priority))
        guard old >= 0, old != level else { return }
        let stamp = thread.readyStamp
        remove(thread)
        insert(thread, stamp: stamp, level: level)
    }

    private mutating func insert(_ thread: Thread, stamp: UInt64, level: Int) {
        thread.readyStamp = stamp
        thread.readyLevel = level
        // Appending keeps the level in stamp order except for a requeue (rare): it walks
        // back from the tail to its place.
        var after = levels[level].tail
        while let candidate = after, candidate.readyStamp > stamp { after = candidate.readyPrevious }
        if let after {
            let next = after.readyNext
            thread.readyNext = next
            thread.readyPrevious = after
            if let next { next.readyPrevious = thread } else { levels[level].tail = thread }
            after.readyNext = thread
        } else {
            let head = levels[level].head
            thread.readyNext = head
            thread.readyPrevious = nil
            if let head { head.readyPrevious = thread } else { levels[level].tail = thread }
            levels[level].head = thread
        }
        nonEmpty |= 1 << UInt64(level)
    }

    /// Takes `thread` out (O(1)).
    mutating func remove(_ thread: Thread) {
        let level = thread.readyLevel
        guard level >= 0 else { return }
        let next = thread.readyNext, previous = thread.readyPrevious
        if let previous { previous.readyNext = next } else { levels[level].head = next }
        if let next { next.readyPrevious = previous } else { levels[level].tail = previous }
        thread.readyNext = nil
        thread.readyPrevious = nil
        thread.readyLevel = -1
        thread.readyStamp = 0
        if levels[level].head == nil { nonEmpty &= ~(1 << UInt64(level)) }
    }

    /// Empties the queue one thread at a time (a long chain released at once would
    /// recurse through every thread's deinit).
    mutating func removeAll() {
        for level in 0..<ReadyQueue.levelCount {
            while let thread = levels[level].head { remove(thread) }
        }
    }

    /// The first thread, highest level first, that `accepts` and has at least priority
    /// `floor`; nil if none.
    mutating func first(atLeast floor: Int, where accepts: (Thread) -> Bool) -> Thread? {
        var levelsLeft = nonEmpty
        while levelsLeft != 0 {
            let level = 63 - levelsLeft.leadingZeroBitCount
            guard level >= floor else { return nil }
            levelsLeft &= ~(1 << UInt64(level))
            var cursor = levels[level].head
            while let thread = cursor {
                if accepts(thread) { return thread }
                cursor = thread.readyNext
            }
        }
        return nil
    }

    /// Calls `body` with the first thread of every non-empty level below `level`, highest
    /// first, while it returns true.
    func forEachLevelHead(below level: Int, _ body: (Thread) -> Bool) {
        var levelsLeft = nonEmpty & ((1 << UInt64(max(0, min(63, level)))) &- 1)
        while levelsLeft != 0 {
            let index = 63 - levelsLeft.leadingZeroBitCount
            levelsLeft &= ~(1 << UInt64(index))
            if let head = levels[index].head, !body(head) { return }
        }
    }

    /// Takes and returns what `first` finds.
    mutating func take(atLeast floor: Int, where accepts: (Thread) -> Bool) -> Thread? {
        guard let thread = first(atLeast: floor, where: accepts) else { return nil }
        remove(thread)
        return thread
    }
}
