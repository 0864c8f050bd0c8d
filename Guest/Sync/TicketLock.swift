// TicketLock.swift: a fair spin lock — take a number, wait to be served.
//
// Test-and-set has no queue: whoever swaps first wins, so an unlucky thread can wait
// forever. A ticket lock is the bakery's queue: `amoadd.w` hands each arriving thread
// the next number, and the lock is held by the thread whose number is being served;
// unlocking serves the next number. Threads get the lock in the order they arrived —
// first come, first served — at a price: when the next in line is not running (its
// core was given to another thread), nobody behind it can go either.

import Synchronization

/// A ticket lock: `amoadd.w` on the next ticket, spinning on the number now served.
public final class TicketLock: Lock, @unchecked Sendable {
    /// Word 0: the next ticket to hand out; word 1: the ticket now served.
    let words = LockWords(count: 2)
    /// Figures about this lock, kept while it is held (see `LockStatistics`).
    public private(set) var statistics = LockStatistics()

    public init() {}

    deinit { words.deallocate() }

    /// The lock's address (its next-ticket word): the object its trace marks name.
    public var address: UnsafeMutablePointer<UInt32> { words.address(0) }

    /// Takes a ticket and spins until it is served.
    public func lock() {
        TraceMark.acquire(address)
        let ticket = words.base.pointee.wrappingAdd(1, ordering: .relaxed).oldValue
        var spins = 0
        let serving = words.base + 1
        if serving.pointee.load(ordering: .acquiring) != ticket {
            TraceMark.contended(address)
            repeat {
                spins &+= 1
            } while serving.pointee.load(ordering: .acquiring) != ticket
        }
        statistics.record(waits: spins)
        TraceMark.acquired(address, waits: spins)
    }

    /// Serves the next ticket. Only the holder writes the served number, so a load and
    /// a releasing store are enough.
    public func unlock() {
        TraceMark.release(address)
        let serving = words.base + 1
        serving.pointee.store(serving.pointee.load(ordering: .relaxed) &+ 1, ordering: .releasing)
    }
}
