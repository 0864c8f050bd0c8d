// Schedule points' test program: one thread only, so no schedule point has two
// candidates and the explorer is never asked.

var total = 0
for value in 1...100 { total &+= value * value }
print("sum of squares \(total)")
