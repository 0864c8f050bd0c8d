// The snapshot bench's program (interleave bench --only snapshot): a two-thread run of
// about 10,000 instructions — the size of program an exploration restores thousands of
// times. A spawned thread and the main thread each step their own counter through a
// linear congruential generator in a short loop (a call per step, so the compiler cannot
// fold the loop away), then the main thread joins the other and compares the two.

import Sync

let counters = UnsafeMutablePointer<Int>.allocate(capacity: 2)
counters.initialize(repeating: 0, count: 2)

@inline(never)
func step(_ value: Int) -> Int { value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }

@inline(never)
func count(_ slot: Int, _ rounds: Int) {
    for _ in 0..<rounds { counters[slot] = step(counters[slot]) }
}

let other = try! Thread.spawn(stackSize: 16 << 10) { count(1, 250) }
count(0, 250)
try! other.join()
print(counters[0] == counters[1] ? "two threads: same" : "two threads: different")
