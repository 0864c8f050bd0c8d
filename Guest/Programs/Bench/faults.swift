// Benchmark: page faults among many mappings. Maps `regions` one-page anonymous
// mappings (the first argument, 10 by default; each its own region, never touched),
// then `rounds` times (the second, 20) maps `pages` pages (the third, 1,000), writes one
// byte in each page — a page fault each — and unmaps them. A kernel that finds a
// region in time independent of their number takes as long per fault with 60,000
// regions as with 10.

import Sync

let regions = System.number(1, default: 10)
let rounds = System.number(2, default: 20)
let pages = max(1, System.number(3, default: 1000))
let pageSize = 4096
let readWrite = 3, privateAnonymous = 0x22

func map(_ length: Int) -> Int {
    let address = System.syscall(SystemCallNumber.mmap, 0, length, readWrite, privateAnonymous, -1, 0)
    if address < 0 && address >= -4095 {
        print("mmap failed: \(SystemError(code: -address).description)")
        System.exit(1)
    }
    return address
}

for _ in 0..<regions { _ = map(pageSize) }
var touched = 0
for _ in 0..<rounds {
    let start = map(pages * pageSize)
    for page in 0..<pages {
        guard let byte = UnsafeMutablePointer<UInt8>(bitPattern: start + page * pageSize) else { continue }
        byte.pointee = 1
        touched += 1
    }
    System.syscall(SystemCallNumber.munmap, start, pages * pageSize)
}
print("\(regions) regions, \(touched) pages touched")
