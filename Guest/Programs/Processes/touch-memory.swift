// touch-memory MIB: takes MIB MiB from the heap and writes every page of it, so each
// page gets a frame; exits with 0. Spawned again and again, it shows that an ended
// process's frames come back to the kernel.

import Sync

let arguments = System.arguments
let mebibytes = arguments.count > 1 ? Int(arguments[1]) ?? 1 : 1
let count = mebibytes << 20
let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
var index = 0
while index < count {
    buffer[index] = UInt8(truncatingIfNeeded: index >> 12)
    index += 4096
}
var check = 0
index = 0
while index < count {
    check += Int(buffer[index])
    index += 4096
}
System.exit(check == (0..<(count >> 12)).reduce(0) { $0 + ($1 & 0xFF) } ? 0 : 1)
