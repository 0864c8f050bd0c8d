// A mostly idle program (lab: tickless): it wakes WAKEUPS times, every PERIOD_MS ms,
// for a moment of work, and sleeps in between. Every tick that finds it asleep is an
// interrupt for nothing.
//
//   idle WAKEUPS PERIOD_MS

import Sync

let wakeups = System.number(1, default: 10), period = System.number(2, default: 100)
var value: UInt64 = 1
for _ in 0..<wakeups {
    System.sleep(nanoseconds: UInt64(period) * 1_000_000)
    for round in 0..<1000 { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
}
print("idle: \(wakeups) wake-ups every \(period) ms (\(value & 1))")
