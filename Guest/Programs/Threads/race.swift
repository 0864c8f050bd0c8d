// The race the story starts from: two threads add 1 to a shared counter 20,000 times
// each. The plain counter reads, adds and writes back, so when the threads' steps
// interleave an update is lost; the atomic one (amoadd) never loses any. Run it on two
// harts with --granularity 1 --jitter 3 and different --seed values to see it vary.

import Sync
import Synchronization

let rounds = 20_000
let plain = UnsafeMutablePointer<Int>.allocate(capacity: 1)
plain.initialize(to: 0)
let atomic = Atomic<Int>(0)

@inline(never)
func increment(_ counter: UnsafeMutablePointer<Int>) {
    counter.pointee = counter.pointee + 1     // load, add, store: three steps another thread can split
}

func work() {
    for _ in 0..<rounds {
        increment(plain)
        atomic.wrappingAdd(1, ordering: .relaxed)
    }
}

let other = try! Thread.spawn { work() }
work()
try! other.join()
print("plain \(plain.pointee) atomic \(atomic.load(ordering: .relaxed)) of \(2 * rounds)")
