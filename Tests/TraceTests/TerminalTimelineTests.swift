// The terminal timeline drawn from a small hand-made run: two harts, three threads, a
// slice expiry, a futex block and wake, a yield, exits and a contended-lock mark.

import Foundation
import Testing
@testable import Trace

@Suite struct TerminalTimelineTests {
    /// 1 MHz, so 1000 cycles are 1 ms. main starts worker and helper; worker blocks on a
    /// futex that helper wakes; helper yields to worker; everyone exits.
    static let log: TraceLog = {
        let events: [TraceEvent] = [
            TraceEvent(cycle: 0, hart: 0, .threadStarted(tid: 1, pid: 1)),
            TraceEvent(cycle: 0, hart: 0, .threadReady(tid: 1)),
            TraceEvent(cycle: 0, hart: 0, .threadRuns(tid: 1, switchCycles: 0)),
            TraceEvent(cycle: 1000, hart: 0, .threadStarted(tid: 2, pid: 1)),
            TraceEvent(cycle: 1000, hart: 0, .threadReady(tid: 2)),
            TraceEvent(cycle: 1200, hart: 1, .threadRuns(tid: 2, switchCycles: 0)),
            TraceEvent(cycle: 2000, hart: 0, .threadStarted(tid: 3, pid: 1)),
            TraceEvent(cycle: 2000, hart: 0, .threadReady(tid: 3)),
            TraceEvent(cycle: 3000, hart: 0, .threadStops(tid: 1, reason: .sliceExpired, object: 0)),
            TraceEvent(cycle: 3000, hart: 0, .threadReady(tid: 1)),
            TraceEvent(cycle: 3100, hart: 0, .threadRuns(tid: 3, switchCycles: 100)),
            TraceEvent(cycle: 4000, hart: 1, .futexWait(tid: 2, address: 0x8000)),
            TraceEvent(cycle: 4000, hart: 1, .threadStops(tid: 2, reason: .blockedOnFutex, object: 0x8000)),
            TraceEvent(cycle: 4100, hart: 1, .threadRuns(tid: 1, switchCycles: 100)),
            TraceEvent(cycle: 6000, hart: 0, .futexWake(tid: 3, address: 0x8000, woken: 2)),
            TraceEvent(cycle: 6000, hart: 0, .threadReady(tid: 2)),
            TraceEvent(cycle: 6500, hart: 0, .threadStops(tid: 3, reason: .yielded, object: 0)),
            TraceEvent(cycle: 6500, hart: 0, .threadReady(tid: 3)),
            TraceEvent(cycle: 6600, hart: 0, .threadRuns(tid: 2, switchCycles: 100)),
            TraceEvent(cycle: 7000, hart: 1, .mark(tid: 1, kind: .contended, object: 0x9000, value: 0)),
            TraceEvent(cycle: 8000, hart: 1, .threadStops(tid: 1, reason: .exited, object: 0)),
            TraceEvent(cycle: 8000, hart: 1, .threadEnded(tid: 1, status: 0)),
            TraceEvent(cycle: 8100, hart: 1, .threadRuns(tid: 3, switchCycles: 100)),
            TraceEvent(cycle: 10000, hart: 0, .threadStops(tid: 2, reason: .exited, object: 0)),
            TraceEvent(cycle: 10000, hart: 0, .threadEnded(tid: 2, status: 0)),
            TraceEvent(cycle: 12000, hart: 1, .threadStops(tid: 3, reason: .exited, object: 0)),
            TraceEvent(cycle: 12000, hart: 1, .threadEnded(tid: 3, status: 0)),
        ]
        return TraceLog(events: events, threadNames: [1: "main", 2: "worker", 3: "helper"],
                        threadProcess: [1: 1, 2: 1, 3: 1], processNames: [1: "futex-demo"],
                        clockFrequency: 1_000_000, harts: 2)
    }()

    static let expectedFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("Expected/timeline-small.txt")

    /// Characters a person sees: escape sequences (ESC [ ... m) removed.
    static func visible(_ line: Substring) -> String {
        var result = ""
        var escaped = false
        for char in line {
            if char == "\u{1B}" { escaped = true } else if escaped { if char == "m" { escaped = false } } else { result.append(char) }
        }
        return result
    }

