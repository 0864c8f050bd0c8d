// Two threads talk through a message queue: the main thread posts 1000 numbered
// messages to a receiver, which takes them with Messages.get (waiting, and so giving
// the processor away, whenever its queue is empty) until a quit message. A full queue
// refuses a post (EAGAIN); the sender then yields and tries again.

import Sync

let count = 1000
let receiver = try! Thread.spawn {
    var received = 0
    var inOrder = true
    while true {
        let message = Messages.get()
        if message.kind == Message.quit { break }
        if message.kind != Message.user || message.first != received || message.second != received * 2 { inOrder = false }
        received += 1
    }
    print("received \(received) messages, in order: \(inOrder)")
}

var refused = 0
func post(_ kind: Int, _ first: Int, _ second: Int) {
    while true {
        do {
            try Messages.post(to: receiver, kind: kind, first, second)
            return
        } catch {
            refused += 1
            System.yield()
        }
    }
}

for index in 0..<count {
    post(Message.user, index, index * 2)
    if index % 100 == 99 { System.yield() }
}
post(Message.quit, 0, 0)
try! receiver.join()
print("queue full \(refused > 0 ? "sometimes" : "never")")
