// `interleave bench`, second part: compute-bound Swift programs and a C program built
// against glibc (Guest/Programs/Bench), run as processes under the kernel and under
// qemu-riscv64 alternately in the same run; their output must agree before a time is
// believed. Then the kernel's paths, and the cost of an attached trace recorder.

import ArgumentParser
import Foundation
import Kernel
import Machine
import MachineTools
import Toolchain
import Trace

struct GuestBenchmarks {
    static let programs = ["sieve", "nbody", "dictionary", "sort"]
    /// C programs built against glibc (static, -O2): the CPU benchmark of the CoreMark kind.
    static let cPrograms = ["coremark-kind"]
    /// Kernel paths: a system call round trip, a byte's round trip between two threads
    /// through two pipes and through a UNIX socket pair (two writes, two reads, two
    /// wake-ups), a switch by sched_yield (one call and one switch), and a futex hand-off
    /// (two calls per switch). Threads, so no qemu.
    static let kernelPrograms = ["syscalls", "pipe-trips", "socket-trips", "yields", "switches"]
    /// Round trips the pipe and socket rows make.
    static let roundTrips = 200_000
    /// The cost of recording a trace: the same runs with no recorder and with one.
    static let tracing = "tracing"
    /// Rounds of the tracing rows at least: their ratio is judged against 1.02, so they
    /// need more runs than the others to keep a busy host's noise under 2%.
    static let tracingRounds = 5
    /// Every name `--only` accepts for the guest programs (ScalingBenchmarks.swift has the last group).
    static let allNames = programs + cPrograms + kernelPrograms + [tracing] + ScalingBenchmarks.programs

    let qemu: QemuReference?
    /// Runs of each measurement; the best counts.
    let rounds: Int
    let results: BenchResults
    /// Whether to run the scaling rows (not part of `--targets`).
    let scaling: Bool

    /// The guest builder and the folder of the bench's programs, or nil (with a note) when
    /// there is no toolchain to build them.
    static func builderAndPrograms() -> (GuestBuilder, String)? {
        do {
            return (try GuestBuilder(toolchain: try Toolchain.locate(explicitPath: nil)), try GuestSources.locate().root + "/Programs")
        } catch {
            printError("note: skipping the guest programs: \(error)")
            return nil
        }
    }

