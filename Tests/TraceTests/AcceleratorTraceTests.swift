// The accelerator's contexts in the views, from a hand-made run: two processes, each with
// a context; context 1 (long) takes the lanes, context 2 (short) submits and waits, the
// long one is preempted, the short one runs and completes, the long one comes back and is
// reset by the watchdog; a third context faults. No guest needed.

import Foundation
import Testing
@testable import Trace

@Suite struct AcceleratorTraceTests {
    static func gpu(_ cycle: UInt64, _ context: Int32, _ pid: Int32, _ kind: AcceleratorTraceKind, _ submission: UInt64 = 0) -> TraceEvent {
        TraceEvent(cycle: cycle, hart: -1, .accelerator(AcceleratorTrace(context: context, pid: pid, kind: kind, submission: submission)))
    }

    /// 1 MHz: 1000 cycles are 1 ms.
    static let log: TraceLog = {
        let events: [TraceEvent] = [
            TraceEvent(cycle: 0, hart: 0, .threadStarted(tid: 1, pid: 1)),
            TraceEvent(cycle: 0, hart: 0, .threadRuns(tid: 1, switchCycles: 0)),
            TraceEvent(cycle: 0, hart: 1, .threadStarted(tid: 2, pid: 2)),
            TraceEvent(cycle: 0, hart: 1, .threadRuns(tid: 2, switchCycles: 0)),
            gpu(100, 1, 1, .created),
            gpu(200, 1, 1, .submitted, 1),
            gpu(300, 1, 1, .runs),
            TraceEvent(cycle: 300, hart: 0, .threadStops(tid: 1, reason: .waitingForIO, object: 0)),
            gpu(400, 2, 2, .created),
            gpu(1000, 2, 2, .submitted, 1),
            TraceEvent(cycle: 1000, hart: 1, .threadStops(tid: 2, reason: .waitingForIO, object: 0)),
            gpu(2000, 1, 1, .preempted),
            gpu(2100, 2, 2, .runs),
            gpu(2500, 2, 2, .completed, 1),
            gpu(2500, 2, 2, .idle),
            gpu(2600, 1, 1, .runs),
            gpu(6000, 1, 1, .reset, 1),
            gpu(6500, 3, 2, .created),
            gpu(6600, 3, 2, .submitted, 1),
            gpu(6700, 3, 2, .runs),
            gpu(6800, 3, 2, .faulted, 1),
            gpu(7000, 3, 2, .destroyed),
            TraceEvent(cycle: 8000, hart: 0, .threadRuns(tid: 1, switchCycles: 0)),
            TraceEvent(cycle: 9000, hart: 0, .threadStops(tid: 1, reason: .exited, object: 0)),
            TraceEvent(cycle: 9000, hart: 0, .threadEnded(tid: 1, status: 0)),
        ]
        return TraceLog(events: events, threadNames: [1: "main", 2: "main"], threadProcess: [1: 1, 2: 2],
                        processNames: [1: "long", 2: "short"], clockFrequency: 1_000_000, harts: 2)
    }()

    @Test func lanesHoldTheSlicesWaitsAndInstants() {
        let lanes = Self.log.acceleratorLanes()
        #expect(lanes.map(\.context) == [1, 2, 3])
        let long = lanes[0], short = lanes[1], broken = lanes[2]
        #expect(long.slices == [.init(start: 300, end: 2000, stop: .preempted), .init(start: 2600, end: 6000, stop: .reset)])
        // Queued from its submission until it ran; and again while the short one held the lanes.
        #expect(long.waits == [200...300, 2000...2600])
        #expect(short.slices == [.init(start: 2100, end: 2500, stop: .idle)])
        #expect(short.waits == [1000...2100])
        #expect(short.instants.map(\.kind) == [.submitted, .completed])
        #expect(broken.slices == [.init(start: 6700, end: 6800, stop: .faulted)])
        #expect(broken.instants.map(\.kind) == [.submitted, .faulted, .destroyed])
        #expect(Self.log.acceleratorTitle(short) == "gpu context 2 (short, pid 2)")
    }

    @Test func anOpenSliceRunsToTheEnd() {
        let log = TraceLog(events: [Self.gpu(10, 1, 1, .submitted, 1), Self.gpu(20, 1, 1, .runs)], clockFrequency: 1000, harts: 1)
        #expect(log.acceleratorLanes(endCycle: 500)[0].slices == [.init(start: 20, end: 500, stop: nil)])
    }

    @Test func terminalTimelineDrawsALanePerContext() {
        let text = TerminalTimeline(log: Self.log, width: 100, color: false).render()
        let lines = text.split(separator: "\n")
        let long = lines.first { $0.hasPrefix("gpu 1 (long)") }
        let short = lines.first { $0.hasPrefix("gpu 2 (short)") }
        #expect(long != nil && short != nil)
        #expect(long?.contains("█") == true && long?.contains("p") == true && long?.contains("r") == true)
        #expect(short?.contains("░") == true && short?.contains("c") == true)
        #expect(lines.contains { $0.hasPrefix("gpu 3") && $0.contains("f") })
        #expect(text.contains("accelerator:") && text.contains("r reset by the watchdog") && text.contains("gpu 2: gpu context 2 (short, pid 2)"))
        // The same log, the same bytes.
        #expect(text == TerminalTimeline(log: Self.log, width: 100, color: false).render())
    }

