// The snapshot bench's program (interleave bench --only snapshot): a two-thread run of
// about 10,000 instructions — the size of program an exploration restores thousands of
// times. A spawned thread and the main thread each add to their own counter in a short
// loop, then the main thread joins the other and prints both.

import Sync

let counters = UnsafeMutablePointer<Int>.allocate(capacity: 2)
counters.initialize(repeating: 0, count: 2)

@inline(never)
func count(_ slot: Int, _ rounds: Int) {
    for _ in 0..<rounds { counters[slot] &+= 1 }
}

let other = try! Thread.spawn(stackSize: 16 << 10) { count(1, 1_000) }
count(0, 1_000)
try! other.join()
print("counted \(counters[0]) and \(counters[1])")
