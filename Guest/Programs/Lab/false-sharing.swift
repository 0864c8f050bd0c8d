// Experiment 16 (false-sharing): two threads, one per core, each add ITERATIONS times to
// a counter of its own, with a plain load and a plain store (no atomic read-modify-write:
// neither counter is shared). `shared` puts the two counters side by side, 8 bytes apart
// in one 64-byte line; `padded` puts them a line apart. The threads meet at a barrier
// first, then each times its loop on the simulated clock.
//
//   false-sharing shared|padded ITERATIONS
//
// One line per thread and one results line for the lab:
//
//   thread 0 ns 123456
//   result counters 20000 20000 elapsed-ns 130000

import Sync
import Synchronization

let padded = System.arguments.count > 1 && System.arguments[1] == "padded"
let iterations = System.number(2, default: 20_000)
let distance = padded ? 64 : 8

/// Both counters in one 64-byte-aligned block; the results each thread writes in another.
let block = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 64)
block.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
let counters = [block.bindMemory(to: Atomic<Int>.self, capacity: 1),
                (block + distance).bindMemory(to: Atomic<Int>.self, capacity: 1)]
let arrived = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
arrived.initialize(to: Atomic(0))
let started = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)
let finished = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)

@inline(never)
func count(_ index: Int) {
    arrived.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
    while arrived.pointee.load(ordering: .acquiring) < 2 {}
    let counter = counters[index]
    started[8 * index] = System.monotonicNanoseconds()
    for _ in 0..<iterations {
        counter.pointee.store(counter.pointee.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }
    finished[8 * index] = System.monotonicNanoseconds()
}

let other = try! Thread.spawn { count(1) }
count(0)
try! other.join()
for index in 0..<2 { print("thread \(index) ns \(finished[8 * index] &- started[8 * index])") }
let elapsed = max(finished[0], finished[8]) &- min(started[0], started[8])
print("result counters \(counters[0].pointee.load(ordering: .relaxed)) \(counters[1].pointee.load(ordering: .relaxed)) elapsed-ns \(elapsed)")
