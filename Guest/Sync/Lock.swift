// Lock.swift: what every lock in this module has in common — `lock`, `unlock` and
// `withLock` (the `Lock` protocol), the figures a lock keeps about itself
// (`LockStatistics`), and the atomic words locks are made of (`LockWords`).
//
// One protocol lets a program (and `Condition`) use any lock in the same code, so an
// experiment can swap a spin lock for a ticket lock or a futex mutex and compare them.
// Lock words live in memory allocated once and never moved: a futex names its word by
// address, and a trace mark names a lock by the same address.

import Synchronization

/// A lock: at most one thread holds it between `lock()` and `unlock()`.
/// Only the thread that locked it may unlock it; none of these locks is recursive.
public protocol Lock: AnyObject {
    func lock()
    func unlock()
}

extension Lock {
    /// Runs `body` holding the lock, and lets it go however `body` ends.
    @inline(__always)
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// What a lock has seen: acquisitions, how many found it taken, how long they waited.
/// A lock updates its figures while it holds itself, so they need no atomics of their
/// own; read them when the threads using the lock have finished.
public struct LockStatistics: Sendable, Equatable {
    /// Times the lock was taken.
    public var acquisitions = 0
    /// Times a thread found it taken and had to wait.
    public var contentions = 0
    /// Wait steps, summed: spin iterations for a spinning lock, sleeps for a sleeping one.
    public var waits = 0
    /// The most wait steps a single acquisition took.
    public var longestWait = 0

    public init() {}

    /// Counts one acquisition that took `waits` steps.
    @inline(__always)
    mutating func record(waits: Int) {
        acquisitions &+= 1
        if waits > 0 {
            contentions &+= 1
            self.waits &+= waits
            if waits > longestWait { longestWait = waits }
        }
    }
}

/// `count` atomic 32-bit words, zeroed, at an address that never changes (Linux's futex
/// word is 32 bits), aligned to 8 bytes so a pair of words can hold a 64-bit value (Mutex
/// keeps its holder there). The owner frees them with `deallocate()` in its deinit.
struct LockWords {
    let base: UnsafeMutablePointer<Atomic<UInt32>>
    let count: Int

    init(count: Int, initialValue: UInt32 = 0) {
        self.count = count
        base = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 8)
            .bindMemory(to: Atomic<UInt32>.self, capacity: count)
        for index in 0..<count { (base + index).initialize(to: Atomic(initialValue)) }
    }

    /// Word `index` as a plain pointer: for futex calls and trace marks.
    @inline(__always)
    func address(_ index: Int = 0) -> UnsafeMutablePointer<UInt32> {
        UnsafeMutableRawPointer(base + index).assumingMemoryBound(to: UInt32.self)
    }

    func deallocate() {
        base.deinitialize(count: count)
        UnsafeMutableRawPointer(base).deallocate()
    }
}
