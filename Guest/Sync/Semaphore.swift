// Semaphore.swift: a counting semaphore (Dijkstra's P and V) on the kernel's futex.
//
// A lock lets one thread in; a semaphore lets up to N: its count is the number of
// permits left. `wait` takes one, sleeping while there are none; `signal` gives one
// back and wakes a sleeper. With a count of 1 it is a binary semaphore, a lock that any
// thread may release (not only the one that took it), which also makes it a signal
// from one thread to another. ThreadPool uses one to admit at most `capacity` jobs.
//
// The count is the futex word, so a waiter sleeps only while it still reads 0. A second
// word counts sleepers, so `signal` makes a system call only when someone may sleep.

import Synchronization

/// A counting semaphore: `wait` takes a permit (sleeping while there is none),
/// `signal` returns one.
public final class Semaphore: Lock, @unchecked Sendable {
    /// Word 0: permits left (the futex word); word 1: threads about to sleep or asleep;
    /// word 2: the tag "SEMA", by which a deadlock report recognises a semaphore.
    let words: LockWords

    /// A semaphore with `count` permits (1: a binary semaphore).
    public init(count: Int) {
        words = LockWords(count: 3)
        words.base.pointee.store(UInt32(clamping: max(0, count)), ordering: .relaxed)
        (words.base + 2).pointee.store(0x414D_4553, ordering: .relaxed)
    }

    /// A binary semaphore: one permit, or none when `available` is false.
    public static func binary(available: Bool = true) -> Semaphore {
        Semaphore(count: available ? 1 : 0)
    }

    deinit { words.deallocate() }

    /// The count's address: the object its trace marks and futex events name.
    public var address: UnsafeMutablePointer<UInt32> { words.address(0) }

    /// Permits left now (already old when it returns: for reports, not decisions).
    public var count: Int { Int(words.base.pointee.load(ordering: .relaxed)) }

    /// Takes one permit if one is left: a compare-and-swap from the count read.
    @inline(__always)
    func take() -> Bool {
        let permits = words.base
        var seen = permits.pointee.load(ordering: .relaxed)
        while seen > 0 {
            let (exchanged, original) = permits.pointee.compareExchange(expected: seen, desired: seen - 1,
                                                                        ordering: .acquiringAndReleasing)
            if exchanged {
                TraceMark.count(address, Int(seen - 1))
                return true
            }
            seen = original
        }
        return false
    }

    /// Takes a permit, sleeping while there is none (P, "down").
    public func wait() {
        TraceMark.acquire(address)
        var sleeps = 0
        if !take() {
            TraceMark.contended(address)
            let sleepers = words.base + 1
            repeat {
                // Announce the sleep, then look again: `signal` adds a permit and then
                // looks for sleepers, so one of the two sees the other (both are
                // sequentially consistent), and the futex re-checks the count anyway.
                sleepers.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent)
                if words.base.pointee.load(ordering: .sequentiallyConsistent) == 0 {
                    Futex.wait(address, expected: 0)
                    sleeps &+= 1
                }
                sleepers.pointee.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            } while !take()
        }
        TraceMark.acquired(address, waits: sleeps)
    }

    /// Takes a permit if one is left; never waits.
    public func tryWait() -> Bool {
        TraceMark.acquire(address)
        guard take() else {
            TraceMark.contended(address)
            return false
        }
        TraceMark.acquired(address, waits: 0)
        return true
    }

    /// Returns a permit and wakes one sleeper, if any (V, "up").
    public func signal() {
        TraceMark.release(address)
        let now = words.base.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        TraceMark.count(address, Int(now))
        if (words.base + 1).pointee.load(ordering: .sequentiallyConsistent) > 0 {
            Futex.wake(address, count: 1)
        }
    }

    /// `Lock`'s names for a binary semaphore: `wait` and `signal`.
    public func lock() { wait() }
    public func unlock() { signal() }
}
