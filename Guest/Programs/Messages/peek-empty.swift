// peek_message returns at once: 1000 peeks at an empty queue find nothing and never
// give the processor away; a message the thread posts to itself is there to peek.

import Sync

var empty = 0
for _ in 0..<1000 {
    if Messages.peek() == nil { empty += 1 }
}
try! Messages.post(to: Thread.current, kind: Message.user, 7, 8)
if let message = Messages.peek() {
    print("\(empty) empty peeks, then kind \(message.kind) from thread \(message.sender): \(message.first) \(message.second)")
} else {
    print("\(empty) empty peeks, then nothing")
}
