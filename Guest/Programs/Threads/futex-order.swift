// Futex wake order: four threads go to sleep on one word, one after another; the main
// thread then wakes them one at a time. They must wake in the order they went to sleep
// (first come, first served), and each wake must wake exactly one.

import Sync
import Synchronization

let word = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
word.initialize(to: 0)
let order = UnsafeMutablePointer<Int>.allocate(capacity: 4)
order.initialize(repeating: 0, count: 4)
let woken = Atomic<Int>(0)

var threads: [Thread] = []
for index in 1...4 {
    threads.append(try! Thread.spawn {
        while word.pointee == 0 { Futex.wait(word, expected: 0) }
        let slot = woken.wrappingAdd(1, ordering: .relaxed).oldValue
        order[slot] = index
    })
    System.yield()                     // let it run until it sleeps on the word
}
var wakes: [Int] = []
word.pointee = 1
for _ in 1...4 {
    wakes.append(Futex.wake(word, count: 1))
    System.yield()                     // let the woken one record itself
}
for thread in threads { try! thread.join() }
print("woke in order \(order[0]) \(order[1]) \(order[2]) \(order[3]); each wake woke " + wakes.map { "\($0)" }.joined(separator: " "))
