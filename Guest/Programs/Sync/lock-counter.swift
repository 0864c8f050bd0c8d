// Locks at work: THREADS threads (default 2) each add 1 to a plain counter ROUNDS times
// (default 1000), holding the lock named by the first argument: spin, ttas, ticket,
// mutex, semaphore (binary), or look-before-you-leap (wrong on purpose). A correct lock
// gives the exact total and never lets two threads in at once; `most inside` counts the
// threads inside the critical section at the same moment, with an atomic.
//
//   interleave run Guest/Programs/Sync/lock-counter.swift --harts 2 --granularity 1 --jitter 3 -- ticket 2 1000

import Sync
import Synchronization

let arguments = System.arguments
let kind = arguments.count > 1 ? arguments[1] : "spin"
let threads = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 2) : 2
let rounds = arguments.count > 3 ? max(0, Int(arguments[3]) ?? 1000) : 1000

let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
counter.initialize(to: 0)
let inside = Atomic<Int>(0)
let mostInside = Atomic<Int>(0)

@inline(never)
func increment(_ counter: UnsafeMutablePointer<Int>) {
    counter.pointee = counter.pointee + 1     // load, add, store: safe only under a lock
}

func work<L: Lock>(_ lock: L) {
    for _ in 0..<rounds {
        lock.withLock {
            let now = inside.wrappingAdd(1, ordering: .relaxed).newValue
            mostInside.max(now, ordering: .relaxed)
            increment(counter)
            inside.wrappingSubtract(1, ordering: .relaxed)
        }
    }
}

func run<L: Lock>(_ lock: L) {
    var others: [Thread] = []
    for _ in 1..<threads { others.append(try! Thread.spawn { work(lock) }) }
    work(lock)
    for thread in others { try! thread.join() }
}

func report(_ statistics: LockStatistics) -> String {
    ", contended \(statistics.contentions) of \(statistics.acquisitions), waits \(statistics.waits), longest \(statistics.longestWait)"
}

var details = ""
switch kind {
case "spin":
    let lock = SpinLock(); run(lock); details = report(lock.statistics)
case "ttas":
    let lock = TTASLock(); run(lock); details = report(lock.statistics)
case "ticket":
    let lock = TicketLock(); run(lock); details = report(lock.statistics)
case "mutex":
    let lock = Mutex(); run(lock); details = report(lock.statistics)
case "semaphore":
    run(Semaphore.binary())
case "look-before-you-leap":
    run(LookBeforeYouLeapLock())
default:
    print("unknown lock \(kind): spin, ttas, ticket, mutex, semaphore, look-before-you-leap")
    System.exit(2)
}
let total = counter.pointee
print("\(kind): total \(total) of \(threads * rounds), most inside \(mostInside.load(ordering: .relaxed))\(details)")
System.exit(total == threads * rounds ? 0 : 1)
