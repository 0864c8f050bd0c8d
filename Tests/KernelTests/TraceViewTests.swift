// The trace views on real kernel runs: the terminal timeline of a small fixed scenario
// (a hand-assembled program, so no compiler version can change it) against a checked-in
// text; Perfetto's JSON parses back with every event's required fields; the SVG is
// well-formed XML; and all three are byte-identical for the same seed.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Kernel
import Machine
import MachineTools
import Testing
import Trace

@Suite("Kernel: trace views of real runs")
struct TraceViewTests {
    /// Main spawns a worker; both work a little and yield, three times; main sleeps 20 µs,
    /// joins, exits.
    static func yieldingProgram() -> [UInt8] {
        // A timespec of 0 s 20,000 ns for nanosleep.
        let timespec = [UInt8](repeating: 0, count: 8) + withUnsafeBytes(of: UInt64(20_000).littleEndian, Array.init)
        return UserProgram.elf(data: timespec) { asm in
            asm.j("main")
            // The worker, at origin + 4.
            asm.li(.s0, 3)
            asm.label("worker-loop")
            Self.work(&asm, "worker-work")
            UserProgram.call(&asm, 124)
            asm.addi(.s0, .s0, -1)
            asm.bnez(.s0, "worker-loop")
            asm.li(.a0, 0)
            asm.ret()
            asm.label("main")
            UserProgram.call(&asm, 0x1000, [Int64(UserProgram.origin) + 4, 0, 64 << 10, 0])
            asm.mv(.s1, .a0)
            asm.li(.s0, 3)
            asm.label("main-loop")
            Self.work(&asm, "main-work")
            UserProgram.call(&asm, 124)
            asm.addi(.s0, .s0, -1)
            asm.bnez(.s0, "main-loop")
            UserProgram.call(&asm, 101, [UserProgram.data, 0])
            asm.mv(.a0, .s1)
            asm.li(.a7, 0x1001)
            asm.ecall()
            asm.li(.a0, 0)
            UserProgram.exitWithA0(&asm)
        }
    }

    /// About 1,000 instructions of counting down.
    static func work(_ asm: inout Assembler, _ label: String) {
        asm.li(.t1, 500)
        asm.label(label)
        asm.addi(.t1, .t1, -1)
        asm.bnez(.t1, label)
    }

    func record(_ elf: [UInt8], arguments: [String] = [], configure: (inout KernelConfiguration) -> Void = { _ in })
        throws -> (log: TraceLog, end: UInt64, ending: ProcessEnding) {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        configure(&configuration)
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: configuration.harts)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "demo", arguments: arguments, configuration: configuration,
                                io: streams.io, trace: recorder)
        let ending = kernel.run()
        return (recorder.log, kernel.statistics.cycles, ending)
    }

    @Test("the timeline of a fixed scenario matches the checked-in text")
    func fixedTimeline() throws {
        let (log, end, ending) = try record(Self.yieldingProgram())
        #expect(ending == .exited(status: 0))
        let text = TerminalTimeline(log: log, width: 80, color: false, endCycle: end).render()
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Expected/yield-timeline.txt")
        let expected = (try? String(contentsOf: path, encoding: .utf8)) ?? ""
        if text != expected, ProcessInfo.processInfo.environment["INTERLEAVE_UPDATE_EXPECTED"] == "1" {
            try text.write(to: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(text == expected, "the timeline changed; if on purpose, run the tests with INTERLEAVE_UPDATE_EXPECTED=1 or put this in \(path.path):\n\(text)")
    }

    @Test("Perfetto JSON, SVG and timeline of a two-hart run are byte-identical for the same seed", .needsGuestToolchain)
    func sameSeedSameViews() throws {
        let elf = try GuestPrograms.build("Threads/ping-pong.swift")
        func views() throws -> [String] {
            let (log, end, _) = try record(elf, arguments: ["50"]) { $0.harts = 2; $0.jitter = 7; $0.seed = 3 }
            return [ChromeTraceWriter.render(log, endCycle: end), SVGTimeline(log: log, endCycle: end).render(),
                    TerminalTimeline(log: log, width: 120, color: true, endCycle: end).render()]
        }
        let first = try views(), second = try views()
        #expect(first == second)
        let (log, end, _) = try record(elf, arguments: ["50"]) { $0.harts = 2; $0.jitter = 7; $0.seed = 4 }
        #expect(ChromeTraceWriter.render(log, endCycle: end) != first[0], "another seed interleaves differently")
    }

    @Test("Perfetto JSON of a real run parses back, and every event has the fields its phase needs")
    func chromeFields() throws {
        let (log, end, _) = try record(Self.yieldingProgram()) { $0.scheduling = .roundRobin(sliceCycles: 5_000, tickCycles: nil) }
        let json = ChromeTraceWriter.render(log, endCycle: end)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let events = try #require(object?["traceEvents"] as? [[String: Any]])
        #expect(!events.isEmpty)
        var phases: Set<String> = []
        for event in events {
            let phase = try #require(event["ph"] as? String)
            phases.insert(phase)
            #expect(event["name"] is String, "\(event)")
            #expect(event["pid"] is Int && event["tid"] is Int, "\(event)")
            if phase != "M" { #expect(event["ts"] is Double || event["ts"] is Int, "\(event)") }
            if phase == "X" { #expect(event["dur"] is Double || event["dur"] is Int, "\(event)") }
            if phase == "s" || phase == "f" { #expect(event["id"] != nil, "\(event)") }
            if phase == "M" { #expect((event["args"] as? [String: Any])?["name"] != nil || event["name"] as? String != "thread_name", "\(event)") }
            if phase == "C" { #expect(event["args"] is [String: Any], "\(event)") }
        }
        #expect(phases.isSuperset(of: ["M", "X", "i", "C"]))
        let names = events.filter { $0["name"] as? String == "thread_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(names.contains("main") && names.contains("thread 2"))
    }

    @Test("the SVG of a real run is well-formed XML")
    func svgWellFormed() throws {
        let (log, end, _) = try record(Self.yieldingProgram())
        let svg = SVGTimeline(log: log, endCycle: end, title: "yield <demo> & co").render()
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(svg.contains("<svg"))
    }

    @Test("per-instruction events reach Perfetto as instants named by their disassembly")
    func instructionsInPerfetto() throws {
        let (log, end, _) = try record(Self.yieldingProgram()) { $0.instructionTrace = .thread(2) }
        let json = ChromeTraceWriter.render(log, endCycle: end) { pc, bits in Disassembler.disassemble(bits, pc: pc) }
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let events = try #require(object?["traceEvents"] as? [[String: Any]])
        let instructions = events.filter { $0["cat"] as? String == "instruction" }
        #expect(instructions.count > 1000, "the worker counts down 500 twice per round, three rounds")
        #expect(instructions.allSatisfy { $0["tid"] as? Int == 2 })
        #expect(instructions.contains { ($0["name"] as? String)?.hasPrefix("ecall") == true })
        #expect(instructions.contains { ($0["name"] as? String)?.hasPrefix("addi") == true })
    }
}

