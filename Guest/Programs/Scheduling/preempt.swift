// Preemption by a higher priority: a thread raises its own priority and sleeps 1 ms
// while the main thread computes for far longer. Under a preemptive scheduler the
// sleeper takes the hart the moment it wakes and prints first; under a cooperative one
// it waits until the main thread is done.

import Sync

@inline(never)
func spin(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

let sleeper = try! Thread.spawn {
    try! Scheduling.setPriority(20)
    System.sleep(nanoseconds: 1_000_000)
    print("sleeper woke")
}
System.sleep(nanoseconds: 100_000)   // let the sleeper start and go to sleep
print("main done \(spin(1_000_000) & 0xF)")
try! sleeper.join()
