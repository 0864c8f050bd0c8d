// Experiment 18 (migration): one thread with a warm working set of WORKSET bytes, ROUNDS
// rounds. Each round it sets its affinity to the next hart of the list HART... (round r
// runs on the (r mod count)-th), which moves it there when that is another hart, then
// reads and writes one word in every 64-byte line of its working set, timed on the
// simulated clock. With one hart listed it stays put (it still makes the same call, so
// both cases pay for the system call alike); with two it moves every round and meets
// the other core's cold caches.
//
//   migration ROUNDS WORKSET HART...
//
// One line per round and one results line for the lab:
//
//   round 3 hart 2 ns 123456
//   result rounds 8 checksum 7

import Sync

let rounds = max(1, System.number(1, default: 8))
let workset = max(64, System.number(2, default: 256 << 10))
var harts: [Int] = []
for index in 3..<max(3, System.arguments.count) { harts.append(min(63, System.number(index, default: 0))) }
if harts.isEmpty { harts = [0] }
let lineSize = 64
let lines = workset / lineSize

let buffer = UnsafeMutableRawPointer.allocate(byteCount: workset, alignment: 4096)
buffer.initializeMemory(as: UInt8.self, repeating: 1, count: workset)

/// One pass over the working set: a load and a store in every line.
@inline(never)
func touch() -> UInt64 {
    var sum: UInt64 = 0
    for line in 0..<lines {
        let word = (buffer + line * lineSize).assumingMemoryBound(to: UInt64.self)
        let value = word.pointee
        sum = sum &+ value
        word.pointee = value &+ 1
    }
    return sum
}

var checksum: UInt64 = 0
for round in 0..<rounds {
    let hart = harts[round % harts.count]
    try! Scheduling.setAffinity(1 << UInt64(hart))
    let before = System.monotonicNanoseconds()
    checksum = checksum &+ touch()
    let after = System.monotonicNanoseconds()
    print("round \(round) hart \(hart) ns \(after &- before)")
}
print("result rounds \(rounds) checksum \(checksum % 1000)")
