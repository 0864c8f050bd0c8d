// Benchmark: `threads` threads on one hart (2 by default, the first argument) each call
// sched_yield `rounds` times (500,000 by default, the second), so every call hands the
// hart to the next: threads × rounds context switches, each with one system call. With
// a ready queue that costs the same for any length, the time per switch does not grow
// with the number of threads.

import Sync

let threadCount = max(1, System.number(1, default: 2))
let rounds = System.number(2, default: 500_000)
var others: [Thread] = []
for _ in 1..<threadCount {
    others.append(try! Thread.spawn(stackSize: 16 << 10) { for _ in 0..<rounds { System.yield() } })
}
for _ in 0..<rounds { System.yield() }
for other in others { try! other.join() }
print("\(rounds) yields each")
