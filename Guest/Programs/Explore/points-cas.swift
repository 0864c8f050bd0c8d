// Schedule points' test program: two threads add to one word with compare-and-swap
// loops (LR/SC on riscv64), so the points before LR and SC must let an SC whose thread
// passed its point succeed.

import Sync
import Synchronization

let total = Atomic<Int>(0)

func work() {
    for _ in 0..<3 {
        var seen = total.load(ordering: .relaxed)
        while true {
            let (exchanged, now) = total.compareExchange(expected: seen, desired: seen &+ 1, ordering: .acquiringAndReleasing)
            if exchanged { break }
            seen = now
        }
    }
}

let other = try! Thread.spawn { work() }
work()
try! other.join()
print("total \(total.load(ordering: .relaxed))")
