// The bench's summary of issue 17's targets on given figures (no timing): the geometric
// mean, met / not met at and around each goal, "not measured" when a run lacks part of a
// target's figures, the printed table, and the --json text parsing back to the same values.

import Foundation
import MachineTools
import Testing

@Suite struct BenchTargetsTests {
    /// A report with every figure the targets read: each program `ratio` times qemu's time.
    static func report(ratio: (String) -> Double = { _ in 1.5 }) -> BenchReport {
        var report = BenchReport()
        for name in BenchTargets.ratioPrograms {
            let r = ratio(name)
            report.programs.append(.init(name: name, kind: "generated", instructions: 100_000_000, seconds: r * 0.1, qemuSeconds: 0.1))
            report.caches.append(.init(program: name, offSeconds: 1, onSeconds: 1.25, mipsOff: 100, mipsOn: 80))
        }
        report.features = [
            .init(feature: "1 hart, paging off", program: "memory", harts: 1, granularity: 1000, mips: 300, relative: 1),
            .init(feature: "4 harts, granularity 1", program: "memory", harts: 4, granularity: 1, mips: 150, relative: 0.5),
            .init(feature: "4 harts, granularity 1000", program: "memory", harts: 4, granularity: 1000, mips: 294, relative: 0.98),
            .init(feature: "4 harts, granularity 1", program: "integer", harts: 4, granularity: 1, mips: 30, relative: 0.1),
        ]
        report.kernelPaths = [
            .init(name: "syscalls", label: "system call", operations: 1_000_000, seconds: 0.0599),
            .init(name: "yields", label: "yield + switch", operations: 1_000_000, seconds: 0.151),
            .init(name: "switches", label: "futex hand-off", operations: 1_000_000, seconds: 0.5),
        ]
        report.tracing = [
            .init(label: "sieve (compute)", compute: true, offSeconds: 1.0, onSeconds: 1.01, events: 500),
            .init(label: "ping-pong (switches)", compute: false, offSeconds: 1.0, onSeconds: 1.5, events: 1_000_000),
        ]
        return report
    }

    static func status(_ results: [BenchTargetResult], _ target: BenchTarget) -> BenchTargetStatus? {
        results.first { $0.target == target }?.status
    }

    @Test func geometricMean() throws {
        #expect(try #require(BenchTargets.geometricMean([1, 4])) == 2)
        #expect(abs(try #require(BenchTargets.geometricMean([2, 2, 2])) - 2) < 1e-12)
        #expect(abs(try #require(BenchTargets.geometricMean([0.5, 8])) - 2) < 1e-12)
        #expect(BenchTargets.geometricMean([]) == nil)
        #expect(BenchTargets.geometricMean([1, 0]) == nil)
        #expect(BenchTargets.geometricMean([1, -2]) == nil)
        #expect(BenchTargets.geometricMean([1, .infinity]) == nil)
    }

    @Test("every target judged on a full report: met at the goal, not met past it")
    func fullReport() throws {
        let results = BenchTargets.evaluate(Self.report())
        #expect(results.map(\.target) == BenchTarget.allCases)
        #expect(Self.status(results, .geometricMean) == .met)
        #expect(abs(try #require(results[0].value) - 1.5) < 1e-9)
        #expect(Self.status(results, .worstRatio) == .met)
        #expect(Self.status(results, .fourHartsFine) == .met)          // exactly 50%
        #expect(Self.status(results, .fourHartsCoarse) == .met)
        #expect(Self.status(results, .systemCall) == .met)             // 59.9 ns
        #expect(Self.status(results, .yieldSwitch) == .notMet)         // 151 ns
        #expect(Self.status(results, .futexHandOff) == .met)           // 2 M/s exactly
        #expect(Self.status(results, .caches) == .met)                 // 80%
        #expect(Self.status(results, .tracingOff) == .met)             // 1.01, the compute row
        let table = BenchTargets.table(results)
        #expect(table.contains("8 of 9 targets met (9 measured)"), "\(table)")
        #expect(table.contains("151 ns") && table.contains("not met"), "\(table)")
    }

