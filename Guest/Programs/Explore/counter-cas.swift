// CORRECT — the counter of broken-lock.swift with compare-and-swap instead of a lock:
// each worker adds one by loading the counter and exchanging it for the sum only if it
// still holds what was loaded (trying again when not). No interleaving loses an addition.
//
// Exit status 0 when the counter is 2 (always), 1 otherwise.

import Sync
import Synchronization

let counter = Atomic<Int>(0)

@inline(never) func add() {
    var value = counter.load(ordering: .relaxed)
    while true {
        let (exchanged, original) = counter.compareExchange(expected: value, desired: value &+ 1, ordering: .acquiringAndReleasing)
        if exchanged { return }
        value = original
    }
}

let first = try! Thread.spawn { add() }
let second = try! Thread.spawn { add() }
_ = try! first.join()
_ = try! second.join()
let total = counter.load(ordering: .acquiring)
if total != 2 {
    print("counter \(total) of 2: wrong")
    System.exit(1)
}
print("counter 2 of 2: right")
