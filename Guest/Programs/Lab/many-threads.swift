// Threads and their stacks (lab: thread-stacks): starts COUNT threads, each with a
// stack of STACK_KIB KiB, all alive at once (each sleeps 1 ms, using a little of its
// stack), then joins them. The kernel counts the stack reserved and the memory touched.
//
//   many-threads COUNT STACK_KIB

import Sync

let count = System.number(1, default: 100), stackKiB = System.number(2, default: 1024)
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
