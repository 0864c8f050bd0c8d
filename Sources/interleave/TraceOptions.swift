// The trace options `run` and `lab run` share: --timeline draws the run in the terminal,
// --trace writes Chrome trace-event JSON for Perfetto, --svg a picture; --from/--to zoom
// the timeline and the picture. Every output path is checked before the run starts
// (OutputPaths), and when anything fails no partial file is left behind.

import ArgumentParser
import Kernel
import Machine
import MachineTools
import Trace

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct TraceOptions: ParsableArguments {
    @Flag(help: "Draw a timeline of the run after it: one lane per hart and per thread, switches and their reasons marked.")
    var timeline = false

    @Option(name: .customLong("trace"), help: ArgumentHelp("Write the run as Chrome trace-event JSON to this file (open it in ui.perfetto.dev).", valueName: "file.json"))
    var tracePath: String?

    @Option(name: .customLong("svg"), help: ArgumentHelp("Write the timeline as a standalone SVG picture to this file.", valueName: "file.svg"))
    var svgPath: String?

    @Option(help: ArgumentHelp("Show the timeline and picture from this point: cycles (250000) or simulated milliseconds (15.6ms).", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("Show the timeline and picture up to this point: cycles or simulated milliseconds.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Trace events kept in memory for the timeline and picture (1000...100000000; about 48 bytes each); a longer run shows its last ones.", valueName: "events"))
    var traceBuffer: Int = TraceRecorder.defaultCapacity

    @Option(name: .customLong("trace-max-mib"), help: ArgumentHelp("Most MiB the --trace file takes (1...1048576); later events are left out and counted.", valueName: "MiB"))
    var traceMaxMiB: UInt64 = 4096

    @Option(help: ArgumentHelp("With --trace: also record every instruction of one thread (thread:N) or PC range (0x10000-0x10400), disassembled; runs step by step.", valueName: "thread:N|start-end"))
    var traceInstructions: String?

    @Option(help: ArgumentHelp("Columns for --timeline (default: the terminal's width).", valueName: "columns"))
    var timelineWidth: Int?

    var isEnabled: Bool { timeline || tracePath != nil || svgPath != nil }

    func validate() throws {
        if let from, TimePoint(from) == nil { throw ValidationError("--from must be \(TimePoint.accepted), not '\(from)'") }
        if let to, TimePoint(to) == nil { throw ValidationError("--to must be \(TimePoint.accepted), not '\(to)'") }
        guard (1000...100_000_000).contains(traceBuffer) else {
            throw ValidationError("--trace-buffer must be between 1000 and 100000000 events, not \(traceBuffer)")
        }
        if let traceInstructions, InstructionTraceFilter(traceInstructions) == nil {
            throw ValidationError("--trace-instructions must be \(InstructionTraceFilter.accepted), not '\(traceInstructions)'")
        }
        guard (1...1 << 20).contains(traceMaxMiB) else {
            throw ValidationError("--trace-max-mib must be between 1 and 1048576, not \(traceMaxMiB)")
        }
        if let timelineWidth, !(40...1000).contains(timelineWidth) {
            throw ValidationError("--timeline-width must be between 40 and 1000 columns, not \(timelineWidth)")
        }
        if (from != nil || to != nil) && !isEnabled {
            throw ValidationError("--from and --to need a view: add --timeline, --trace FILE or --svg FILE")
        }
        if traceInstructions != nil && tracePath == nil {
            throw ValidationError("--trace-instructions needs --trace FILE.json: the instructions are shown in Perfetto, one instant each")
        }
    }

    /// Starts recording for a run at `clockFrequency` on `harts`, or nil when no view was
    /// asked for. Fails, before anything runs, for a window that ends before it starts or
    /// an output path that cannot be written.
    func start(clockFrequency: UInt64, harts: Int) throws -> TraceSession? {
        guard isEnabled else { return nil }
        try preflight(clockFrequency: clockFrequency)
        let from = from.flatMap(TimePoint.init), to = to.flatMap(TimePoint.init)
        let recorder = TraceRecorder(capacity: traceBuffer, clockFrequency: clockFrequency, harts: harts)
        var writer: ChromeTraceWriter? = nil
        if let tracePath {
            do { writer = try ChromeTraceWriter(path: tracePath) } catch { throw fail("\(error)") }
            writer?.describeInstruction = { pc, bits in Disassembler.disassemble(bits, pc: pc) }
            writer?.byteLimit = traceMaxMiB << 20
            writer?.attach(to: recorder)
        }
        return TraceSession(options: self, recorder: recorder, writer: writer, from: from, to: to)
    }

    /// The files this run's views write, for the one output check.
    var outputs: [OutputPath] {
        [tracePath.map { OutputPath(option: "--trace", path: $0, what: "the trace") },
         svgPath.map { OutputPath(option: "--svg", path: $0, what: "the picture") }].compactMap { $0 }
    }

    /// Checks what can be checked before anything runs: the window's order at this clock,
    /// and that the output paths can be written and are none of the inputs.
    func preflight(clockFrequency: UInt64, inputs: [String] = []) throws {
        let from = from.flatMap(TimePoint.init), to = to.flatMap(TimePoint.init)
        if let from, let to, from.cycles(clockFrequency: clockFrequency) >= to.cycles(clockFrequency: clockFrequency) {
            throw fail("--from (\(self.from ?? "")) must come before --to (\(self.to ?? ""))")
        }
        try OutputPaths.check(outputs, inputs: inputs)
    }
}

/// One run's recording and the views it ends in.
final class TraceSession {
    let options: TraceOptions
    let recorder: TraceRecorder
    private var writer: ChromeTraceWriter?
    private let from: TimePoint?, to: TimePoint?

    init(options: TraceOptions, recorder: TraceRecorder, writer: ChromeTraceWriter?, from: TimePoint?, to: TimePoint?) {
        self.options = options
        self.recorder = recorder
        self.writer = writer
        self.from = from
        self.to = to
    }

    var instructionFilter: InstructionTraceFilter? { options.traceInstructions.flatMap(InstructionTraceFilter.init) }

    /// Writes the trace file and the picture and draws the timeline (to standard output),
    /// for a run that ended at `endCycle`. On any failure every file is removed.
    func finish(endCycle: UInt64, title: String) throws {
        let log = recorder.log
        do {
            var window: ClosedRange<UInt64>? = nil
            if options.timeline || options.svgPath != nil {
                window = try log.window(from: from, to: to, endCycle: endCycle)
            }
            try writer?.finish(endCycle: endCycle)
            if let writer, writer.eventsLeftOut > 0, let path = options.tracePath {
                printError("interleave: note: \(path) reached --trace-max-mib \(options.traceMaxMiB); the \(writer.eventsLeftOut) later events are not in it (the file says so in otherData.events_left_out)")
            }
            writer = nil
            if let svgPath = options.svgPath {
                let picture = SVGTimeline(log: log, window: window, endCycle: endCycle, title: title).render()
                guard writeAtomically(svgPath, Array(picture.utf8)) else {
                    throw TraceViewError("cannot write the picture to \(svgPath)")
                }
            }
            if options.timeline {
                let width = options.timelineWidth ?? TerminalTimeline.terminalWidth()
                let text = TerminalTimeline(log: log, width: width, window: window, color: TerminalTimeline.colorWanted(),
                                            endCycle: endCycle).render()
                writeStandardOutput(Array(text.utf8))
            }
        } catch {
            abandon()
            if let path = options.tracePath { unlink(path) }
            throw fail("\(error)")
        }
    }

    /// Removes what was written so far (the run failed before its views).
    func abandon() {
        writer?.abandon()
        writer = nil
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so a
/// reader never sees half a file and a failure leaves none.
func writeAtomically(_ path: String, _ bytes: [UInt8]) -> Bool {
    let temporary = path + ".partial-\(getpid())"
    guard writeWholeFile(temporary, bytes) else {
        unlink(temporary)
        return false
    }
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        return false
    }
    return true
}
