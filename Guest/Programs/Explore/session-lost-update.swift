// A lost update for the explorer's own tests: two threads each add 1 to a shared counter
// three times with a plain load and store. Without a preemption between one thread's load
// and its store the total is 6; with one, an increment is lost and the program exits 1.
// `atomic` adds with an atomic read-modify-write instead: always 6 (a correct program).

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

let other = try! Thread.spawn { work() }
work()
try! other.join()
let total = atomicMode ? atomicCounter.load(ordering: .sequentiallyConsistent) : counter.pointee
print("total \(total)")
if total != 6 { System.exit(1) }
