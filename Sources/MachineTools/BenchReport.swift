// The figures one `interleave bench` run measured, row by row, as the tool prints them and
// as its `--json` file carries them for other tools. Plain values only: the summary of
// issue 17's targets (BenchTargets.swift) is computed from these, so it can be checked on
// given figures without running anything.

/// Everything one bench run measured (a section is empty when it did not run).
public struct BenchReport: Sendable, Equatable {
    /// A program run on this machine and, when qemu-riscv64 is installed, under qemu.
    public struct ProgramRow: Sendable, Equatable {
        public var name: String
        /// "generated" (the assembled loops), "swift" or "c" (under the kernel).
        public var kind: String
        public var instructions: UInt64
        public var seconds: Double
        public var qemuSeconds: Double?
        /// CPU time of the run: this machine's simulation thread, and qemu's process (user
        /// and system, every thread), each the least of its runs; nil when not measured.
        public var cpuSeconds: Double?
        public var qemuCPUSeconds: Double?
        public init(name: String, kind: String, instructions: UInt64, seconds: Double, qemuSeconds: Double?,
                    cpuSeconds: Double? = nil, qemuCPUSeconds: Double? = nil) {
            self.name = name
            self.kind = kind
            self.instructions = instructions
            self.seconds = seconds
            self.qemuSeconds = qemuSeconds
            self.cpuSeconds = cpuSeconds
            self.qemuCPUSeconds = qemuCPUSeconds
        }
        public var mips: Double { Double(instructions) / seconds / 1e6 }
        /// This machine's time over qemu's (smaller is faster).
        public var timeRatio: Double? { qemuSeconds.map { seconds / $0 } }
        /// This machine's time over qemu's less `startup` (qemu's time for a program that
        /// only exits): this machine's time never includes loading, qemu's whole process
        /// does. nil without qemu, or when qemu's time is not above its start-up.
        public func timeRatio(lessQemuStartup startup: Double?) -> Double? {
            guard let qemuSeconds, let startup, qemuSeconds > startup else { return nil }
            return seconds / (qemuSeconds - startup)
        }
        /// The same ratio in CPU time, which leaves out the moments another process held
        /// the core (the main noise of a shared host); nil when either side lacks it.
        public var cpuTimeRatio: Double? {
            guard let cpuSeconds, let qemuCPUSeconds, qemuCPUSeconds > 0 else { return nil }
            return cpuSeconds / qemuCPUSeconds
        }
    }

    /// A machine feature on one generated loop: MIPS, and the share kept of one hart with
    /// paging off on the same loop.
    public struct FeatureRow: Sendable, Equatable {
        public var feature: String
        public var program: String
        public var harts: Int
        public var granularity: Int
        public var mips: Double
        public var relative: Double
        public init(feature: String, program: String, harts: Int, granularity: Int, mips: Double, relative: Double) {
            self.feature = feature
            self.program = program
            self.harts = harts
            self.granularity = granularity
            self.mips = mips
            self.relative = relative
        }
    }

    /// A kernel path: `name` is the `--only` name (syscalls, yields, switches, ...).
    public struct KernelPathRow: Sendable, Equatable {
        public var name: String
        public var label: String
        public var operations: UInt64
        public var seconds: Double
        public init(name: String, label: String, operations: UInt64, seconds: Double) {
            self.name = name
            self.label = label
            self.operations = operations
            self.seconds = seconds
        }
        public var nanosecondsEach: Double { seconds / Double(max(operations, 1)) * 1e9 }
        public var perSecond: Double { Double(operations) / seconds }
    }

    /// A program with the cache model off and on.
    public struct CacheRow: Sendable, Equatable {
        public var program: String
        public var offSeconds: Double
        public var onSeconds: Double
        public var mipsOff: Double
        public var mipsOn: Double
        public init(program: String, offSeconds: Double, onSeconds: Double, mipsOff: Double, mipsOn: Double) {
            self.program = program
            self.offSeconds = offSeconds
            self.onSeconds = onSeconds
            self.mipsOff = mipsOff
            self.mipsOn = mipsOn
        }
        /// The speed kept with caches on.
        public var ratio: Double { mipsOn / mipsOff }
    }

    /// A program under the kernel with no trace recorder and with one attached: seconds
    /// of CPU time of the host thread that runs the simulation (not wall-clock time).
    public struct TracingRow: Sendable, Equatable {
        public var label: String
        /// Whether the program is compute-bound (the row the "tracing off costs nothing"
        /// target reads) rather than one that makes many events (information only).
        public var compute: Bool
        public var offSeconds: Double
        public var onSeconds: Double
        public var events: UInt64
        public init(label: String, compute: Bool, offSeconds: Double, onSeconds: Double, events: UInt64) {
            self.label = label
            self.compute = compute
            self.offSeconds = offSeconds
            self.onSeconds = onSeconds
            self.events = events
        }
        public var ratio: Double { onSeconds / offSeconds }
    }

    public var programs: [ProgramRow] = []
    public var features: [FeatureRow] = []
    public var kernelPaths: [KernelPathRow] = []
    public var caches: [CacheRow] = []
    public var tracing: [TracingRow] = []
    /// qemu-riscv64's whole-process time for a program that only exits (the best of
    /// several runs), or nil when qemu did not run.
    public var qemuStartupSeconds: Double?
    /// The build (release or debug), the scale and the rounds, for the JSON file.
    public var notes: [(String, String)] = []

