// The ready queue: the threads that may run, one FIFO per priority level and a bitmap of
// the levels that hold any, so taking the next thread costs the same with 2 threads or
// 1,000 (issue 12 §3). The order is the scheduler's: the highest priority first, the
// longest waiting among equals, skipping threads whose affinity mask (or single-tasking)
// keeps them off the hart that asks. A thread that leaves the ready state another way
// (it is killed, its priority changes) is taken out in O(1) by a stamp: its entry stays
// in the FIFO, stale, until it reaches the front.

struct ReadyQueue {
    /// One entry per time a thread became ready; valid while the thread's stamp equals it.
    private struct Entry {
        let thread: Thread
        let stamp: UInt64
    }

    /// One priority level: entries in the order they became ready, from `head` on.
    private struct Level {
        var entries: [Entry] = []
        var head = 0
        /// Entries from `head` on whose thread is still queued here.
        var valid = 0

        /// Drops consumed entries once they are most of the array (amortized O(1)).
        mutating func compact() {
            if head == entries.count {
                entries.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= entries.count {
                entries.removeFirst(head)
                head = 0
            }
        }
    }

    static let levelCount = Priority.highest + 1
    private var levels = [Level](repeating: Level(), count: ReadyQueue.levelCount)
    /// Bit p set: level p holds a valid entry.
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
        insert(Entry(thread: thread, stamp: stamp), level: level)
    }

    /// Moves a queued thread to another level, keeping its place in the FIFO order (the
    /// time it became ready), as when its priority changed while it waited.
    mutating func requeue(_ thread: Thread, priority: Int) {
        let old = thread.readyLevel
        let level = max(0, min(ReadyQueue.levelCount - 1, priority))
        guard old >= 0, old != level else { return }
        let stamp = thread.readyStamp
        remove(thread)
        insert(Entry(thread: thread, stamp: stamp), level: level)
    }

    private mutating func insert(_ entry: Entry, level: Int) {
        entry.thread.readyStamp = entry.stamp
        entry.thread.readyLevel = level
        // Appending keeps the level sorted by stamp except for a requeue (rare): it goes
        // to its place by binary search.
        var index = levels[level].entries.endIndex
        if let last = levels[level].entries.last, last.stamp > entry.stamp {
            var low = levels[level].head, high = levels[level].entries.endIndex
            while low < high {
                let middle = (low + high) / 2
                if levels[level].entries[middle].stamp < entry.stamp { low = middle + 1 } else { high = middle }
            }
            index = low
        }
        if index == levels[level].entries.endIndex {
            levels[level].entries.append(entry)   // the usual case: append is cheaper than insert
        } else {
            levels[level].entries.insert(entry, at: index)
        }
        levels[level].valid += 1
        nonEmpty |= 1 << UInt64(level)
    }

    /// Takes `thread` out (O(1): its entry goes stale).
    mutating func remove(_ thread: Thread) {
        let level = thread.readyLevel
        guard level >= 0 else { return }
        thread.readyLevel = -1
        thread.readyStamp = 0
        levels[level].valid -= 1
        if levels[level].valid == 0 {
            nonEmpty &= ~(1 << UInt64(level))
            levels[level].entries.removeAll(keepingCapacity: true)
            levels[level].head = 0
        }
    }

    private func isValid(_ entry: Entry) -> Bool { entry.thread.readyStamp == entry.stamp }

    /// The first thread, highest level first, that `accepts` and has at least priority
    /// `floor`; nil if none. Stale entries at a level's front are dropped on the way.
    mutating func first(atLeast floor: Int, where accepts: (Thread) -> Bool) -> Thread? {
        var levelsLeft = nonEmpty
        while levelsLeft != 0 {
            let level = 63 - levelsLeft.leadingZeroBitCount
            guard level >= floor else { return nil }
            levelsLeft &= ~(1 << UInt64(level))
            while levels[level].head < levels[level].entries.count, !isValid(levels[level].entries[levels[level].head]) {
                levels[level].head += 1
            }
            levels[level].compact()
            // Entries taken from behind a front that waits for another hart go stale in the
            // middle: filter them out once they outnumber the valid ones.
            if levels[level].entries.count - levels[level].head > 2 * levels[level].valid + 64 {
                levels[level].entries = levels[level].entries[levels[level].head...].filter(isValid)
                levels[level].head = 0
            }
            for index in levels[level].head..<levels[level].entries.count {
                let entry = levels[level].entries[index]
                if isValid(entry), accepts(entry.thread) { return entry.thread }
            }
        }
        return nil
    }

    /// Takes and returns what `first` finds.
    mutating func take(atLeast floor: Int, where accepts: (Thread) -> Bool) -> Thread? {
        guard let thread = first(atLeast: floor, where: accepts) else { return nil }
        remove(thread)
        return thread
    }
}
