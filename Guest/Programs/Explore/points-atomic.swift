// Schedule points' test program: two threads add to one atomic word (amoadd), so at an
// atomic's point both show as a sync on the same word.

import Sync
import Synchronization

let total = Atomic<Int>(0)

func work() {
    for _ in 0..<3 { total.wrappingAdd(1, ordering: .sequentiallyConsistent) }
}

let other = try! Thread.spawn { work() }
work()
try! other.join()
print("total \(total.load(ordering: .sequentiallyConsistent))")
