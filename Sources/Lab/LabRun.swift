// Running guest programs for the lab: builds them with Toolchain.GuestBuilder (cached,
// as `interleave run` does), starts them under the Kernel with a configuration, keeps
// their output, and hands back what the kernel measured — statistics, endings, and when
// asked the context switches (read from a trace) and what the caches counted — and, for
// the one run an experiment shows, a trace.

import Foundation
import Kernel
import Machine
import Toolchain
import Trace

/// The lab's simulated clock: 10 MHz (one instruction a cycle), so a millisecond is
/// 10,000 instructions and every experiment stays well under two seconds of host time.
public let labClock: UInt64 = 10_000_000

/// One run to make: programs (by run name → path under Guest/Programs), the first one's
/// arguments, the others started beside it, and the configuration.
struct RunSpec {
    var main: String
    var programs: [String: String]
    var arguments: [String] = []
    var alsoStarting: [String] = []
    var configuration: KernelConfiguration
    /// This run is the one the finding's trace shows.
    var traced = false
    /// Record the run's trace to read its context switches from (`RunResult.switches`).
    var recordSwitches = false
}

/// What one run gave.
struct RunResult {
    var output: String
    var errors: String
    var ending: ProcessEnding
    var statistics: KernelStatistics
    /// The context switches, when the spec asked for them (else empty).
    var switches: [ContextSwitchRecord]
    var trace: TraceLog?
    /// What the caches counted, when the run had a memory hierarchy.
    var memory: MemorySystemStatistics? = nil
    /// The lines cores fought over most, when the configuration recorded contention.
    var contendedLines: [ContendedLine] = []

    /// Output lines that start with `prefix`.
    func lines(starting prefix: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    /// The integer after `label` in the first output line containing both `prefix` and it.
    func number(after label: String, in prefix: String) -> Double? {
        for line in lines(starting: prefix) { if let value = integer(after: label, in: line) { return Double(value) } }
        return nil
    }
}

/// The integer right after `label` in `line` ("longest gap 29189 us" → 29189).
func integer(after label: String, in line: String) -> Int? {
    guard let range = line.range(of: label) else { return nil }
    return Int(line[range.upperBound...].prefix { $0.isNumber })
}

public final class LabContext {
    public let options: LabOptions
    let builder: GuestBuilder
    /// Makes the recorder for the run a finding shows (nil: no trace), and may adjust that
    /// run's configuration (an instruction trace filter).
    let makeRecorder: ((_ clockFrequency: UInt64, _ harts: Int) -> TraceRecorder)?
    let configureTraced: (inout KernelConfiguration) -> Void
    let progress: (String) -> Void
    private var built: [String: [UInt8]] = [:]

    public init(options: LabOptions, builder: GuestBuilder,
                makeRecorder: ((_ clockFrequency: UInt64, _ harts: Int) -> TraceRecorder)? = nil,
                configureTraced: @escaping (inout KernelConfiguration) -> Void = { _ in },
                progress: @escaping (String) -> Void = { _ in }) {
        self.options = options
        self.builder = builder
        self.makeRecorder = makeRecorder
        self.configureTraced = configureTraced
        self.progress = progress
    }

    /// The configuration every lab run starts from: the lab's clock, the options' seed,
    /// modest memory, and a limit that stops a runaway program quickly.
    func baseConfiguration() -> KernelConfiguration {
        var configuration = KernelConfiguration()
        configuration.clockFrequency = labClock
        configuration.seed = options.seed
        configuration.memoryLimit = 64 << 20
        configuration.instructionLimit = 400_000_000
        return configuration
    }

    /// The ELF of a program under Guest/Programs, built once per context.
    func program(_ relativePath: String) throws -> [UInt8] {
        if let bytes = built[relativePath] { return bytes }
        let path = builder.guest.root + "/Programs/" + relativePath
        let result = try builder.build(sources: [path], optimization: .speed, progress: progress)
        guard let bytes = FileManager.default.contents(atPath: result.elfPath) else {
            throw LabError("the build of \(relativePath) produced no program at \(result.elfPath)")
        }
        built[relativePath] = [UInt8](bytes)
        return built[relativePath] ?? []
    }

