// CPU-bound work for slice comparisons: three threads compute without a system call
// for a long stretch; how often the kernel switches between them is up to the slice.

import Sync

@inline(never)
func spin(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

let rounds = System.arguments.count > 1 ? Int(System.arguments[1]) ?? 400_000 : 400_000
var threads: [Thread] = []
for _ in 0..<3 { threads.append(try! Thread.spawn { _ = spin(rounds) }) }
for thread in threads { try! thread.join() }
print("busy done")
