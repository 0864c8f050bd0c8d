// The Chrome trace (Perfetto) writer: valid JSON with the fields each phase needs, names
// for every process and thread, matched flow arrows, exact fixed-point times, a streamed
// file equal to `render`, escaped names, and no file left behind on failure.

import Foundation
import Testing
@testable import Trace

/// A small two-hart run fed by hand, shared with the SVG tests.
enum TimelineFixture {
    static let clock: UInt64 = 3_000_000
    static let end: UInt64 = 600
    static let processName = "demo \"quoted\"\nline <&>"
    static let workerName = "wor\"ker\\2\t<b>"

    static func feed(_ recorder: TraceRecorder) {
        func at(_ cycle: UInt64, _ hart: Int32, _ kind: TraceEventKind) {
            recorder.record(TraceEvent(cycle: cycle, hart: hart, kind))
        }
        recorder.nameProcess(1, program: processName)
        recorder.nameThread(1, process: 1, name: "main")
        at(0, 0, .processStarted(pid: 1, parent: 0, name: recorder.intern(processName)))
        at(0, 0, .threadStarted(tid: 1, pid: 1))
        at(0, 0, .threadReady(tid: 1))
        at(0, 0, .threadRuns(tid: 1, switchCycles: 0))
        recorder.nameThread(2, process: 1, name: workerName)
        at(5, 0, .threadStarted(tid: 2, pid: 1))
        at(5, -1, .threadReady(tid: 2))
        at(10, 1, .threadRuns(tid: 2, switchCycles: 5))
        at(100, 0, .systemCall(tid: 1, number: 64, result: 5))
        at(110, 0, .systemCall(tid: 1, number: 0x7777, result: -38))
        at(120, 0, .mark(tid: 1, kind: .contended, object: 0x1000, value: 0))
        at(130, 0, .futexWait(tid: 1, address: 0x1000))
        at(130, 0, .threadStops(tid: 1, reason: .blockedOnFutex, object: 0x1000))
        at(200, 1, .interrupt(.timer, tid: 2))
        at(240, 1, .mark(tid: 2, kind: .release, object: 0x1000, value: 0))
        at(250, 1, .futexWake(tid: 2, address: 0x1000, woken: 1))
        at(250, 1, .threadReady(tid: 1))
        at(300, 0, .threadRuns(tid: 1, switchCycles: 40))
        at(310, 0, .mark(tid: 1, kind: .acquired, object: 0x1000, value: 3))
        at(340, -1, .inputInjected(sequence: 1, to: 1))
        at(350, 0, .inputHandled(tid: 1, latencyCycles: 1234))
        at(360, 1, .label(tid: 2, text: recorder.intern("phase \"two\"\n")))
        at(400, 1, .threadStops(tid: 2, reason: .sliceExpired, object: 0))
        at(400, 1, .threadReady(tid: 2))
        at(500, 0, .threadStops(tid: 1, reason: .exited, object: 0))
        at(500, 0, .threadEnded(tid: 1, status: 0))
        at(510, 0, .threadRuns(tid: 2, switchCycles: 10))
    }

    static func recorder() -> TraceRecorder {
        let recorder = TraceRecorder(clockFrequency: clock, harts: 2)
        feed(recorder)
        return recorder
    }

    static var log: TraceLog { recorder().log }
}

@Suite struct ChromeTraceTests {
    typealias Event = [String: Any]

