// The explorer's pieces that need no guest: the handler turns the kernel's queries into
// the strategy's points and records where preemptions fell; what counts as a failure; the
// per-run instruction limit; a token's options round-trip through a configuration, and a
// hostile token's options are refused, never trusted.

import Kernel
import Testing
@testable import Explore

@Suite("Explore handler and replay options")
struct ExploreHandlerTests {
    static func query(running: UInt32?, _ candidates: [(UInt32, Int32, UInt64, PendingKind)], pc: UInt64 = 0x1000) -> ScheduleQuery {
        ScheduleQuery(hart: 0, running: running,
                      candidates: candidates.map { ScheduleCandidate(serial: $0.0, tid: $0.1, object: $0.2, kind: $0.3) },
                      pc: pc, reason: .sharedAccess)
    }

    @Test("the handler follows the strategy and records each preemption with the thread and PC it interrupted")
    func recordsPreemptions() {
        // Replay: thread 0, then 1 while 0 can still run (a preemption), then 1 again.
        let handler = ExploreHandler(strategy: ReplayStrategy(decisions: [0, 1, 1], strict: true))
        #expect(handler.beginRun())
        #expect(handler.choose(Self.query(running: nil, [(0, 1, 0, .local)])) == .run(serial: 0))
        #expect(handler.choose(Self.query(running: 0, [(0, 1, 0x80, .write), (1, 2, 0x80, .read)], pc: 0x2040)) == .run(serial: 1))
        #expect(handler.choose(Self.query(running: 1, [(0, 1, 0x80, .write), (1, 2, 0x90, .write)])) == .run(serial: 1))
        #expect(handler.preemptions == [PreemptionSite(step: 1, thread: 1, pid: nil, pc: 0x2040, location: nil)])
        #expect(handler.explorer.record.decisions == [0, 1, 1])
        #expect(handler.explorer.record.footprints[1] == Footprint(object: 0x80, kind: .read))
        // A thread the schedule names that cannot run: strict replay abandons.
        #expect(handler.choose(Self.query(running: 1, [(0, 1, 0, .local)])) == .run(serial: 0))
        let strict = ReplayHandler(decisions: [1])
        #expect(strict.choose(Self.query(running: nil, [(0, 1, 0, .local)])) == .abandon)
        #expect(strict.divergedAt == 0)
    }

    @Test("a new run forgets the last run's preemptions")
    func newRunForgets() {
        let handler = ExploreHandler(strategy: RandomStrategy(seed: 1, runs: RunIndices(limit: 2)))
        #expect(handler.beginRun())
        for _ in 0..<50 { _ = handler.choose(Self.query(running: 0, [(0, 1, 0, .write), (1, 2, 0, .write)])) }
        #expect(!handler.preemptions.isEmpty)
        _ = handler.explorer.endRun(failed: false)
        #expect(handler.beginRun())
        #expect(handler.preemptions.isEmpty)
    }

    @Test("what a failure is: status, expected status, expected output, deadlock, faults, the limit")
    func failureCheck() {
        let plain = FailureCheck(expectExit: nil, expectOutput: nil)
        #expect(plain.reason(for: .exited(status: 0), output: [], limit: 10) == nil)
        #expect(plain.reason(for: .exited(status: 3), output: [], limit: 10) == "exit status 3")
        #expect(plain.reason(for: .deadlock("all wait"), output: [], limit: 10) == "deadlock: all wait")
        #expect(plain.reason(for: nil, output: [], limit: 10)?.hasPrefix("instruction limit: the run passed 10 instructions") == true)
        #expect(plain.reason(for: .instructionLimit("x"), output: [], limit: 10) != nil)
        let expecting = FailureCheck(expectExit: 3, expectOutput: "done")
        #expect(expecting.reason(for: .exited(status: 3), output: Array("all done\n".utf8), limit: 10) == nil)
        #expect(expecting.reason(for: .exited(status: 0), output: Array("done".utf8), limit: 10) == "exit status 0, expected 3")
        #expect(expecting.reason(for: .exited(status: 3), output: Array("dne".utf8), limit: 10) == "output lacks \"done\"")
    }

    @Test("the per-run limit: 50 times the unpreempted run, at least a million, at most the configured limit")
    func perRunLimit() {
        #expect(ExploreSession.perRunLimit(probeInstructions: 100_000, configured: 5_000_000_000) == 5_000_000)
        #expect(ExploreSession.perRunLimit(probeInstructions: 10, configured: 5_000_000_000) == 1_000_000)
        #expect(ExploreSession.perRunLimit(probeInstructions: 1 << 40, configured: 5_000_000_000) == 5_000_000_000)
        #expect(ExploreSession.perRunLimit(probeInstructions: .max, configured: 7) == 7)
    }

    @Test("a token's options give back the configuration that made them")
    func optionsRoundTrip() throws {
        var made = KernelConfiguration()
        made.harts = 3
        made.seed = 99
        made.memoryLimit = 64 << 20
        made.instructionLimit = 1_234_567
        made.granularity = 7
        made.scheduling = .roundRobin(sliceCycles: 5_000, tickCycles: nil)
        let token = ReplayToken(programHash: 1, options: ReplayConfiguration.options(of: made), decisions: [0, 1])
        let parsed = try ReplayToken(parsing: token.text)
        var replayed = KernelConfiguration()
        try ReplayConfiguration.apply(parsed.options, to: &replayed)
        #expect(replayed == made)
    }

    @Test("hostile option values are refused with the option named", arguments: [
        ReplayOption(key: 1, value: 0), ReplayOption(key: 1, value: 65), ReplayOption(key: 1, value: .max),
        ReplayOption(key: 3, value: 0), ReplayOption(key: 5, value: .max), ReplayOption(key: 7, value: 3),
        ReplayOption(key: 15, value: .max),
    ])
    func hostileOptions(option: ReplayOption) {
        var configuration = KernelConfiguration()
        #expect(throws: ReplayTokenError.self) { try ReplayConfiguration.apply([option], to: &configuration) }
        #expect(configuration == KernelConfiguration() || option.key != 1)
    }

    @Test("round-robin without its slice is refused; unknown keys are ignored")
    func sliceNeeded() throws {
        var configuration = KernelConfiguration()
        #expect(throws: ReplayTokenError.truncated("the time slice of its round-robin scheduling")) {
            try ReplayConfiguration.apply([ReplayOption(key: 7, value: 2)], to: &configuration)
        }
        try ReplayConfiguration.apply([ReplayOption(key: 200, value: .max)], to: &configuration)
        #expect(configuration == KernelConfiguration())
    }
}