    @Test("the geometric mean and the worst ratio take every program, including the C benchmark")
    func ratios() throws {
        let slow = BenchTargets.evaluate(Self.report { $0 == "coremark-kind" ? 3.5 : 1.5 })
        #expect(Self.status(slow, .worstRatio) == .notMet)
        #expect(slow[1].measured.contains("3.50x (coremark-kind)"), "\(slow[1].measured)")
        // Eight at 1.5 and one at 3.5: the mean is (1.5^8 * 3.5)^(1/9), about 1.65.
        let mean = try #require(slow[0].value)
        #expect(abs(mean - exp((8 * log(1.5) + log(3.5)) / 9)) < 1e-9)
        #expect(Self.status(slow, .geometricMean) == .met)
        let allSlow = BenchTargets.evaluate(Self.report { _ in 2.01 })
        #expect(Self.status(allSlow, .geometricMean) == .notMet)
        #expect(Self.status(allSlow, .worstRatio) == .met)
    }

    @Test("a target whose figures are missing is not measured, never met on part of them")
    func missingFigures() throws {
        var report = Self.report()
        report.programs.removeAll { $0.name == "sort" }
        report.programs[0].qemuSeconds = nil
        report.caches.removeAll { $0.program == "coremark-kind" }
        report.features.removeAll { $0.granularity == 1000 }
        report.kernelPaths.removeAll { $0.name == "switches" }
        report.tracing.removeAll { $0.compute }
        let results = BenchTargets.evaluate(report)
        for target in [BenchTarget.geometricMean, .worstRatio, .fourHartsCoarse, .futexHandOff, .caches, .tracingOff] {
            #expect(Self.status(results, target) == .notMeasured, "\(target)")
            #expect(results.first { $0.target == target }?.value == nil)
        }
        #expect(results[0].measured.contains("missing integer, sort"), "\(results[0].measured)")
        #expect(results.first { $0.target == .caches }?.measured.contains("missing coremark-kind") == true)
        #expect(Self.status(results, .fourHartsFine) == .met)
        #expect(BenchTargets.table(results).contains("(3 measured)"))
    }

    @Test("caches and harts: the worst program, and only the memory loop at 4 harts")
    func cachesAndHarts() throws {
        var report = Self.report()
        report.caches[4].mipsOn = 49
        report.features[1].relative = 0.11
        let results = BenchTargets.evaluate(report)
        #expect(Self.status(results, .caches) == .notMet)
        #expect(results.first { $0.target == .caches }?.measured == "49% (sieve)")
        #expect(Self.status(results, .fourHartsFine) == .notMet)
        report.tracing[0].onSeconds = 1.03
        #expect(Self.status(BenchTargets.evaluate(report), .tracingOff) == .notMet)
    }

    @Test("the --json text parses, with every row and the table")
    func json() throws {
        var report = Self.report()
        report.programs[0].qemuSeconds = nil
        report.notes = [("build", "release"), ("sideBySide", "a \"quoted\"\nnote")]
        let text = report.json(targets: BenchTargets.evaluate(report))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let notes = try #require(object["notes"] as? [String: String])
        #expect(notes["sideBySide"] == "a \"quoted\"\nnote")
        let programs = try #require(object["programs"] as? [[String: Any]])
        #expect(programs.count == BenchTargets.ratioPrograms.count)
        #expect(programs[0]["qemuSeconds"] is NSNull && programs[0]["timeRatio"] is NSNull)
        #expect(programs[1]["name"] as? String == "memory")
        #expect(abs((programs[1]["timeRatio"] as? Double ?? 0) - 1.5) < 1e-9)
        #expect((programs[1]["instructions"] as? Int) == 100_000_000)
        #expect((object["features"] as? [[String: Any]])?.count == 4)
        #expect(abs(((object["kernelPaths"] as? [[String: Any]])?.first?["nanosecondsEach"] as? Double ?? 0) - 59.9) < 1e-6)
        #expect((object["caches"] as? [[String: Any]])?.count == 9)
        #expect((object["tracing"] as? [[String: Any]])?.first?["compute"] as? Bool == true)
        let targets = try #require(object["targets"] as? [[String: Any]])
        #expect(targets.map { $0["target"] as? String } == BenchTarget.allCases.map(\.rawValue))
        #expect(targets[0]["status"] as? String == "not measured" && targets[0]["value"] is NSNull)
        #expect(targets[5]["status"] as? String == "not met")
    }

