// Experiment 8 (fairness): THREADS threads (one per hart) take one lock again and again
// until TOTAL acquisitions have been made between them; each counts its own. Holding the
// lock a thread computes HOLD rounds, after letting it go GAP rounds.
//
//   fairness spin|ttas|ticket THREADS TOTAL HOLD GAP
//
// Test-and-set (`spin`, amoswap) has no queue: whoever swaps first after a release wins,
// and the thread that just let go is often first again. The ticket lock (`ticket`)
// serves threads in the order they asked. One results line for the lab, the count of
// each thread in the order they were started:
//
//   result counts 120 3 97 0 180 200 longest 9000

import Sync
import Synchronization

let arguments = System.arguments
let kind = arguments.count > 1 ? arguments[1] : "spin"
let threads = min(32, max(1, System.number(2, default: 6)))
let total = System.number(3, default: 600)
let hold = System.number(4, default: 20)
let gap = System.number(5, default: 5)

/// Guarded by the lock: acquisitions so far, and each thread's own (a plain array).
/// In a line of its own, so that it never shares one with the lock's word.
let taken = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(to: Int.self, capacity: 1)
taken.initialize(to: 0)
let counts = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 32)
counts.initialize(repeating: 0, count: 8 * 32)
/// Each thread's waits for the lock in simulated nanoseconds: sum, sum of squares, longest.
let waits = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 32)
waits.initialize(repeating: 0, count: 8 * 32)
let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * 32)
sums.initialize(repeating: 1, count: 8 * 32)

@inline(never)
func compute(_ rounds: Int, _ slot: Int) {
    var value = sums[slot]
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    sums[slot] = value
}

func work<L: Lock>(_ lock: L, _ index: Int) {
    while true {
        let asked = System.monotonicNanoseconds()
        lock.lock()
        let waited = Int(System.monotonicNanoseconds() &- asked)
        if taken.pointee >= total {
            lock.unlock()
            return
        }
        taken.pointee += 1
        counts[8 * index] += 1
        waits[8 * index] += waited
        waits[8 * index + 1] += waited * waited
        if waited > waits[8 * index + 2] { waits[8 * index + 2] = waited }
        compute(hold, 8 * index)
        lock.unlock()
        compute(gap, 8 * index)
    }
}

func run<L: Lock>(_ lock: L) {
    var others: [Thread] = []
    for index in 1..<threads { others.append(try! Thread.spawn { work(lock, index) }) }
    work(lock, 0)
    for thread in others { try! thread.join() }
}

var longest = 0
switch kind {
case "spin":
    let lock = SpinLock(); run(lock); longest = lock.statistics.longestWait
case "ttas":
    let lock = TTASLock(); run(lock); longest = lock.statistics.longestWait
case "ticket":
    let lock = TicketLock(); run(lock); longest = lock.statistics.longestWait
default:
    print("unknown lock \(kind): spin, ttas or ticket")
    System.exit(2)
}
for index in 0..<threads {
    print("thread \(index) acquisitions \(counts[8 * index]) wait-ns \(waits[8 * index]) wait-ns-squared \(waits[8 * index + 1]) longest-ns \(waits[8 * index + 2])")
}
print("result total \(taken.pointee) longest-spins \(longest)")
