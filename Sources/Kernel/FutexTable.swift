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

    /// The key as one word, for hashing: equal keys give equal words. A word's address is
    /// 4-byte aligned, so its two low bits can tell the kinds apart.
    var word: UInt64 {
        switch self {
        case .addressSpace(let space, let address, let shared):
            let space = UInt64(UInt(bitPattern: space))
            return address ^ (space << 17 | space >> 47) ^ (shared ? 1 : 0)
        case .physical(let address):
            return address ^ 2
        }
    }

    /// One word into the hasher, not three (FutexQueueTable.swift mixes the same word itself).
    func hash(into hasher: inout Hasher) { hasher.combine(word) }

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
    /// The sleeper before it and its word's queue. unowned(unsafe): while a waiter is
    /// linked, both are held by the table (the chain from the queue's head, the queue by
    /// the dictionary); `unlink` clears them, and nothing else reads them.
    fileprivate unowned(unsafe) var previous: FutexWaiter?
    fileprivate unowned(unsafe) var queue: FutexQueue?

    init(thread: Thread, key: FutexKey, address: UInt64, bitset: UInt32, takesLock: Bool) {
        self.thread = thread
        self.key = key
        self.address = address
        self.bitset = bitset
        self.takesLock = takesLock
    }
}

/// The sleepers on one word, first come first. A class, so linking and unlinking a
/// sleeper touch the queue through the sleeper and hash its key only when the word
/// gains its first sleeper or loses its last.
final class FutexQueue {
    fileprivate var head: FutexWaiter?
    fileprivate unowned(unsafe) var tail: FutexWaiter?
    fileprivate var count = 0
}

struct FutexTable {
    /// Sleepers per word, first come first (FutexQueueTable.swift).
    private var queues = FutexQueueTable()
    /// A few emptied queues kept for the next word that gains a sleeper: a lock or a
    /// ping-pong empties and refills its word's queue on every hand-off.
    private var spareQueues: [FutexQueue] = []
    static let spareQueueLimit = 8
    /// Threads asleep now (each finds its record through `Thread.futexWaiter`).
    private var sleepers = 0
    /// PI lock words with sleepers: the owner's tid (PIFutex.swift), and per owner the
    /// words it holds that others wait for, in the order they first waited (so a dying
    /// owner hands them over in a fixed order). Both shrink as queues empty.
    private var lockOwners: [FutexKey: Int32] = [:]
    private var ownedLocks: [Int32: [FutexKey]] = [:]

    /// Words with sleepers now (for tests: it must fall back to 0).
    var wordCount: Int { queues.count }
    /// Threads asleep now.
    var sleeperCount: Int { sleepers }

    /// Puts `thread` at the end of `key`'s queue (`address`: the word in its address space).
    mutating func add(_ thread: Thread, key: FutexKey, address: UInt64, bitset: UInt32 = .max, takesLock: Bool = false) {
        remove(thread)
        let waiter = FutexWaiter(thread: thread, key: key, address: address, bitset: bitset, takesLock: takesLock)
        thread.futexWaiter = waiter
        sleepers += 1
        append(waiter)
    }

    /// Takes `thread` off its queue (woken another way, timed out, interrupted, ended);
    /// false if it was on none.
    @discardableResult
    mutating func remove(_ thread: Thread) -> Bool {
        guard let waiter = thread.futexWaiter else { return false }
        forget(waiter)
        unlink(waiter)
        return true
    }

    /// The same, for callers that still name the word (the key is the thread's own).
    mutating func remove(_ thread: Thread, key: UInt64) {
        remove(thread)
    }

    /// Every sleeper leaves (the kernel goes): no thread keeps its record.
    mutating func removeAll() {
        for queue in queues.queues {
            while let waiter = queue.head {
                forget(waiter)
                unlink(waiter)
            }
        }
    }

    /// A sleeper is no longer its thread's record (it is woken, or leaves another way).
    private mutating func forget(_ waiter: FutexWaiter) {
        waiter.thread.futexWaiter = nil
        sleepers -= 1
    }

    /// The sleeper record of `thread`, if it sleeps on a futex.
    func waiter(of thread: Thread) -> FutexWaiter? { thread.futexWaiter }

    /// Whether any thread sleeps on `key`.
    func hasWaiters(_ key: FutexKey) -> Bool { queues[key] != nil }

    /// The first sleeper on `key`, if any.
    func first(_ key: FutexKey) -> FutexWaiter? { queues[key]?.head }

    /// Takes up to `count` sleepers on `key` whose bitset shares a bit with `bitset`, from
    /// the front of the queue. It stops at a thread waiting for a PI lock (`metLockWaiter`):
    /// a plain wake on a PI futex is EINVAL on Linux.
    mutating func take(key: FutexKey, count: Int, bitset: UInt32 = .max) -> (threads: [Thread], metLockWaiter: Bool) {
        var taken: [Thread] = []
        let met = take(key: key, count: count, bitset: bitset, into: &taken)
        return (taken, met)
    }

    /// The same, appending to `taken` (a wake reuses one array: no allocation per call);
    /// true if it met a lock waiter.
    mutating func take(key: FutexKey, count: Int, bitset: UInt32, into taken: inout [Thread]) -> Bool {
        guard count > 0, var cursor = queues[key]?.head else { return false }
        var found = 0
        while found < count {
            let next = cursor.next
            if cursor.takesLock { return true }
            if cursor.bitset & bitset != 0 {
                forget(cursor)
                unlink(cursor)
                taken.append(cursor.thread)
                found += 1
            }
            guard let next else { break }
            cursor = next
        }
        return false
    }

    /// Takes every sleeper on `key`, whatever it waits for.
    mutating func takeAll(key: FutexKey) -> [Thread] {
        var taken: [Thread] = []
        while let waiter = queues[key]?.head {
            forget(waiter)
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
                forget(waiter)
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
        let queue: FutexQueue
        if let found = queues[waiter.key] {
            queue = found
        } else {
            queue = spareQueues.popLast() ?? FutexQueue()
            queues.insert(queue, for: waiter.key)
        }
        waiter.queue = queue
        waiter.previous = queue.tail
        waiter.next = nil
        if let tail = queue.tail { tail.next = waiter } else { queue.head = waiter }
        queue.tail = waiter
        queue.count += 1
    }

    private mutating func unlink(_ waiter: FutexWaiter) {
        guard let queue = waiter.queue else { return }
        if let previous = waiter.previous { previous.next = waiter.next } else { queue.head = waiter.next }
        if let next = waiter.next { next.previous = waiter.previous } else { queue.tail = waiter.previous }
        waiter.next = nil
        waiter.previous = nil
        waiter.queue = nil
        queue.count -= 1
        guard queue.count == 0 else { return }
        queues.remove(waiter.key)
        if spareQueues.count < FutexTable.spareQueueLimit { spareQueues.append(queue) }   // empty: no head, no tail
        if !lockOwners.isEmpty, let owner = lockOwners.removeValue(forKey: waiter.key) { forgetOwnedLock(waiter.key, of: owner) }
    }
}
