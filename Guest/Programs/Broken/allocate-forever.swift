// Broken on purpose: keeps every array it allocates, so memory grows without bound
// until the kernel's memory limit ends the program (status 137, with a report).

var kept: [[UInt8]] = []
var total = 0
while true {
    kept.append([UInt8](repeating: 1, count: 1 << 20))
    total += 1
    if total % 64 == 0 { print("holding \(total) MiB") }
}
