// BUGGY — order violation. One worker initialises a setting (the divisor every request
// uses); another worker uses it, assuming it was set first. Nothing makes the second
// wait for the first: when the user runs before the initialiser's store, it reads 0.
//
// The default schedule runs the initialiser first (it was started first), so the run is
// right. The interleaving that breaks it needs one preemption: preempt the initialiser
// before its store and run the user.
//
// Exit status 0 when the user saw the initialised value, 1 when it used it too early.
//
// Seeds: on two harts the user often starts first — `interleave run order-violation.swift
// --harts 2 --granularity 1 --jitter 3 --seed S` fails for all 40 seeds 0...39 (the
// initialiser's hart wakes from idle later than main's hart frees up), yet with
// --jitter 1000 only seed 38 of 0...39 fails.

import Sync

let setting = UnsafeMutablePointer<Int>.allocate(capacity: 1)
setting.initialize(to: 0)
let seen = UnsafeMutablePointer<Int>.allocate(capacity: 1)
seen.initialize(to: -1)

@inline(never) func initialise() { setting.pointee = 4 }
@inline(never) func use() { seen.pointee = setting.pointee }

let initialiser = try! Thread.spawn { initialise() }
let user = try! Thread.spawn { use() }
_ = try! initialiser.join()
_ = try! user.join()
if seen.pointee != 4 {
    print("used the setting before it was initialised: read \(seen.pointee)")
    System.exit(1)
}
print("setting 4: right")
