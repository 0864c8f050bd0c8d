// Experiment 6 (broken-lock): two threads each take a lock ROUNDS times and, holding
// it, add one to a plain counter (a load, an add and a store: safe only under a correct
// lock) while an atomic counts how many threads are inside at once.
//
//   broken-lock look-before-you-leap|spin ROUNDS
//
// `look-before-you-leap` is Sync's wrong-on-purpose lock (a load, a compare, a store);
// `spin` is the test-and-set SpinLock (amoswap). One results line for the lab:
//
//   result most-inside 2 overlaps 3 counter 997 of 1000

import Sync
import Synchronization

let arguments = System.arguments
let kind = arguments.count > 1 ? arguments[1] : "look-before-you-leap"
let rounds = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 500) : 500

let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
counter.initialize(to: 0)
let inside = Atomic<Int>(0)
let mostInside = Atomic<Int>(0)
let overlaps = Atomic<Int>(0)

/// Load, add, store, with a few instructions between the load and the store.
@inline(never)
func increment(_ counter: UnsafeMutablePointer<Int>) {
    let value = counter.pointee
    counter.pointee = value &+ 1
}

func work<L: Lock>(_ lock: L) {
    for _ in 0..<rounds {
        lock.withLock {
            let now = inside.wrappingAdd(1, ordering: .relaxed).newValue
            if now > 1 { overlaps.wrappingAdd(1, ordering: .relaxed) }
            mostInside.max(now, ordering: .relaxed)
            increment(counter)
            inside.wrappingSubtract(1, ordering: .relaxed)
        }
    }
}

func run<L: Lock>(_ lock: L) {
    let other = try! Thread.spawn { work(lock) }
    work(lock)
    try! other.join()
}

switch kind {
case "spin": run(SpinLock())
case "look-before-you-leap": run(LookBeforeYouLeapLock())
default:
    print("unknown lock \(kind): look-before-you-leap or spin")
    System.exit(2)
}
print("result most-inside \(mostInside.load(ordering: .relaxed)) overlaps \(overlaps.load(ordering: .relaxed)) counter \(counter.pointee) of \(2 * rounds)")
