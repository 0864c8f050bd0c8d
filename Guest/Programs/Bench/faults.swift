// Benchmark: page faults among many mappings. Maps `pages` pages (the third argument,
// 1,000 by default) first, so they are the highest mapping, then `regions` one-page
// anonymous mappings below them (the first, 10; each its own region, never touched);
// then `rounds` times (the second, 20) writes one byte in each of the `pages` pages — a
// page fault each — and gives them back (munmap, and mmap again at the same place). A
// kernel that finds a region in time independent of their number takes as long per fault
// with 60,000 regions as with 10.

import Sync

let regions = System.number(1, default: 10)
let rounds = System.number(2, default: 20)
let pages = max(1, System.number(3, default: 1000))
let pageSize = 4096
let readWrite = 3, privateAnonymous = 0x22, fixed = 0x10

func map(_ length: Int, at address: Int = 0, flags: Int = privateAnonymous) -> Int {
    let result = System.syscall(SystemCallNumber.mmap, address, length, readWrite, flags, -1, 0)
    if result < 0 && result >= -4095 {
        print("mmap failed: \(SystemError(code: -result).description)")
        System.exit(1)
    }
    return result
}

let start = map(pages * pageSize)
for _ in 0..<regions { _ = map(pageSize) }
var touched = 0
for _ in 0..<rounds {
    for page in 0..<pages {
        guard let byte = UnsafeMutablePointer<UInt8>(bitPattern: start + page * pageSize) else { continue }
        byte.pointee = 1
        touched += 1
    }
    System.syscall(SystemCallNumber.munmap, start, pages * pageSize)
    _ = map(pages * pageSize, at: start, flags: privateAnonymous | fixed)
}
print("\(regions) regions, \(touched) pages touched")
