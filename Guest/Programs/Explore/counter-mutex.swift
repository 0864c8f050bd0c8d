// CORRECT — the counter of broken-lock.swift behind the Sync library's mutex (a futex lock
// whose acquire is one atomic step): only one worker is ever inside, so no interleaving
// loses an addition, and the mutex orders the plain load and store (no data race).
//
// Exit status 0 when the counter is 2 (always), 1 otherwise.

import Sync

let lock = Mutex()
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
    print("counter \(counter.pointee) of 2: wrong")
    System.exit(1)
}
print("counter 2 of 2: right")
