// Priority order: three threads of normal priority become ready, then a fourth that is
// given a higher one. When the main thread waits, the newest (high-priority) thread
// runs first, and the older ones follow in the order they became ready.

import Sync

try! Scheduling.setPriority(20)            // the main thread stays ahead while it sets up
var threads: [Thread] = []
for index in 1...3 {
    threads.append(try! Thread.spawn { print("low \(index)") })
}
let high = try! Thread.spawn { print("high") }
try! Scheduling.setPriority(12, of: high.id)
try! Scheduling.setPriority(Scheduling.normalPriority)   // under preemption, high takes over here
for thread in threads { try! thread.join() }
try! high.join()
print("main done")
