// `interleave bench`, last part: the table of issue 17's targets judged on this run's
// figures (BenchTargets in MachineTools), and the `--json` file of the rows and the table.

import Foundation
import MachineTools

extension BenchCommand {
    /// Prints the targets' table (when `table`) and writes the JSON file (when asked).
    func summarise(_ results: BenchResults, table: Bool) throws {
        let judged = BenchTargets.evaluate(results.report)
        if table {
            print("")
            print("targets of issue 17 (wall-clock figures measured side by side in this run: each program alternately")
            print("here and under qemu-riscv64, each feature alternately with its baseline; the best of \(rounds) each,")
            print("of \(rounds * Self.qemuRunsPerRound) under qemu; tracing in CPU time, the best of \(max(rounds, GuestBenchmarks.tracingRounds)) each)")
            print(BenchTargets.table(judged))
            let less = BenchTargets.ratiosLessQemuStartup(results.report)
            if let mean = less.geometricMean, let worst = less.worst, let startup = results.report.qemuStartupSeconds {
                print("(not a target) the same ratios with qemu's start-up (\(format(startup, 3)) s) taken from its times: "
                      + "geometric mean \(format(mean, 2))x, worst \(format(worst.ratio, 2))x (\(worst.program))")
            }
            let cpu = BenchTargets.ratios(results.report) { $0.cpuTimeRatio }
            if let mean = cpu.geometricMean, let worst = cpu.worst {
                print("(not a target) the same ratios in CPU time (ours: the simulation thread; qemu: its process): "
                      + "geometric mean \(format(mean, 2))x, worst \(format(worst.ratio, 2))x (\(worst.program))")
            }
            if !targets && judged.contains(where: { $0.status == .notMeasured }) {
                print("(`interleave bench --targets` measures every target)")
            }
        }
        if let json {
            do {
                try results.report.json(targets: judged).write(toFile: json, atomically: true, encoding: .utf8)
            } catch {
                throw fail("--json \(json): cannot write the file: \(error.localizedDescription)", status: 1)
            }
            printError("wrote \(json)")
        }
    }
}
