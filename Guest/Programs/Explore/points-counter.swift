// Schedule points' test program (Tests/KernelTests/SchedulePointTests.swift): two threads
// add 1 to a shared counter three times each with a plain load and store, so a
// preemption between one thread's load and its store loses an update. Without one the
// program prints "counter 6".

import Sync

let rounds = 3
let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
counter.initialize(to: 0)

@inline(never)
func increment(_ counter: UnsafeMutablePointer<Int>) {
    counter.pointee = counter.pointee + 1     // load, add, store: a point before each
}

func work() {
    for _ in 0..<rounds { increment(counter) }
}

let other = try! Thread.spawn { work() }
work()
try! other.join()
print("counter \(counter.pointee)")
