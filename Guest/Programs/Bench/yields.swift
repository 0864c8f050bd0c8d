// Benchmark: two threads on one hart each call sched_yield 500,000 times, so every call
// hands the hart to the other: a million context switches, each with one system call.

import Sync

let rounds = 500_000
let other = try! Thread.spawn { for _ in 0..<rounds { System.yield() } }
for _ in 0..<rounds { System.yield() }
try! other.join()
print("\(rounds) yields each")
