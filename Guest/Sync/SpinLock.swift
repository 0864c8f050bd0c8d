// SpinLock.swift: the simplest correct lock — test-and-set on one atomic instruction.
//
// `amoswap.w.aq` writes 1 and returns the old value in one indivisible step, so of two
// threads that both find the lock free exactly one gets 0 back: the look-and-leap gap of
// `LookBeforeYouLeapLock` (Broken.swift) is gone. A waiting thread keeps swapping, which
// burns its core and, on every try, writes the lock's word (on a machine with caches that
// traffic slows the holder too: TTASLock spins on reads instead). Nothing decides who
// gets the lock next, so a thread can starve (TicketLock is fair). Spinning suits a
// critical section shorter than a context switch, on more than one core; on one core a
// spinner only wastes its slice until the holder runs again, and without preemption it
// never does.

import Synchronization

/// A test-and-set spin lock on `amoswap.w` with acquire ordering.
public final class SpinLock: Lock, @unchecked Sendable {
    let words = LockWords(count: 1)
    /// Figures about this lock, kept while it is held (see `LockStatistics`).
    public private(set) var statistics = LockStatistics()

    public init() {}

    deinit { words.deallocate() }

    /// The lock word's address: the object its trace marks name.
    public var address: UnsafeMutablePointer<UInt32> { words.address() }

    /// Takes the lock, spinning (swapping 1 in) until the old value is 0.
    public func lock() {
        TraceMark.acquire(address)
        var spins = 0
        if words.base.pointee.exchange(1, ordering: .acquiring) != 0 {
            TraceMark.contended(address)
            repeat {
                spins &+= 1
            } while words.base.pointee.exchange(1, ordering: .acquiring) != 0
        }
        statistics.record(waits: spins)
        TraceMark.acquired(address, waits: spins)
    }

    /// Takes the lock if it is free; never waits.
    public func tryLock() -> Bool {
        TraceMark.acquire(address)
        guard words.base.pointee.exchange(1, ordering: .acquiring) == 0 else {
            TraceMark.contended(address)
            return false
        }
        statistics.record(waits: 0)
        TraceMark.acquired(address, waits: 0)
        return true
    }

    /// Lets the lock go: a releasing store of 0, so what the critical section wrote is
    /// seen by the next holder.
    public func unlock() {
        TraceMark.release(address)
        words.base.pointee.store(0, ordering: .releasing)
    }
}
