// BUGGY — atomicity violation (the talk's bool flip). Two threads each read a shared
// flag and write its opposite back; two flips must leave it false. The read and the
// write are two steps: when one thread reads between the other's read and write, both
// write `true` and one flip is lost.
//
// The default schedule runs the first worker to its end, then the second: right. The
// interleaving that breaks it needs one preemption: worker 1 reads false, is preempted,
// worker 2 reads false and writes true, worker 1 writes true.
//
// Exit status 0 when the flag ends false, 1 when a flip was lost.
// bool-flip-cas.swift and bool-flip-mutex.swift are the correct versions.
//
// Seeds: `interleave run bool-flip.swift --harts 2 --granularity 1 --jitter 3 --seed S`
// is right for all 40 seeds 0...39 (and with --jitter 1000 too): the first worker is done
// before the second starts, so no seed shows the bug; only an explorer does.

import Sync

var flag = false

@inline(never) func read() -> Bool { flag }
@inline(never) func write(_ value: Bool) { flag = value }

@inline(never) func flip() {
    let seen = read()   // the other thread may read here too
    write(!seen)        // and then one of the two writes is lost
}

let first = try! Thread.spawn { flip() }
let second = try! Thread.spawn { flip() }
_ = try! first.join()
_ = try! second.join()
if flag {
    print("flag true: a flip was lost")
    System.exit(1)
}
print("flag false: right")
