// `interleave bench`, second part: compute-bound Swift programs (Guest/Programs/Bench),
// built with the toolchain, run as processes under the kernel and under qemu-riscv64 in
// the same run. Their output must agree before a time is believed.

import ArgumentParser
import Foundation
import Kernel
import Machine
import Toolchain
import Trace

struct GuestBenchmarks {
    static let programs = ["sieve", "nbody", "dictionary", "sort"]
    /// Kernel paths: a system call round trip, a byte's round trip between two threads
    /// through two pipes and through a UNIX socket pair (two writes, two reads, two
    /// wake-ups), a switch by sched_yield (one call and one switch), and a futex hand-off
    /// (two calls per switch). Threads, so no qemu.
    static let kernelPrograms = ["syscalls", "pipe-trips", "socket-trips", "yields", "switches"]
    /// Round trips the pipe and socket rows make.
    static let roundTrips = 200_000
    /// The cost of recording a trace: the same runs with no recorder and with one.
    static let tracing = "tracing"
    /// Every name `--only` accepts for the Swift programs (ScalingBenchmarks.swift has the last group).
    static let allNames = programs + kernelPrograms + [tracing] + ScalingBenchmarks.programs

    let qemu: QemuReference?

    /// The guest builder and the folder of the bench's programs, or nil (with a note) when
    /// there is no toolchain to build them.
    static func builderAndPrograms() -> (GuestBuilder, String)? {
        do {
            return (try GuestBuilder(toolchain: try Toolchain.locate(explicitPath: nil)), try GuestSources.locate().root + "/Programs")
        } catch {
            printError("note: skipping the Swift programs: \(error)")
            return nil
        }
    }

