// CORRECT — the bool flip (bool-flip.swift) with compare-and-swap: each thread reads the
// flag and writes its opposite only if it still holds what was read, and reads again
// when it does not. No interleaving loses a flip, and there is no data race (every
// access to the flag is atomic).
//
// Exit status 0 when the flag ends false (always), 1 otherwise.

import Sync
import Synchronization

let flag = Atomic<Int>(0)

@inline(never) func flip() {
    var seen = flag.load(ordering: .acquiring)
    while true {
        let (exchanged, original) = flag.compareExchange(expected: seen, desired: 1 - seen, ordering: .acquiringAndReleasing)
        if exchanged { return }
        seen = original
    }
}

let first = try! Thread.spawn { flip() }
let second = try! Thread.spawn { flip() }
_ = try! first.join()
_ = try! second.join()
if flag.load(ordering: .acquiring) != 0 {
    print("flag true: a flip was lost")
    System.exit(1)
}
print("flag false: right")