    @Test func terminalTimelineWithoutAcceleratorHasNoAcceleratorLines() {
        let plain = TraceLog(events: Self.log.events.filter { if case .accelerator = $0.kind { false } else { true } },
                             threadNames: Self.log.threadNames, threadProcess: Self.log.threadProcess,
                             processNames: Self.log.processNames, clockFrequency: 1_000_000, harts: 2)
        let text = TerminalTimeline(log: plain, width: 100, color: false).render()
        #expect(!text.contains("gpu") && !text.contains("accelerator:"))
    }

    /// The trace's events as JSON objects.
    static func chromeEvents(_ log: TraceLog, endCycle: UInt64? = nil) throws -> [[String: Any]] {
        let json = ChromeTraceWriter.render(log, endCycle: endCycle)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return object?["traceEvents"] as? [[String: Any]] ?? []
    }

    @Test func chromeTraceHasAnAcceleratorProcessWithAThreadPerContext() throws {
        let events = try Self.chromeEvents(Self.log)
        let pid = Int(ChromeTraceEncoder.acceleratorPid)
        let processName = events.first { $0["ph"] as? String == "M" && $0["name"] as? String == "process_name" && $0["pid"] as? Int == pid }
        #expect((processName?["args"] as? [String: Any])?["name"] as? String == "accelerator")
        let laneNames = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" && $0["pid"] as? Int == pid }
            .compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(laneNames == ["gpu context 1 (long, pid 1)", "gpu context 2 (short, pid 2)", "gpu context 3 (short, pid 2)"])
        // Slices from runs to the event that ended them, in microseconds (1 MHz: cycles).
        let slices = events.filter { $0["ph"] as? String == "X" && $0["name"] as? String == "kernel running" }
        let summary = slices.map { slice in
            let context = (slice["tid"] as? Int ?? 0) - pid
            let stop = (slice["args"] as? [String: Any])?["stop"] as? String ?? ""
            return "\(context) \(slice["ts"] as? Double ?? -1) \(slice["dur"] as? Double ?? -1) \(stop)"
        }
        #expect(summary == ["1 300.0 1700.0 preempted", "2 2100.0 400.0 idle", "1 2600.0 3400.0 reset by the watchdog",
                            "3 6700.0 100.0 faulted"])
        // A flow arrow from each submission to its completion: out and in share an id.
        let submitted = events.first { $0["name"] as? String == "submitted #1" && $0["tid"] as? Int == pid + 2 }
        let completed = events.first { $0["name"] as? String == "completed #1" && $0["tid"] as? Int == pid + 2 }
        #expect(submitted?["flow_out"] as? Bool == true && completed?["flow_in"] as? Bool == true)
        #expect(submitted?["bind_id"] as? Int != nil && submitted?["bind_id"] as? Int == completed?["bind_id"] as? Int)
        #expect(events.contains { $0["ph"] as? String == "i" && $0["name"] as? String == "reset by the watchdog" && $0["tid"] as? Int == pid + 1 })
        #expect(events.contains { $0["ph"] as? String == "i" && $0["name"] as? String == "faulted" && $0["tid"] as? Int == pid + 3 })
    }

    @Test func chromeTraceClosesAContextStillRunningAtTheEnd() throws {
        let log = TraceLog(events: [Self.gpu(10, 1, 1, .submitted, 1), Self.gpu(20, 1, 1, .runs)], clockFrequency: 1_000_000, harts: 1)
        let events = try Self.chromeEvents(log, endCycle: 120)
        let slice = try #require(events.first { $0["name"] as? String == "kernel running" })
        #expect(slice["dur"] as? Double == 100.0)
        #expect((slice["args"] as? [String: Any])?["stop"] as? String == "still running")
    }

    @Test func svgHasAnAcceleratorGroupWithALanePerContext() {
        let svg = SVGTimeline(log: Self.log).render()
        #expect(svg.contains("<g id=\"accelerator\">"))
        #expect(svg.contains("gpu context 1 (long, pid 1)") && svg.contains("gpu context 3 (short, pid 2)"))
        #expect(svg.contains("then reset by the watchdog") && svg.contains("work queued, not on the lanes yet"))
        #expect(svg.contains("accelerator: faulted"))
        #expect(svg == SVGTimeline(log: Self.log).render())
        let plain = TraceLog(events: Array(Self.log.events.prefix(4)), clockFrequency: 1_000_000, harts: 2)
        #expect(!SVGTimeline(log: plain).render().contains("id=\"accelerator\""))
    }
}
