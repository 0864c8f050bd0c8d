// Four threads each sum a quarter of 1...400,000 into their own slot; the main
// thread joins them and adds the parts. Threads share the process's memory.

import Sync

let parts = UnsafeMutablePointer<Int>.allocate(capacity: 4)
parts.initialize(repeating: 0, count: 4)
var threads: [Thread] = []
for index in 0..<4 {
    let thread = try! Thread.spawn(stackSize: 64 << 10) {
        var sum = 0
        for value in (index * 100_000 + 1)...((index + 1) * 100_000) { sum += value }
        parts[index] = sum
    }
    threads.append(thread)
}
for thread in threads { try! thread.join() }
print("sum \(parts[0] + parts[1] + parts[2] + parts[3]) from \(threads.count) threads")
