// One schedule of an exploration: restore the snapshot, attach the handler (and a race
// monitor), run within the exploration's per-run instruction limit, and say whether the
// run failed and why — a non-zero status (or not the expected one), a fault, a deadlock,
// the instruction limit, or expected output missing.

import Kernel

/// How one schedule ended.
struct ScheduleRunResult {
    /// The strategy (or the replay) abandoned it: not a schedule.
    var abandoned: Bool
    /// Why it is a failure, nil when it is not.
    var failure: String?
    /// Its standard output and error, interleaved as written (kept only when asked).
    var output: [UInt8]
}

/// What makes a run a failure (the CLI's `--expect-exit` and `--expect-output`).
struct FailureCheck {
    var expectExit: Int32?
    var expectOutput: String?

    /// The reason `ending` (with `output`) is a failure, or nil.
    func reason(for ending: ProcessEnding?, output: [UInt8], limit: UInt64) -> String? {
        guard let ending else {
            return "instruction limit: the run passed \(limit) instructions, exploration's per-run limit "
                + "(50 times the unpreempted run's, at most --max-instructions); a schedule that spins for ever"
        }
        switch ending {
        case .exited(let status):
            let status = status & 0xFF
            if let expectExit {
                if status != expectExit & 0xFF { return "exit status \(status), expected \(expectExit & 0xFF)" }
            } else if status != 0 {
                return "exit status \(status)"
            }
        case .deadlock(let report):
            return "deadlock: \(report)"
        default:
            if let expectExit, ending.status == expectExit { break }
            return ending.description
        }
        if let expectOutput, !expectOutput.isEmpty {
            let text = String(decoding: output, as: UTF8.self)
            if !text.contains(expectOutput) { return "output lacks \"\(expectOutput)\"" }
        }
        return nil
    }
}

/// Collects a run's output (standard output and error in the order written).
final class OutputBuffer {
    var bytes: [UInt8] = []
    let keeps: Bool
    init(keeps: Bool) { self.keeps = keeps }
    func append(_ more: [UInt8]) { if keeps { bytes += more } }
}

extension ExploreSession {
    /// Runs one schedule from the snapshot with `handler` deciding at each point.
    /// `keepOutput` is needed when output is checked or reported.
    func runSchedule<S>(_ handler: ExploreHandler<S>, snapshot: SimulationSnapshot, limit: UInt64,
                        check: FailureCheck, keepOutput: Bool, describe: Bool = false,
                        monitor: RaceMonitor? = nil) -> ScheduleRunResult {
        let output = OutputBuffer(keeps: keepOutput)
        let io = KernelIO(readInput: { _ in [] }, writeOutput: { output.append($0) }, writeError: { output.append($0) })
        let kernel: Kernel
        do {
            kernel = try snapshot.restore(io: io)
        } catch {
            return ScheduleRunResult(abandoned: false, failure: "the snapshot could not be restored: \(error)", output: [])
        }
        kernel.schedulePointHandler = handler
        if describe { handler.describing = kernel }
        monitor?.attach(to: kernel)
        let ending = kernel.run(slice: limit)
        monitor?.drain()
        kernel.schedulePointHandler = nil
        handler.describing = nil
        if kernel.explorationAbandoned { return ScheduleRunResult(abandoned: true, failure: nil, output: output.bytes) }
        return ScheduleRunResult(abandoned: false, failure: check.reason(for: ending, output: output.bytes, limit: limit),
                                 output: output.bytes)
    }
}
