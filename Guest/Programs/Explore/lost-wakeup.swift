// BUGGY — lost wake-up. The waiter waits on a condition variable once, without first
// checking (in a loop) whether what it waits for has happened; the signaller sets `ready`
// and signals. A signal with nobody waiting does nothing, so when the signaller runs
// first the waiter sleeps forever.
//
// The default schedule runs the waiter first (it was started first): it waits, the
// signaller wakes it, right. The interleaving that breaks it needs one preemption: preempt
// the waiter before it takes the lock, let the signaller signal; the waiter then waits
// for a signal that already came — a deadlock (status 125).
// condition-loop.swift is the correct version.
//
// Seeds: `interleave run lost-wakeup.swift --harts 2 --granularity 1 --jitter 3 --seed S`
// deadlocks for all 40 seeds 0...39 (on two harts the signaller's hart is free first),
// yet with --jitter 1000 none of the 40 does.

import Sync

let lock = Mutex()
let condition = Condition()
let ready = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
ready.initialize(to: false)

@inline(never) func waitForReady() {
    lock.lock()
    condition.wait(lock)   // WRONG: no `while !ready.pointee` around it
    lock.unlock()
}

@inline(never) func announce() {
    lock.lock()
    ready.pointee = true
    condition.signal()
    lock.unlock()
}

let waiter = try! Thread.spawn { waitForReady() }
let signaller = try! Thread.spawn { announce() }
_ = try! waiter.join()
_ = try! signaller.join()
print("ready \(ready.pointee): right")
