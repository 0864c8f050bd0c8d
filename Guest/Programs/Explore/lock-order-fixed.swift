// CORRECT — lock-order.swift with one lock order: both workers take lock A, then lock B,
// so whichever holds A never waits for a thread that waits for A. No interleaving
// deadlocks.
//
// Exit status 0 when both transfers are counted (always), 1 otherwise.

import Sync

let lockA = Mutex()
let lockB = Mutex()
let total = UnsafeMutablePointer<Int>.allocate(capacity: 1)
total.initialize(to: 0)

@inline(never) func transfer() {
    lockA.lock()
    lockB.lock()
    total.pointee += 1
    lockB.unlock()
    lockA.unlock()
}

let one = try! Thread.spawn { transfer() }
let two = try! Thread.spawn { transfer() }
_ = try! one.join()
_ = try! two.join()
if total.pointee != 2 {
    print("transfers \(total.pointee): wrong")
    System.exit(1)
}
print("transfers 2: right")
