// A mostly idle program (lab: tickless): it wakes WAKEUPS times, every PERIOD_MS ms,
// for a moment of work, and sleeps in between. Every tick that finds it asleep is an
// interrupt for nothing.
//
//   idle WAKEUPS PERIOD_MS

import Sync

func number(_ index: Int, _ fallback: Int) -> Int {
    guard System.arguments.count > index else { return fallback }
    var value = 0
    for byte in System.arguments[index].utf8 {
        guard byte >= 48, byte <= 57 else { return fallback }
        value = value * 10 + Int(byte - 48)
    }
    return value
}

let wakeups = number(1, 10), period = number(2, 100)
var value: UInt64 = 1
for _ in 0..<wakeups {
    System.sleep(nanoseconds: UInt64(period) * 1_000_000)
    for round in 0..<1000 { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
}
print("idle: \(wakeups) wake-ups every \(period) ms (\(value & 1))")
