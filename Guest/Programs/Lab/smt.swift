// Experiment 17 (smt): THREADS threads (1 or 2) each do the same work; the lab runs them
// on one hart, on the two hardware threads of one core (SMT) and on two cores.
//
//   smt compute|memory THREADS ROUNDS WORKSET
//
// `compute` multiplies ROUNDS times in registers: every instruction issues the cycle
// after the one before, so there is no stall for an SMT sibling to fill. `memory` follows
// a ring of pointers through a WORKSET-byte buffer of its own (one per 64-byte line) for
// ROUNDS loads; with a buffer larger than the caches each load waits for memory, and a
// sibling issues while it waits. The threads start together at a barrier; the results
// line gives the time from the first start to the last finish on the simulated clock:
//
//   result threads 2 elapsed-ns 123456 checksum 7

import Sync
import Synchronization

let memoryBound = System.arguments.count > 1 && System.arguments[1] == "memory"
let threads = min(2, max(1, System.number(2, default: 2)))
let rounds = System.number(3, default: 20_000)
let workset = max(64, System.number(4, default: 1 << 20))
let lineSize = 64

let arrived = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
arrived.initialize(to: Atomic(0))
/// Per thread, a line apart: start, finish, checksum.
let results = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * 2)
results.initialize(repeating: 0, count: 16)

/// Each thread's ring: line i points at line i+1, the last at the first.
func ring() -> UInt {
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: workset, alignment: 4096)
    let base = UInt(bitPattern: buffer), lines = workset / lineSize
    for line in 0..<lines {
        buffer.storeBytes(of: base &+ UInt((line + 1) % lines * lineSize), toByteOffset: line * lineSize, as: UInt.self)
    }
    return base
}
let rings = memoryBound ? (0..<threads).map { _ in ring() } : []

@inline(never)
func compute(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

@inline(never)
func chase(from start: UInt, _ rounds: Int) -> UInt64 {
    var address = start
    for _ in 0..<rounds { address = UnsafePointer<UInt>(bitPattern: address).unsafelyUnwrapped.pointee }
    return UInt64(address)
}

func work(_ index: Int) {
    arrived.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
    while arrived.pointee.load(ordering: .acquiring) < threads {}
    results[8 * index] = System.monotonicNanoseconds()
    let value = memoryBound ? chase(from: rings[index], rounds) : compute(rounds)
    results[8 * index + 1] = System.monotonicNanoseconds()
    results[8 * index + 2] = value
}

var others: [Thread] = []
for index in 1..<threads { others.append(try! Thread.spawn { work(index) }) }
work(0)
for thread in others { try! thread.join() }
var first = UInt64.max, last: UInt64 = 0, checksum: UInt64 = 0
for index in 0..<threads {
    first = min(first, results[8 * index])
    last = max(last, results[8 * index + 1])
    checksum = checksum &+ results[8 * index + 2]
}
print("result threads \(threads) elapsed-ns \(last &- first) checksum \(checksum % 1000)")
