// The futex table: which threads sleep on which futex word, in the order they came. A
// word is named by a FutexKey (Futex.swift): its address space and virtual address for a
// process-private word, its physical address for a word in memory several address spaces
// share. Each word with sleepers has one doubly linked queue, and each sleeper is found
// by its thread, so going to sleep, being woken, timing out or being interrupted costs
// O(1), and waking or requeueing n threads O(n) (bitset wakes walk the word's sleepers,
// as Linux walks its hash bucket). A word leaves the table with its last sleeper: the
// table holds only what sleeps now, never what slept before.

/// A word a futex call names: what makes two calls meet on the same queue.
enum FutexKey: Hashable {
    /// A word of one address space (FUTEX_PRIVATE_FLAG, or any word in private memory):
    /// its address space and its virtual address. A fork's copy-on-write copy is another
    /// address space, so the two processes' sleepers never meet, whichever frame the
    /// word sits in after a write. As on Linux, a private and a shared futex call on the
    /// same private word do not meet (`shared` tells them apart).
    case addressSpace(ObjectIdentifier, UInt64, shared: Bool)
    /// A word in memory mapped shared (MAP_SHARED) between address spaces: its physical
    /// address, the same from every process that maps it.
    case physical(UInt64)

    /// The address shown for the word in a block reason: virtual or physical.
    var address: UInt64 {
        switch self {
        case .addressSpace(_, let address, _): address
        case .physical(let address): address
        }
    }
}

/// One sleeping thread: what it waits on and which wakes may wake it.
final class FutexWaiter {
    let thread: Thread
    var key: FutexKey
    /// The word's virtual address in the sleeper's address space (where a PI lock handed
    /// to it is written).
    var address: UInt64
    /// FUTEX_WAIT_BITSET's bitset (all ones for FUTEX_WAIT): a FUTEX_WAKE_BITSET wakes it
    /// only if the two bitsets share a bit.
    let bitset: UInt32
    /// Waiting to take a priority-inheritance lock (PIFutex.swift) rather than for a wake.
    let takesLock: Bool
    fileprivate var next: FutexWaiter?
    fileprivate weak var previous: FutexWaiter?

    init(thread: Thread, key: FutexKey, address: UInt64, bitset: UInt32, takesLock: Bool) {
        self.thread = thread
        self.key = key
        self.address = address
        self.bitset = bitset
        self.takesLock = takesLock
    }
}

struct FutexTable {
    private struct Queue {
        var head: FutexWaiter?
        var tail: FutexWaiter?
        var count = 0
    }

    /// Sleepers per word, first come first.
    private var queues: [FutexKey: Queue] = [:]
    /// Each sleeper by its thread (a thread sleeps on one word at a time).
    private var waiters: [ObjectIdentifier: FutexWaiter] = [:]
    /// PI lock words with sleepers: the owner's tid (PIFutex.swift), and per owner the
    /// words it holds that others wait for, in the order they first waited (so a dying
    /// owner hands them over in a fixed order). Both shrink as queues empty.
    private var lockOwners: [FutexKey: Int32] = [:]
    private var ownedLocks: [Int32: [FutexKey]] = [:]

    /// Words with sleepers now (for tests: it must fall back to 0).
    var wordCount: Int { queues.count }
    /// Threads asleep now.
    var sleeperCount: Int { waiters.count }

    /// Puts `thread` at the end of `key`'s queue (`address`: the word in its address space).
    mutating func add(_ thread: Thread, key: FutexKey, address: UInt64, bitset: UInt32 = .max, takesLock: Bool = false) {
        remove(thread)
        let waiter = FutexWaiter(thread: thread, key: key, address: address, bitset: bitset, takesLock: takesLock)
        waiters[ObjectIdentifier(thread)] = waiter
        append(waiter)
    }

    /// Takes `thread` off its queue (woken another way, timed out, interrupted, ended);
    /// false if it was on none.
    @discardableResult
    mutating func remove(_ thread: Thread) -> Bool {
        guard let waiter = waiters.removeValue(forKey: ObjectIdentifier(thread)) else { return false }
        unlink(waiter)
        return true
    }

    /// The same, for callers that still name the word (the key is the thread's own).
    mutating func remove(_ thread: Thread, key: UInt64) {
        remove(thread)
    }

    /// The sleeper record of `thread`, if it sleeps on a futex.
    func waiter(of thread: Thread) -> FutexWaiter? { waiters[ObjectIdentifier(thread)] }

    /// Whether any thread sleeps on `key`.
    func hasWaiters(_ key: FutexKey) -> Bool { queues[key] != nil }

