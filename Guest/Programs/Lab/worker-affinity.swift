// Experiment 29 (worker-affinity): a job done by WORKERS worker threads among BACKGROUND
// threads that compete for the harts. The job is PASSES passes, shared out evenly among
// the workers; each worker makes its passes over a WORKSET-byte buffer of its own (its
// state: more workers, more state for the caches to hold). A pass reads, mixes and writes
// one word in every 64-byte line of the buffer, so its cost depends on where the lines
// are: in this core's L1, its L2, or another core's cache. Each background thread does
// the same over a BGSET-byte buffer of its own until the workers are done.
//
//   worker-affinity WORKERS PASSES WORKSET BACKGROUND BGSET PIN PRIORITY
//
// PIN 0 leaves the workers free to run on any hart; PIN n pins worker i to hart i mod n:
// the main thread sets its own affinity to that hart before it starts the worker, which
// is born with it (as on Linux), so the worker never runs anywhere else. PRIORITY is the
// workers' priority (8 is every thread's at the start; higher runs first), which each
// sets first thing. The background threads stay free at priority 8. One line per
// worker, with its thread id (the lab reads its counters from the kernel's statistics),
// and one results line; times are on the simulated clock, from just before main starts
// the first worker (every buffer set up) to the last worker's end:
//
//   worker 0 tid 5 passes 40
//   result workers 1 lines 1024 passes 40 elapsed-ns 123456789 passes-per-second 324
//     background-passes 77 checksum 7   (on one line)

import Sync
import Synchronization

let workers = min(64, max(1, System.number(1, default: 1)))
let passes = min(1 << 20, max(1, System.number(2, default: 40)))
let workset = min(64 << 20, max(64, System.number(3, default: 64 << 10)))
let background = min(64, max(0, System.number(4, default: 3)))
let backgroundSet = min(16 << 20, max(64, System.number(5, default: 16 << 10)))
let pin = min(64, max(0, System.number(6, default: 0)))
let priority = min(Scheduling.highestPriority, max(Scheduling.lowestPriority, System.number(7, default: Scheduling.normalPriority)))
let lineSize = 64
let lines = workset / lineSize

/// Set by main once every worker has finished: the background threads stop.
let done = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
done.initialize(to: Atomic(0))
/// Each worker's buffer, set up by main before the clock starts, so the workers' own
/// counters hold only their passes.
let buffers = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: workers)
/// Per worker, a line apart: thread id, end ns, checksum.
let results = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * workers)
results.initialize(repeating: 0, count: 8 * workers)
/// Per background thread, a line apart: passes made.
let backgroundPasses = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * max(1, background))
backgroundPasses.initialize(repeating: 0, count: 8 * max(1, background))

/// One pass over `count` lines from `base`: read a word of each, mix it, write it back.
@inline(never)
func pass(_ base: UnsafeMutableRawPointer, _ count: Int, _ seed: UInt64) -> UInt64 {
    var sum = seed
    for line in 0..<count {
        let word = (base + line * lineSize).assumingMemoryBound(to: UInt64.self)
        let value = word.pointee &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        sum = sum &+ (value >> 33)
        word.pointee = value
    }
    return sum
}

/// Names the calling thread in the timeline and Perfetto (prctl 167, PR_SET_NAME 15).
func name(_ text: StaticString) { System.syscall(167, 15, Int(bitPattern: text.utf8Start)) }

/// Worker `index`'s passes: an even share of the job, the first ones one more each when
/// the division leaves some.
func passes(of index: Int) -> Int { passes / workers + (index < passes % workers ? 1 : 0) }

func worker(_ index: Int) {
    name("worker")
    if priority != Scheduling.normalPriority { try! Scheduling.setPriority(priority) }
    results[8 * index] = UInt64(System.threadID)
    var sum: UInt64 = 0
    for _ in 0..<passes(of: index) { sum = pass(buffers[index], lines, sum) }
    results[8 * index + 1] = System.monotonicNanoseconds()
    results[8 * index + 2] = sum
}

func backgroundThread(_ index: Int) {
    name("background")
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: backgroundSet, alignment: 4096)
    buffer.initializeMemory(as: UInt64.self, repeating: 2, count: backgroundSet / lineSize * lineSize / 8)
    var sum: UInt64 = 0
    while done.pointee.load(ordering: .acquiring) == 0 {
        sum = pass(buffer, backgroundSet / lineSize, sum)
        backgroundPasses[8 * index] &+= 1
    }
    backgroundPasses[8 * index + 1] = sum
}

// Main only sets up, starts threads and waits: above every worker, it is never kept
// waiting for a hart, so the workers start at once.
try! Scheduling.setPriority(Scheduling.highestPriority)
var others: [Thread] = []
for index in 0..<background { others.append(try! Thread.spawn { backgroundThread(index) }) }
for index in 0..<workers {
    buffers[index] = UnsafeMutableRawPointer.allocate(byteCount: lines * lineSize, alignment: 4096)
    buffers[index].initializeMemory(as: UInt64.self, repeating: 1, count: lines * lineSize / 8)
}
let started = System.monotonicNanoseconds()
var team: [Thread] = []
for index in 0..<workers {
    if pin > 0 { try! Scheduling.setAffinity(1 << UInt64(index % pin)) }
    team.append(try! Thread.spawn { worker(index) })
}
if pin > 0 { try! Scheduling.setAffinity(UInt64.max) }
for thread in team { try! thread.join() }
done.pointee.store(1, ordering: .releasing)
for thread in others { try! thread.join() }

var end: UInt64 = 0, checksum: UInt64 = 0, extra: UInt64 = 0
for index in 0..<workers {
    end = max(end, results[8 * index + 1])
    checksum = checksum &+ results[8 * index + 2]
    print("worker \(index) tid \(results[8 * index]) passes \(passes(of: index))")
}
for index in 0..<background { extra = extra &+ backgroundPasses[8 * index] }
let elapsed = end &- started
let perSecond = elapsed == 0 ? 0 : UInt64(passes) &* 1_000_000_000 / elapsed
print("result workers \(workers) lines \(lines) passes \(passes) elapsed-ns \(elapsed) passes-per-second \(perSecond) background-passes \(extra) checksum \(checksum % 1000)")
