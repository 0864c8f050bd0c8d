// Threads and their stacks (lab: thread-stacks): starts COUNT threads, each with a
// stack of STACK_KIB KiB, all alive at once (each sleeps 1 ms, using a little of its
// stack), then joins them. The kernel counts the stack reserved and the memory touched.
//
//   many-threads COUNT STACK_KIB

import Sync

func number(_ index: Int, _ fallback: Int) -> Int {
    guard System.arguments.count > index else { return fallback }
    var value = 0
    for byte in System.arguments[index].utf8 {
        guard byte >= 48, byte <= 57 else { return fallback }
        value = value * 10 + Int(byte - 48)
    }
    return value
}

let count = number(1, 100), stackKiB = number(2, 1024)
var threads: [Thread] = []
for _ in 0..<count {
    do {
        threads.append(try Thread.spawn(stackSize: stackKiB << 10) { System.sleep(nanoseconds: 1_000_000) })
    } catch {
        print("many-threads: thread \(threads.count + 1) not started: \(error.description)")
        break
    }
}
for thread in threads { try! thread.join() }
print("many-threads: \(threads.count) threads with \(stackKiB) KiB stacks")