    /// The first sleeper on `key`, if any.
    func first(_ key: FutexKey) -> FutexWaiter? { queues[key]?.head }

    /// Takes up to `count` sleepers on `key` whose bitset shares a bit with `bitset`, from
    /// the front of the queue. It stops at a thread waiting for a PI lock (`metLockWaiter`):
    /// a plain wake on a PI futex is EINVAL on Linux.
    mutating func take(key: FutexKey, count: Int, bitset: UInt32 = .max) -> (threads: [Thread], metLockWaiter: Bool) {
        guard count > 0, var cursor = queues[key]?.head else { return ([], false) }
        var taken: [Thread] = []
        while taken.count < count {
            let next = cursor.next
            if cursor.takesLock { return (taken, true) }
            if cursor.bitset & bitset != 0 {
                waiters[ObjectIdentifier(cursor.thread)] = nil
                unlink(cursor)
                taken.append(cursor.thread)
            }
            guard let next else { break }
            cursor = next
        }
        return (taken, false)
    }

    /// Takes every sleeper on `key`, whatever it waits for.
    mutating func takeAll(key: FutexKey) -> [Thread] {
        var taken: [Thread] = []
        while let waiter = queues[key]?.head {
            waiters[ObjectIdentifier(waiter.thread)] = nil
            unlink(waiter)
            taken.append(waiter.thread)
        }
        return taken
    }

    /// FUTEX_REQUEUE: takes the first `wake` sleepers on `from` (returned, to be woken) and
    /// moves the next `requeue` to the end of `to`'s queue, in their order. Returns the
    /// woken threads and how many moved. Requeueing onto the same word leaves them where
    /// they are, counted, as Linux does. It stops at a PI lock waiter (`metLockWaiter`).
    mutating func requeue(from: FutexKey, to: FutexKey, wake: Int, requeue: Int) -> (woken: [Thread], moved: Int, metLockWaiter: Bool) {
        var woken: [Thread] = []
        var moved = 0
        while woken.count < wake || moved < requeue, let waiter = queues[from]?.head {
            if waiter.takesLock { return (woken, moved, true) }
            if woken.count < wake {
                waiters[ObjectIdentifier(waiter.thread)] = nil
                unlink(waiter)
                woken.append(waiter.thread)
                continue
            }
            if from == to {
                // Nothing moves; count those that would have.
                moved = min(requeue, (queues[from]?.count ?? 0))
                break
            }
            unlink(waiter)
            waiter.key = to
            append(waiter)
            moved += 1
        }
        return (woken, moved, false)
    }

    // MARK: PI lock owners

    /// The owner recorded for the PI lock word `key` while threads wait for it.
    func lockOwner(_ key: FutexKey) -> Int32? { lockOwners[key] }

    /// Records `owner` as holding the PI lock word `key` (which has sleepers).
    mutating func setLockOwner(_ key: FutexKey, _ owner: Int32) {
        if let previous = lockOwners[key] {
            if previous == owner { return }
            forgetOwnedLock(key, of: previous)
        }
        lockOwners[key] = owner
        ownedLocks[owner, default: []].append(key)
    }

    /// The PI lock words `owner` holds that others wait for, oldest first.
    func locksOwned(by owner: Int32) -> [FutexKey] { ownedLocks[owner] ?? [] }

    private mutating func forgetOwnedLock(_ key: FutexKey, of owner: Int32) {
        guard var keys = ownedLocks[owner] else { return }
        keys.removeAll { $0 == key }
        ownedLocks[owner] = keys.isEmpty ? nil : keys
    }

    private mutating func append(_ waiter: FutexWaiter) {
        var queue = queues[waiter.key] ?? Queue()
        waiter.previous = queue.tail
        waiter.next = nil
        if let tail = queue.tail { tail.next = waiter } else { queue.head = waiter }
        queue.tail = waiter
        queue.count += 1
        queues[waiter.key] = queue
    }

    private mutating func unlink(_ waiter: FutexWaiter) {
        guard var queue = queues[waiter.key] else { return }
        if let previous = waiter.previous { previous.next = waiter.next } else { queue.head = waiter.next }
        if let next = waiter.next { next.previous = waiter.previous } else { queue.tail = waiter.previous }
        waiter.next = nil
        waiter.previous = nil
        queue.count -= 1
        queues[waiter.key] = queue.count == 0 ? nil : queue
        if queue.count == 0, let owner = lockOwners.removeValue(forKey: waiter.key) { forgetOwnedLock(waiter.key, of: owner) }
    }
}
