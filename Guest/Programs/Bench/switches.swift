// Benchmark: two threads hand a turn back and forth through a futex 500,000 times
// each — a million context switches.

import Sync

let rounds = 500_000
let turn = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
turn.initialize(to: 0)

func play(_ me: UInt32) {
    for _ in 0..<rounds {
        while turn.pointee != me { Futex.wait(turn, expected: 1 - me) }
        turn.pointee = 1 - me
        Futex.wake(turn)
    }
}

let other = try! Thread.spawn { play(1) }
play(0)
try! other.join()
print("\(rounds) rounds each")
