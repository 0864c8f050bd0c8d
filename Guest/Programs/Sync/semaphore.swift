// A counting semaphore lets at most PERMITS threads (default 2) into a region at once:
// THREADS threads (default 4) each enter ROUNDS times (default 30), yield the processor
// while inside (so others try to get in), and leave. An atomic counts those inside and
// keeps the most; it must never pass PERMITS, and with enough threads it reaches it.

import Sync
import Synchronization

let arguments = System.arguments
let permits = arguments.count > 1 ? max(1, Int(arguments[1]) ?? 2) : 2
let threads = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 4) : 4
let rounds = arguments.count > 3 ? max(0, Int(arguments[3]) ?? 30) : 30

let semaphore = Semaphore(count: permits)
let inside = Atomic<Int>(0)
let mostInside = Atomic<Int>(0)
let entries = Atomic<Int>(0)

func work() {
    for _ in 0..<rounds {
        semaphore.wait()
        let now = inside.wrappingAdd(1, ordering: .relaxed).newValue
        mostInside.max(now, ordering: .relaxed)
        entries.wrappingAdd(1, ordering: .relaxed)
        System.yield()
        inside.wrappingSubtract(1, ordering: .relaxed)
        semaphore.signal()
    }
}

var others: [Thread] = []
for _ in 1..<threads { others.append(try! Thread.spawn { work() }) }
work()
for thread in others { try! thread.join() }
print("entries \(entries.load(ordering: .relaxed)) of \(threads * rounds), most inside \(mostInside.load(ordering: .relaxed)) with \(permits) permits, \(semaphore.count) left")