    func run(only: [String]?) throws {
        guard let (builder, folder) = Self.builderAndPrograms() else { return }
        let selected = Self.programs.filter { only?.contains($0) ?? true }
        if !selected.isEmpty {
            print("")
            print("Swift program (kernel)   instructions    time (s)      MIPS" + (qemu != nil ? "   qemu (s)   time ratio" : ""))
        }
        func build(_ path: String) throws -> [UInt8] {
            do {
                let built = try builder.build(sources: [folder + "/" + path], optimization: .speed,
                                              progress: { printError("  \($0)") })
                return [UInt8](try Data(contentsOf: URL(fileURLWithPath: built.elfPath)))
            } catch {
                throw fail("\(path) did not build: \(error)", status: 1)
            }
        }
        for name in selected {
            let elf = try build("Bench/\(name).swift")
            var output: [UInt8] = []
            let io = KernelIO(writeOutput: { output += $0 }, writeError: { writeStandardError($0) })
            let kernel = try Kernel(executable: elf, name: name, arguments: [], io: io)
            let start = ContinuousClock.now
            let ending = kernel.run()
            let seconds = (ContinuousClock.now - start).seconds
            guard case .exited(status: 0) = ending else { throw fail("\(name): \(ending)", status: 1) }
            let instructions = kernel.statistics.instructions
            var line = pad(name, 22) + pad("\(instructions)", 15, left: true) + pad(format(seconds, 3), 12, left: true)
                + pad(format(Double(instructions) / seconds / 1e6, 1), 10, left: true)
            if let qemu {
                let reference = try qemu.run(elf: elf)
                guard reference.output == output else {
                    throw fail("\(name): qemu-riscv64 printed \(String(decoding: reference.output, as: UTF8.self)) but the kernel run printed \(String(decoding: output, as: UTF8.self))", status: 1)
                }
                line += pad(format(reference.seconds, 3), 11, left: true) + pad(format(seconds / reference.seconds, 2) + "x", 13, left: true)
            }
            print(line)
        }
        let kernelPaths = Self.kernelPrograms.filter { only?.contains($0) ?? true }
        if only?.contains(Self.tracing) ?? true { try measureTracing(build: build) }
        try ScalingBenchmarks(build: build).run(only: only)
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
            let io = KernelIO(writeOutput: { _ in }, writeError: { writeStandardError($0) })
            let kernel = try Kernel(executable: elf, name: name, arguments: arguments, io: io)
            let start = ContinuousClock.now
            let ending = kernel.run()
            let seconds = (ContinuousClock.now - start).seconds
            guard case .exited(status: 0) = ending else { throw fail("\(name): \(ending)", status: 1) }
            let statistics = kernel.statistics
            let (label, count): (String, UInt64) = switch name {
            case "syscalls": ("system call", statistics.systemCalls)
            case "pipe-trips": ("pipe round trip", UInt64(Self.roundTrips))
            case "socket-trips": ("socket round trip", UInt64(Self.roundTrips))
            case "yields": ("yield + switch", statistics.contextSwitches)
            default: ("futex hand-off", statistics.contextSwitches)
            }
            print(pad(label, 18) + pad("\(count)", 14, left: true) + pad(format(seconds, 3), 12, left: true)
                  + pad(format(seconds / Double(max(count, 1)) * 1e9, 0), 15, left: true)
                  + pad(format(Double(count) / seconds, 0), 18, left: true))
        }
    }

    /// The Swift programs under the kernel with caches off and with `preset` on (BenchCommand's rows).
    func cachesOnAgainstOff(only: [String]?, preset: MemoryPreset,
                            row: (String, (Bool) throws -> (seconds: Double, instructions: UInt64)) throws -> Void) throws {
        let selected = Self.programs.filter { only?.contains($0) ?? true }
        guard !selected.isEmpty else { return }
        guard let (builder, folder) = Self.builderAndPrograms() else { return }
        for name in selected {
            let built = try builder.build(sources: [folder + "/Bench/\(name).swift"], optimization: .speed, progress: { printError("  \($0)") })
            let elf = [UInt8](try Data(contentsOf: URL(fileURLWithPath: built.elfPath)))
            var expected: [UInt8]? = nil
            try row(name + " (kernel)") { caches in
                var configuration = KernelConfiguration()
                configuration.memoryHierarchy = caches ? preset.hierarchy : nil
                var output: [UInt8] = []
                let io = KernelIO(writeOutput: { output += $0 }, writeError: { writeStandardError($0) })
                let kernel = try Kernel(executable: elf, name: name, arguments: [], configuration: configuration, io: io)
                let start = ContinuousClock.now
                let ending = kernel.run()
                let seconds = (ContinuousClock.now - start).seconds
                guard case .exited(status: 0) = ending else { throw fail("\(name): \(ending)", status: 1) }
                if let expected, expected != output { throw fail("\(name): the output differs with caches on and off", status: 1) }
                expected = output
                return (seconds, kernel.statistics.instructions)
            }
        }
    }

    /// Each program with tracing off and on, alternately, twice; the faster of each pair.
    func measureTracing(build: (String) throws -> [UInt8]) throws {
        print("")
        print("tracing                 off (s)    on (s)     events   on/off")
        for (label, path, arguments) in [("sieve (compute)", "Bench/sieve.swift", [String]()),
                                         ("ping-pong (switches)", "Threads/ping-pong.swift", ["200000"])] {
            let elf = try build(path)
            var best = (off: Double.infinity, on: Double.infinity), events: UInt64 = 0
            for round in 0..<4 {
                let recorder = round % 2 == 1 ? TraceRecorder(clockFrequency: KernelConfiguration().clockFrequency, harts: 1) : nil
                let io = KernelIO(writeOutput: { _ in }, writeError: { writeStandardError($0) })
                let kernel = try Kernel(executable: elf, name: label, arguments: arguments, io: io, trace: recorder)
                let start = ContinuousClock.now
                let ending = kernel.run()
                let seconds = (ContinuousClock.now - start).seconds
                guard case .exited(status: 0) = ending else { throw fail("\(path): \(ending)", status: 1) }
                if let recorder {
                    best.on = min(best.on, seconds)
                    events = recorder.recorded
                } else {
                    best.off = min(best.off, seconds)
                }
            }
            print(pad(label, 22) + pad(format(best.off, 3), 9, left: true) + pad(format(best.on, 3), 10, left: true)
                  + pad("\(events)", 11, left: true) + pad(format(best.on / best.off, 3), 9, left: true))
        }
    }
}
