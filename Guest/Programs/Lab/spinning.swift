// Experiment 7 (spinning): THREADS threads each take a lock ROUNDS times, compute HOLD
// rounds holding it and OUTSIDE rounds without it.
//
//   spinning spin|mutex THREADS ROUNDS HOLD OUTSIDE
//
// `spin` is the test-and-set SpinLock: a waiter keeps swapping, burning its hart (and,
// on one hart, its whole time slice while the holder cannot run). `mutex` is the futex
// Mutex: a waiter sleeps in the kernel. One results line for the lab:
//
//   result acquisitions 400 contended 37 waits 5210 longest 1204 checksum 123

import Sync
import Synchronization

let arguments = System.arguments
func argument(_ index: Int, _ fallback: Int) -> Int {
    arguments.count > index ? max(0, Int(arguments[index]) ?? fallback) : fallback
}
let kind = arguments.count > 1 ? arguments[1] : "spin"
let threads = max(1, argument(2, 4))
let rounds = argument(3, 100)
let hold = argument(4, 2000)
let outside = argument(5, 1000)

/// Per-thread results, so the work cannot be optimised away.
let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
sums.initialize(repeating: 1, count: 64)

@inline(never)
func compute(_ rounds: Int, _ slot: Int) {
    var value = sums[slot]
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    sums[slot] = value
}

func work<L: Lock>(_ lock: L, _ index: Int) {
    for _ in 0..<rounds {
        lock.withLock { compute(hold, 8 * index) }
        compute(outside, 8 * index)
    }
}

func run<L: Lock>(_ lock: L) {
    var others: [Thread] = []
    for index in 1..<threads { others.append(try! Thread.spawn { work(lock, index) }) }
    work(lock, 0)
    for thread in others { try! thread.join() }
}

func report(_ statistics: LockStatistics) {
    var checksum: UInt64 = 0
    for index in 0..<threads { checksum = checksum &+ sums[8 * index] }
    print("result acquisitions \(statistics.acquisitions) contended \(statistics.contentions) waits \(statistics.waits) longest \(statistics.longestWait) checksum \(checksum % 1000)")
}

switch kind {
case "spin":
    let lock = SpinLock(); run(lock); report(lock.statistics)
case "mutex":
    let lock = Sync.Mutex(); run(lock); report(lock.statistics)
default:
    print("unknown lock \(kind): spin or mutex")
    System.exit(2)
}
