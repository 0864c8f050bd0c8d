// BUGGY — a counter behind a broken lock. The lock is test-then-set made of two plain
// steps: look at the word until it reads 0 (sleeping on it while it does not), then store
// 1. Both workers can look, see 0 and walk in; inside, each adds one to the counter with
// a load and a store, so one addition can be lost.
//
// The default schedule runs one worker through the lock and out before the other: right.
// The interleaving that breaks it needs two preemptions: worker 1 looks and sees 0, is
// preempted; worker 2 looks, takes the lock, loads the counter, is preempted; worker 1
// takes the "free" lock, adds and leaves; worker 2 stores its stale sum.
// counter-cas.swift and counter-mutex.swift count correctly.
//
// Exit status 0 when the counter is 2, 1 when an addition was lost.
//
// Seeds: `interleave run broken-lock.swift --harts 2 --granularity 1 --jitter 3 --seed S`
// is right for all 40 seeds 0...39 (and with --jitter 1000): the argument above (and the explorer) shows the bug.

import Sync
import Synchronization

/// WRONG: the look and the leap are two steps another thread can split. Relaxed atomic
/// loads and stores compile to plain `lw`/`sw`; a waiter sleeps on the word (a futex), so
/// no schedule spins forever.
final class TestThenSetLock: @unchecked Sendable {
    let word = UnsafeMutablePointer<Atomic<UInt32>>.allocate(capacity: 1)
    init() { word.initialize(to: Atomic<UInt32>(0)) }

    var address: UnsafeMutablePointer<UInt32> { UnsafeMutableRawPointer(word).assumingMemoryBound(to: UInt32.self) }

    func lock() {
        while word.pointee.load(ordering: .relaxed) != 0 {    // look
            _ = Futex.wait(address, expected: 1)
        }
        word.pointee.store(1, ordering: .relaxed)             // leap
    }

    func unlock() {
        word.pointee.store(0, ordering: .releasing)
        _ = Futex.wake(address, count: 1)
    }
}

let lock = TestThenSetLock()
let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
counter.initialize(to: 0)

@inline(never) func add() {
    lock.lock()
    let value = counter.pointee
    counter.pointee = value &+ 1
    lock.unlock()
}

let first = try! Thread.spawn { add() }
let second = try! Thread.spawn { add() }
_ = try! first.join()
_ = try! second.join()
if counter.pointee != 2 {
    print("counter \(counter.pointee) of 2: an addition was lost")
    System.exit(1)
}
print("counter 2 of 2: right")
