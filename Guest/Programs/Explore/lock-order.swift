// BUGGY — lock-order deadlock. Worker 1 takes lock A then lock B; worker 2 takes B then A.
// When each holds its first lock and waits for its second, neither can go on.
//
// The default schedule runs worker 1 through both locks and out before worker 2 starts:
// right. The interleaving that breaks it needs one preemption: preempt worker 1 after it
// took A; worker 2 takes B and blocks on A; worker 1 blocks on B — a deadlock (the run
// ends with the kernel's deadlock report, status 125).
// lock-order-fixed.swift takes the locks in one order.
//
// Seeds: `interleave run lock-order.swift --harts 2 --granularity 1 --jitter 3 --seed S`
// is right for all 40 seeds 0...39 (and with --jitter 1000): no seed shows the deadlock;
// the argument above (and the explorer) does.

import Sync

let lockA = Mutex()
let lockB = Mutex()
let total = UnsafeMutablePointer<Int>.allocate(capacity: 1)
total.initialize(to: 0)

@inline(never) func transfer(_ first: Mutex, _ second: Mutex) {
    first.lock()
    second.lock()
    total.pointee += 1
    second.unlock()
    first.unlock()
}

let one = try! Thread.spawn { transfer(lockA, lockB) }
let two = try! Thread.spawn { transfer(lockB, lockA) }
_ = try! one.join()
_ = try! two.join()
print("transfers \(total.pointee): right")
