// Benchmark: one million getpid system calls — the cost of a round trip from user
// mode into the kernel and back.

import Sync

var total = 0
for _ in 0..<1_000_000 { total &+= System.processID }
print("pid sum \(total)")
