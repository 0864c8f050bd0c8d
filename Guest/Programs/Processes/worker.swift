// Sums 1...300,000 with a yield now and then, and prints the sum: a process that
// runs long enough to see another process come and go beside it.

import Sync

var sum = 0
for value in 1...300_000 {
    sum &+= value
    if value % 50_000 == 0 { System.yield() }
}
print("worker \(System.processID): sum \(sum)")
