// Three threads sleep different simulated times; the main thread joins them and
// prints how long the whole took — the longest sleep, not the sum.

import Sync

let start = System.monotonicNanoseconds()
var threads: [Thread] = []
for milliseconds in [30, 10, 20] {
    threads.append(try! Thread.spawn { System.sleep(nanoseconds: UInt64(milliseconds) * 1_000_000) })
}
for thread in threads { try! thread.join() }
let elapsed = (System.monotonicNanoseconds() - start) / 1_000_000
print("slept in parallel: \(elapsed) ms")
