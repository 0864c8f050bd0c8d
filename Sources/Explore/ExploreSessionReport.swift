// What an exploration says to a person: the failure (reason, output, the replay command
// and each preemption by thread, function and line) and the summary (schedules, distinct,
// abandoned, the strategy's own figures). The schedules-per-second line is host time, the
// one figure that differs between two identical explorations, so it is kept apart.

extension ExploreFailure {
    /// The failure report; `replayCommand` is how to run the program (`interleave run race.swift`),
    /// `programArguments` what follows it after `--`.
    public func report(replayCommand: String, programArguments: [String] = []) -> String {
        var lines = ["failure: \(reason)"]
        if !output.isEmpty {
            lines.append("output:")
            for line in output.split(separator: "\n", omittingEmptySubsequences: false).dropLast(output.hasSuffix("\n") ? 1 : 0) {
                lines.append("  | " + line)
            }
        }
        let tail = programArguments.isEmpty ? "" : " -- " + programArguments.joined(separator: " ")
        lines.append("replay: \(replayCommand) --replay \(token)\(tail)")
        lines.append(contentsOf: preemptionLines)
        if preemptionPoints.isEmpty { lines.append("no preemption: the schedule that runs each thread as long as it can fails") }
        return lines.joined(separator: "\n")
    }

    /// "preemption 1 of 2: thread 3 at increment+0x10 (race.swift:16)", one per preemption.
    public var preemptionLines: [String] {
        preemptionPoints.enumerated().map { i, location in
            let thread = i < preemptionThreads.count ? "thread \(preemptionThreads[i]) at " : ""
            return "preemption \(i + 1) of \(preemptionPoints.count): \(thread)\(location)"
        }
    }
}

extension ExploreOutcome {
    /// The summary, deterministic for the same program, options and seed (no host time).
    public var summaryLines: [String] {
        var lines = ["\(strategyDescription): \(stats.schedules) schedule\(stats.schedules == 1 ? "" : "s") run, "
            + "\(stats.distinct) distinct, \(stats.abandoned) abandoned"]
        if let boundReached { lines.append("bounded search reached K=\(boundReached) preemption\(boundReached == 1 ? "" : "s")") }
        if let pctBound {
            let rate = stats.schedules > 0 ? Double(stats.failures) / Double(stats.schedules) : 0
            lines.append("pct guarantee \(pctBound); observed failure rate \(stats.failures)/\(stats.schedules) (\(percent(rate)))")
        }
        lines.append("per-run instruction limit \(instructionLimit) (50 times the unpreempted run's instructions, at least a million, at most --max-instructions)")
        if !races.isEmpty {
            lines.append("\(races.count) data race\(races.count == 1 ? "" : "s"):")
            lines += races.map { "  \($0)" }
        }
        lines.append(failure == nil ? "no failure found" : "failure found in run \(failure?.runIndex ?? 0)")
        return lines
    }

    /// Schedules per second of host time: not deterministic, so printed last and apart.
    public var rateLine: String {
        let rate = hostSeconds > 0 ? Double(stats.schedules + stats.abandoned) / hostSeconds : 0
        return "\(Int(rate.rounded())) schedules per second (\(stats.schedules + stats.abandoned) runs in \(fixed(hostSeconds)) s of host time)"
    }
}

func percent(_ value: Double) -> String { fixed(value * 100) + "%" }

/// Two decimals, without Foundation's formatters.
func fixed(_ value: Double) -> String {
    guard value.isFinite else { return "?" }
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
