// Issue 17's speed targets, judged on a bench report: each target's goal, the figure
// measured, and met / not met — or "not measured" when the run did not include what the
// target needs (a target is never called met on part of its figures).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One of the issue's targets.
public enum BenchTarget: String, Sendable, CaseIterable {
    case geometricMean = "geometric mean of time ratios"
    case worstRatio = "worst time ratio"
    case fourHartsFine = "4 harts, granularity 1 (memory)"
    case fourHartsCoarse = "4 harts, granularity 1000 (memory)"
    case systemCall = "system call round trip"
    case yieldSwitch = "yield + switch"
    case futexHandOff = "futex hand-offs"
    case caches = "caches on / off (worst program)"
    case tracingOff = "tracing off costs nothing"
}

public enum BenchTargetStatus: String, Sendable {
    case met
    case notMet = "not met"
    case notMeasured = "not measured"
}

/// A target's judgement: the goal as text, the figure (nil when not measured) and how it
/// was measured.
public struct BenchTargetResult: Sendable, Equatable {
    public var target: BenchTarget
    public var goal: String
    public var value: Double?
    public var measured: String
    public var status: BenchTargetStatus
}

public enum BenchTargets {
    /// The programs whose time ratios against qemu-riscv64 the first two targets take.
    public static let ratioPrograms = ["integer", "memory", "branches", "calls", "sieve", "nbody", "dictionary", "sort",
                                       "coremark-kind"]
    public static let geometricMeanGoal = 2.0
    public static let worstRatioGoal = 3.0
    public static let fourHartsFineGoal = 0.50
    public static let fourHartsCoarseGoal = 0.95
    public static let systemCallGoal = 60.0          // ns
    public static let yieldSwitchGoal = 150.0        // ns
    public static let futexHandOffGoal = 2_000_000.0 // a second
    public static let cachesGoal = 0.50
    /// "Nothing", measured on a busy host: a recorder attached (recording the kernel's
    /// events, no per-instruction ones) may cost at most this over no recorder, the best
    /// of several alternating runs each.
    public static let tracingGoal = 1.02

    /// The geometric mean of positive values (nil for none, or for any value not positive).
    public static func geometricMean(_ values: [Double]) -> Double? {
        guard !values.isEmpty, values.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        var logSum = 0.0
        for value in values { logSum += log(value) }
        return exp(logSum / Double(values.count))
    }

    /// The first two targets' figures computed again with qemu's start-up taken from each
    /// of its times (a second, labelled view: the targets are judged on whole-process
    /// times); nil where a program lacks a ratio or qemu's time is not above its start-up.
    public static func ratiosLessQemuStartup(_ report: BenchReport) -> (geometricMean: Double?, worst: (program: String, ratio: Double)?) {
        ratios(report) { $0.timeRatio(lessQemuStartup: report.qemuStartupSeconds) }
    }

    /// The geometric mean and the worst of `ratio` over the programs of the first two
    /// targets (nil, nil when a program lacks it): the second views, such as CPU time.
    public static func ratios(_ report: BenchReport, _ ratio: (BenchReport.ProgramRow) -> Double?)
        -> (geometricMean: Double?, worst: (program: String, ratio: Double)?) {
        var ratios: [(program: String, ratio: Double)] = []
        for name in ratioPrograms {
            guard let row = report.programs.last(where: { $0.name == name }), let value = ratio(row) else { return (nil, nil) }
            ratios.append((name, value))
        }
        return (geometricMean(ratios.map(\.ratio)), ratios.max { $0.ratio < $1.ratio })
    }

    /// Every target, in the order of `BenchTarget.allCases`.
    public static func evaluate(_ report: BenchReport) -> [BenchTargetResult] {
        BenchTarget.allCases.map { evaluate($0, report) }
    }

