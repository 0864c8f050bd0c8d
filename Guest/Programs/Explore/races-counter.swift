// Race detection's plain case: two threads add 1 to a shared counter ROUNDS times
// (default 1000) with no lock — a load, an add and a store each — so updates are lost
// and `interleave run --races` reports the race once, with both lines and `counter`.
// With the argument "atomic" they add with Synchronization's Atomic instead: no race.

import Sync
import Synchronization

nonisolated(unsafe) var counter = 0
let atomicCounter = Atomic<Int>(0)

@inline(never)
func increment() {
    counter += 1
}

let arguments = System.arguments
let atomic = arguments.count > 1 && arguments[1] == "atomic"
let rounds = arguments.count > 2 ? max(0, Int(arguments[2]) ?? 1000) : 1000

func work() {
    for _ in 0..<rounds {
        if atomic { atomicCounter.wrappingAdd(1, ordering: .relaxed) } else { increment() }
    }
}

let other = try! Thread.spawn { work() }
work()
try! other.join()
print("counter \(atomic ? atomicCounter.load(ordering: .relaxed) : counter) of \(2 * rounds)")
