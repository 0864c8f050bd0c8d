// One program under exploration: its snapshot, and runs of it under a strategy until a
// failure or the budget; a failure's schedule shrunk and given as a replay token; a
// token replayed for any view. The `interleave explore` command, `run --replay` and the
// lab's `explore` experiment all go through this type.
//
// CONTRACT (issue 18 wave): the public API below is fixed; the `explore` part builds the
// bodies (they are placeholders until then).

import Kernel
import Trace

/// Which search to run.
public enum ExploreStrategyChoice: Sendable, Equatable {
    case random
    /// PCT with this depth (bugs of depth d: d − 1 ordering constraints).
    case pct(depth: Int)
    /// Every schedule with at most K preemptions, K = 0, 1, …, maxPreemptions.
    case bounded(maxPreemptions: Int)
}

/// An exploration's settings (the CLI's options).
public struct ExploreOptions: Sendable, Equatable {
    public var strategy: ExploreStrategyChoice = .bounded(maxPreemptions: 2)
    /// Most schedules to run (the budget); nil: the strategy's own end or the time budget.
    public var runs: Int? = 10_000
    /// Most host seconds to spend; nil: none. The one input that is not deterministic:
    /// where it stops depends on the host, what each schedule does does not.
    public var timeBudgetSeconds: Double? = nil
    public var seed: UInt64 = 0
    public var shard = Shard.whole
    /// Detect data races in every schedule (RaceMonitor) and report them.
    public var races = false
    /// A run that ends with another status is a failure (nil: any non-zero status is).
    public var expectExit: Int32? = nil
    /// A run whose output lacks this text is a failure.
    public var expectOutput: String? = nil
    /// Shrink a failing schedule before reporting it.
    public var shrink = true

    public init() {}
}

/// A failing schedule, as reported.
public struct ExploreFailure: Sendable, Equatable {
    /// The 0-based index of the run that failed first.
    public var runIndex: Int
    /// Why it is a failure: "exit status 1", "deadlock: …", "output lacks …", a fault report.
    public var reason: String
    /// `interleave run PROGRAM --replay TOKEN` reproduces it.
    public var token: String
    /// The preemptions of the (shrunk) schedule, each as `function+0x1c (file.swift:12)`.
    public var preemptionPoints: [String]
    /// Schedule points in the (shrunk) run.
    public var steps: Int
    /// The failing run's standard output and error.
    public var output: String
}

/// What an exploration found.
public struct ExploreOutcome: Sendable {
    public var stats = ExplorationStats()
    public var failure: ExploreFailure? = nil
    /// Races found, each once (empty without `races`).
    public var races: [RaceFinding] = []
    /// PCT's guaranteed probability per run for the program's threads and steps (PCT only).
    public var pctBound: PCTBound? = nil
    /// Host seconds the exploration took (for schedules per second; not deterministic).
    public var hostSeconds: Double = 0
    /// The exploration as JSON-ready results (for `explore merge`).
    public var results: ExplorationResults? = nil

    public init() {}
}

public final class ExploreSession {
    public let programName: String

    /// Loads the program once (the arguments are `Kernel.init`'s).
    public init(executable: [UInt8], name: String, arguments: [String], environment: [String] = [],
                configuration: KernelConfiguration = KernelConfiguration(),
                programs: [String: [UInt8]] = [:]) throws(KernelError) {
        programName = name
    }

    /// Runs schedules until a failure (shrunk, with its token) or the budget.
    public func explore(_ options: ExploreOptions, progress: ((ExplorationStats) -> Void)? = nil) -> ExploreOutcome {
        ExploreOutcome()
    }
}