    /// Runs `spec` to its end.
    func run(_ spec: RunSpec) throws -> RunResult {
        var programs: [String: [UInt8]] = [:]
        for (name, path) in spec.programs { programs[name] = try program(path) }
        guard let executable = programs[spec.main] else { throw LabError("the lab names no program \(spec.main)") }
        var output: [UInt8] = [], errors: [UInt8] = []
        let io = KernelIO(writeOutput: { output += $0 }, writeError: { errors += $0 })
        let shown = spec.traced ? makeRecorder?(spec.configuration.clockFrequency, spec.configuration.harts) : nil
        let recorder = shown ?? (spec.recordSwitches
            ? TraceRecorder(clockFrequency: spec.configuration.clockFrequency, harts: spec.configuration.harts) : nil)
        var configuration = spec.configuration
        options.applyCaches(to: &configuration)
        if shown != nil { configureTraced(&configuration) }
        let kernel: Kernel
        do {
            kernel = try Kernel(executable: executable, name: spec.main, arguments: spec.arguments, configuration: configuration,
                                io: io, programs: programs, alsoStarting: spec.alsoStarting, trace: recorder)
        } catch {
            throw LabError("cannot start \(spec.main): \(error)")
        }
        let ending = kernel.run()
        return RunResult(output: String(decoding: output, as: UTF8.self), errors: String(decoding: errors, as: UTF8.self),
                         ending: ending, statistics: kernel.statistics,
                         switches: spec.recordSwitches ? recorder.map { SwitchLog.switches(in: $0.log) } ?? [] : [],
                         trace: shown?.log, memory: kernel.machine.memorySystem?.statistics,
                         contendedLines: configuration.recordsContention ? kernel.machine.memorySystem?.contendedLines(limit: 4) ?? [] : [])
    }

    /// Puts `result`'s trace (if any) into the finding, with a title for the views.
    func show(_ result: RunResult, in finding: inout Finding, title: String) {
        guard let trace = result.trace else { return }
        finding.trace = trace
        finding.traceEndCycle = result.statistics.cycles
        finding.traceTitle = title
    }
}

extension LabContext {
    /// A context that builds with the toolchain beside `swift` (or `toolchainPath`) into the
    /// user's default cache, as `interleave run` does.
    public static func standard(options: LabOptions, toolchainPath: String? = nil,
                                makeRecorder: ((UInt64, Int) -> TraceRecorder)? = nil,
                                configureTraced: @escaping (inout KernelConfiguration) -> Void = { _ in },
                                progress: @escaping (String) -> Void = { _ in }) throws -> LabContext {
        let toolchain = try Toolchain.locate(explicitPath: toolchainPath)
        let builder = try GuestBuilder(toolchain: toolchain)
        return LabContext(options: options, builder: builder, makeRecorder: makeRecorder, configureTraced: configureTraced,
                          progress: progress)
    }
}

extension KernelConfiguration {
    /// Round robin with a slice and tick in milliseconds of the lab's clock (tick nil: tickless).
    mutating func roundRobin(sliceMs: Double, tickMs: Double?) {
        func cycles(_ ms: Double) -> UInt64 { max(1, SimulatedTime(milliseconds: ms, clockFrequency: clockFrequency)?.cycles ?? 1) }
        scheduling = .roundRobin(sliceCycles: cycles(sliceMs), tickCycles: tickMs.map(cycles))
    }
}

extension KernelConfiguration {
    /// Caches as `preset` has them (coherent or not) on `harts` harts, `threadsPerCore`
    /// to a core (default: one; the experiment says when it wants SMT), and granularity 1:
    /// every access another core can see happens in cycle order, so lines move between
    /// cores as often as the threads' accesses say (a batch of many instructions would
    /// keep a line in one core for the whole batch).
    mutating func caches(_ preset: MemoryPreset, harts: Int, threadsPerCore: Int = 1, coherent: Bool = true) {
        var hierarchy = preset.hierarchy
        hierarchy.coherent = coherent
        memoryHierarchy = hierarchy
        self.threadsPerCore = threadsPerCore
        self.harts = harts
        granularity = 1
    }
}

extension MemorySystemStatistics {
    /// Loads that found their line modified in another core's cache (HITM), every level.
    var hitModifiedLoads: UInt64 {
        cores.reduce(llc.hitModified) { $0 &+ $1.l1d.hitModified &+ $1.l1i.hitModified &+ ($1.l2?.hitModified ?? 0) }
    }

    /// Lines one core's private cache handed to another's.
    var cacheToCacheTransfers: UInt64 {
        cores.reduce(0) { $0 &+ $1.l1d.cacheToCacheReceived &+ $1.l1i.cacheToCacheReceived &+ ($1.l2?.cacheToCacheReceived ?? 0) }
    }

    /// Lines a private cache dropped because another core wrote them.
    var invalidationsReceived: UInt64 {
        cores.reduce(0) { $0 &+ $1.l1d.invalidationsReceived &+ $1.l1i.invalidationsReceived &+ ($1.l2?.invalidationsReceived ?? 0) }
    }
}

/// The policy in milliseconds: "round robin, 4.00 ms slice, 4.00 ms tick".
func policyText(_ configuration: KernelConfiguration) -> String {
    let clock = configuration.clockFrequency
    switch configuration.scheduling {
    case .roundRobin(let slice, let tick):
        return "round robin, \(duration(cycles: slice, clock: clock)) slice, " + (tick.map { "\(duration(cycles: $0, clock: clock)) tick" } ?? "tickless")
    default:
        return configuration.scheduling.description
    }
}
