// A hog and a printer: one thread computes for a long time without a system call,
// the other only wants to print one line. Under a cooperative scheduler on one hart
// the printer waits until the hog is done; under preemption it gets its turn early.

import Sync

@inline(never)
func hog(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

let busy = try! Thread.spawn { print("hog done \(hog(2_000_000) & 0xFF)") }
let printer = try! Thread.spawn { print("printer ran") }
try! busy.join()
try! printer.join()