    static func parse(_ json: String) throws -> (root: [String: Any], events: [Event]) {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let root = try #require(object as? [String: Any])
        let events = try #require(root["traceEvents"] as? [Event])
        return (root, events)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chrome-trace-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func jsonParsesAndEveryEventHasItsPhaseFields() throws {
        let (root, events) = try Self.parse(ChromeTraceWriter.render(TimelineFixture.log, endCycle: TimelineFixture.end))
        #expect(root["displayTimeUnit"] as? String == "ns")
        let other = try #require(root["otherData"] as? [String: Any])
        #expect(other["clock_hz"] as? Int == Int(TimelineFixture.clock))
        #expect(events.count > 30)
        for event in events {
            let phase = try #require(event["ph"] as? String, "no ph in \(event)")
            #expect(event["name"] is String, "no name in \(event)")
            #expect(event["pid"] is Int, "no pid in \(event)")
            #expect(event["tid"] is Int, "no tid in \(event)")
            #expect(event["ts"] is NSNumber, "no ts in \(event)")
            switch phase {
            case "X": #expect(event["dur"] is NSNumber, "no dur in \(event)")
            case "s", "f": #expect(event["id"] is Int, "no id in \(event)")
            case "i": #expect(event["s"] as? String == "t")
            case "C": #expect((event["args"] as? [String: Any])?.isEmpty == false)
            case "M":
                let args = try #require(event["args"] as? [String: Any])
                let name = try #require(event["name"] as? String)
                if name.hasSuffix("_name") { #expect(args["name"] is String, "no args.name in \(event)") }
                else { #expect(args["sort_index"] is Int, "no sort index in \(event)") }
            default: Issue.record("unexpected phase \(phase)")
            }
        }
    }

    @Test func everyProcessThreadAndHartIsNamed() throws {
        let (_, events) = try Self.parse(ChromeTraceWriter.render(TimelineFixture.log, endCycle: TimelineFixture.end))
        func names(_ kind: String) -> [String: String] {
            var result: [String: String] = [:]
            for event in events where event["ph"] as? String == "M" && event["name"] as? String == kind {
                let key = "\(event["pid"] ?? "?")/\(event["tid"] ?? "?")"
                result[key] = (event["args"] as? [String: Any])?["name"] as? String
            }
            return result
        }
        let threads = names("thread_name"), processes = names("process_name")
        let machine = ChromeTraceEncoder.machinePid
        #expect(threads["1/1"] == "main")
        #expect(threads["1/2"] == TimelineFixture.workerName)
        #expect(threads["\(machine)/\(machine + 1)"] == "hart 0")
        #expect(threads["\(machine)/\(machine + 2)"] == "hart 1")
        #expect(processes["1/1"] == TimelineFixture.processName)
        #expect(processes["\(machine)/\(machine)"] == "harts")
        // Every lane that has events is named.
        let named = Set(threads.keys)
        for event in events where event["ph"] as? String != "M" && event["ph"] as? String != "C" {
            #expect(named.contains("\(event["pid"] ?? "?")/\(event["tid"] ?? "?")"), "unnamed lane in \(event)")
        }
    }

    @Test func runSlicesCountersAndInstants() throws {
        let (_, events) = try Self.parse(ChromeTraceWriter.render(TimelineFixture.log, endCycle: TimelineFixture.end))
        let slices = events.filter { $0["ph"] as? String == "X" }
        let running = slices.filter { $0["name"] as? String == "running" }
        #expect(running.count == 4)
        #expect(slices.count == 8)
        let firstOfMain = try #require(running.first { $0["tid"] as? Int == 1 && ($0["ts"] as? Double) == 0 })
        #expect((firstOfMain["dur"] as? NSNumber)?.doubleValue == 43.333)
        #expect((firstOfMain["args"] as? [String: Any])?["stop"] as? String == "futex")
        #expect((firstOfMain["args"] as? [String: Any])?["futex"] as? String == "0x1000")
        #expect(slices.contains { $0["name"] as? String == "main" && $0["pid"] as? Int == Int(ChromeTraceEncoder.machinePid) })
        // The open slice ends at endCycle: 510...600 cycles.
        let open = try #require(running.first { ($0["args"] as? [String: Any])?["stop"] as? String == "still running" })
        #expect((open["ts"] as? NSNumber)?.doubleValue == 170)
        #expect((open["dur"] as? NSNumber)?.doubleValue == 30)

        let runnable = events.filter { $0["name"] as? String == "runnable threads" }
            .compactMap { ($0["args"] as? [String: Any])?["threads"] as? Int }
        #expect(runnable == [1, 2, 1, 2, 1])
        let latency = try #require(events.first { $0["name"] as? String == "input latency (ms)" })
        #expect((latency["args"] as? [String: Any])?["ms"] as? Double == 0.411)

        let instants = Set(events.filter { $0["ph"] as? String == "i" }.compactMap { $0["name"] as? String })
        for name in ["write", "syscall 30583", "contended", "acquired", "release", "futex wait", "futex wake", "timer interrupt", "phase \"two\"\n"] {
            #expect(instants.contains(name), "no instant \(name)")
        }
    }

    @Test func futexWakeFlowsPairUp() throws {
        let (_, events) = try Self.parse(ChromeTraceWriter.render(TimelineFixture.log, endCycle: TimelineFixture.end))
        let starts = events.filter { $0["ph"] as? String == "s" }, finishes = events.filter { $0["ph"] as? String == "f" }
        #expect(starts.count == 1)
        #expect(Set(starts.compactMap { $0["id"] as? Int }) == Set(finishes.compactMap { $0["id"] as? Int }))
        let start = try #require(starts.first), finish = try #require(finishes.first)
        #expect(start["tid"] as? Int == 2)
        #expect((start["ts"] as? NSNumber)?.doubleValue == 83.333)
        #expect(finish["tid"] as? Int == 1)
        #expect((finish["ts"] as? NSNumber)?.doubleValue == 100)
        #expect(finish["bp"] as? String == "e")
    }

    @Test func timesAreExactFixedPointMicroseconds() {
        #expect(ChromeTraceEncoder.fixed(0, frequency: 3, digits: 9, decimals: 3) == "0.000")
        #expect(ChromeTraceEncoder.fixed(1, frequency: 3, digits: 9, decimals: 3) == "333333.333")
        #expect(ChromeTraceEncoder.fixed(3_000_001, frequency: 3_000_000, digits: 9, decimals: 3) == "1000000.333")
        #expect(ChromeTraceEncoder.fixed(7, frequency: 1_000_000_000, digits: 9, decimals: 3) == "0.007")
        #expect(ChromeTraceEncoder.fixed(UInt64.max, frequency: 1, digits: 9, decimals: 3) == "18446744073709551615000000.000")
        #expect(ChromeTraceEncoder.fixed(1234, frequency: 3_000_000, digits: 6, decimals: 3) == "0.411")
        let json = ChromeTraceWriter.render(TimelineFixture.log, endCycle: TimelineFixture.end)
        #expect(json.contains("\"ts\":43.333,"))
    }

    @Test func namesAreEscaped() throws {
        let json = ChromeTraceWriter.render(TimelineFixture.log, endCycle: TimelineFixture.end)
        #expect(json.contains(#""name":"wor\"ker\\2\t<b>""#))
        #expect(json.contains(#"demo \"quoted\"\nline"#))
        #expect(ChromeTraceEncoder.quote("a\u{1}b\u{7F}") == #""a\u0001b\u007f""#)
        // One event a line: no raw newline inside any string.
        for line in json.split(separator: "\n") where line.hasPrefix("{\"ph\"") {
            #expect(line.hasSuffix("}") || line.hasSuffix("},"))
        }
    }

    @Test func streamedFileEqualsRender() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.json").path
        let recorder = TraceRecorder(clockFrequency: TimelineFixture.clock, harts: 2)
        let writer = try ChromeTraceWriter(path: path)
        writer.attach(to: recorder)
        TimelineFixture.feed(recorder)
        // Enough events to flush several 64 KiB chunks.
        for index in 0..<6000 {
            recorder.record(TraceEvent(cycle: 600 + UInt64(index), hart: 1, .systemCall(tid: 2, number: 124, result: 0)))
        }
        #expect(!FileManager.default.fileExists(atPath: path), "the file appears only when finished")
        try writer.finish(endCycle: 7000)
        #expect(recorder.sink == nil)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.utf8.count > 3 * ChromeTraceWriter.chunkSize)
        #expect(written == ChromeTraceWriter.render(recorder.log, endCycle: 7000))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        _ = try Self.parse(written)
    }

    @Test func aTraceAtItsByteLimitStaysValidAndCountsWhatItLeftOut() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("limited.json").path
        let recorder = TraceRecorder(clockFrequency: TimelineFixture.clock, harts: 2)
        let writer = try ChromeTraceWriter(path: path)
        writer.byteLimit = 200_000
        writer.attach(to: recorder)
        TimelineFixture.feed(recorder)
        for index in 0..<20_000 {
            recorder.record(TraceEvent(cycle: 600 + UInt64(index), hart: 1, .systemCall(tid: 2, number: 124, result: 0)))
        }
        try writer.finish(endCycle: 30_000)
        #expect(writer.eventsLeftOut > 0)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.utf8.count < 200_000 + 2 * ChromeTraceWriter.chunkSize)
        let (root, _) = try Self.parse(written)
        #expect((root["otherData"] as? [String: Any])?["events_left_out"] as? Int == Int(writer.eventsLeftOut))
    }

    @Test func renderIsDeterministic() {
        let first = ChromeTraceWriter.render(TimelineFixture.log, endCycle: TimelineFixture.end)
        #expect(first == ChromeTraceWriter.render(TimelineFixture.log, endCycle: TimelineFixture.end))
    }

    @Test func unwritablePathFailsBeforeTheRunAndLeavesNoFile() throws {
        let path = "/nonexistent-dir/x.json"
        #expect {
            _ = try ChromeTraceWriter(path: path)
        } throws: { error in
            guard let error = error as? TraceViewError else { return false }
            return error.message == "cannot write the trace to /nonexistent-dir/x.json: the directory /nonexistent-dir does not exist"
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))

        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: TraceViewError.self) { _ = try ChromeTraceWriter(path: directory.path) }
    }

    @Test func abandonLeavesNoFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.json").path
        let recorder = TraceRecorder(clockFrequency: TimelineFixture.clock, harts: 2)
        let writer = try ChromeTraceWriter(path: path)
        writer.attach(to: recorder)
        TimelineFixture.feed(recorder)
        writer.abandon()
        #expect(recorder.sink == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        #expect(throws: TraceViewError.self) { try writer.finish(endCycle: 1) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func aWriterDroppedUnfinishedLeavesNoFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let writer = try ChromeTraceWriter(path: directory.appendingPathComponent("run.json").path)
            writer.attach(to: TimelineFixture.recorder())
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
