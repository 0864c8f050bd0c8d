// Schedule points' test program: the main thread starts two workers and joins them, so
// when it blocks in the first join two threads are ready: a decision, not a preemption.

import Sync

let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
counter.initialize(to: 0)

@inline(never)
func increment(_ counter: UnsafeMutablePointer<Int>) {
    counter.pointee = counter.pointee + 1
}

let first = try! Thread.spawn { increment(counter) }
let second = try! Thread.spawn { increment(counter) }
try! first.join()
try! second.join()
print("counter \(counter.pointee)")
