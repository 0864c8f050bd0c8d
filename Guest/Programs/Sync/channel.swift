// A bounded channel between threads: PRODUCERS threads (default 3) each send ITEMS
// values (default 100) tagged with their number and a sequence number into a channel
// of CAPACITY (default 4); CONSUMERS threads (default 2) receive until the channel is
// closed and empty. Every value must arrive exactly once, and each consumer must see
// each producer's values in the order they were sent.

import Sync
import Synchronization

struct Item {
    var producer: Int
    var sequence: Int
}

let arguments = System.arguments
let producers = arguments.count > 1 ? max(1, Int(arguments[1]) ?? 3) : 3
let consumers = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 2) : 2
let items = arguments.count > 3 ? max(0, Int(arguments[3]) ?? 100) : 100
let capacity = arguments.count > 4 ? max(1, Int(arguments[4]) ?? 4) : 4

let channel = Channel<Item>(capacity: capacity)
let received = Atomic<Int>(0)
let checksum = Atomic<Int>(0)
let outOfOrder = Atomic<Int>(0)

var producerThreads: [Thread] = []
for producer in 0..<producers {
    producerThreads.append(try! Thread.spawn {
        for sequence in 0..<items { channel.send(Item(producer: producer, sequence: sequence)) }
    })
}
var consumerThreads: [Thread] = []
for _ in 0..<consumers {
    consumerThreads.append(try! Thread.spawn {
        var last = [Int](repeating: -1, count: producers)
        while let item = channel.receive() {
            if item.sequence <= last[item.producer] { outOfOrder.wrappingAdd(1, ordering: .relaxed) }
            last[item.producer] = item.sequence
            received.wrappingAdd(1, ordering: .relaxed)
            checksum.wrappingAdd(item.producer * 1_000_003 + item.sequence, ordering: .relaxed)
        }
    })
}
for thread in producerThreads { try! thread.join() }
channel.close()
for thread in consumerThreads { try! thread.join() }

var expectedChecksum = 0
for producer in 0..<producers { for sequence in 0..<items { expectedChecksum += producer * 1_000_003 + sequence } }
let late = channel.send(Item(producer: 0, sequence: 0))
print("received \(received.load(ordering: .relaxed)) of \(producers * items), checksum \(checksum.load(ordering: .relaxed) == expectedChecksum ? "ok" : "wrong"), out of order \(outOfOrder.load(ordering: .relaxed)), send after close \(late)")
