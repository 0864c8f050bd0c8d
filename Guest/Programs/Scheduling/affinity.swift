// Affinity: one worker is pinned to hart 1 and three others may run anywhere; all
// compute in short bursts with yields between, on two harts. The kernel's metrics show
// where each ran. Masks naming no existing hart, and unknown threads, are refused. At the
// end the main thread pins itself to hart 0, then to hart 1: one of the two moves it.

import Sync

@inline(never)
func spin(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

func work() {
    var total: UInt64 = 0
    for _ in 0..<20 {
        total &+= spin(5_000)
        System.sleep(nanoseconds: 10_000)
    }
    if total == 42 { print("unlikely") }
}

let pinned = try! Thread.spawn { work() }
try! Scheduling.setAffinity(0b10, of: pinned.id)
var others: [Thread] = []
for _ in 0..<3 { others.append(try! Thread.spawn { work() }) }

func refusal(_ mask: UInt64, _ thread: Int) -> String {
    do {
        try Scheduling.setAffinity(mask, of: thread)
        return "accepted"
    } catch {
        return error.description
    }
}
print("empty mask: \(refusal(0, 0))")
print("no such hart: \(refusal(1 << 40, 0))")
print("no such thread: \(refusal(1, 9999))")
var priorityRefused = "accepted"
do { try Scheduling.setPriority(32) } catch { priorityRefused = error.description }
print("priority 32: \(priorityRefused)")
try! pinned.join()
for thread in others { try! thread.join() }
try! Scheduling.setAffinity(0b01)
try! Scheduling.setAffinity(0b10)
print("done")
