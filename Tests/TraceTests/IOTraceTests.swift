// I/O in the Chrome trace: reads and writes carry their byte counts; a read's arrow comes
// from the write that holds its first byte (by stream positions), however the bytes were
// split; a connect's arrow goes to its accept; an I/O wake draws an arrow to the woken
// thread when it next runs; and the encoder forgets writes once they are read.

import Foundation
import Testing
@testable import Trace

@Suite struct IOTraceTests {
    typealias Event = [String: Any]

    /// Two threads of one process: 2 writes 10 bytes then 5 on stream 7; 1 reads 4, 8, 3.
    static func streamLog() -> TraceLog {
        let recorder = TraceRecorder(clockFrequency: 1_000_000, harts: 2)
        func at(_ cycle: UInt64, _ hart: Int32, _ kind: TraceEventKind) { recorder.record(TraceEvent(cycle: cycle, hart: hart, kind)) }
        recorder.nameProcess(1, program: "pipes")
        recorder.nameThread(1, process: 1, name: "main")
        recorder.nameThread(2, process: 1, name: "writer")
        at(0, 0, .processStarted(pid: 1, parent: 0, name: recorder.intern("pipes")))
        at(0, 0, .threadStarted(tid: 1, pid: 1))
        at(0, 0, .threadRuns(tid: 1, switchCycles: 0))
        at(0, 1, .threadStarted(tid: 2, pid: 1))
        at(0, 1, .threadRuns(tid: 2, switchCycles: 0))
        at(5, 0, .ioWait(tid: 1, call: 63, object: 3))
        at(5, 0, .threadStops(tid: 1, reason: .waitingForIO, object: 3))
        at(10, 1, .ioWrite(IOTransfer(tid: 2, fd: 4, bytes: 10, stream: 7, start: 0)))
        at(10, 1, .ioWake(tid: 2, woken: 1, events: 1))
        at(10, 1, .threadReady(tid: 1))
        at(20, 0, .threadRuns(tid: 1, switchCycles: 10))
        at(21, 0, .ioRead(IOTransfer(tid: 1, fd: 3, bytes: 4, stream: 7, start: 0)))
        at(30, 1, .ioWrite(IOTransfer(tid: 2, fd: 4, bytes: 5, stream: 7, start: 10)))
        at(40, 0, .ioRead(IOTransfer(tid: 1, fd: 3, bytes: 8, stream: 7, start: 4)))
        at(50, 0, .ioRead(IOTransfer(tid: 1, fd: 3, bytes: 3, stream: 7, start: 12)))
        at(60, 1, .connect(tid: 2, fd: 5, result: 0, connection: 9))
        at(70, 0, .accept(tid: 1, listener: 6, fd: 8, connection: 9))
        at(80, 0, .ioRead(IOTransfer(tid: 1, fd: 0, bytes: 2)))
        return recorder.log
    }

    static func events(_ log: TraceLog) throws -> [Event] {
        let json = ChromeTraceWriter.render(log, endCycle: 100)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(root["traceEvents"] as? [Event])
    }

    /// Flow arrows named `name`: (start event, finish event) per id.
    static func arrows(_ events: [Event], named name: String) -> [(start: Event, finish: Event)] {
        var starts: [Int: Event] = [:], pairs: [(Event, Event)] = []
        for event in events where event["name"] as? String == name {
            guard let id = event["id"] as? Int else { continue }
            if event["ph"] as? String == "s" { starts[id] = event }
            if event["ph"] as? String == "f", let start = starts[id] { pairs.append((start, event)) }
        }
        return pairs
    }

    static func time(_ event: Event) -> Double { (event["ts"] as? NSNumber)?.doubleValue ?? -1 }

    @Test func readsAndWritesCarryTheirByteCounts() throws {
        let events = try Self.events(Self.streamLog())
        let writes = events.filter { $0["name"] as? String == "write" && $0["cat"] as? String == "io" }
        let reads = events.filter { $0["name"] as? String == "read" && $0["cat"] as? String == "io" }
        #expect(writes.compactMap { ($0["args"] as? [String: Any])?["bytes"] as? Int } == [10, 5])
        #expect(reads.compactMap { ($0["args"] as? [String: Any])?["bytes"] as? Int } == [4, 8, 3, 2])
        #expect(writes.allSatisfy { $0["tid"] as? Int == 2 && $0["pid"] as? Int == 1 })
        // Not a stream: no stream position.
        let plain = try #require(reads.last?["args"] as? [String: Any])
        #expect(plain["stream"] == nil && plain["fd"] as? Int == 0)
    }

    @Test func eachReadsArrowComesFromTheWriteHoldingItsFirstByte() throws {
        let arrows = Self.arrows(try Self.events(Self.streamLog()), named: "bytes")
        // Reads at 21 (byte 0: first write), 40 (byte 4: first write), 50 (byte 12: second write).
        #expect(arrows.count == 3)
        #expect(arrows.map { Self.time($0.start) } == [10, 10, 30])
        #expect(arrows.map { Self.time($0.finish) } == [21, 40, 50])
        #expect(arrows.allSatisfy { $0.start["tid"] as? Int == 2 && $0.finish["tid"] as? Int == 1 })
        #expect(arrows.allSatisfy { $0.finish["bp"] as? String == "e" })
    }

    @Test func aConnectsArrowGoesToItsAcceptAndAWakesToTheWokenThread() throws {
        let events = try Self.events(Self.streamLog())
        let connection = try #require(Self.arrows(events, named: "connection").first)
        #expect(Self.time(connection.start) == 60 && connection.start["tid"] as? Int == 2)
        #expect(Self.time(connection.finish) == 70 && connection.finish["tid"] as? Int == 1)
        let wake = try #require(Self.arrows(events, named: "I/O wake").first)
        #expect(Self.time(wake.start) == 10 && wake.start["tid"] as? Int == 2)
        #expect(Self.time(wake.finish) == 20 && wake.finish["tid"] as? Int == 1, "drawn when the woken thread runs")
        let wait = try #require(events.first { ($0["name"] as? String)?.hasPrefix("waits in") == true })
        #expect(wait["name"] as? String == "waits in read")
        #expect(events.contains { $0["name"] as? String == "accept" && ($0["args"] as? [String: Any])?["fd"] as? Int == 8 })
    }

    @Test func writesAreForgottenOnceRead() {
        var encoder = ChromeTraceEncoder()
        let log = Self.streamLog()
        encoder.begin(clockFrequency: log.clockFrequency, harts: log.harts, midRun: false)
        for event in log.events { encoder.encode(event, names: log) }
        #expect(encoder.streamWrites.isEmpty, "every byte written was read")
        #expect(encoder.pendingConnects.isEmpty)
        // A stream never read keeps at most the limit.
        for index in 0..<(ChromeTraceEncoder.pendingWriteLimit + 10) {
            let transfer = IOTransfer(tid: 1, fd: 3, bytes: 1, stream: 99, start: UInt64(index))
            encoder.encode(TraceEvent(cycle: 200, hart: 0, .ioWrite(transfer)), names: log)
        }
        #expect((encoder.streamWrites[99]?.count ?? 0) <= ChromeTraceEncoder.pendingWriteLimit)
    }

    @Test func anIOTransferKeepsTheEventSmall() {
        #expect(MemoryLayout<IOTransfer>.size <= 24)
        #expect(MemoryLayout<TraceEvent>.stride <= 48)
    }
}