    @Test func matchesTheCheckedInText() throws {
        let actual = TerminalTimeline(log: Self.log, width: 80, color: false).render()
        let expected = try? String(contentsOf: Self.expectedFile, encoding: .utf8)
        if actual != expected, ProcessInfo.processInfo.environment["INTERLEAVE_UPDATE_EXPECTED"] == "1" {
            try actual.write(to: Self.expectedFile, atomically: true, encoding: .utf8)
            return
        }
        if actual != expected {
            print("TerminalTimeline: the small timeline differs from \(Self.expectedFile.path); if the change is right, save this as that file:\n\(actual)")
        }
        #expect(actual == expected)
    }

    @Test func renderingIsDeterministic() {
        for color in [false, true] {
            let first = TerminalTimeline(log: Self.log, width: 93, color: color).render()
            let second = TerminalTimeline(log: Self.log, width: 93, color: color).render()
            #expect(first == second)
        }
    }

    @Test func colourOnlyWhenAsked() {
        let colored = TerminalTimeline(log: Self.log, width: 80, color: true).render()
        let plain = TerminalTimeline(log: Self.log, width: 80, color: false).render()
        #expect(colored.contains("\u{1B}[38;5;"))
        #expect(!plain.contains("\u{1B}"))
        // The same picture either way.
        #expect(colored.split(separator: "\n", omittingEmptySubsequences: false).map(Self.visible)
            == plain.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    @Test(arguments: [10, 40, 41, 57, 80, 120, 333])
    func everyLineFitsTheWidth(width: Int) {
        let limit = max(width, 40)
        for color in [false, true] {
            let text = TerminalTimeline(log: Self.log, width: width, color: color).render()
            for line in text.split(separator: "\n") {
                #expect(Self.visible(line).count <= limit, "\(Self.visible(line).count) > \(limit): \(line)")
            }
            // The lanes use the whole width: the hart lanes have no trailing blanks.
            let hart = text.split(separator: "\n").first { $0.hasPrefix("hart 0") }.map(Self.visible)
            #expect(hart?.count == limit)
        }
    }

    @Test func aZoomedWindowShowsOnlyThatPart() {
        let whole = TerminalTimeline(log: Self.log, width: 80, color: false).render()
        let early = TerminalTimeline(log: Self.log, width: 80, window: 0...1500, color: false).render()
        #expect(early.contains("Timeline: 0 ms to 1.5 ms (cycles 0 to 1500)"))
        // helper starts at 2 ms and nobody switches or exits before 1.5 ms.
        #expect(whole.contains("3 helper"))
        #expect(!early.contains("3 helper"))
        #expect(!early.contains("switches:"))
        let late = TerminalTimeline(log: Self.log, width: 80, window: 7000...9000, color: false).render()
        let lanes = late.split(separator: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") || $0.hasPrefix("3 ") }
        // Only main's exit (8 ms) falls in the window; worker's and helper's come later.
        #expect(lanes.map { $0.dropFirst(21).filter { $0 == "x" }.count } == [1, 0, 0])
        let axis = late.split(separator: "\n").first { $0.hasPrefix("ms ") }
        #expect(axis?.split(separator: " ").dropFirst().first == "7")
        #expect(axis?.contains(" 8.5") == true)
    }

    @Test func aTrimmedBufferIsSaidSo() {
        var log = Self.log
        log.dropped = 42
        #expect(TerminalTimeline(log: log, width: 80, color: false).render()
            .contains("the trace buffer kept the last 27 events; earlier ones are not shown"))
        #expect(!TerminalTimeline(log: Self.log, width: 80, color: false).render().contains("trace buffer"))
    }

    @Test func oddLogsStillDraw() {
        // Cycles at the ends of the range, a stop with no run, a thread that never ran.
        let log = TraceLog(events: [
            TraceEvent(cycle: 0, hart: 0, .threadStops(tid: 4, reason: .preempted, object: 0)),
            TraceEvent(cycle: 5, hart: 3, .threadReady(tid: 9)),
            TraceEvent(cycle: .max, hart: 0, .threadRuns(tid: 4, switchCycles: 0)),
        ], clockFrequency: 1, harts: 1)
        for window in [nil, UInt64.max - 1 ... UInt64.max, 0...0] as [ClosedRange<UInt64>?] {
            let text = TerminalTimeline(log: log, width: 50, window: window, color: false).render()
            #expect(text.split(separator: "\n").allSatisfy { $0.count <= 50 })
            #expect(text.contains("hart 0"))
        }
    }

    @Test func anEmptyLogSaysSo() {
        let log = TraceLog(events: [], clockFrequency: 1000, harts: 1)
        #expect(TerminalTimeline(log: log, width: 80, color: false).render() == "Timeline: no events were recorded.\n")
    }
}
