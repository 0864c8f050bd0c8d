// ExploreSession on the machine: a lost update (two threads, three plain increments each)
// found by every strategy and shrunk to one preemption; its token replays the same output
// byte for byte; the same seed gives the same exploration; two shards cover what the whole
// does; a correct program (atomic counter) explores its budget with no failure.
// The guests are built with the project's toolchain (cached), so these tests need it.

import Foundation
import Kernel
import Testing
import Toolchain
@testable import Explore

enum SessionGuests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let builder: GuestBuilder? = try? GuestBuilder(toolchain: Toolchain.locate(explicitPath: nil),
                                                          guestRoot: packageRoot + "/Guest",
                                                          cacheDirectory: packageRoot + "/.build/interleave-test-cache")

    static func build(_ name: String) throws -> [UInt8] {
        let builder = try #require(builder, "no Swift toolchain for riscv64 guests")
        let result = try builder.build(sources: [packageRoot + "/Guest/Programs/Explore/" + name], optimization: .speed)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
    }

    static let lostUpdate: [UInt8]? = try? build("session-lost-update.swift")

    /// Whether this kernel stops at schedule points (the points part of issue 18): probed by
    /// running the lost update once with a handler that counts the points.
    static let kernelHasSchedulePoints: Bool = {
        guard let elf = lostUpdate else { return false }
        final class Counter: SchedulePointHandler {
            var points = 0
            func choose(_ query: ScheduleQuery) -> ScheduleAnswer {
                points += 1
                return .run(serial: query.candidates[0].serial)
            }
        }
        var configuration = KernelConfiguration()
        configuration.exploration.schedulePoints = true
        let io = KernelIO(writeOutput: { _ in }, writeError: { _ in })
        guard let kernel = try? Kernel(executable: elf, name: "session-lost-update", arguments: [], configuration: configuration, io: io)
        else { return false }
        let counter = Counter()
        kernel.schedulePointHandler = counter
        _ = kernel.run(slice: 10_000_000)
        return counter.points > 1
    }()

    static func session(_ arguments: [String] = []) throws -> ExploreSession {
        let elf = try #require(lostUpdate)
        return try ExploreSession(executable: elf, name: "session-lost-update", arguments: arguments)
    }
}

extension Trait where Self == ConditionTrait {
    static var needsSchedulePoints: Self {
        .enabled(if: SessionGuests.kernelHasSchedulePoints,
                 "needs a Swift toolchain for riscv64 guests and a kernel that stops at schedule points")
    }
}

@Suite("Explore session", .needsSchedulePoints)
struct ExploreSessionTests {
    static let strategies: [ExploreStrategyChoice] = [.bounded(maxPreemptions: 2), .pct(depth: 2), .random]

    static func options(_ strategy: ExploreStrategyChoice, runs: Int = 2_000, seed: UInt64 = 7) -> ExploreOptions {
        var options = ExploreOptions()
        options.strategy = strategy
        options.runs = runs
        options.seed = seed
        return options
    }

    @Test("each strategy finds the lost update, shrunk to one preemption", arguments: strategies)
    func findsLostUpdate(strategy: ExploreStrategyChoice) throws {
        let outcome = try SessionGuests.session().explore(Self.options(strategy))
        let failure = try #require(outcome.failure, "no failure in \(outcome.stats.schedules) schedules")
        #expect(failure.reason == "exit status 1")
        #expect(failure.output.hasPrefix("total ") && !failure.output.contains("total 6"))
        #expect(failure.preemptionPoints.count == 1)
        #expect(failure.preemptionThreads.count == 1)
        #expect(failure.report(replayCommand: "interleave run x.swift").contains("preemption 1 of 1: thread "))
        #expect(failure.token.hasPrefix("il-"))
        #expect(outcome.stats.failures == 1)
    }

    @Test("the token replays the failing run's output byte for byte")
    func tokenReplays() throws {
        let session = try SessionGuests.session()
        let failure = try #require(session.explore(Self.options(.bounded(maxPreemptions: 2))).failure)
        let token = try ReplayToken(parsing: failure.token)
        try token.check(programHash: session.programHash)
        var configuration = KernelConfiguration()
        try ReplayConfiguration.apply(token.options, to: &configuration)
        configuration.exploration.schedulePoints = true
        var output: [UInt8] = []
        let io = KernelIO(writeOutput: { output += $0 }, writeError: { output += $0 })
        let kernel = try Kernel(executable: try #require(SessionGuests.lostUpdate), name: "session-lost-update", arguments: [],
                                configuration: configuration, io: io)
        let handler = ReplayHandler(decisions: token.decisions)
        kernel.schedulePointHandler = handler
        let ending = kernel.run()
        #expect(handler.divergedAt == nil)
        #expect(!kernel.explorationAbandoned)
        #expect(ending == .exited(status: 1))
        #expect(String(decoding: output, as: UTF8.self) == failure.output)
    }

    @Test("the same seed gives the same exploration", arguments: strategies)
    func deterministic(strategy: ExploreStrategyChoice) throws {
        let a = try SessionGuests.session().explore(Self.options(strategy, seed: 11))
        let b = try SessionGuests.session().explore(Self.options(strategy, seed: 11))
        #expect(a.stats == b.stats)
        #expect(a.failure == b.failure)
        #expect(a.results == b.results)
        #expect(a.summaryLines == b.summaryLines)
    }

    @Test("two shards together cover what the whole exploration does",
          arguments: [ExploreStrategyChoice.bounded(maxPreemptions: 1), .random])
    func shardsCover(strategy: ExploreStrategyChoice) throws {
        func explore(_ shard: Shard) throws -> ExplorationResults {
            var options = Self.options(strategy, runs: 300)
            options.shard = shard
            options.expectExit = nil
            // The correct program: no failure stops a shard early, so the spaces compare whole.
            return try #require(try SessionGuests.session(["atomic"]).explore(options).results)
        }
        let whole = try explore(.whole)
        let merged = try ExplorationResults.merge(try explore(Shard(index: 0, count: 2)), try explore(Shard(index: 1, count: 2)))
        #expect(merged.complete)
        #expect(merged.distinct == whole.distinct)
        #expect(merged.orderHashes == whole.orderHashes)
        #expect(merged.schedules == whole.schedules)
        #expect(whole.distinct > 1)
    }

    @Test("a correct program explores its budget with no failure", arguments: strategies)
    func atomicCounterPasses(strategy: ExploreStrategyChoice) throws {
        let outcome = try SessionGuests.session(["atomic"]).explore(Self.options(strategy, runs: 200))
        #expect(outcome.failure == nil)
        #expect(outcome.stats.failures == 0)
        #expect(outcome.stats.schedules > 0)
        if case .bounded = strategy {} else { #expect(outcome.stats.schedules == 200) }
    }

    @Test("expect-output: a run lacking the text fails")
    func expectOutput() throws {
        var options = Self.options(.bounded(maxPreemptions: 0))
        options.expectOutput = "total 7"
        let failure = try #require(try SessionGuests.session(["atomic"]).explore(options).failure)
        #expect(failure.reason == "output lacks \"total 7\"")
        #expect(failure.preemptionPoints.isEmpty)
    }
}
