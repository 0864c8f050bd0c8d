// Threads made with clone (the Sync library's Thread): Thread.exit's status reaches join,
// a thread cannot join itself (EDEADLK) nor anyone the main thread, and stacks of joined
// threads are reused by the next ones. The same output under qemu-riscv64.

import Sync

let seven = try! Thread.spawn(stackSize: 32 << 10) { Thread.exit(7) }
print("Thread.exit(7) joined as \(try! seven.join())")

let selfJoin = UnsafeMutablePointer<Int>.allocate(capacity: 1)
selfJoin.initialize(to: 0)
let joiner = try! Thread.spawn {
    do throws(SystemError) { try Thread.current.join() } catch { selfJoin.pointee = error.code }
}
try! joiner.join()
print("a thread joining itself: errno \(selfJoin.pointee)")

var mainJoin = "accepted"
do throws(SystemError) { try Thread.current.join() } catch { mainJoin = error.description }
print("joining the main thread: \(mainJoin)")

var sum = 0
for round in 0..<300 {
    let thread = try! Thread.spawn(stackSize: 16 << 10) { if round % 3 == 0 { Thread.exit(Int32(round % 5)) } }
    sum += try! thread.join()
}
print("300 threads one after another, statuses sum \(sum)")