    static func evaluate(_ target: BenchTarget, _ report: BenchReport) -> BenchTargetResult {
        func result(_ goal: String, _ value: Double?, _ measured: String, met: (Double) -> Bool) -> BenchTargetResult {
            BenchTargetResult(target: target, goal: goal, value: value, measured: value == nil ? "not measured: \(measured)" : measured,
                              status: value.map { met($0) ? .met : .notMet } ?? .notMeasured)
        }
        switch target {
        case .geometricMean, .worstRatio:
            var ratios: [(String, Double)] = []
            for name in ratioPrograms {
                if let ratio = report.programs.last(where: { $0.name == name })?.timeRatio { ratios.append((name, ratio)) }
            }
            let missing = ratioPrograms.filter { name in !ratios.contains { $0.0 == name } }
            let complete = missing.isEmpty
            let why = "needs every program beside qemu-riscv64 (missing \(missing.joined(separator: ", ")))"
            if target == .geometricMean {
                let mean = complete ? geometricMean(ratios.map(\.1)) : nil
                return result("≤ \(fixed(geometricMeanGoal, 1))x", mean, mean.map { "\(fixed($0, 2))x over \(ratios.count) programs" } ?? why) {
                    $0 <= geometricMeanGoal
                }
            }
            let worst = complete ? ratios.max { $0.1 < $1.1 } : nil
            return result("≤ \(fixed(worstRatioGoal, 1))x", worst?.1, worst.map { "\(fixed($0.1, 2))x (\($0.0))" } ?? why) {
                $0 <= worstRatioGoal
            }
        case .fourHartsFine, .fourHartsCoarse:
            let granularity = target == .fourHartsFine ? 1 : 1000
            let goal = target == .fourHartsFine ? fourHartsFineGoal : fourHartsCoarseGoal
            let row = report.features.last { $0.program == "memory" && $0.harts == 4 && $0.granularity == granularity }
            return result("≥ \(percent(goal)) of 1 hart", row?.relative,
                          row.map { "\(percent($0.relative)) (\(fixed($0.mips, 1)) MIPS)" } ?? "needs --machine or --targets") {
                $0 >= goal
            }
        case .systemCall, .yieldSwitch:
            let name = target == .systemCall ? "syscalls" : "yields"
            let goal = target == .systemCall ? systemCallGoal : yieldSwitchGoal
            let row = report.kernelPaths.last { $0.name == name }
            return result("≤ \(fixed(goal, 0)) ns", row?.nanosecondsEach,
                          row.map { "\(fixed($0.nanosecondsEach, 0)) ns" } ?? "needs the \(name) row") { $0 <= goal }
        case .futexHandOff:
            let row = report.kernelPaths.last { $0.name == "switches" }
            return result("≥ \(fixed(futexHandOffGoal / 1e6, 1)) M/s", row?.perSecond,
                          row.map { "\(fixed($0.perSecond / 1e6, 2)) M/s" } ?? "needs the switches row") { $0 >= futexHandOffGoal }
        case .caches:
            let present = Set(report.caches.map(\.program))
            let missing = ratioPrograms.filter { !present.contains($0) }
            let worst = missing.isEmpty ? report.caches.min { $0.ratio < $1.ratio } : nil
            return result("≥ \(percent(cachesGoal)) of off", worst?.ratio,
                          worst.map { "\(percent($0.ratio)) (\($0.program))" }
                              ?? "needs every program with caches off and on (missing \(missing.joined(separator: ", ")))") {
                $0 >= cachesGoal
            }
        case .tracingOff:
            let row = report.tracing.last { $0.compute }
            return result("recorder attached ≤ \(fixed(tracingGoal, 2))x no recorder", row?.ratio,
                          row.map { "\(fixed($0.ratio, 3))x (\($0.label))" } ?? "needs the tracing rows") { $0 <= tracingGoal }
        }
    }

    /// The table as the bench prints it, after its rows.
    public static func table(_ results: [BenchTargetResult]) -> String {
        var lines = ["target                                  goal                                  measured                          status"]
        for result in results {
            lines.append(padded(result.target.rawValue, 40) + padded(result.goal, 38) + padded(result.measured, 34) + result.status.rawValue)
        }
        let met = results.filter { $0.status == .met }.count
        let measured = results.filter { $0.status != .notMeasured }.count
        lines.append("\(met) of \(results.count) targets met (\(measured) measured)")
        return lines.joined(separator: "\n")
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(1, width - text.count))
    }

    /// `value` with `decimals` digits after the point (no Foundation here).
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return "\(value)" }
        let whole = UInt64(scaled)
        let unit = UInt64(scale)
        var text = "\(whole / unit)"
        if decimals > 0 {
            let fraction = "\(whole % unit)"
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return (value < 0 && whole != 0 ? "-" : "") + text
    }

    static func percent(_ value: Double) -> String { fixed(value * 100, 0) + "%" }
}
