// The corpus under exploration (Guest/Programs/Explore/): every buggy program is right in
// the default run yet fails under some interleaving, and the explorer finds that
// interleaving within the default budget with at most two preemptions; the correct
// programs never fail and have no race; the same options give the same exploration.
// Replaying each failure's token is in CorpusReplayTests.swift.

import Explore
import Kernel
import Testing

@Suite(.serialized) struct CorpusTests {
    // MARK: the bugs are real, and hidden from the default run

    @Test(.needsCorpusToolchain, arguments: GuestCorpus.buggySwift + GuestCorpus.correctSwift)
    func theDefaultRunIsRight(_ program: CorpusProgram) throws {
        let run = try GuestCorpus.run(program)
        #expect(run.ending == .exited(status: 0), "\(run.output)")
        #expect(run.output.contains("right"), "\(run.output)")
    }

    @Test(.needsCorpusGlibc, arguments: GuestCorpus.buggyC + GuestCorpus.correctC)
    func theDefaultRunOfTheCProgramsIsRight(_ program: CorpusProgram) throws {
        let run = try GuestCorpus.run(program)
        #expect(run.ending == .exited(status: 0), "\(run.output)")
        #expect(run.output.contains("right"), "\(run.output)")
    }

    /// The seeds written in the programs' comments: on two harts with the finest
    /// interleaving and a jitter, these runs show the bug without any explorer.
    @Test(.needsCorpusToolchain, arguments: [("order-violation.swift", UInt64(0)), ("lost-wakeup.swift", 0)])
    func aSeedShowsTheBugOnTwoHarts(_ file: String, _ seed: UInt64) throws {
        let program = try #require(GuestCorpus.buggySwift.first { $0.file == file })
        let run = try GuestCorpus.run(program) { configuration in
            configuration.harts = 2
            configuration.granularity = 1
            configuration.jitter = 3
            configuration.seed = seed
        }
        #expect(program.isItsFailure(run.ending), "\(run.ending): \(run.output)")
    }

    // MARK: exploration finds every bug

    @Test(.needsCorpusToolchain, arguments: GuestCorpus.buggySwift)
    func eachSwiftBugIsFoundWithinTheDefaultBudget(_ program: CorpusProgram) throws {
        try expectFound(program)
    }

    @Test(.needsCorpusGlibc, arguments: GuestCorpus.buggyC)
    func eachCBugIsFoundWithinTheDefaultBudget(_ program: CorpusProgram) throws {
        try expectFound(program)
    }

    func expectFound(_ program: CorpusProgram) throws {
        let outcome = try GuestCorpus.explore(program, ExploreOptions())
        let failure = try #require(outcome.failure, "\(program.file): no failure in \(outcome.stats.schedules) schedules")
        #expect(program.isItsFailure(failure.reason), "\(failure.reason)")
        #expect(failure.token.hasPrefix("il-"))
        // CHESS's observation holds here: at most two preemptions (the order violation needs none:
        // which thread runs when main blocks in join is the explorer's free choice).
        #expect(failure.preemptionPoints.count <= 2, "\(failure.preemptionPoints)")
        #expect(outcome.stats.schedules >= 1 && outcome.stats.schedules <= 10_000)
    }

    // MARK: no false alarm

    @Test(.needsCorpusToolchain, arguments: GuestCorpus.correctSwift)
    func aCorrectSwiftProgramNeverFailsAndHasNoRace(_ program: CorpusProgram) throws {
        try expectCorrect(program)
    }

    @Test(.needsCorpusGlibc, arguments: GuestCorpus.correctC)
    func aCorrectCProgramNeverFailsAndHasNoRace(_ program: CorpusProgram) throws {
        try expectCorrect(program)
    }

    func expectCorrect(_ program: CorpusProgram) throws {
        var options = ExploreOptions()
        options.runs = GuestCorpus.correctBudget
        options.races = true
        let outcome = try GuestCorpus.explore(program, options)
        #expect(outcome.failure == nil, "\(outcome.failure?.reason ?? ""): \(outcome.failure?.output ?? "")")
        #expect(outcome.races.isEmpty, "\(outcome.races)")
        #expect(outcome.stats.schedules > 1, "it explored more than the default schedule")
    }

    // MARK: determinism

    @Test(.needsCorpusToolchain, arguments: [ExploreStrategyChoice.random, .pct(depth: 2), .bounded(maxPreemptions: 2)])
    func theSameOptionsGiveTheSameExploration(_ strategy: ExploreStrategyChoice) throws {
        let program = try #require(GuestCorpus.buggySwift.first { $0.file == "bool-flip.swift" })
        var options = ExploreOptions()
        options.strategy = strategy
        options.seed = 11
        options.runs = 300
        let first = try GuestCorpus.explore(program, options)
        let second = try GuestCorpus.explore(program, options)
        #expect(first.failure != nil)
        #expect(first.failure == second.failure)
        #expect(first.stats == second.stats)
    }
}
