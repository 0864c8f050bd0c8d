// The detector's hot-path workloads, shared by a test (which checks that they report nothing
// and allocate no shadow per access) and by a release-build micro-benchmark that compiles
// this file with the Explore sources and -D STANDALONE_BENCH:
//   swiftc -O -wmo -parse-as-library -D STANDALONE_BENCH Sources/Explore/*.swift \
//     Tests/ExploreTests/ThroughputWorkload.swift -o /tmp/race-bench && /tmp/race-bench
#if !STANDALONE_BENCH
@testable import Explore
#endif

enum ThroughputWorkload {
    static let base: UInt64 = 0x8000_0000
    static let granules = 8192                      // 64 KiB of words

    /// One thread reading and writing whole words in the same epoch: FastTrack's common case.
    static func sameEpoch(_ d: inout RaceDetector, rounds: Int) -> Int {
        for _ in 0..<rounds {
            for g in 0..<granules {
                let a = base &+ UInt64(g &* 8)
                d.access(slot: 0, address: a, size: 8, isWrite: false, pc: 0x100)
                d.access(slot: 0, address: a, size: 8, isWrite: true, pc: 0x104)
            }
        }
        return rounds * granules * 2
    }

    /// Two threads taking turns over the same words, a futex hand-off between turns: every
    /// access is a new epoch against another thread's, the full check.
    static func handOff(_ d: inout RaceDetector, other: Int, rounds: Int) -> Int {
        for r in 0..<rounds {
            let slot = r & 1 == 0 ? 0 : other
            for g in 0..<granules {
                let a = base &+ UInt64(g &* 8)
                d.access(slot: slot, address: a, size: 8, isWrite: false, pc: 0x200)
                d.access(slot: slot, address: a, size: 8, isWrite: true, pc: 0x204)
            }
            d.wake(from: slot, to: slot == 0 ? other : 0)
        }
        return rounds * granules * 2
    }

    /// Byte accesses (a string, a byte buffer): granules split into byte cells.
    static func bytes(_ d: inout RaceDetector, rounds: Int) -> Int {
        for _ in 0..<rounds {
            for i in 0..<(granules * 8) {
                d.access(slot: 0, address: base &+ 0x10_0000 &+ UInt64(i), size: 1, isWrite: i & 1 == 0, pc: 0x300)
            }
            _ = d.release(slot: 0)
        }
        return rounds * granules * 8
    }
}

#if STANDALONE_BENCH
import Foundation

@main struct RaceBench {
    static func measure(_ name: String, _ body: (inout RaceDetector) -> Int) {
        var d = RaceDetector(memoryBase: ThroughputWorkload.base, memorySize: 64 << 20, mainThread: 1)
        _ = d.spawn(parent: 0, thread: 2)
        let start = Date()
        let n = body(&d)
        let seconds = Date().timeIntervalSince(start)
        let rate = Double(n) / seconds / 1e6
        print("\(name): \(n) accesses in \(String(format: "%.3f", seconds)) s = \(String(format: "%.0f", rate)) M/s, reports \(d.reports.count)")
    }

    static func main() {
        measure("same epoch (fast path)") { ThroughputWorkload.sameEpoch(&$0, rounds: 400) }
        measure("hand-off (full check)") { ThroughputWorkload.handOff(&$0, other: 1, rounds: 400) }
        measure("bytes (split granules)") { ThroughputWorkload.bytes(&$0, rounds: 50) }
    }
}
#endif
