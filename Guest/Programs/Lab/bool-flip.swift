// The talk's race: two threads each read a shared boolean, think for a while, write
// the flipped value back and read it again. Two flips must leave it as it was (false);
// when a switch falls between one thread's read and its write, the other's flip is lost.
//
//   bool-flip plain|atomic|mutex THINK DELAY
//
// Each thread first computes a random number of rounds below DELAY (from getrandom, so
// the run's seed chooses where the threads are when the timer fires), then reads, thinks
// THINK rounds, and writes. `atomic` writes with compare-and-swap and, when the flag
// changed since its read, reads and thinks again. `mutex` holds a Sync.Mutex from the
// read to the write, so the other thread waits outside. Times are simulated nanoseconds.

import Sync
import Synchronization

/// Computes `rounds` rounds and stores the result in thread `index`'s slot: a store, so the
/// compiler cannot move the work across the reads and writes of the flag.
@inline(never)
func spin(_ rounds: Int, _ index: Int) {
    var value: UInt64 = results[index]
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    results[index] = value
}

let atomicMode = System.arguments.count > 1 && System.arguments[1] == "atomic"
let mutexMode = System.arguments.count > 1 && System.arguments[1] == "mutex"
let lock = Mutex()
let think = System.number(2, default: 0), delayLimit = max(1, System.number(3, default: 0))
let flag = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
flag.initialize(to: false)
let atomicFlag = Atomic<Int>(0)
let delays = System.randomBytes(count: 4)
let results = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)
results.initialize(repeating: 1, count: 16)

/// Labels the trace with one system call made in every run, traced or not, so that
/// recording a trace cannot move the threads' steps (Trace.label would skip the call
/// when nothing records, and so run fewer instructions).
@inline(never) func label(_ text: StaticString) {
    _ = System.syscall(SystemCallNumber.traceLabel, Int(bitPattern: text.utf8Start), text.utf8CodeUnitCount)
}

@inline(never) func read() -> Bool { flag.pointee }
@inline(never) func write(_ value: Bool) { flag.pointee = value }

func flip(_ index: Int) -> String {
    let delay = (Int(delays[2 * index]) << 8 | Int(delays[2 * index + 1])) % delayLimit
    spin(delay, 8 * index)
    if atomicMode {
        var retries = 0
        while true {
            let seen = atomicFlag.load(ordering: .sequentiallyConsistent)
            label("read")
            let readAt = System.monotonicNanoseconds()
            spin(think, 8 * index)
            let (done, _) = atomicFlag.compareExchange(expected: seen, desired: 1 - seen, ordering: .sequentiallyConsistent)
            if done {
                label("write")
                let writtenAt = System.monotonicNanoseconds()
                return "thread \(System.threadID) read \(seen == 1) at \(readAt) ns, wrote \(seen == 0) at \(writtenAt) ns, retries \(retries)"
            }
            retries += 1
        }
    }
    if mutexMode { lock.lock() }
    let seen = read()
    label("read")
    let readAt = System.monotonicNanoseconds()
    spin(think, 8 * index)
    write(!seen)
    label("write")
    let writtenAt = System.monotonicNanoseconds()
    let again = read()
    if mutexMode { lock.unlock() }
    return "thread \(System.threadID) read \(seen) at \(readAt) ns, wrote \(!seen) at \(writtenAt) ns, read again \(again)"
}

var otherLine = ""
let other = try! Thread.spawn { otherLine = flip(1) }
let mainLine = flip(0)
try! other.join()
print(mainLine)
print(otherLine)
let final = atomicMode ? atomicFlag.load(ordering: .sequentiallyConsistent) == 1 : read()
print("flag \(final): \(final ? "wrong" : "right")")
