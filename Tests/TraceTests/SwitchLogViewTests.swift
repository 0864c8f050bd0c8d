// The switch log read from trace events: a stop followed at once by a run is one switch;
// a stop with nothing after it leaves the hart idle; a run on an idle hart comes from idle.

import Testing
import Trace

@Suite("Trace: the switch log")
struct SwitchLogViewTests {
    @Test("switches, idle harts and reasons from the events alone")
    func switches() {
        let events = [
            TraceEvent(cycle: 0, hart: 0, .threadRuns(tid: 1, switchCycles: 0)),
            TraceEvent(cycle: 0, hart: 1, .threadRuns(tid: 2, switchCycles: 0)),
            TraceEvent(cycle: 500, hart: 0, .threadStops(tid: 1, reason: .sliceExpired, object: 0)),
            TraceEvent(cycle: 700, hart: 0, .threadRuns(tid: 3, switchCycles: 200)),
            TraceEvent(cycle: 900, hart: 1, .threadStops(tid: 2, reason: .blockedOnFutex, object: 0x2000)),
            TraceEvent(cycle: 950, hart: -1, .inputInjected(sequence: 1, to: 0)),
            TraceEvent(cycle: 1500, hart: 1, .threadRuns(tid: 2, switchCycles: 200)),
            TraceEvent(cycle: 2000, hart: 0, .threadStops(tid: 3, reason: .exited, object: UInt64(UInt32(bitPattern: -1)))),
        ]
        let log = TraceLog(events: events, clockFrequency: 1_000_000, harts: 2)
        #expect(SwitchLog.switches(in: log).map(\.description) == [
            "cycle 0 hart 0: idle -> thread 1 (from idle)",
            "cycle 0 hart 1: idle -> thread 2 (from idle)",
            "cycle 500 hart 0: thread 1 -> thread 3 (time slice expired)",
            "cycle 900 hart 1: thread 2 -> idle (blocked in futex_wait on 0x2000)",
            "cycle 1300 hart 1: idle -> thread 2 (from idle)",
            "cycle 2000 hart 0: thread 3 -> idle (exited with status -1)",
        ])
    }
}
