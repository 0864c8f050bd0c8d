// Benchmark: spawning and joining threads, `width` alive at once, `total` in all (the
// arguments; 1 and 20,000 by default). Each thread returns at once; the main thread
// spawns `width`, joins them, and starts again. With the kernel's costs independent of
// history and of the number of threads, the time per thread is the same for any width
// and any total.

import Sync

let width = max(1, System.number(1, default: 1))
let total = max(width, System.number(2, default: 20_000))
var threads: [Thread] = []
threads.reserveCapacity(width)
var made = 0
var statusSum = 0
while made + width <= total {
    for _ in 0..<width { threads.append(try! Thread.spawn(stackSize: 16 << 10) {}) }
    for thread in threads { statusSum &+= try! thread.join() }
    threads.removeAll(keepingCapacity: true)
    made += width
}
print("\(made) threads, \(width) at a time, status sum \(statusSum)")
