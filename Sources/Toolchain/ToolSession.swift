// The compiler processes of one build, run as a small dependency graph: jobs start in
// priority order as soon as what they need is done, as many at once as there are cores.
// A failure becomes the compiler's own words; warnings are passed on as progress; and
// nothing is left running (or unreaped) when the build stops early.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One step of a build.
struct Job {
    var invocation: ToolInvocation
    /// Indices (in the job list) of the jobs that must succeed first.
    var dependencies: [Int] = []
    /// The progress line shown when the job starts, if any.
    var announcement: String?
    /// Shared work (the runtime, the Sync module) that is finished even when the program
    /// fails, so that the next attempt finds it in the cache.
    var finishesAfterFailure = false
}

/// Runs a build's jobs and remembers which succeeded.
final class ToolSession {
    private let progress: (String) -> Void
    /// How many tools were started.
    private(set) var started = 0
    /// Indices of the jobs that ran and succeeded.
    private(set) var succeeded: Set<Int> = []

    init(progress: @escaping (String) -> Void) {
        self.progress = progress
    }

    /// Runs `jobs` (listed in priority order), at most `parallel` at a time. After a
    /// failure only jobs marked `finishesAfterFailure` go on (the others are stopped), and
    /// then the first failure is thrown with the tool's output.
    func run(_ jobs: [Job], parallel: Int) throws {
        var pending = Array(jobs.indices)
        var running: [(index: Int, tool: RunningTool)] = []
        var failure: BuildError?
        defer { for (_, tool) in running { tool.cancel() } }
        while true {
            // Start every job whose dependencies are done, while there is a free core.
            var position = 0
            while position < pending.count && running.count < max(1, parallel) {
                let index = pending[position]
                let job = jobs[index]
                guard job.dependencies.allSatisfy(succeeded.contains), failure == nil || job.finishesAfterFailure else {
                    position += 1
                    continue
                }
                pending.remove(at: position)
                if let line = job.announcement { progress(line) }
                running.append((index, try job.invocation.start()))
                started += 1
            }
            if running.isEmpty { break }
            // Wait for one of them to end.
            let (slot, outcome) = waitForAny(running.map(\.tool))
            let (index, tool) = running.remove(at: slot)
            if outcome.succeeded {
                succeeded.insert(index)
                let text = outcome.output.hasSuffix("\n") ? String(outcome.output.dropLast()) : outcome.output
                if !text.isEmpty { progress(text) }
            } else if failure == nil {
                failure = BuildError.compilerFailed(tool: tool.invocation.name, output: outcome.output,
                                                    exitStatus: outcome.exitStatus, signal: outcome.signal)
                for (other, tool) in running where !jobs[other].finishesAfterFailure { tool.cancel() }
                running.removeAll { !jobs[$0.index].finishesAfterFailure }
            }
        }
        if let failure { throw failure }
        if !pending.isEmpty {
            throw BuildError.guestSourcesIncomplete("a build step waits for a step that never ran")
        }
    }

    /// Waits until one of `tools` ends. With one tool this blocks in waitpid; with several
    /// it polls each (waiting for "any child" could reap processes other code started).
    private func waitForAny(_ tools: [RunningTool]) -> (Int, ToolOutcome) {
        if tools.count == 1 { return (0, tools[0].wait()) }
        while true {
            for (slot, tool) in tools.enumerated() {
                if let outcome = tool.poll() { return (slot, outcome) }
            }
            usleep(2000)
        }
    }
}
