// Experiment 19 (coherence): what coherence is for, on two cores.
//
//   coherence flag|flag-atomic BOUND DELAY
//   coherence counter ITERATIONS
//
// `flag`: a second thread computes DELAY rounds, then sets a flag with a plain store;
// the first thread reads the flag with plain loads, at most BOUND times, and gives up
// after that (so the run always ends). With coherent caches the store invalidates the
// reader's copy and the reader sees it; without coherence the reader keeps reading its
// own stale copy and never does. `flag-atomic` sets and reads the flag with atomic
// instructions instead, which act at the shared level even without coherence.
//
// `counter`: two threads each add 1 ITERATIONS times to a shared counter, with plain
// loads and stores, under a lock made of atomics only (amoswap to take it and to let it
// go: a lock correct on any machine whose atomics act on the shared level). The lock
// keeps the threads apart, but without coherence each adds to its own private copy of
// the counter, and one core's write-back overwrites the other's.
//
// One results line for the lab:
//
//   result flag seen 1 loads 1234
//   result counter 40000 expected 40000

import Sync
import Synchronization

let mode = System.arguments.count > 1 ? System.arguments[1] : "flag"

/// The flag, the lock and the counter each in a 64-byte line of their own.
let block = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 64)
block.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
let flag = block.bindMemory(to: Atomic<Int>.self, capacity: 1)
let lockWord = (block + 64).bindMemory(to: Atomic<Int>.self, capacity: 1)
let counter = (block + 128).bindMemory(to: Int.self, capacity: 1)
let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
sums.initialize(to: 1)

@inline(never)
func compute(_ rounds: Int) {
    var value = sums.pointee
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    sums.pointee = value
}

@inline(never)
func add(_ iterations: Int) {
    for _ in 0..<iterations {
        while lockWord.pointee.exchange(1, ordering: .acquiring) != 0 {}
        counter.pointee &+= 1
        _ = lockWord.pointee.exchange(0, ordering: .releasing)
    }
}

switch mode {
case "flag", "flag-atomic":
    let atomic = mode == "flag-atomic"
    let bound = System.number(2, default: 100_000)
    let delay = System.number(3, default: 5_000)
    let setter = try! Thread.spawn {
        compute(delay)
        if atomic { _ = flag.pointee.exchange(1, ordering: .releasing) } else { flag.pointee.store(1, ordering: .relaxed) }
    }
    var loads = 0, seen = false
    while loads < bound {
        loads &+= 1
        let value = atomic ? flag.pointee.wrappingAdd(0, ordering: .acquiring).oldValue : flag.pointee.load(ordering: .relaxed)
        if value != 0 { seen = true; break }
    }
    try! setter.join()
    print("result flag seen \(seen ? 1 : 0) loads \(loads)")
case "counter":
    let iterations = System.number(2, default: 20_000)
    let other = try! Thread.spawn { add(iterations) }
    add(iterations)
    try! other.join()
    print("result counter \(counter.pointee) expected \(2 * iterations)")
default:
    print("unknown mode \(mode): flag, flag-atomic or counter")
    System.exit(2)
}
