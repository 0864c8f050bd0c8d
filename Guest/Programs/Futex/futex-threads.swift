// Futex operations between threads, checked without depending on the schedule: before
// each operation the program waits until the kernel says the expected threads sleep on
// the word (FUTEX_REQUEUE of a word onto itself, waking none, counts its sleepers), and
// each woken thread reports through an atomic counter. Prints one line per operation.

import Sync
import Synchronization

let futexCall = 98
let private_ = 128
let (wait, wake, requeue, compareRequeue, wakeOperation) = (0, 1, 3, 4, 5)
let (lockPI, unlockPI, waitBitset, wakeBitset) = (6, 7, 9, 10)

let words = UnsafeMutablePointer<UInt32>.allocate(capacity: 8)
words.initialize(repeating: 0, count: 8)
func word(_ index: Int) -> UnsafeMutablePointer<UInt32> { words + index }
func address(_ index: Int) -> Int { Int(bitPattern: word(index)) }

/// futex on word `index`; `second` is uaddr2's word (-1: none).
func futex(_ index: Int, _ operation: Int, _ value: Int, _ value2: Int = 0, _ second: Int = -1, _ value3: Int = 0) -> Int {
    System.syscall(futexCall, address(index), operation, value, value2, second < 0 ? 0 : address(second), value3)
}

/// Threads asleep on word `index` (private, or shared with `shared`).
func sleepers(_ index: Int, shared: Bool = false) -> Int {
    futex(index, requeue | (shared ? 0 : private_), 0, Int(Int32.max), index)
}

/// Yields until `count` threads sleep on word `index`; a kernel that never puts them to
/// sleep ends the program instead of hanging it.
func awaitSleepers(_ index: Int, _ count: Int, shared: Bool = false) {
    var tries = 0
    while sleepers(index, shared: shared) < count {
        tries += 1
        if tries > 100_000 { fail("never saw \(count) asleep on word \(index)") }
        System.yield()
    }
}

func fail(_ message: String) -> Never {
    print("FAILED: " + message)
    System.exit(1)
}

let woken = Atomic<Int>(0)
let order = UnsafeMutablePointer<Int>.allocate(capacity: 16)
order.initialize(repeating: 0, count: 16)

/// A thread that waits once on word `index` (while it holds `expected`) and records `tag`
/// when it wakes (-tag if the wait failed).
func sleeper(on index: Int, tag: Int, operation: Int = wait | private_, bitset: Int = 0, expected: Int = 0) -> Thread {
    try! Thread.spawn {
        let result = futex(index, operation, expected, 0, -1, bitset)
        let slot = woken.wrappingAdd(1, ordering: .relaxed).oldValue
        order[slot % 16] = result == 0 ? tag : -tag
    }
}

func awaitWoken(_ count: Int) {
    var tries = 0
    while woken.load(ordering: .relaxed) < count {
        tries += 1
        if tries > 100_000 { fail("never saw \(count) woken") }
        System.yield()
    }
}

func reset() {
    woken.store(0, ordering: .relaxed)
    for index in 0..<16 { order[index] = 0 }
}

// 1. First come, first served, and FUTEX_CMP_REQUEUE: four sleep on word 0 in turn; one is
// woken and two move to word 1; word 1's wake them in the order they first came.
var threads: [Thread] = []
for tag in 1...4 {
    threads.append(sleeper(on: 0, tag: tag))
    awaitSleepers(0, tag)
}
let moved = futex(0, compareRequeue | private_, 1, 2, 1, 0)
awaitWoken(1)
let left = (sleepers(0), sleepers(1))
for count in 2...3 {
    _ = futex(1, wake | private_, 1)
    awaitWoken(count)
}
_ = futex(0, wake | private_, 1)
awaitWoken(4)
for thread in threads { _ = try! thread.join() }
print("cmp_requeue returned \(moved), left \(left.0) on the first word and \(left.1) on the second; woke in order \(order[0]) \(order[1]) \(order[2]) \(order[3])")

// 2. A requeue whose expected value is wrong moves nobody (EAGAIN).
reset()
threads = [sleeper(on: 0, tag: 1)]
awaitSleepers(0, 1)
let refused = futex(0, compareRequeue | private_, 1, 1, 1, 7)
let requeued = futex(0, requeue | private_, 0, 1, 1)
let afterRequeue = (sleepers(0), sleepers(1))
_ = futex(1, wake | private_, 1)
awaitWoken(1)
for thread in threads { _ = try! thread.join() }
print("cmp_requeue with a stale value: \(refused); requeue moved \(requeued), left \(afterRequeue.0) and \(afterRequeue.1)")

