// One program of two a DOS user starts one after the other (lab: single-tasking). It
// says when it starts (in simulated microseconds), computes, waits 20 ms for the
// "disk" (a sleep: under a multitasking system another program can run meanwhile),
// computes again and says when it ends. Its name (argv[0]) tells the two apart.

import Sync

@inline(never)
func spin(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

let name = System.arguments.first ?? "task"
let start = System.monotonicNanoseconds() / 1000
print("\(name) starts at \(start) us")
var result = spin(20_000)
System.sleep(nanoseconds: 20_000_000)
result &+= spin(20_000)
let end = System.monotonicNanoseconds() / 1000
print("\(name) ends at \(end) us (\(result & 1))")
