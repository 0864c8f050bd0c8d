// TTASLock.swift: test, then test-and-set — a spin lock that waits by reading.
//
// A plain `SpinLock` swaps on every try, and every swap is a write to the lock's word.
// Here a waiter only loads the word until it reads 0, and tries the swap then: on a
// machine with caches the waiters spin in their own cached copies and the holder is not
// slowed by their writes. Reading 0 is no promise (another waiter may swap first), so
// the swap still decides, and the lock is as unfair as SpinLock.

import Synchronization

/// A test-and-test-and-set spin lock: spins on loads, takes the lock with `amoswap.w`.
public final class TTASLock: Lock, @unchecked Sendable {
    let words = LockWords(count: 1)
    /// Figures about this lock, kept while it is held (see `LockStatistics`).
    public private(set) var statistics = LockStatistics()

    public init() {}

    deinit { words.deallocate() }

    /// The lock word's address: the object its trace marks name.
    public var address: UnsafeMutablePointer<UInt32> { words.address() }

    /// Takes the lock: loads until it reads free, then swaps; again if the swap lost.
    public func lock() {
        TraceMark.acquire(address)
        var spins = 0
        if words.base.pointee.load(ordering: .relaxed) != 0
            || words.base.pointee.exchange(1, ordering: .acquiring) != 0 {
            TraceMark.contended(address)
            repeat {
                while words.base.pointee.load(ordering: .relaxed) != 0 {
                    spins &+= 1
                }
                spins &+= 1
            } while words.base.pointee.exchange(1, ordering: .acquiring) != 0
        }
        statistics.record(waits: spins)
        TraceMark.acquired(address, waits: spins)
    }

    /// Lets the lock go (a releasing store of 0).
    public func unlock() {
        TraceMark.release(address)
        words.base.pointee.store(0, ordering: .releasing)
    }
}
