// The log's derived run slices, which every view draws from.

import Testing
@testable import Trace

@Suite struct TraceLogTests {
    @Test func runSlicesPairRunsWithStops() {
        let log = TraceLog(events: [
            TraceEvent(cycle: 0, hart: 0, .threadRuns(tid: 1, switchCycles: 0)),
            TraceEvent(cycle: 100, hart: 0, .threadStops(tid: 1, reason: .sliceExpired, object: 0)),
            TraceEvent(cycle: 300, hart: 0, .threadRuns(tid: 2, switchCycles: 200)),
            TraceEvent(cycle: 50, hart: 1, .threadRuns(tid: 3, switchCycles: 0)),
            TraceEvent(cycle: 400, hart: 0, .threadStops(tid: 2, reason: .blockedOnFutex, object: 0x1000)),
        ], clockFrequency: 1000, harts: 2)
        let slices = log.runSlices(endCycle: 500)
        #expect(slices == [
            .init(hart: 0, tid: 1, start: 0, end: 100, stop: .sliceExpired, object: 0),
            .init(hart: 0, tid: 2, start: 300, end: 400, stop: .blockedOnFutex, object: 0x1000),
            .init(hart: 1, tid: 3, start: 50, end: 500, stop: nil, object: 0),
        ])
    }

    @Test func ringBufferKeepsTheNewestEvents() {
        let recorder = TraceRecorder(capacity: 3, clockFrequency: 1000, harts: 1)
        for cycle in 0..<5 { recorder.record(TraceEvent(cycle: UInt64(cycle), hart: 0, .tlbFlush(tid: 1))) }
        let log = recorder.log
        #expect(log.events.map(\.cycle) == [2, 3, 4])
        #expect(log.dropped == 2)
    }

    @Test func distinctStringsAreBounded() {
        let recorder = TraceRecorder(capacity: 10, clockFrequency: 1000, harts: 1)
        for index in 0..<(TraceRecorder.stringLimit + 100) { _ = recorder.intern("label \(index)") }
        #expect(recorder.strings.count == TraceRecorder.stringLimit + 1)
        #expect(recorder.string(recorder.intern("one more")) == "(too many distinct labels)")
        #expect(recorder.string(recorder.intern("label 5")) == "label 5", "strings kept before the limit still resolve")
    }
}
