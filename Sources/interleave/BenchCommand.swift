// `interleave bench`: how fast the machine runs compute-bound guest code, measured in
// host wall-clock time (the only place the tool reads a clock), with the same ELF run
// under `qemu-riscv64` side by side in the same run when it is installed.

import ArgumentParser
import Foundation
import Machine
import MachineTools
import Toolchain

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the machine's speed (MIPS) on compute-bound programs, beside qemu-riscv64.",
        discussion: "Build with `swift build -c release` first: debug builds are 20-50 times slower."
    )

    @Option(help: "Work per program: 1 is about 100 million instructions each \(OptionRange.text(OptionRange.benchScale)).")
    var scale: Int = 1

    @Option(help: "Programs to run (comma-separated): \((ComputeBenchmark.allCases.map(\.rawValue) + GuestBenchmarks.allNames).joined(separator: ", ")).")
    var only: String?

    @Flag(help: "Skip the qemu-riscv64 comparison.")
    var noQemu = false

    @Flag(help: "Also measure the machine features: Sv39 paging on, several harts at fine and coarse interleaving, and every program with caches off and on (the zen4 preset).")
    var machine = false

    @Flag(help: "Also measure several machines in one simulation: 8 machines of 4 harts against 1 doing the same work.")
    var cluster = false

    func validate() throws {
        try OptionRange.check(scale, OptionRange.benchScale, option: "scale")
    }

    func run() throws {
        var selected = ComputeBenchmark.allCases
        var swiftPrograms: [String]? = nil
        if let only {
            selected = []
            swiftPrograms = []
            for name in only.split(separator: ",").map(String.init) {
                if let benchmark = ComputeBenchmark(rawValue: name) {
                    selected.append(benchmark)
                } else if GuestBenchmarks.allNames.contains(name) {
                    swiftPrograms?.append(name)
                } else {
                    let all = ComputeBenchmark.allCases.map(\.rawValue) + GuestBenchmarks.allNames
                    throw ValidationError("unknown program '\(name)'; the programs are \(all.joined(separator: ", "))")
                }
            }
        }
        #if DEBUG
        printError("note: this is a debug build; measure with `swift build -c release` and .build/release/interleave bench")
        #endif
        let qemu = noQemu ? nil : QemuReference.locate()
        if !noQemu && qemu == nil { printError("note: qemu-riscv64 not found (Debian package qemu-user); showing this machine alone") }

        if !selected.isEmpty {
            print("program    instructions    time (s)      MIPS" + (qemu != nil ? "   qemu (s)  qemu MIPS   time ratio" : ""))
        }
        for benchmark in selected {
            let elf = benchmark.elf(scale: scale)
            let runtime = try MinimalUserRuntime(elf: elf)
            let start = ContinuousClock.now
            let stop = runtime.runToExit()
            let seconds = (ContinuousClock.now - start).seconds
            let instructions = runtime.machine.totalSteps
            let checksum = Self.checksum(runtime.output)
            guard checksum == benchmark.expectedChecksum(scale: scale) else {
                throw fail("\(benchmark.rawValue): wrong checksum \(checksum.map { String($0) } ?? "none") (expected \(benchmark.expectedChecksum(scale: scale))); stop: \(stop)", status: 1)
            }
            let mips = Double(instructions) / seconds / 1e6
            var line = pad(benchmark.rawValue, 8) + pad("\(instructions)", 15, left: true) + pad(format(seconds, 3), 12, left: true)
                + pad(format(mips, 1), 10, left: true)
            if let qemu {
                let result = try qemu.run(elf: elf)
                guard Self.checksum(result.output) == checksum else {
                    throw fail("\(benchmark.rawValue): qemu-riscv64 printed a different checksum", status: 1)
                }
                line += pad(format(result.seconds, 3), 11, left: true) + pad(format(Double(instructions) / result.seconds / 1e6, 1), 11, left: true)
                    + pad(format(seconds / result.seconds, 2) + "x", 13, left: true)
            }
            print(line)
        }
        if swiftPrograms?.isEmpty != true { try GuestBenchmarks(qemu: qemu).run(only: swiftPrograms) }
        if machine {
            try machineFeatures()
            try cachesOnAgainstOff(selected, swiftPrograms: swiftPrograms)
        }
        if cluster { try clusterRows() }   // ClusterBenchmarks.swift
    }

    /// The preset the cache rows use: the deepest hierarchy (private L2s, a shared L3).
    static let cachePreset = MemoryPreset.manyCore

    /// Every selected program with caches off and with `cachePreset` on, alternately in one
    /// run; the ratio is the speed kept with caches on (the issue asks for at least 0.5).
    func cachesOnAgainstOff(_ programs: [ComputeBenchmark], swiftPrograms: [String]?) throws {
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
            try printCacheRow(program.rawValue) { try measure(caches: $0) }
        }
        try GuestBenchmarks(qemu: nil).cachesOnAgainstOff(only: swiftPrograms, preset: Self.cachePreset, row: printCacheRow)
    }

    /// Off, on, off, on: the faster of each, so a busy host hurts both alike.
    func printCacheRow(_ label: String, _ measure: (Bool) throws -> (seconds: Double, instructions: UInt64)) throws {
        var off = Double.infinity, on = Double.infinity, instructions = (off: UInt64(0), on: UInt64(0))
        for round in 0..<4 {
            let result = try measure(round % 2 == 1)
            if round % 2 == 1 {
                on = min(on, result.seconds)
                instructions.on = result.instructions
            } else {
                off = min(off, result.seconds)
                instructions.off = result.instructions
            }
        }
        let mipsOff = Double(instructions.off) / off / 1e6, mipsOn = Double(instructions.on) / on / 1e6
        print(pad(label, 24) + pad(format(off, 3), 11, left: true) + pad(format(on, 3), 12, left: true)
              + pad(format(mipsOff, 1), 11, left: true) + pad(format(mipsOn, 1), 10, left: true)
              + pad(format(mipsOn / mipsOff, 2), 15, left: true))
    }

    /// Paging against no paging, and 4 harts against 1, on the integer loop, side by side.
    func machineFeatures() throws {
        func measure(_ program: ComputeBenchmark = .integer, harts: Int = 1, granularity: Int = 1000, paging: Bool = false) throws -> Double {
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
        for program in [ComputeBenchmark.integer, .memory] {
            let baseline = try measure(program)
            print(pad("1 hart, paging off (\(program))", 44) + pad(format(baseline, 1), 9, left: true) + pad("1.00", 10, left: true))
            let rows: [(String, Int, Int, Bool)] = [
                ("1 hart, Sv39 paging on, TLB warm", 1, 1000, true),
                ("4 harts, granularity 1", 4, 1, false),
                ("4 harts, granularity 1000", 4, 1000, false),
            ]
            for (name, harts, granularity, paging) in rows {
                let mips = try measure(program, harts: harts, granularity: granularity, paging: paging)
                print(pad("\(name) (\(program))", 44) + pad(format(mips, 1), 9, left: true) + pad(format(mips / baseline, 2), 10, left: true))
            }
        }
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

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
