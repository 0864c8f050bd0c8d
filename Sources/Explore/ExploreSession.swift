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
    /// The thread each preemption interrupted (gettid), beside `preemptionPoints`.
    public var preemptionThreads: [Int32] = []
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
    /// Bounded search: the preemption bound K it reached.
    public var boundReached: Int? = nil
    /// The search and the options that shape it, e.g. "bounded K<=2 sleep-sets".
    public var strategyDescription = ""
    /// Schedule points in the unpreempted run, and the per-run instruction limit derived from it.
    public var probeSteps = 0
    public var instructionLimit: UInt64 = 0

    public init() {}
}


public final class ExploreSession {
    public let programName: String
    /// `ReplayToken.programHash` of the executable: tokens and results name the program by it.
    public let programHash: UInt64
    /// The configuration runs use (schedule points on).
    public let configuration: KernelConfiguration
    let executable: [UInt8]
    let arguments: [String]
    let environment: [String]
    let programs: [String: [UInt8]]
    let snapshot: SimulationSnapshot
    private var raceSnapshot: SimulationSnapshot?

    /// Loads the program once (the arguments are `Kernel.init`'s).
    public init(executable: [UInt8], name: String, arguments: [String], environment: [String] = [],
                configuration: KernelConfiguration = KernelConfiguration(),
                programs: [String: [UInt8]] = [:]) throws(KernelError) {
        programName = name
        programHash = ReplayToken.programHash(of: executable)
        var configuration = configuration
        configuration.exploration.schedulePoints = true
        configuration.exploration.raceLog = false
        configuration.instructionTrace = nil
        self.configuration = configuration
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.programs = programs
        snapshot = try SimulationSnapshot(executable: executable, name: name, arguments: arguments, environment: environment,
                                          configuration: configuration, programs: programs)
    }

    /// The snapshot with the race log on, made the first time races are asked for.
    func snapshot(races: Bool) throws(KernelError) -> SimulationSnapshot {
        guard races else { return snapshot }
        if let raceSnapshot { return raceSnapshot }
        var configuration = configuration
        configuration.exploration.raceLog = true
        let made = try SimulationSnapshot(executable: executable, name: programName, arguments: arguments,
                                          environment: environment, configuration: configuration, programs: programs)
        raceSnapshot = made
        return made
    }

    /// Runs schedules until a failure (shrunk, with its token) or the budget.
    public func explore(_ options: ExploreOptions, progress: ((ExplorationStats) -> Void)? = nil) -> ExploreOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = ExploreOutcome()
        let source: SimulationSnapshot
        do { source = try snapshot(races: options.races) } catch {
            outcome.failure = ExploreFailure(runIndex: 0, reason: "the program could not be loaded: \(error)", token: "",
                                             preemptionPoints: [], steps: 0, output: "")
            return outcome
        }
        let check = FailureCheck(expectExit: options.expectExit, expectOutput: options.expectOutput)
        // The unpreempted run: its length sets PCT's k and the per-run instruction limit.
        let (probeInstructions, probeSteps) = probeRun(source)
        let limit = ExploreSession.perRunLimit(probeInstructions: probeInstructions, configured: configuration.instructionLimit)
        outcome.probeSteps = probeSteps
        outcome.instructionLimit = limit
        let runLimit = options.runs.map { UInt64(max($0, 0)) } ?? UInt64.max
        let indices = RunIndices(limit: runLimit, shard: options.shard)
        let search = SearchContext(options: options, snapshot: source, check: check, limit: limit, clock: clock, start: start,
                                   progress: progress)
        switch options.strategy {
        case .random:
            outcome.strategyDescription = "random seed=\(options.seed) runs=\(ExploreSession.runsText(options.runs))"
            let handler = ExploreHandler(strategy: RandomStrategy(seed: options.seed, runs: indices))
            search.run(handler, into: &outcome, session: self)
        case .pct(let depth):
            let strategy = PCTStrategy(seed: options.seed, depth: depth, expectedSteps: max(outcome.probeSteps, 1), runs: indices)
            outcome.strategyDescription = "pct d=\(strategy.depth) seed=\(options.seed) runs=\(ExploreSession.runsText(options.runs))"
            let handler = ExploreHandler(strategy: strategy)
            search.run(handler, into: &outcome, session: self)
            outcome.pctBound = handler.explorer.strategy.bound
        case .bounded(let k):
            let strategy = BoundedSearch(options: BoundedSearch.Options(maxPreemptions: min(max(k, 0), 64), shard: options.shard))
            outcome.strategyDescription = "bounded K<=\(strategy.options.maxPreemptions) sleep-sets"
            let handler = ExploreHandler(strategy: strategy)
            search.run(handler, into: &outcome, session: self)
            outcome.boundReached = handler.explorer.strategy.bound
        }
        outcome.hostSeconds = seconds(clock.now - start)
        return outcome
    }

    static func runsText(_ runs: Int?) -> String { runs.map(String.init) ?? "unlimited" }

    /// Exploration's per-run instruction limit: 50 times the unpreempted run's instructions
    /// (at least a million), never above the configured limit, so a schedule that makes a
    /// thread spin for ever ends quickly as a failure instead of eating the budget.
    static func perRunLimit(probeInstructions: UInt64, configured: UInt64) -> UInt64 {
        let (scaled, overflow) = probeInstructions.multipliedReportingOverflow(by: 50)
        return min(configured, max(overflow ? UInt64.max : scaled, 1_000_000))
    }

    /// The unpreempted run's instructions and schedule points (within the configured limit).
    private func probeRun(_ source: SimulationSnapshot) -> (instructions: UInt64, steps: Int) {
        let io = KernelIO(readInput: { _ in [] }, writeOutput: { _ in }, writeError: { _ in })
        guard let kernel = try? source.restore(io: io) else { return (0, 0) }
        let handler = ExploreHandler(strategy: ReplayStrategy(decisions: [], strict: false))
        _ = handler.beginRun()
        kernel.schedulePointHandler = handler
        _ = kernel.run(slice: configuration.instructionLimit)
        kernel.schedulePointHandler = nil
        return (kernel.statistics.instructions, handler.explorer.record.decisions.count)
    }
}

func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
}
