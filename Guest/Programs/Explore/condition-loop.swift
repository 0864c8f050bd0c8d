// CORRECT — lost-wakeup.swift with the condition checked in a loop, holding the lock:
// when the signaller has already set `ready`, the waiter never waits; when it has not,
// the waiter waits with the lock released and looks again after each wake-up. No
// interleaving loses the wake-up.
//
// Exit status 0 when the waiter saw `ready` (always), 1 otherwise.

import Sync

let lock = Mutex()
let condition = Condition()
let ready = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
ready.initialize(to: false)

@inline(never) func waitForReady() {
    lock.lock()
    while !ready.pointee { condition.wait(lock) }
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
if !ready.pointee {
    print("ready false: wrong")
    System.exit(1)
}
print("ready true: right")
