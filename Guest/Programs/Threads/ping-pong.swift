// Two threads take turns through a futex: each waits until the shared word says
// it is its turn, flips it, and wakes the other. Every turn is a context switch.
// The number of rounds may be given as the first argument (default 10,000).

import Sync
import Synchronization

let rounds = System.arguments.dropFirst().first.flatMap { Int($0) } ?? 10_000
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
print("\(rounds) rounds each, turn ends at \(turn.pointee)")
