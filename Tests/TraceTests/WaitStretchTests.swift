// The one derivation of when threads waited (TraceLog.waitStretches) that the terminal
// timeline and the SVG picture both draw: ready from a wake or a stop that left the
// thread runnable, blocked from a blocking stop, each ended by the next change.

import Testing
import Trace

@Suite("Trace: wait stretches")
struct WaitStretchTests {
    @Test("ready and blocked stretches between runs, with the reason a blocked one began with")
    func stretches() {
        let events = [
            TraceEvent(cycle: 0, hart: 0, .threadRuns(tid: 1, switchCycles: 0)),
            TraceEvent(cycle: 100, hart: 0, .threadStops(tid: 1, reason: .blockedOnFutex, object: 0x40)),
            TraceEvent(cycle: 100, hart: 0, .threadRuns(tid: 2, switchCycles: 0)),
            TraceEvent(cycle: 300, hart: 0, .threadReady(tid: 1)),
            TraceEvent(cycle: 400, hart: 0, .threadStops(tid: 2, reason: .sliceExpired, object: 0)),
            TraceEvent(cycle: 400, hart: 0, .threadRuns(tid: 1, switchCycles: 0)),
            TraceEvent(cycle: 500, hart: 0, .threadStops(tid: 1, reason: .exited, object: 0)),
            TraceEvent(cycle: 500, hart: 0, .threadRuns(tid: 2, switchCycles: 0)),
            TraceEvent(cycle: 600, hart: 0, .threadStops(tid: 2, reason: .sleeping, object: 900)),
        ]
        let waits = TraceLog(events: events, clockFrequency: 1_000_000, harts: 1).waitStretches(until: 1000)
        func describe(_ tid: Int32) -> [String] {
            (waits[tid] ?? []).map { "\($0.start)-\($0.end) \($0.blocked ? "blocked" : "ready") \($0.stop?.label ?? "woken") \($0.object)" }
        }
        #expect(describe(1) == ["100-300 blocked futex 64", "300-400 ready woken 0"])
        #expect(describe(2) == ["400-500 ready slice expired 0", "600-1000 blocked sleep 900"])
    }
}