// 3. Bitsets: sleepers with bitsets 1, 2 and 4; a wake with bitset 6 wakes two, bitset 2
// then none, bitset 1 the last.
reset()
threads = []
for (tag, bitset) in [(1, 1), (2, 2), (3, 4)] {
    threads.append(sleeper(on: 2, tag: tag, operation: waitBitset | private_, bitset: bitset))
    awaitSleepers(2, tag)
}
let both = futex(2, wakeBitset | private_, 10, 0, -1, 6)
awaitWoken(2)
let none = futex(2, wakeBitset | private_, 10, 0, -1, 2)
let last = futex(2, wakeBitset | private_, 10, 0, -1, 1)
awaitWoken(3)
for thread in threads { _ = try! thread.join() }
print("wake_bitset 6 woke \(both), then 2 woke \(none), then 1 woke \(last); first woken \(min(order[0], order[1])) and \(max(order[0], order[1])), then \(order[2])")

// 4. FUTEX_WAKE with a count of 0 wakes one, as Linux's does.
reset()
threads = [sleeper(on: 3, tag: 1), sleeper(on: 3, tag: 2)]
awaitSleepers(3, 2)
let zeroCount = futex(3, wake | private_, 0)
awaitWoken(1)
let rest = futex(3, wake | private_, Int(Int32.max))
awaitWoken(2)
for thread in threads { _ = try! thread.join() }
print("wake 0 woke \(zeroCount), wake all woke \(rest)")

// 5. A private and a shared futex call on the same private word do not meet.
reset()
threads = [sleeper(on: 4, tag: 1, operation: wait)]
awaitSleepers(4, 1, shared: true)
let privateWake = futex(4, wake | private_, 1)
let sharedWake = futex(4, wake, 1)
awaitWoken(1)
for thread in threads { _ = try! thread.join() }
print("a shared sleeper: private wake woke \(privateWake), shared wake woke \(sharedWake)")

// 6. FUTEX_WAKE_OP's comparisons: with the second word at 5, one sleeper on it, and
// cmparg 4, 5 and 6, each comparison wakes it (1) or not (0).
var table = ""
for (name, comparison) in [("EQ", 0), ("NE", 1), ("LT", 2), ("GE", 3), ("LE", 4), ("GT", 5)] {
    table += (table.isEmpty ? "" : " ") + name + " "
    for comparand in 4...6 {
        reset()
        word(6).pointee = 5
        let thread = sleeper(on: 6, tag: 1, expected: 5)
        awaitSleepers(6, 1)
        // op SET 5 (the word stays 5), comparison, cmparg.
        let encoded = (0 << 28) | (comparison << 24) | (5 << 12) | comparand
        let result = futex(5, wakeOperation | private_, 1, 1, 6, encoded)
        if result == 0 { _ = futex(6, wake | private_, 1) }
        awaitWoken(1)
        _ = try! thread.join()
        table += "\(result)"
    }
}
print("wake_op comparisons against 4, 5, 6 with old value 5: \(table)")

// 7. FUTEX_WAKE_OP wakes on both words: one sleeper on each, ADD 1 to the second word.
reset()
word(6).pointee = 0
threads = [sleeper(on: 5, tag: 1), sleeper(on: 6, tag: 2)]
awaitSleepers(5, 1)
awaitSleepers(6, 1)
let bothWords = futex(5, wakeOperation | private_, 1, 1, 6, (1 << 28) | (0 << 24) | (1 << 12) | 0)
awaitWoken(2)
for thread in threads { _ = try! thread.join() }
print("wake_op woke \(bothWords), second word now \(word(6).pointee)")

// 8. A PI lock handed over: the main thread holds word 7, another thread sleeps in
// FUTEX_LOCK_PI; FUTEX_UNLOCK_PI makes it the owner (its tid, with FUTEX_WAITERS).
reset()
let me = UInt32(System.threadID)
let locked = futex(7, lockPI | private_, 0)
let holdsIt = word(7).pointee == me
let contender = try! Thread.spawn {
    let result = futex(7, lockPI | private_, 0)
    let mine = word(7).pointee & 0x3FFF_FFFF == UInt32(System.threadID)
    order[0] = result == 0 && mine ? 1 : -1
    let unlocked = futex(7, unlockPI | private_, 0)
    order[1] = unlocked == 0 && word(7).pointee == 0 ? 1 : -1
    woken.store(1, ordering: .relaxed)
}
var tries = 0
while word(7).pointee & 0x8000_0000 == 0 {
    tries += 1
    if tries > 100_000 { fail("the contender never slept on the PI lock") }
    System.yield()
}
let unlocked = futex(7, unlockPI | private_, 0)
awaitWoken(1)
_ = try! contender.join()
print("lock_pi \(locked) (owner \(holdsIt)); unlock_pi \(unlocked); the sleeper got it \(order[0] == 1) and freed it \(order[1] == 1)")
