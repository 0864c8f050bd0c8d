// Broken on purpose: two threads each wait for the other to wake it first.
// Nothing ever will; the kernel reports the deadlock with each thread's state.

import Sync

let word = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
word.initialize(to: 0)
let other = try! Thread.spawn { Futex.wait(word, expected: 0) }
Futex.wait(word, expected: 0)
try! other.join()
print("never printed")
