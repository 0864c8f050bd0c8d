// Broken.swift: WRONG ON PURPOSE. Two teaching pieces that look right and are not, kept
// so a run can show them failing — never use them for anything else.
//
// Each access here is an atomic load or store with relaxed ordering, deliberately kept
// separate: a load, then (later) a store. That is exactly what plain code does on this
// machine (`lw`/`sw`, `ld`/`sd`) and keeps the race visible, yet it is defined behaviour
// in Swift, and the compiler may neither merge the load and the store into one atomic
// instruction nor hoist the load out of a loop.

import Synchronization

/// WRONG: a lock made of a plain load, a compare and a plain store. Two threads can
/// both load 0 before either stores 1 — each "sees it free" and both walk in. Fixing it
/// needs the look and the leap to be one indivisible step: `SpinLock` (amoswap).
public final class LookBeforeYouLeapLock: Lock, @unchecked Sendable {
    let words = LockWords(count: 1)

    public init() {}

    deinit { words.deallocate() }

    /// The lock word's address: the object its trace marks name.
    public var address: UnsafeMutablePointer<UInt32> { words.address() }

    /// Waits until the word reads 0, then writes 1 — two steps another thread can split.
    public func lock() {
        TraceMark.acquire(address)
        let word = words.base
        var spins = 0
        if word.pointee.load(ordering: .relaxed) != 0 {
            TraceMark.contended(address)
            repeat {
                spins &+= 1
            } while word.pointee.load(ordering: .relaxed) != 0
        }
        // The gap: another thread may have read 0 too, and is about to do the same.
        word.pointee.store(1, ordering: .relaxed)
        TraceMark.acquired(address, waits: spins)
    }

    public func unlock() {
        TraceMark.release(address)
        words.base.pointee.store(0, ordering: .releasing)
    }
}

/// WRONG when shared: a counter incremented by a load, an add and a store. When two
/// threads' steps interleave, both load the same value and one increment is lost.
/// Correct versions: hold a lock around it, or one atomic add (`Atomic.wrappingAdd`,
/// `amoadd`).
public final class UnsynchronisedCounter: @unchecked Sendable {
    let word = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)

    public init(_ value: Int = 0) {
        word.initialize(to: Atomic(value))
    }

    deinit {
        word.deinitialize(count: 1)
        word.deallocate()
    }

    /// Load, add one, store: three steps another thread can split.
    public func increment() {
        let value = word.pointee.load(ordering: .relaxed)
        word.pointee.store(value &+ 1, ordering: .relaxed)
    }

    public var value: Int { word.pointee.load(ordering: .relaxed) }
}
