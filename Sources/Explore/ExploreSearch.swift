// The exploration loop, generic over the strategy (dispatched once per exploration):
// schedules until a failure, the strategy's end, the run budget or the time budget; then
// the failing schedule shrunk (fewest preemptions, then shortest), replayed once more to
// name its preemptions, and given as a token.

import Kernel

struct SearchContext {
    let options: ExploreOptions
    let snapshot: SimulationSnapshot
    let check: FailureCheck
    let limit: UInt64
    let clock: ContinuousClock
    let start: ContinuousClock.Instant
    let progress: ((ExplorationStats) -> Void)?

    /// Candidate schedules the shrinker may run: bounded, so shrinking ends.
    static let shrinkAttempts = 600

    func run<S>(_ handler: ExploreHandler<S>, into outcome: inout ExploreOutcome, session: ExploreSession) {
        let keepOutput = options.expectOutput != nil
        let monitor = options.races ? RaceMonitor() : nil
        var seenRaces = Set<String>()
        var lastProgress = start
        var failing: (index: Int, record: RunRecord, reason: String)? = nil
        while true {
            if let runs = options.runs, handler.explorer.stats.schedules >= runs { break }
            if let budget = options.timeBudgetSeconds, seconds(clock.now - start) >= budget { break }
            guard handler.beginRun() else { break }
            let result = session.runSchedule(handler, snapshot: snapshot, limit: limit, check: check,
                                             keepOutput: keepOutput, monitor: monitor)
            let summary = handler.explorer.endRun(failed: result.failure != nil && !result.abandoned)
            if let monitor {
                for race in monitor.races where seenRaces.insert(race.description).inserted { outcome.races.append(race) }
            }
            if let progress, seconds(clock.now - lastProgress) >= 1 {
                lastProgress = clock.now
                progress(handler.explorer.stats)
            }
            if summary.failed, let reason = result.failure {
                failing = (summary.index, handler.explorer.record, reason)
                break
            }
        }
        outcome.stats = handler.explorer.stats
        var tokens: [String] = []
        if let failing {
            let failure = report(failing.record, index: failing.index, reason: failing.reason, session: session)
            outcome.failure = failure
            tokens.append(failure.token)
        }
        outcome.results = ExplorationResults(programHash: session.programHash, strategy: outcome.strategyDescription,
                                             shard: options.shard, stats: outcome.stats,
                                             orderHashes: handler.explorer.orderHashes, failures: tokens)
    }

    /// Shrinks the failing schedule (unless asked not to), replays it once more naming each
    /// preemption, and makes its token.
    func report(_ record: RunRecord, index: Int, reason: String, session: ExploreSession) -> ExploreFailure {
        var decisions = record.decisions
        if options.shrink {
            // First the fewest departures from the unpreempted run (DepartureShrink.swift), then
            // the groundwork's shrinker on what is left: shorter, preemptions later.
            var attempts = 0
            let fewest = shrinkDepartures(record.decisions, session: session, attempts: &attempts) ?? record
            let shrunk = Shrinker.shrink(fewest, maxAttempts: max(0, SearchContext.shrinkAttempts - attempts)) { candidate in
                let replay = ExploreHandler(strategy: ReplayStrategy(decisions: candidate, strict: false))
                _ = replay.beginRun()
                let result = session.runSchedule(replay, snapshot: snapshot, limit: limit, check: check,
                                                 keepOutput: options.expectOutput != nil)
                guard !result.abandoned, result.failure != nil else { return nil }
                return replay.explorer.record
            }
            decisions = shrunk.run.decisions
        }
        let final = ExploreHandler(strategy: ReplayStrategy(decisions: decisions, strict: true))
        _ = final.beginRun()
        let result = session.runSchedule(final, snapshot: snapshot, limit: limit, check: check, keepOutput: true, describe: true)
        var configuration = session.configuration
        configuration.instructionLimit = limit
        let token = ReplayToken(programHash: session.programHash, options: ReplayConfiguration.options(of: configuration),
                                decisions: decisions)
        return ExploreFailure(runIndex: index, reason: result.failure ?? reason, token: token.text,
                              preemptionPoints: final.preemptions.map { $0.location ?? "0x\(String($0.pc, radix: 16))" },
                              steps: final.explorer.record.decisions.count,
                              output: String(decoding: result.output, as: UTF8.self),
                              preemptionThreads: final.preemptions.map(\.thread))
    }
}
