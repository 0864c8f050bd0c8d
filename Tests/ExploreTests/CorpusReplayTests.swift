// Each corpus bug's replay token, replayed as `interleave run FILE --replay TOKEN` does
// (the token's options on a fresh kernel, its decisions through a strict ReplayHandler):
// the same failure and the same output, without leaving the token's schedule.

import Explore
import Kernel
import Synchronization
import Testing

@Suite(.serialized) struct CorpusReplayTests {
    @Test(.needsCorpusToolchain, arguments: GuestCorpus.buggySwift)
    func aSwiftBugsTokenReplaysTheSameFailure(_ program: CorpusProgram) throws {
        try expectReplayed(program)
    }

    @Test(.needsCorpusGlibc, arguments: GuestCorpus.buggyC)
    func aCBugsTokenReplaysTheSameFailure(_ program: CorpusProgram) throws {
        try expectReplayed(program)
    }

    func expectReplayed(_ program: CorpusProgram) throws {
        let failure = try #require(try GuestCorpus.explore(program, ExploreOptions()).failure)
        let executable = try GuestCorpus.executable(program)
        let token = try ReplayToken(parsing: failure.token)
        try token.check(programHash: ReplayToken.programHash(of: executable))
        var configuration = KernelConfiguration()
        try ReplayConfiguration.apply(token.options, to: &configuration)
        configuration.exploration.schedulePoints = true
        let output = Mutex<[UInt8]>([])
        let io = KernelIO(writeOutput: { bytes in output.withLock { $0 += bytes } },
                          writeError: { bytes in output.withLock { $0 += bytes } })
        let kernel = try Kernel(executable: executable, name: program.name, arguments: [], configuration: configuration,
                                io: io, programs: [program.name: executable])
        let handler = ReplayHandler(decisions: token.decisions)
        kernel.schedulePointHandler = handler
        let ending = kernel.run()
        #expect(handler.divergedAt == nil && !kernel.explorationAbandoned, "the replay followed the token's schedule")
        #expect(program.isItsFailure(ending), "\(ending)")
        let text = String(decoding: output.withLock { $0 }, as: UTF8.self)
        #expect(text == failure.output || (!text.isEmpty && failure.output.contains(text)), "replayed: \(text)\nexplored: \(failure.output)")
        // A token with one decision changed is refused or leaves the schedule, never crashes.
        var damaged = failure.token
        damaged.removeLast()
        #expect(throws: ReplayTokenError.self) { try ReplayToken(parsing: damaged) }
    }
}
