// Broken on purpose: a thread with a 16 KiB stack recurses too deep. It runs into the
// unmapped guard page below its stack; the kernel reports a stack overflow.

import Sync

@inline(never)
func depth(_ n: Int) -> Int {
    var frame = (n, n &+ 1, n &+ 2, n &+ 3)
    return withUnsafeMutablePointer(to: &frame) { $0.pointee.0 } == 0 ? 0 : 1 + depth(n - 1)
}

let thread = try! Thread.spawn(stackSize: 16 << 10) { print("depth \(depth(100_000))") }
try! thread.join()
