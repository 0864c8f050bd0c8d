// A condition variable in its two classic uses. Producer and consumer: one thread puts
// ITEMS numbers (default 200) into a queue of at most 4, waiting on "not full"; another
// takes them out, waiting on "not empty", and sums them. Broadcast: three threads wait
// for a flag; one broadcast after setting it must wake all three.

import Sync

let arguments = System.arguments
let items = arguments.count > 1 ? max(0, Int(arguments[1]) ?? 200) : 200
let bound = 4

let mutex = Sync.Mutex()
let notFull = Condition()
let notEmpty = Condition()
var queue: [Int] = []
var sum = 0
var received = 0
var inOrder = true

let consumer = try! Thread.spawn {
    var expected = 1
    for _ in 0..<items {
        mutex.lock()
        while queue.isEmpty { notEmpty.wait(mutex) }
        let item = queue.removeFirst()
        mutex.unlock()
        notFull.signal()
        if item != expected { inOrder = false }
        expected += 1
        sum += item
        received += 1
    }
}
for item in 1...max(1, items) where items > 0 {
    mutex.lock()
    while queue.count == bound { notFull.wait(mutex) }
    queue.append(item)
    mutex.unlock()
    notEmpty.signal()
}
try! consumer.join()

// Broadcast: three waiters, one flag.
let go = Condition()
var flag = false
var woken = 0
var waiters: [Thread] = []
for _ in 0..<3 {
    waiters.append(try! Thread.spawn {
        mutex.lock()
        while !flag { go.wait(mutex) }
        woken += 1
        mutex.unlock()
    })
}
for _ in 0..<3 { System.yield() }        // let them reach the wait (not needed for correctness)
mutex.withLock { flag = true }
go.broadcast()
for waiter in waiters { try! waiter.join() }

print("received \(received) of \(items), sum \(sum) (expected \(items * (items + 1) / 2)), in order \(inOrder); broadcast woke \(woken) of 3")
