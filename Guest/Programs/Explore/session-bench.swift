// The explorer's speed benchmark (`interleave bench --only explore`): two threads of about
// 5,000 instructions each — private arithmetic with a few shared atomic additions between —
// so schedules per second measures restoring a snapshot and running a small program, the
// issue's target case (at least 1,000 schedules per second).

import Sync
import Synchronization

let shared = Atomic<Int>(0)
let results = UnsafeMutablePointer<UInt64>.allocate(capacity: 2)
results.initialize(repeating: 1, count: 2)

@inline(never) func work(_ index: Int) {
    var value = results[index]
    for round in 0..<4 {
        for step in 0..<250 { value = value &* 6_364_136_223_846_793_005 &+ UInt64(step) }
        shared.wrappingAdd(round, ordering: .sequentiallyConsistent)
    }
    results[index] = value
}

let other = try! Thread.spawn { work(1) }
work(0)
try! other.join()
if shared.load(ordering: .sequentiallyConsistent) != 12 { System.exit(1) }
