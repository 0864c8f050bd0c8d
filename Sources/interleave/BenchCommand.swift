// `interleave bench`: how fast the machine runs compute-bound guest code, measured in
// host wall-clock time (the only place the tool reads a clock), with the same ELF run
// under `qemu-riscv64` side by side in the same run when it is installed: each program
// alternately here and under qemu, the best of `--rounds` here and of three times as many
// runs under qemu (its runs are short and its times swing most). qemu's time is its whole
// process, so its start-up (a program that only exits) is measured too and shown beside
// the rows, with a second, labelled ratio that leaves it out. The figures end in a table
// of issue 17's targets (BenchSummary.swift) and, with --json, a file of both.

import ArgumentParser
import Foundation
import Machine
import MachineTools
import Toolchain

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the machine's speed (MIPS) on compute-bound programs, beside qemu-riscv64.",
        discussion: """
            Build with `swift build -c release` first: debug builds are 20-50 times slower. \
            `--targets` measures everything issue 17's targets need (every program beside qemu-riscv64, \
            4 harts on the memory loop, the kernel paths, caches off and on, tracing) and ends with a table \
            of the targets, each met or not met.
            """
    )

    @Option(help: "Work per program: 1 is about 100 million instructions each \(OptionRange.text(OptionRange.benchScale)).")
    var scale: Int = 1

    @Option(help: "Programs to run (comma-separated): \(Self.programNames.joined(separator: ", ")).")
    var only: String?

    @Flag(help: "Skip the qemu-riscv64 comparison.")
    var noQemu = false

    @Flag(help: "Also measure the machine features: Sv39 paging on, several harts at fine and coarse interleaving, and every program with caches off and on (the zen4 preset).")
    var machine = false

    @Flag(help: "Also measure several machines in one simulation: 8 machines of 4 harts against 1 doing the same work.")
    var cluster = false

    @Flag(help: "Measure everything the targets of issue 17 need (every program, the machine features, the kernel paths, caches, tracing; not the scaling rows) and judge each target.")
    var targets = false

    @Option(help: "Runs of each measurement, alternating with its counterpart (qemu, caches on, ...); the best counts; qemu runs \(Self.qemuRunsPerRound) times a round, the tracing rows at least \(GuestBenchmarks.tracingRounds) rounds \(OptionRange.text(OptionRange.benchRounds)).")
    var rounds: Int = 2

    /// qemu's runs for each of ours: they are short, so their whole-process times swing most.
    static let qemuRunsPerRound = 3
    /// Runs of the start-up measure (a program that only exits) under qemu; the best counts.
    static let qemuStartupRuns = 10

    @Option(help: "Also write the rows and the targets' table as JSON to this file.")
    var json: String?

    @Option(help: "The --json file of an earlier run: print its programs (MIPS, ratio to qemu) and targets beside this run's. Given twice, compare the two files and measure nothing.")
    var compare: [String] = []

    static var programNames: [String] {
        ComputeBenchmark.allCases.map(\.rawValue) + GuestBenchmarks.allNames + [SnapshotBenchmarks.name] + raceBenchmarkNames
            + ExploreBenchmarks.names
    }

    func validate() throws {
        if compare.count > 2 {
            throw ValidationError("--compare takes one file (compared with this run) or two (compared with each other), not \(compare.count)")
        }
        for file in compare where !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("--compare \(file): no such file; --compare takes a file that `bench --json` wrote")
        }
        try OptionRange.check(scale, OptionRange.benchScale, option: "scale")
        try OptionRange.check(rounds, OptionRange.benchRounds, option: "rounds")
        if targets, only != nil {
            throw ValidationError("--targets runs every program the targets need; leave out --only (or leave out --targets)")
        }
        if let only {
            for name in only.split(separator: ",", omittingEmptySubsequences: false).map(String.init) where !Self.programNames.contains(name) {
                throw ValidationError("unknown program '\(name)' in --only; the programs are \(Self.programNames.joined(separator: ", "))")
            }
        }
        if let json {
            let folder = (json as NSString).deletingLastPathComponent
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: json, isDirectory: &isFolder), isFolder.boolValue {
                throw ValidationError("--json \(json) is a folder; --json takes the path of a file to write")
            }
            if !folder.isEmpty, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) {
                throw ValidationError("--json \(json): no folder \(folder) to write it in; --json takes the path of a file in an existing folder")
            }
        }
    }

    func run() throws {
        if compare.count == 2 {
            print(BenchComparison.table(before: try .read(jsonFile: compare[0]), after: try .read(jsonFile: compare[1])))
            return
        }
        var selected = ComputeBenchmark.allCases
        var guestPrograms: [String]? = nil
        if let only {
            let names = only.split(separator: ",").map(String.init)
            selected = ComputeBenchmark.allCases.filter { names.contains($0.rawValue) }
            guestPrograms = names.filter { GuestBenchmarks.allNames.contains($0) }
        } else if targets {
            // Everything but the scaling rows, which no target reads.
            guestPrograms = GuestBenchmarks.allNames.filter { !ScalingBenchmarks.programs.contains($0) }
        }
        let measureMachine = machine || targets
        #if DEBUG
        printError("note: this is a debug build; measure with `swift build -c release` and .build/release/interleave bench")
        #endif
        let qemu = noQemu ? nil : QemuReference.locate()
        if !noQemu && qemu == nil { printError("note: qemu-riscv64 not found (Debian package qemu-user); showing this machine alone") }
        let results = BenchResults()
        #if DEBUG
        results.report.notes.append(("build", "debug"))
        #else
        results.report.notes.append(("build", "release"))
        #endif
        results.report.notes += [("scale", "\(scale)"), ("rounds", "\(rounds)"), ("qemu", qemu?.path ?? "none"),
                                 ("qemuRuns", "\(rounds * Self.qemuRunsPerRound)"),
                                 ("sideBySide", "each measurement alternates with its counterpart in this run; the best of \(rounds) each, "
                                    + "of \(rounds * Self.qemuRunsPerRound) under qemu-riscv64")]
        if let qemu { try measureQemuStartup(qemu, results) }

        if !selected.isEmpty {
            print("program    instructions    time (s)      MIPS" + (qemu != nil ? "   qemu (s)  qemu MIPS   time ratio   less start-up   CPU ratio" : ""))
        }
        for benchmark in selected {
            let elf = benchmark.elf(scale: scale)
            var instructions: UInt64 = 0
            let expected = benchmark.expectedChecksum(scale: scale)
            let (ours, qemuTiming) = try alternately(rounds: rounds, counterpartRuns: Self.qemuRunsPerRound, {
                let runtime = try MinimalUserRuntime(elf: elf)
                let start = ContinuousClock.now, cpuStart = threadCPUSeconds()
                let stop = runtime.runToExit()
                let timing = Timing(seconds: (ContinuousClock.now - start).seconds, cpuSeconds: threadCPUSeconds() - cpuStart)
                instructions = runtime.machine.totalSteps
                let checksum = Self.checksum(runtime.output)
                guard checksum == expected else {
                    throw fail("\(benchmark.rawValue): wrong checksum \(checksum.map { String($0) } ?? "none") (expected \(expected)); stop: \(stop)", status: 1)
                }
                return timing
            }, qemu.map { qemu in {
                let (output, timing) = try Timing.qemu(qemu, elf: elf)
                guard Self.checksum(output) == expected else {
                    throw fail("\(benchmark.rawValue): qemu-riscv64 printed a different checksum", status: 1)
                }
                return timing
            } })
            let seconds = ours.seconds, qemuSeconds = qemuTiming?.seconds
            let row = BenchReport.ProgramRow(name: benchmark.rawValue, kind: "generated", instructions: instructions,
                                             seconds: seconds, qemuSeconds: qemuSeconds,
                                             cpuSeconds: ours.cpuSeconds, qemuCPUSeconds: qemuTiming?.cpuSeconds)
            results.report.programs.append(row)
            var line = pad(benchmark.rawValue, 8) + pad("\(instructions)", 15, left: true) + pad(format(seconds, 3), 12, left: true)
                + pad(format(row.mips, 1), 10, left: true)
            if let qemuSeconds {
                line += pad(format(qemuSeconds, 3), 11, left: true) + pad(format(Double(instructions) / qemuSeconds / 1e6, 1), 11, left: true)
                line += Self.ratioColumns(row, qemuStartup: results.report.qemuStartupSeconds)
            }
            print(line)
        }
        if guestPrograms?.isEmpty != true {
            try GuestBenchmarks(qemu: qemu, rounds: rounds, results: results, scaling: !targets).run(only: guestPrograms)
        }
        if measureMachine {
            try machineFeatures(results)
            try cachesOnAgainstOff(selected, guestPrograms: guestPrograms, results)
        }
        if cluster { try clusterRows() }   // ClusterBenchmarks.swift
        if only?.split(separator: ",").contains(Substring(SnapshotBenchmarks.name)) == true {
            try SnapshotBenchmarks.run(rounds: rounds)   // SnapshotBenchmarks.swift
        }
        if only?.split(separator: ",").contains("races") == true { try raceRows(results) }   // RaceBenchmarks.swift
        if only?.split(separator: ",").contains("explore") ?? !targets, let (builder, folder) = GuestBenchmarks.builderAndPrograms() {
            try ExploreBenchmarks(build: { path in try GuestBenchmarks.build(path, builder: builder, folder: folder) ?? [] }).run()   // ExploreBenchmarks.swift
        }
        try summarise(results, table: targets || only == nil)   // BenchSummary.swift
        if let before = compare.first {
            print("")
            print("\(before) (before) against this run (after):")
            print(BenchComparison.table(before: try .read(jsonFile: before), after: results.report))
        }
    }

    /// The preset the cache rows use: the deepest hierarchy (private L2s, a shared L3).
    static let cachePreset = MemoryPreset.manyCore

    /// Every selected program with caches off and with `cachePreset` on, alternately in one
    /// run; the ratio is the speed kept with caches on (the issue asks for at least 0.5).
    func cachesOnAgainstOff(_ programs: [ComputeBenchmark], guestPrograms: [String]?, _ results: BenchResults) throws {
        print("")
        print("caches (program)            off (s)    \(Self.cachePreset.name) (s)   MIPS off   MIPS on   on/off speed")
        for program in programs {
            let elf = program.elf(scale: scale)
            func measure(caches: Bool) throws -> (seconds: Double, instructions: UInt64) {
                var configuration = MachineConfiguration()
                configuration.memoryHierarchy = caches ? Self.cachePreset.hierarchy : nil
                let runtime = try MinimalUserRuntime(elf: elf, configuration: configuration)
                let start = ContinuousClock.now
                _ = runtime.runToExit()
                let seconds = (ContinuousClock.now - start).seconds
                guard Self.checksum(runtime.output) == program.expectedChecksum(scale: scale) else {
                    throw fail("\(program.rawValue) with caches \(caches ? "on" : "off"): wrong checksum", status: 1)
                }
                return (seconds, runtime.machine.totalSteps)
            }
            try cacheRow(program.rawValue, results) { try measure(caches: $0) }
        }
        try GuestBenchmarks(qemu: nil, rounds: rounds, results: results, scaling: false)
            .cachesOnAgainstOff(only: guestPrograms, preset: Self.cachePreset) { label, name, measure in
                try cacheRow(label, results, name: name, measure)
            }
    }

    /// Off, on, off, on, ...: the faster of each, so a busy host hurts both alike.
    func cacheRow(_ label: String, _ results: BenchResults, name: String? = nil,
                  _ measure: (Bool) throws -> (seconds: Double, instructions: UInt64)) throws {
        var off = Double.infinity, on = Double.infinity, instructions = (off: UInt64(0), on: UInt64(0))
        for round in 0..<(2 * rounds) {
            let result = try measure(round % 2 == 1)
            if round % 2 == 1 {
                on = min(on, result.seconds)
                instructions.on = result.instructions
            } else {
                off = min(off, result.seconds)
                instructions.off = result.instructions
            }
        }
        let row = BenchReport.CacheRow(program: name ?? label, offSeconds: off, onSeconds: on,
                                       mipsOff: Double(instructions.off) / off / 1e6, mipsOn: Double(instructions.on) / on / 1e6)
        results.report.caches.append(row)
        print(pad(label, 24) + pad(format(off, 3), 11, left: true) + pad(format(on, 3), 12, left: true)
              + pad(format(row.mipsOff, 1), 11, left: true) + pad(format(row.mipsOn, 1), 10, left: true)
              + pad(format(row.ratio, 2), 15, left: true))
    }

    /// Paging against no paging, and 4 harts against 1, on the integer and memory loops:
    /// each row alternates with the 1-hart baseline, the best of `rounds` each.
    func machineFeatures(_ results: BenchResults) throws {
        func measure(_ program: ComputeBenchmark, harts: Int = 1, granularity: Int = 1000, paging: Bool = false) throws -> Double {
            let elf = program.elf(scale: scale)
            var configuration = MachineConfiguration()
            configuration.hartCount = harts
            configuration.interleaveGranularity = granularity
            let runtime = try MinimalUserRuntime(elf: elf, configuration: configuration, paging: paging)
            let start = ContinuousClock.now
            _ = runtime.runToExit()
            if let trap = runtime.unhandledTrap { throw fail("the \(program) program trapped: \(trapCauseName(trap.cause))", status: 1) }
            return Double(runtime.machine.totalSteps) / (ContinuousClock.now - start).seconds / 1e6
        }
        print("")
        print("machine feature (program)                      MIPS   relative to 1 hart, paging off")
        let features: [(String, Int, Int, Bool)] = [
            ("1 hart, Sv39 paging on, TLB warm", 1, 1000, true),
            ("4 harts, granularity 1", 4, 1, false),
            ("4 harts, granularity 1000", 4, 1000, false),
        ]
        for program in [ComputeBenchmark.integer, .memory] {
            var baseline = 0.0
            var best = [Double](repeating: 0, count: features.count)
            for _ in 0..<rounds {
                baseline = max(baseline, try measure(program))
                for (index, (_, harts, granularity, paging)) in features.enumerated() {
                    best[index] = max(best[index], try measure(program, harts: harts, granularity: granularity, paging: paging))
                }
            }
            print(pad("1 hart, paging off (\(program))", 44) + pad(format(baseline, 1), 9, left: true) + pad("1.00", 10, left: true))
            results.report.features.append(.init(feature: "1 hart, paging off", program: program.rawValue, harts: 1, granularity: 1000,
                                                 mips: baseline, relative: 1))
            for (index, (name, harts, granularity, _)) in features.enumerated() {
                print(pad("\(name) (\(program))", 44) + pad(format(best[index], 1), 9, left: true)
                      + pad(format(best[index] / baseline, 2), 10, left: true))
                results.report.features.append(.init(feature: name, program: program.rawValue, harts: harts, granularity: granularity,
                                                     mips: best[index], relative: best[index] / baseline))
            }
        }
    }

    /// qemu-riscv64's whole-process time for the integer loop cut to one pass (a program
    /// that only writes its checksum and exits): the best of `qemuStartupRuns`.
    func measureQemuStartup(_ qemu: QemuReference, _ results: BenchResults) throws {
        let elf = ComputeBenchmark.integer.elf(iterations: 1)
        var best = Double.infinity
        for _ in 0..<Self.qemuStartupRuns { best = min(best, try qemu.run(elf: elf).seconds) }
        results.report.qemuStartupSeconds = best
        print("qemu-riscv64 start-up: \(format(best, 3)) s, the best of \(Self.qemuStartupRuns) runs of a program that only exits.")
        print("qemu's times below are its whole process, start-up included; ours leave out loading. \"less start-up\"")
        print("is a second ratio: our time over qemu's time less that start-up. The targets take the first.")
        print("")
    }

    /// A row's three ratios to qemu: wall-clock, wall-clock less qemu's start-up, CPU time.
    static func ratioColumns(_ row: BenchReport.ProgramRow, qemuStartup: Double?) -> String {
        func ratio(_ value: Double?, _ width: Int) -> String { pad(value.map { format($0, 2) + "x" } ?? "-", width, left: true) }
        return ratio(row.timeRatio, 13) + ratio(row.timeRatio(lessQemuStartup: qemuStartup), 16) + ratio(row.cpuTimeRatio, 12)
    }

    static func checksum(_ output: [UInt8]) -> UInt64? {
        guard output.count == 8 else { return nil }
        return littleEndianWord(output, at: 0)
    }
}

