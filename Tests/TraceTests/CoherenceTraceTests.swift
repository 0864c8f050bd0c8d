// Coherence in the trace: a transition reads as one sentence ("core 1 L1D store I→M at
// 0x…, invalidates core 0"), becomes a Perfetto instant on its hart's lane with the
// states and cores as arguments, and per-core miss samples become counter tracks; the
// terminal and SVG timelines draw neither, so they stay as they were.

import Foundation
import Testing
@testable import Trace

@Suite("Trace: coherence and cache counters")
struct CoherenceTraceTests {
    static let store = CoherenceTrace(core: 1, level: .l1d, access: .store, from: 0, to: 3, supplier: -1,
                                      line: 0x8000_1040, invalidated: 0b1)

    @Test("a transition reads as one sentence naming the core, level, access, states, line and invalidated cores")
    func sentence() {
        #expect(Self.store.sentence == "core 1 L1D store I→M at 0x80001040, invalidates core 0")
        let load = CoherenceTrace(core: 0, level: .l2, access: .load, from: 0, to: 1, supplier: 2, line: 0x40, invalidated: 0)
        #expect(load.sentence == "core 0 L2 load I→S at 0x40, from core 2")
        let atomic = CoherenceTrace(core: 3, level: .l1d, access: .atomic, from: 1, to: 3, supplier: -1, line: 0x80, invalidated: 0b101)
        #expect(atomic.sentence == "core 3 L1D atomic S→M at 0x80, invalidates cores 0, 2")
    }

    @Test("an event with a coherence transition takes no more room than any other (48 bytes)")
    func compact() {
        #expect(MemoryLayout<CoherenceTrace>.size <= 24)
        #expect(MemoryLayout<TraceEvent>.stride <= 48)
    }

    func log() -> TraceLog {
        let recorder = TraceRecorder(clockFrequency: 1_000_000, harts: 2)
        recorder.nameProcess(1, program: "demo")
        recorder.nameThread(1, process: 1, name: "main")
        recorder.record(TraceEvent(cycle: 0, hart: 0, .processStarted(pid: 1, parent: 0, name: recorder.intern("demo"))))
        recorder.record(TraceEvent(cycle: 0, hart: 1, .threadRuns(tid: 1, switchCycles: 0)))
        recorder.record(TraceEvent(cycle: 5, hart: 1, .cacheMisses(core: 1, misses: 0)))
        recorder.record(TraceEvent(cycle: 20, hart: 1, .coherence(Self.store)))
        recorder.record(TraceEvent(cycle: 30, hart: 1, .cacheMisses(core: 1, misses: 17)))
        recorder.record(TraceEvent(cycle: 40, hart: 1, .threadStops(tid: 1, reason: .exited, object: 0)))
        return recorder.log
    }

    @Test("Perfetto gets an instant on the hart's lane and a counter track per core")
    func chromeTrace() throws {
        let text = ChromeTraceWriter.render(log())
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let events = try #require(json?["traceEvents"] as? [[String: Any]])
        let instant = try #require(events.first { $0["cat"] as? String == "coherence" })
        #expect(instant["name"] as? String == "core 1 L1D store I→M at 0x80001040, invalidates core 0")
        #expect(instant["ph"] as? String == "i")
        #expect(instant["tid"] as? Int == Int(ChromeTraceEncoder.machinePid) + 2, "hart 1's lane")
        let args = try #require(instant["args"] as? [String: Any])
        #expect(args["from"] as? String == "I" && args["to"] as? String == "M" && args["invalidated"] as? String == "0x1")
        let counters = events.filter { $0["ph"] as? String == "C" && $0["name"] as? String == "cache misses core 1" }
        #expect(counters.count == 2)
        #expect((counters.last?["args"] as? [String: Any])?["misses"] as? Int == 17)
    }

    @Test("the terminal and SVG timelines draw the same with or without coherence events")
    func timelinesUnchanged() {
        let full = log()
        var bare = full
        bare.events.removeAll {
            switch $0.kind {
            case .coherence, .cacheMisses: true
            default: false
            }
        }
        #expect(TerminalTimeline(log: full, width: 80, color: false, endCycle: 40).render()
                == TerminalTimeline(log: bare, width: 80, color: false, endCycle: 40).render())
        #expect(SVGTimeline(log: full, window: nil, endCycle: 40, title: "t").render()
                == SVGTimeline(log: bare, window: nil, endCycle: 40, title: "t").render())
    }
}
