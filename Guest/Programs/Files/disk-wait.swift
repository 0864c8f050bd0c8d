// Waiting for the disk (the DOS chapter's example, made real): one thread reads a file
// from a mounted folder page by page — each page not yet cached costs the disk's
// latency, during which the thread sleeps and frees the hart — while the main thread
// computes. On one hart the two overlap: the run takes about as long as the longer of
// them, not their sum. The reader has the higher priority, so under a preemptive
// scheduler it takes the hart back the moment its page arrives (as an interrupt-driven
// disk lets a waiting program go on). Arguments: the file's path, then "read", "compute"
// or "both".

import Sync

@inline(never)
func spin(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

/// Reads the whole file 4 KiB at a time; the sum of its bytes.
func readAll(_ path: [UInt8]) -> Int {
    let fd = path.withUnsafeBufferPointer { System.syscall(56, -100, Int(bitPattern: $0.baseAddress), 0, 0) }
    guard fd >= 0 else { return fd }
    var buffer = [UInt8](repeating: 0, count: 4096)
    var sum = 0
    while true {
        let count = buffer.withUnsafeMutableBufferPointer { System.syscall(63, fd, Int(bitPattern: $0.baseAddress), 4096) }
        if count <= 0 { break }
        for index in 0..<count { sum &+= Int(buffer[index]) }
    }
    System.syscall(57, fd)
    return sum
}

let arguments = System.arguments
let path = Array((arguments.count > 1 ? arguments[1] : "/data/disk.bin").utf8) + [0]
let mode = arguments.count > 2 ? arguments[2] : "both"

if mode == "read" {
    print("sum \(readAll(path))")
} else if mode == "compute" {
    print("spin \(spin(200_000) & 0xF)")
} else {
    let reader = try! Thread.spawn {
        try! Scheduling.setPriority(20)
        print("sum \(readAll(path))")
    }
    System.syscall(124)   // sched_yield: the reader starts, asks the disk, and waits
    print("spin \(spin(200_000) & 0xF)")
    _ = try! reader.join()
}
