// Shared by the scheduling experiments (cooperative, preemptive, foreground-boost): runs
// Guest/Programs/Lab/desktop.swift — a foreground program taking cursor moves, a hog, a
// ticker that wants the CPU every 5 ms — and reads back what each measured.

import Kernel
import Machine

struct DesktopRun {
    /// The hog's (or poller's) work: from and to, in µs.
    var workStart: Double
    var workEnd: Double
    /// The ticker's longest gap between two ticks (it asks for one every 5 ms), in µs.
    var tickerGap: Double?
    /// Input latency median and maximum, in µs; moves taken.
    var latencyMedian: Double
    var latencyMaximum: Double
    var movesTaken: Int
    var switches: UInt64
    var result: RunResult

    var workTime: Double { workEnd - workStart }
}

extension LabContext {
    /// Runs the desktop: `role` is "loop" (a message loop, with the hog as a process of its
    /// own) or "poller" (the foreground program computes itself, peeking every `poll` rounds).
    func desktop(_ configuration: KernelConfiguration, role: String = "loop", rounds: Int, poll: Int = 0, ticks: Int,
                 inputEveryMs: Double, inputEvents: Int, traced: Bool = false) throws -> DesktopRun {
        var configuration = configuration
        configuration.inputPeriodCycles = SimulatedTime(milliseconds: inputEveryMs, clockFrequency: configuration.clockFrequency)?.cycles
        configuration.inputEventCount = inputEvents
        let arguments = role == "poller" ? [role, "\(rounds)", "\(poll)", "\(ticks)"] : [role, "\(rounds)", "\(ticks)"]
        let result = try run(RunSpec(main: "desktop", programs: ["desktop": "Lab/desktop.swift"], arguments: arguments,
                                     configuration: configuration, traced: traced))
        let worker = role == "poller" ? "poller:" : "hog:"
        guard case .exited(0) = result.ending, let start = result.number(after: "rounds from ", in: worker),
              let end = result.number(after: " us to ", in: worker)
        else { throw LabError("the desktop did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)") }
        let statistics = result.statistics
        let microseconds = { (cycles: UInt64?) in Double(cycles ?? 0) * 1e6 / Double(configuration.clockFrequency) }
        return DesktopRun(workStart: start, workEnd: end, tickerGap: result.number(after: "longest gap ", in: "ticker:"),
                          latencyMedian: microseconds(statistics.inputLatencyMedian),
                          latencyMaximum: microseconds(statistics.inputLatencyMaximum),
                          movesTaken: statistics.inputLatencies.count, switches: statistics.contextSwitches, result: result)
    }
}
