// Experiment 13 (gil): THREADS threads share ITEMS work items, taking the next from an
// atomic counter, like a Python program's threads.
//
//   gil gil|free cpu|sleep THREADS ITEMS WORK SLEEP
//
// `cpu` items compute WORK rounds ("interpreted" code). `sleep` items compute WORK/10
// rounds and then wait SLEEP microseconds for "I/O" (nanosleep). With `gil`, a thread
// holds one global lock (a futex Mutex) while it runs interpreted code, as CPython does,
// and lets it go around the blocking call; `free` has no such lock. One results line:
//
//   result items 16 threads 2 checksum 123

import Sync
import Synchronization

let arguments = System.arguments
let withGIL = arguments.count > 1 && arguments[1] == "gil"
let sleeping = arguments.count > 2 && arguments[2] == "sleep"
let threads = max(1, System.number(3, default: 2))
let items = System.number(4, default: 16)
let work = System.number(5, default: 20_000)
let sleepMicroseconds = System.number(6, default: 2000)

let gil = Sync.Mutex()
let next = Atomic<Int>(0)
let done = Atomic<Int>(0)
let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * 32)
sums.initialize(repeating: 1, count: 8 * 32)

@inline(never)
func compute(_ rounds: Int, _ slot: Int) {
    var value = sums[slot]
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    sums[slot] = value
}

/// Runs "interpreted" code: under the GIL when there is one.
@inline(__always)
func interpret(_ rounds: Int, _ slot: Int) {
    if withGIL { gil.lock() }
    compute(rounds, slot)
    if withGIL { gil.unlock() }
}

func worker(_ index: Int) {
    while true {
        let item = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if item >= items { return }
        if sleeping {
            interpret(work / 10, 8 * index)
            System.sleep(nanoseconds: UInt64(sleepMicroseconds) * 1000)   // blocking I/O: the GIL is let go
        } else {
            interpret(work, 8 * index)
        }
        done.wrappingAdd(1, ordering: .relaxed)
    }
}

var others: [Thread] = []
for index in 1..<min(32, threads) { others.append(try! Thread.spawn { worker(index) }) }
worker(0)
for thread in others { try! thread.join() }
var checksum: UInt64 = 0
for index in 0..<min(32, threads) { checksum = checksum &+ sums[8 * index] }
print("result items \(done.load(ordering: .relaxed)) threads \(threads) checksum \(checksum % 1000)")
