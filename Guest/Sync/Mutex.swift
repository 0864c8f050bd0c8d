// Mutex.swift: a lock that sleeps instead of spinning, on the kernel's futex.
//
// A spinning waiter keeps its core busy doing nothing; a mutex's waiter asks the kernel
// to put it to sleep until the holder lets go, so its core can run another thread. The
// kernel is entered only when there is a waiter: taking a free mutex and releasing one
// nobody waits for are a single atomic instruction each. This is the classic
// three-state futex mutex (Ulrich Drepper, "Futexes Are Tricky", mutex 3): the word is
// 0 free, 1 locked, 2 locked with (perhaps) waiters. A waiter swaps in 2 before it
// sleeps, so the holder's unlock sees 2 and knows to wake one; futex_wait sleeps only
// while the word still holds 2, so a wake between the swap and the sleep is not lost.
//
// The Synchronization module has a `Mutex` too: a program importing both says
// `Sync.Mutex` (or `Synchronization.Mutex`).
//
// Who holds it, for the kernel's deadlock report. A thread asleep on the word says only
// "someone holds this"; to name the holder the kernel must learn who took the mutex, and
// an uncontended lock never enters the kernel. So the mutex writes it down itself, beside
// the futex word: the taker's stack pointer and the return address of lock() (where it was
// taken), two stores in interleave_note_holder (Guest/Runtime/holder.S). The stack
// pointer, not a thread id: the id would cost a gettid system call per lock, while the
// kernel can tell whose stack an address is in. A constant tag word, written once by
// init, lets the kernel recognise a Sync mutex from the futex word's address alone, with
// no registration call per mutex and nothing to undo when it is freed; a word of some
// other program that happens to hold the tag only gets a wrong line in a report. The
// layout (32-bit words; Sources/Kernel/SyncLockRecords.swift reads it):
//   0 state (the futex word)   1 tag "MUTX"   2-3 holder's sp   4-5 where lock() was called

import Synchronization

@_extern(c, "interleave_note_holder")
func interleave_note_holder(_ record: UnsafeMutableRawPointer)

/// A futex mutex: 0 free, 1 locked, 2 locked with waiters; waiters sleep in the kernel.
public final class Mutex: Lock, @unchecked Sendable {
    let words = LockWords(count: 6)
    /// Figures about this lock, kept while it is held; a wait step is one sleep.
    public private(set) var statistics = LockStatistics()

    static let free: UInt32 = 0, locked: UInt32 = 1, lockedWithWaiters: UInt32 = 2
    /// "MUTX" in memory: word 1 of every Sync mutex (see the layout above).
    static let tag: UInt32 = 0x5854_554D

    public init() {
        (words.base + 1).pointee.store(Mutex.tag, ordering: .relaxed)
    }

    deinit { words.deallocate() }

    /// The futex word's address: the object its trace marks and futex events name.
    public var address: UnsafeMutablePointer<UInt32> { words.address() }

    /// Where the holder is noted: words 2-5.
    @inline(__always)
    func noteHolder() {
        interleave_note_holder(UnsafeMutableRawPointer(words.base + 2))
    }

    /// Takes the mutex, sleeping in futex_wait while another thread holds it. Never
    /// inlined: the holder note records lock()'s own return address.
    @inline(never)
    public func lock() {
        TraceMark.acquire(address)
        let word = words.base
        var state = word.pointee.compareExchange(expected: Mutex.free, desired: Mutex.locked,
                                                 ordering: .acquiring).original
        var sleeps = 0
        if state != Mutex.free {
            TraceMark.contended(address)
            // From here on the word says "waiters": we may be one, and we cannot know
            // whether others are, so whoever unlocks after us must wake.
            if state != Mutex.lockedWithWaiters {
                state = word.pointee.exchange(Mutex.lockedWithWaiters, ordering: .acquiring)
            }
            while state != Mutex.free {
                Futex.wait(address, expected: Mutex.lockedWithWaiters)
                sleeps &+= 1
                state = word.pointee.exchange(Mutex.lockedWithWaiters, ordering: .acquiring)
            }
        }
        noteHolder()
        statistics.record(waits: sleeps)
        TraceMark.acquired(address, waits: sleeps)
    }

    /// Takes the mutex if it is free; never waits.
    @inline(never)
    public func tryLock() -> Bool {
        TraceMark.acquire(address)
        guard words.base.pointee.compareExchange(expected: Mutex.free, desired: Mutex.locked,
                                                 ordering: .acquiring).exchanged else {
            TraceMark.contended(address)
            return false
        }
        noteHolder()
        statistics.record(waits: 0)
        TraceMark.acquired(address, waits: 0)
        return true
    }

    /// Lets the mutex go; wakes one sleeper when the word said there may be some.
    public func unlock() {
        TraceMark.release(address)
        if words.base.pointee.wrappingSubtract(1, ordering: .releasing).oldValue != Mutex.locked {
            words.base.pointee.store(Mutex.free, ordering: .releasing)
            Futex.wake(address, count: 1)
        }
    }
}
