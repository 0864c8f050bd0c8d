// `interleave bench --only races`: what race detection costs. The same multi-threaded
// program (Guest/Programs/Explore/races-bench.swift: two threads sieving, a mutex around
// their shared total) runs without and with the race log and its monitor, alternately in
// one run; the ratio of their host times is the overhead (the issue's target: at most 5×;
// ThreadSanitizer's is 5–15×).

import Explore
import Foundation
import Kernel
import Toolchain

extension BenchCommand {
    /// The names `--only` accepts for these rows.
    static let raceBenchmarkNames = ["races"]
    static let raceOverheadTarget = 5.0

    func raceRows(_ results: BenchResults) throws {
        guard let (builder, folder) = GuestBenchmarks.builderAndPrograms() else { return }
        guard let elf = try GuestBenchmarks.build("Explore/races-bench.swift", builder: builder, folder: folder) else { return }
        let arguments = ["2", "\(200_000 * scale)", "4"]
        var instructions: UInt64 = 0
        var races = 0
        func measure(detecting: Bool) throws -> Double {
            var configuration = KernelConfiguration()
            configuration.harts = 2
            configuration.exploration.raceLog = detecting
            let io = KernelIO(writeOutput: { _ in }, writeError: { writeStandardError($0) })
            let kernel = try Kernel(executable: elf, name: "races-bench", arguments: arguments, configuration: configuration, io: io)
            let monitor = detecting ? RaceMonitor() : nil
            monitor?.attach(to: kernel)
            let start = ContinuousClock.now
            let ending = kernel.run()
            monitor?.drain()
            let seconds = (ContinuousClock.now - start).seconds
            guard case .exited(status: 0) = ending else { throw fail("races-bench: \(ending)", status: 1) }
            instructions = kernel.machine.totalSteps
            if let monitor { races = monitor.races.count }
            return seconds
        }
        let (off, on) = try alternately(rounds: rounds, { try measure(detecting: false) }, { try measure(detecting: true) })
        let detecting = on ?? off
        let ratio = detecting / max(off, 1e-9)
        print("")
        print("race detection (2 threads)     instructions   off (s)   on (s)   MIPS off   MIPS on   overhead   races")
        print(pad("races-bench", 30) + pad("\(instructions)", 15, left: true) + pad(format(off, 3), 10, left: true)
              + pad(format(detecting, 3), 9, left: true) + pad(format(Double(instructions) / off / 1e6, 1), 11, left: true)
              + pad(format(Double(instructions) / detecting / 1e6, 1), 10, left: true) + pad(format(ratio, 2) + "×", 11, left: true)
              + pad("\(races)", 8, left: true))
        print("  target: at most \(format(Self.raceOverheadTarget, 0))× — \(ratio <= Self.raceOverheadTarget ? "met" : "not met")")
        results.report.notes.append(("raceOverhead", format(ratio, 2)))
    }
}
