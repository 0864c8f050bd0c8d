// The race detector's cost, for `interleave bench --only races`: THREADS threads (default
// 2) each sieve their own array of LIMIT numbers (default 200,000) ROUNDS times (default
// 4) — plain loads and stores, most of them — and add each count to a shared total under
// the Sync library's Mutex. Correctly synchronised: race detection finds nothing.

import Sync

let arguments = System.arguments
let threads = arguments.count > 1 ? max(1, Int(arguments[1]) ?? 2) : 2
let limit = arguments.count > 2 ? max(10, Int(arguments[2]) ?? 200_000) : 200_000
let rounds = arguments.count > 3 ? max(1, Int(arguments[3]) ?? 4) : 4

let lock = Mutex()
nonisolated(unsafe) var total = 0

func sieve(_ limit: Int) -> Int {
    var composite = [Bool](repeating: false, count: limit + 1)
    var count = 0
    var candidate = 2
    while candidate <= limit {
        if !composite[candidate] {
            count += 1
            var multiple = candidate * candidate
            while multiple <= limit { composite[multiple] = true; multiple += candidate }
        }
        candidate += 1
    }
    return count
}

func work() {
    for round in 0..<rounds {
        let count = sieve(limit + round)
        lock.withLock { total += count }
    }
}

var others: [Thread] = []
for _ in 1..<threads { others.append(try! Thread.spawn { work() }) }
work()
for thread in others { try! thread.join() }
print("primes counted \(total)")
