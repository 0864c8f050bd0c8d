// Starvation (lab `starvation`, kernel tests): the main thread computes without end at a
// higher priority than a background thread that needs only a little CPU (about 60 ms).
// Under a plain priority scheduler the background thread never runs; with the starvation
// boost (NT's balance-set manager) it gets two slices every 4 to 5 s. The main thread
// stops after 11 s of simulated time and reports what the background thread saw: the
// slices it ran in (a gap of over 5 ms between two readings of the clock begins one), its
// longest wait (the time it is still waiting counts), when it first ran, and its work done.

import Sync

@inline(never)
func spin(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

nonisolated(unsafe) var slices = 0
nonisolated(unsafe) var longestWait: UInt64 = 0
nonisolated(unsafe) var firstRun: UInt64 = 0
nonisolated(unsafe) var chunksDone = 0
nonisolated(unsafe) var last: UInt64 = 0
nonisolated(unsafe) var sink: UInt64 = 0

let chunks = 60                     // about 1 ms of computing each at 100 kHz
let runFor: UInt64 = 11_000_000_000 // nanoseconds of simulated time
try! Scheduling.setPriority(Scheduling.normalPriority + 2)   // the foreground computation stays ahead
let start = System.monotonicNanoseconds()
last = start
let background = try! Thread.spawn {
    for _ in 0..<chunks {
        let now = System.monotonicNanoseconds()
        if now - last > 5_000_000 || chunksDone == 0 {
            slices += 1
            longestWait = max(longestWait, now - last)
            if firstRun == 0 { firstRun = now - start }
        }
        sink &+= spin(250)
        chunksDone += 1
        last = System.monotonicNanoseconds()
    }
}
var now = start
while now - start < runFor {
    sink &+= spin(2_000)
    now = System.monotonicNanoseconds()
}
if chunksDone < chunks { longestWait = max(longestWait, now - last) }
let ms: (UInt64) -> UInt64 = { $0 / 1_000_000 }
print("background: slices \(slices), longest wait \(ms(longestWait)) ms, first ran \(firstRun == 0 ? 0 : ms(firstRun)) ms, chunks \(chunksDone) of \(chunks)")
_ = background
