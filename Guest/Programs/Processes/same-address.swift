// Two copies of this program run as separate processes: each stores its own value in
// the same global, gives the processor away a few times so the other runs in between,
// and reads back its own value — the same virtual address, two physical frames.

import Sync

var slot = 0

@inline(never)
func address(of pointer: UnsafeMutablePointer<Int>) -> Int { Int(bitPattern: pointer) }

let mine = System.processID * 1111
slot = mine
for _ in 0..<5 { System.yield() }
let where_ = address(of: &slot)
print("process \(System.processID): slot at \(where_) holds \(slot) (\(slot == mine ? "its own" : "NOT its own"))")