func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return left ? fill + text : text + fill
}

/// Runs `measure` once and then `counterpart` `counterpartRuns` times, `rounds` times over:
/// the best (least) time of each, so a busy moment of the host hurts both alike.
func alternately(rounds: Int, counterpartRuns: Int = 1, _ measure: () throws -> Double,
                 _ counterpart: (() throws -> Double)?) throws -> (Double, Double?) {
    let (best, other) = try alternately(rounds: rounds, counterpartRuns: counterpartRuns,
                                        { Timing(seconds: try measure(), cpuSeconds: 0) },
                                        counterpart.map { counterpart in { Timing(seconds: try counterpart(), cpuSeconds: 0) } })
    return (best.seconds, other?.seconds)
}

/// The same, with wall-clock and CPU time: the least of each, taken separately.
func alternately(rounds: Int, counterpartRuns: Int = 1, _ measure: () throws -> Timing,
                 _ counterpart: (() throws -> Timing)?) throws -> (Timing, Timing?) {
    var best = Timing.worst, bestCounterpart: Timing? = nil
    for _ in 0..<max(1, rounds) {
        best = best.least(try measure())
        guard let counterpart else { continue }
        for _ in 0..<max(1, counterpartRuns) { bestCounterpart = (bestCounterpart ?? .worst).least(try counterpart()) }
    }
    return (best, bestCounterpart)
}

/// One run's wall-clock seconds and CPU seconds.
struct Timing {
    var seconds: Double
    var cpuSeconds: Double

    static let worst = Timing(seconds: .infinity, cpuSeconds: .infinity)

    func least(_ other: Timing) -> Timing {
        Timing(seconds: min(seconds, other.seconds), cpuSeconds: min(cpuSeconds, other.cpuSeconds))
    }

    /// A run under qemu-riscv64 with its process's CPU time: what the children this process
    /// waited for used, before and after (the bench starts no other child meanwhile).
    static func qemu(_ qemu: QemuReference, elf: [UInt8]) throws -> (output: [UInt8], timing: Timing) {
        let before = childrenCPUSeconds()
        let result = try qemu.run(elf: elf)
        return (result.output, Timing(seconds: result.seconds, cpuSeconds: childrenCPUSeconds() - before))
    }
}

/// CPU seconds (user and system) of the children this process has waited for.
func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// What one bench run measured, shared by its parts as they print their rows.
final class BenchResults {
    var report = BenchReport()
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