    /// Builds `path` (relative to Guest/Programs): Swift, or C against glibc for the C
    /// programs; nil (with a note) when riscv64-linux-gnu-gcc is missing for one of those.
    static func build(_ path: String, builder: GuestBuilder, folder: String) throws -> [UInt8]? {
        let glibc = cPrograms.contains { path == "Bench/\($0).c" }
        if glibc, case .failure(let error) = Result(catching: { try LinuxCToolchain.locate() }) {
            printError("note: skipping \(path): \(error)")
            return nil
        }
        do {
            let built = try builder.build(sources: [folder + "/" + path], optimization: .speed,
                                          c: CBuildOptions(library: glibc ? .glibc : .automatic), debugInfo: false,
                                          progress: { printError("  \($0)") })
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: built.elfPath)))
        } catch {
            throw fail("\(path) did not build: \(error)", status: 1)
        }
    }

    /// The source of a Swift or C program of the table.
    static func source(_ name: String) -> String { cPrograms.contains(name) ? "Bench/\(name).c" : "Bench/\(name).swift" }

    /// One run under the kernel to its exit: host seconds (wall clock, and the CPU time of
    /// this thread, which runs the whole simulation), standard output and statistics.
    static func runUnderKernel(_ elf: [UInt8], name: String, arguments: [String] = [],
                               configuration: KernelConfiguration = KernelConfiguration(), trace: TraceRecorder? = nil)
        throws -> (seconds: Double, cpuSeconds: Double, output: [UInt8], statistics: KernelStatistics) {
        var output: [UInt8] = []
        let io = KernelIO(writeOutput: { output += $0 }, writeError: { writeStandardError($0) })
        let kernel = try Kernel(executable: elf, name: name, arguments: arguments, configuration: configuration, io: io, trace: trace)
        let start = ContinuousClock.now, cpuStart = threadCPUSeconds()
        let ending = kernel.run()
        let seconds = (ContinuousClock.now - start).seconds, cpuSeconds = threadCPUSeconds() - cpuStart
        guard case .exited(status: 0) = ending else {
            throw fail("\(name): \(ending); it printed \(String(decoding: output.suffix(400), as: UTF8.self))", status: 1)
        }
        return (seconds, cpuSeconds, output, kernel.statistics)
    }

    func run(only: [String]?) throws {
        guard let (builder, folder) = Self.builderAndPrograms() else { return }
        func build(_ path: String) throws -> [UInt8] {
            guard let elf = try Self.build(path, builder: builder, folder: folder) else {
                throw fail("\(path) needs \(LinuxCToolchain.compilerName)", status: 1)
            }
            return elf
        }
        let selected = (Self.programs + Self.cPrograms).filter { only?.contains($0) ?? true }
        if !selected.isEmpty {
            print("")
            print("program (kernel)         instructions    time (s)      MIPS" + (qemu != nil ? "   qemu (s)   time ratio   less start-up   CPU ratio" : ""))
        }
        for name in selected {
            guard let elf = try Self.build(Self.source(name), builder: builder, folder: folder) else { continue }
            var instructions: UInt64 = 0, output: [UInt8] = []
            let (ours, qemuTiming) = try alternately(rounds: rounds, counterpartRuns: BenchCommand.qemuRunsPerRound, {
                let run = try Self.runUnderKernel(elf, name: name)
                instructions = run.statistics.instructions
                output = run.output
                return Timing(seconds: run.seconds, cpuSeconds: run.cpuSeconds)
            }, qemu.map { qemu in {
                let reference = try Timing.qemu(qemu, elf: elf), timing = reference.timing
                guard reference.output == output else {
                    throw fail("\(name): qemu-riscv64 printed \(String(decoding: reference.output, as: UTF8.self)) but the kernel run printed \(String(decoding: output, as: UTF8.self))", status: 1)
                }
                return timing
            } })
            let seconds = ours.seconds, qemuSeconds = qemuTiming?.seconds
            let label = Self.cPrograms.contains(name) ? "\(name) (C)" : name
            let row = BenchReport.ProgramRow(name: name, kind: Self.cPrograms.contains(name) ? "c" : "swift",
                                             instructions: instructions, seconds: seconds, qemuSeconds: qemuSeconds,
                                             cpuSeconds: ours.cpuSeconds, qemuCPUSeconds: qemuTiming?.cpuSeconds)
            results.report.programs.append(row)
            var line = pad(label, 22) + pad("\(instructions)", 15, left: true) + pad(format(seconds, 3), 12, left: true)
                + pad(format(row.mips, 1), 10, left: true)
            if let qemuSeconds {
                line += pad(format(qemuSeconds, 3), 11, left: true)
                    + BenchCommand.ratioColumns(row, qemuStartup: results.report.qemuStartupSeconds)
            }
            print(line)
        }
        let kernelPaths = Self.kernelPrograms.filter { only?.contains($0) ?? true }
        if only?.contains(Self.tracing) ?? true { try measureTracing(build: build) }
        if scaling { try ScalingBenchmarks(build: build).run(only: only) }
        guard !kernelPaths.isEmpty else { return }
        print("")
        print("kernel path          operations    time (s)   host ns each   per host second")
        for name in kernelPaths {
            // The futex hand-off is the ping-pong the thread tests run, with more rounds.
            let (path, arguments): (String, [String]) = switch name {
            case "switches": ("Threads/ping-pong.swift", ["500000"])
            case "pipe-trips": ("Bench/round-trips.c", ["pipe", "\(Self.roundTrips)"])
            case "socket-trips": ("Bench/round-trips.c", ["socket", "\(Self.roundTrips)"])
            default: ("Bench/\(name).swift", [])
            }
            let elf = try build(path)
            var statistics: KernelStatistics? = nil
            let (seconds, _) = try alternately(rounds: rounds, {
                let run = try Self.runUnderKernel(elf, name: name, arguments: arguments)
                statistics = run.statistics
                return run.seconds
            }, nil)
            guard let statistics else { continue }
            let (label, count): (String, UInt64) = switch name {
            case "syscalls": ("system call", statistics.systemCalls)
            case "pipe-trips": ("pipe round trip", UInt64(Self.roundTrips))
            case "socket-trips": ("socket round trip", UInt64(Self.roundTrips))
            case "yields": ("yield + switch", statistics.contextSwitches)
            default: ("futex hand-off", statistics.contextSwitches)
            }
            let row = BenchReport.KernelPathRow(name: name, label: label, operations: count, seconds: seconds)
            results.report.kernelPaths.append(row)
            print(pad(label, 18) + pad("\(count)", 14, left: true) + pad(format(seconds, 3), 12, left: true)
                  + pad(format(row.nanosecondsEach, 0), 15, left: true) + pad(format(row.perSecond, 0), 18, left: true))
        }
    }

    /// The Swift and C programs under the kernel with caches off and with `preset` on
    /// (BenchCommand's rows): `row` takes the label, the program's name and the measurement.
    func cachesOnAgainstOff(only: [String]?, preset: MemoryPreset,
                            row: (String, String, (Bool) throws -> (seconds: Double, instructions: UInt64)) throws -> Void) throws {
        let selected = (Self.programs + Self.cPrograms).filter { only?.contains($0) ?? true }
        guard !selected.isEmpty else { return }
        guard let (builder, folder) = Self.builderAndPrograms() else { return }
        for name in selected {
            guard let elf = try Self.build(Self.source(name), builder: builder, folder: folder) else { continue }
            var expected: [UInt8]? = nil
            try row(name + " (kernel)", name) { caches in
                var configuration = KernelConfiguration()
                configuration.memoryHierarchy = caches ? preset.hierarchy : nil
                let run = try Self.runUnderKernel(elf, name: name, configuration: configuration)
                if let expected, expected != run.output { throw fail("\(name): the output differs with caches on and off", status: 1) }
                expected = run.output
                return (run.seconds, run.statistics.instructions)
            }
        }
    }

    /// Each program with no trace recorder and with one attached, alternately, at least
    /// `tracingRounds` times each; the least CPU time of this thread (which runs the whole
    /// simulation) of each: unlike wall-clock time it leaves out the moments another
    /// process held the core, the main noise of a shared host. The recorder takes the
    /// kernel's events (switches, system calls, ...) but no per-instruction ones: the compute
    /// row is what "tracing off costs nothing" is judged on (the run loop has no
    /// per-instruction trace check to pay for); the switches row shows what recording costs
    /// where there is much to record.
    func measureTracing(build: (String) throws -> [UInt8]) throws {
        print("")
        print("tracing (recorder attached, no instruction events)  off (CPU s) on (CPU s)   events   on/off")
        for (label, path, arguments, compute) in [("sieve (compute)", "Bench/sieve.swift", [String](), true),
                                                  ("ping-pong (switches)", "Threads/ping-pong.swift", ["200000"], false)] {
            let elf = try build(path)
            var best = (off: Double.infinity, on: Double.infinity), events: UInt64 = 0
            for round in 0..<(2 * max(Self.tracingRounds, rounds)) {
                let recorder = round % 2 == 1 ? TraceRecorder(clockFrequency: KernelConfiguration().clockFrequency, harts: 1) : nil
                let seconds = try Self.runUnderKernel(elf, name: label, arguments: arguments, trace: recorder).cpuSeconds
                if let recorder {
                    best.on = min(best.on, seconds)
                    events = recorder.recorded
                } else {
                    best.off = min(best.off, seconds)
                }
            }
            let row = BenchReport.TracingRow(label: label, compute: compute, offSeconds: best.off, onSeconds: best.on, events: events)
            results.report.tracing.append(row)
            print(pad(label, 51) + pad(format(best.off, 3), 12, left: true) + pad(format(best.on, 3), 11, left: true)
                  + pad("\(events)", 11, left: true) + pad(format(row.ratio, 3), 9, left: true))
        }
    }
}

/// CPU seconds this thread has run (CLOCK_THREAD_CPUTIME_ID).
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
