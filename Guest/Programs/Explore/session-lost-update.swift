// A lost update for the explorer's own tests: two worker threads each add 1 to a shared
// counter three times with a plain load and store, while the main thread waits for both.
// Run one after the other the total is 6; one preemption between a worker's load and its
// store loses the other's increments, and the program exits 1. `atomic` adds with an
// atomic read-modify-write instead: always 6 (a correct program).

import Sync
import Synchronization

let atomicMode = System.arguments.count > 1 && System.arguments[1] == "atomic"
let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
counter.initialize(to: 0)
let atomicCounter = Atomic<Int>(0)

@inline(never) func increment() {
    if atomicMode {
        atomicCounter.wrappingAdd(1, ordering: .sequentiallyConsistent)
    } else {
        let seen = counter.pointee
        counter.pointee = seen + 1
    }
}

@inline(never) func work() {
    for _ in 0..<3 { increment() }
}

let first = try! Thread.spawn { work() }
let second = try! Thread.spawn { work() }
try! first.join()
try! second.join()
let total = atomicMode ? atomicCounter.load(ordering: .sequentiallyConsistent) : counter.pointee
print("total \(total)")
if total != 6 { System.exit(1) }
