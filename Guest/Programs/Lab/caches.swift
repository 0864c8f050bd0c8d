// Experiment 15 (caches): time per access against working-set size. For each size from
// SMALLEST to LARGEST bytes (doubling) the program links one pointer per 64-byte line of
// a buffer of that size into a ring (line i points at line i+1, the last at the first),
// walks the ring once to warm the caches, then walks it again, timed, for at least
// ACCESSES loads. Each load needs the one before it (a pointer chase), so nothing
// overlaps: the time per load is the latency of the level that holds the working set.
//
//   caches SMALLEST LARGEST ACCESSES
//
// One line per size for the lab (nanoseconds of the simulated clock):
//
//   size 4096 accesses 8192 ns 409600

import Sync

let smallest = max(64, System.number(1, default: 1 << 10))
let largest = max(smallest, System.number(2, default: 1 << 20))
let minimumAccesses = max(8, System.number(3, default: 8192))
let lineSize = 64

let buffer = UnsafeMutableRawPointer.allocate(byteCount: largest, alignment: 4096)

/// Links the first `lines` lines of the buffer into a ring; returns the first line's address.
func link(lines: Int) -> UInt {
    let base = UInt(bitPattern: buffer)
    for line in 0..<lines {
        let next = (line + 1) % lines
        buffer.storeBytes(of: base &+ UInt(next * lineSize), toByteOffset: line * lineSize, as: UInt.self)
    }
    return base
}

/// Follows the ring for `accesses` loads (a multiple of 8), starting at `start`; returns
/// where it stopped so the loads cannot be optimised away.
@inline(never)
func walk(from start: UInt, accesses: Int) -> UInt {
    var address = start
    var remaining = accesses
    while remaining > 0 {
        for _ in 0..<8 { address = UnsafePointer<UInt>(bitPattern: address).unsafelyUnwrapped.pointee }
        remaining &-= 8
    }
    return address
}

var checksum: UInt = 0
var size = smallest
while size <= largest {
    let lines = size / lineSize
    let start = link(lines: lines)
    let accesses = (max(lines, minimumAccesses) + 7) / 8 * 8
    let warm = walk(from: start, accesses: (lines + 7) / 8 * 8)
    let before = System.monotonicNanoseconds()
    let end = walk(from: warm, accesses: accesses)
    let after = System.monotonicNanoseconds()
    checksum = checksum &+ end
    print("size \(size) accesses \(accesses) ns \(after &- before)")
    size *= 2
}
print("result checksum \(checksum % 1000)")
