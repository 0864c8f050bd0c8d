// ExploreSession on two harts (lock-step at schedule points): the bool flip's lost flip
// is found and its token, which carries the harts, replays the failing run byte for byte.

import Foundation
import Kernel
import Testing
@testable import Explore

@Suite("Explore session on two harts", .needsSchedulePoints)
struct ExploreSessionHartsTests {
    @Test("the bool flip is found on two harts and its token replays it")
    func boolFlipOnTwoHarts() throws {
        let elf = try SessionGuests.build("bool-flip.swift")
        var configuration = KernelConfiguration()
        configuration.harts = 2
        let session = try ExploreSession(executable: elf, name: "bool-flip", arguments: [], configuration: configuration)
        var options = ExploreOptions()
        options.strategy = .bounded(maxPreemptions: 2)
        options.runs = 2_000
        options.seed = 7
        let outcome = try session.explore(options)
        let failure = try #require(outcome.failure, "no failure in \(outcome.stats.schedules) schedules")
        #expect(failure.preemptionPoints.count == 1)
        let again = try session.explore(options)
        #expect(again.failure == failure, "the same options explore the same way on two harts")
        #expect(again.stats == outcome.stats)
        #expect(failure.output.contains("flag true"))
        let token = try ReplayToken(parsing: failure.token)
        try token.check(programHash: session.programHash)
        var replayed = KernelConfiguration()
        try ReplayConfiguration.apply(token.options, to: &replayed)
        #expect(replayed.harts == 2)
        replayed.exploration.schedulePoints = true
        var output: [UInt8] = []
        let io = KernelIO(writeOutput: { output += $0 }, writeError: { output += $0 })
        let kernel = try Kernel(executable: elf, name: "bool-flip", arguments: [], configuration: replayed, io: io)
        let handler = ReplayHandler(decisions: token.decisions)
        kernel.schedulePointHandler = handler
        let ending = kernel.run()
        #expect(handler.divergedAt == nil)
        #expect(ending == .exited(status: 1))
        #expect(String(decoding: output, as: UTF8.self) == failure.output)
    }
}