    public init() {}

    public static func == (a: BenchReport, b: BenchReport) -> Bool {
        a.programs == b.programs && a.features == b.features && a.kernelPaths == b.kernelPaths && a.caches == b.caches
            && a.tracing == b.tracing && a.qemuStartupSeconds == b.qemuStartupSeconds
            && a.notes.map(\.0) == b.notes.map(\.0) && a.notes.map(\.1) == b.notes.map(\.1)
    }
}

// MARK: JSON

extension BenchReport {
    /// The report and the targets' table as one JSON object (keys in a fixed order).
    public func json(targets: [BenchTargetResult]) -> String {
        var out = "{\n"
        out += "  \"notes\": {" + notes.map { "\(JSON.string($0.0)): \(JSON.string($0.1))" }.joined(separator: ", ") + "},\n"
        out += "  \"qemuStartupSeconds\": " + (qemuStartupSeconds.map(JSON.number) ?? "null") + ",\n"
        out += "  \"programs\": " + JSON.array(programs.map { row in
            JSON.object([("name", JSON.string(row.name)), ("kind", JSON.string(row.kind)),
                         ("instructions", "\(row.instructions)"), ("seconds", JSON.number(row.seconds)),
                         ("mips", JSON.number(row.mips)), ("qemuSeconds", row.qemuSeconds.map(JSON.number) ?? "null"),
                         ("timeRatio", row.timeRatio.map(JSON.number) ?? "null"),
                         ("timeRatioLessQemuStartup", row.timeRatio(lessQemuStartup: qemuStartupSeconds).map(JSON.number) ?? "null"),
                         ("cpuSeconds", row.cpuSeconds.map(JSON.number) ?? "null"),
                         ("qemuCPUSeconds", row.qemuCPUSeconds.map(JSON.number) ?? "null"),
                         ("cpuTimeRatio", row.cpuTimeRatio.map(JSON.number) ?? "null")])
        }) + ",\n"
        out += "  \"features\": " + JSON.array(features.map { row in
            JSON.object([("feature", JSON.string(row.feature)), ("program", JSON.string(row.program)),
                         ("harts", "\(row.harts)"), ("granularity", "\(row.granularity)"),
                         ("mips", JSON.number(row.mips)), ("relative", JSON.number(row.relative))])
        }) + ",\n"
        out += "  \"kernelPaths\": " + JSON.array(kernelPaths.map { row in
            JSON.object([("name", JSON.string(row.name)), ("label", JSON.string(row.label)),
                         ("operations", "\(row.operations)"), ("seconds", JSON.number(row.seconds)),
                         ("nanosecondsEach", JSON.number(row.nanosecondsEach)), ("perSecond", JSON.number(row.perSecond))])
        }) + ",\n"
        out += "  \"caches\": " + JSON.array(caches.map { row in
            JSON.object([("program", JSON.string(row.program)), ("offSeconds", JSON.number(row.offSeconds)),
                         ("onSeconds", JSON.number(row.onSeconds)), ("mipsOff", JSON.number(row.mipsOff)),
                         ("mipsOn", JSON.number(row.mipsOn)), ("ratio", JSON.number(row.ratio))])
        }) + ",\n"
        out += "  \"tracing\": " + JSON.array(tracing.map { row in
            JSON.object([("label", JSON.string(row.label)), ("compute", row.compute ? "true" : "false"),
                         ("offSeconds", JSON.number(row.offSeconds)), ("onSeconds", JSON.number(row.onSeconds)),
                         ("events", "\(row.events)"), ("ratio", JSON.number(row.ratio))])
        }) + ",\n"
        let less = BenchTargets.ratiosLessQemuStartup(self)
        out += "  \"lessQemuStartup\": " + JSON.object([
            ("geometricMean", less.geometricMean.map(JSON.number) ?? "null"),
            ("worstRatio", less.worst.map { JSON.number($0.ratio) } ?? "null"),
            ("worstProgram", less.worst.map { JSON.string($0.program) } ?? "null")]) + ",\n"
        let cpu = BenchTargets.ratios(self) { $0.cpuTimeRatio }
        out += "  \"cpuTime\": " + JSON.object([
            ("geometricMean", cpu.geometricMean.map(JSON.number) ?? "null"),
            ("worstRatio", cpu.worst.map { JSON.number($0.ratio) } ?? "null"),
            ("worstProgram", cpu.worst.map { JSON.string($0.program) } ?? "null")]) + ",\n"
        out += "  \"targets\": " + JSON.array(targets.map { target in
            JSON.object([("target", JSON.string(target.target.rawValue)), ("goal", JSON.string(target.goal)),
                         ("value", target.value.map(JSON.number) ?? "null"), ("measured", JSON.string(target.measured)),
                         ("status", JSON.string(target.status.rawValue))])
        }) + "\n"
        return out + "}\n"
    }
}

/// Just enough JSON writing for the report: strings escaped, numbers finite.
enum JSON {
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A finite number as JSON takes it; infinity and NaN (a zero-time division) as null.
    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    static func array(_ items: [String]) -> String {
        items.isEmpty ? "[]" : "[\n    " + items.joined(separator: ",\n    ") + "\n  ]"
    }
}
