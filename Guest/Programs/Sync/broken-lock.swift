// The two wrong-on-purpose pieces of Sync/Broken.swift side by side. Two threads each
// take the look-before-you-leap lock ROUNDS times (default 500) and count how many are
// inside at once; then both increment an UnsynchronisedCounter ROUNDS times. On two harts
// with --granularity 1 --jitter 3 some seeds let both threads into the "locked" section
// and lose counter updates; on one cooperative hart nothing interleaves and all is well.

import Sync
import Synchronization

let arguments = System.arguments
let rounds = arguments.count > 1 ? max(0, Int(arguments[1]) ?? 500) : 500

let lock = LookBeforeYouLeapLock()
let inside = Atomic<Int>(0)
let mostInside = Atomic<Int>(0)
let overlaps = Atomic<Int>(0)
let counter = UnsynchronisedCounter()

func work() {
    for _ in 0..<rounds {
        lock.withLock {
            let now = inside.wrappingAdd(1, ordering: .relaxed).newValue
            if now > 1 { overlaps.wrappingAdd(1, ordering: .relaxed) }
            mostInside.max(now, ordering: .relaxed)
            inside.wrappingSubtract(1, ordering: .relaxed)
        }
    }
    for _ in 0..<rounds { counter.increment() }
}

let other = try! Thread.spawn { work() }
work()
try! other.join()
print("look-before-you-leap: most inside \(mostInside.load(ordering: .relaxed)), overlaps \(overlaps.load(ordering: .relaxed)); unsynchronised counter: \(counter.value) of \(2 * rounds)")