    @Test("qemu's start-up: the second ratio takes it from qemu's time only, and is missing where qemu is not slower than it")
    func lessQemuStartup() throws {
        var report = Self.report()
        #expect(BenchTargets.ratiosLessQemuStartup(report).geometricMean == nil)   // no start-up measured
        report.qemuStartupSeconds = 0.05
        // 0.15 s here against 0.1 s of qemu, 0.05 s of which start-up: 3x.
        #expect(abs(try #require(report.programs[0].timeRatio(lessQemuStartup: 0.05)) - 3) < 1e-9)
        #expect(abs(try #require(report.programs[0].timeRatio) - 1.5) < 1e-9)
        report.programs[8].seconds = 0.4
        let less = BenchTargets.ratiosLessQemuStartup(report)
        #expect(abs(try #require(less.geometricMean) - exp((8 * log(3.0) + log(8.0)) / 9)) < 1e-9)
        #expect(less.worst?.program == "coremark-kind" && abs((less.worst?.ratio ?? 0) - 8) < 1e-9)
        // The targets stay on whole-process times.
        #expect(abs(try #require(BenchTargets.evaluate(report)[1].value) - 4) < 1e-9)
        #expect(report.programs[0].timeRatio(lessQemuStartup: 0.1) == nil)
        #expect(report.programs[0].timeRatio(lessQemuStartup: nil) == nil)
        report.qemuStartupSeconds = 0.2
        #expect(BenchTargets.ratiosLessQemuStartup(report).geometricMean == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json(targets: []).utf8)) as? [String: Any])
        #expect(object["qemuStartupSeconds"] as? Double == 0.2)
        #expect((object["programs"] as? [[String: Any]])?.first?["timeRatioLessQemuStartup"] is NSNull)
        #expect((object["lessQemuStartup"] as? [String: Any])?["geometricMean"] is NSNull)
    }

    @Test("the CPU-time ratio: a second view beside the wall-clock one, over every program or none")
    func cpuTimeRatios() throws {
        var report = Self.report()
        #expect(report.programs[0].cpuTimeRatio == nil && BenchTargets.ratios(report) { $0.cpuTimeRatio }.geometricMean == nil)
        for index in report.programs.indices {
            report.programs[index].cpuSeconds = 0.12
            report.programs[index].qemuCPUSeconds = index == 2 ? 0.02 : 0.06
        }
        let cpu = BenchTargets.ratios(report) { $0.cpuTimeRatio }
        #expect(abs(try #require(cpu.geometricMean) - exp((8 * log(2.0) + log(6.0)) / 9)) < 1e-9)
        #expect(cpu.worst?.program == "branches" && abs((cpu.worst?.ratio ?? 0) - 6) < 1e-9)
        #expect(abs(try #require(BenchTargets.evaluate(report)[0].value) - 1.5) < 1e-9)   // the target: wall clock
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json(targets: []).utf8)) as? [String: Any])
        #expect(abs(((object["programs"] as? [[String: Any]])?[2]["cpuTimeRatio"] as? Double ?? 0) - 6) < 1e-9)
        #expect((object["cpuTime"] as? [String: Any])?["worstProgram"] as? String == "branches")
        report.programs[5].qemuCPUSeconds = nil
        #expect(BenchTargets.ratios(report) { $0.cpuTimeRatio }.worst == nil)
    }

    @Test("two runs side by side: every program's MIPS and ratio before and after, and each target's status before → after")
    func comparison() throws {
        var before = Self.report { $0 == "sieve" ? 6 : 4 }
        before.programs.removeAll { $0.name == "coremark-kind" }
        before.qemuStartupSeconds = 0.021
        let after = Self.report()
        let table = BenchComparison.table(before: before, after: after)
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // 100 M instructions in 0.6 s before (4x qemu's 0.1 s), in 0.15 s after (1.5x).
        let sieve = try #require(lines.first { $0.hasPrefix("sieve ") })
        #expect(sieve.split(separator: " ") == ["sieve", "166.7", "666.7", "6.00x", "1.50x"], "\(sieve)")
        let integer = try #require(lines.first { $0.hasPrefix("integer ") })
        #expect(integer.split(separator: " ") == ["integer", "250.0", "666.7", "4.00x", "1.50x"], "\(integer)")
        let coremark = try #require(lines.first { $0.hasPrefix("coremark-kind ") })
        #expect(coremark.split(separator: " ") == ["coremark-kind", "-", "666.7", "-", "1.50x"], "\(coremark)")
        #expect(lines.contains { $0.hasPrefix("qemu start-up (s)") && $0.hasSuffix(" 0.021            -") }, "\(table)")
        let mean = try #require(lines.first { $0.hasPrefix("geometric mean") })
        #expect(mean.contains("not measured") && mean.contains("1.50x over 9 programs") && mean.hasSuffix("not measured → met"), "\(mean)")
        #expect(lines.last == "targets met: 6 of 9 before, 8 of 9 after (judged on today's goals)", "\(table)")
    }
}
