// Thread limits: ask for a stack larger than a process may have, then spawn sleeping
// threads until the kernel refuses one. Both refusals come back as errors, not crashes.

import Sync

let gate = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
gate.initialize(to: 0)
var huge = "accepted"
do {
    let thread = try Thread.spawn(stackSize: 1 << 40) {}
    try thread.join()
} catch {
    huge = error.description
}
var threads: [Thread] = []
var refusal = "none"
while threads.count < 10_000 {
    do {
        threads.append(try Thread.spawn(stackSize: 16 << 10) { Futex.wait(gate, expected: 0) })
    } catch {
        refusal = error.description
        break
    }
}
gate.pointee = 1
Futex.wake(gate, count: threads.count)
for thread in threads { try! thread.join() }
print("spawned \(threads.count), then \(refusal); a 1 TiB stack: \(huge)")
