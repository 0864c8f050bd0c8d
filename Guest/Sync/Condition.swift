// Condition.swift: a condition variable — sleep until another thread says something
// changed, without holding the lock while asleep.
//
// A thread that needs "the queue is not empty" holds the lock, finds it false, and must
// sleep with the lock released — or nobody could make it true. `wait(lock)` lets the
// lock go and sleeps as one step as far as a signal is concerned: it reads a sequence
// number while still holding the lock, and futex_wait sleeps only while the number is
// unchanged, so a `signal` that comes between the unlock and the sleep is not lost.
// Every signal bumps the number. A wake-up says only "look again": loop on your
// condition (`while queue.isEmpty { condition.wait(mutex) }`), as with every condition
// variable (POSIX allows spurious wake-ups too).

import Synchronization

/// A condition variable on a futex sequence number; works with any `Lock`.
public final class Condition: @unchecked Sendable {
    /// Word 0: the sequence number (the futex word); word 1: threads waiting; word 2: the
    /// tag "COND", by which a deadlock report recognises a condition.
    let words = LockWords(count: 3)

    public init() {
        (words.base + 2).pointee.store(0x444E_4F43, ordering: .relaxed)
    }

    deinit { words.deallocate() }

    /// The sequence number's address: the object the kernel's futex events name.
    public var address: UnsafeMutablePointer<UInt32> { words.address(0) }

    /// Releases `lock`, sleeps until a signal or broadcast (or spuriously), then takes
    /// `lock` again. Call it holding `lock`, in a loop on the condition.
    public func wait<L: Lock>(_ lock: L) {
        let sequence = words.base.pointee.load(ordering: .relaxed)
        (words.base + 1).pointee.wrappingAdd(1, ordering: .relaxed)
        lock.unlock()
        Futex.wait(address, expected: sequence)
        (words.base + 1).pointee.wrappingSubtract(1, ordering: .relaxed)
        lock.lock()
    }

    /// Wakes one waiting thread, if any. Change what the waiter tests first (holding
    /// the lock), then signal (holding it or not).
    public func signal() {
        wake(1)
    }

    /// Wakes every waiting thread.
    public func broadcast() {
        wake(Int(Int32.max))
    }

    func wake(_ count: Int) {
        words.base.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent)
        // A waiter counted itself while holding the lock before it read the sequence
        // number, and the signaller changed the condition under the same lock after
        // that, so a waiter that could miss this wake is counted here.
        if (words.base + 1).pointee.load(ordering: .sequentiallyConsistent) > 0 {
            Futex.wake(address, count: count)
        }
    }
}
