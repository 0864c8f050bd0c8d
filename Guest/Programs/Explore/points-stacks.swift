// Schedule points' test program: two threads that, between spawn and join, touch only
// their own stacks (a buffer on each one's stack, filled and summed many times). A
// thread's stack is private, so no schedule point falls in `stackWork`.

import Sync

@inline(never)
func stackWork(_ seed: Int) -> Int {
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { buffer in
        var total = 0
        for round in 0..<20 {
            for index in 0..<buffer.count { buffer[index] = index &* seed &+ round }
            for index in 0..<buffer.count { total &+= buffer[index] }
        }
        return total
    }
}

let other = try! Thread.spawn { _ = stackWork(3) }
let mine = stackWork(5)
try! other.join()
print("stack work \(mine)")
