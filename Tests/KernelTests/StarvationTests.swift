// The starvation boost (StarvationBoost.swift): a background thread below a foreground
// computation that never ends runs within about 4 s + a second with the boost, never
// without it; the boost lasts two slices and ends.

import Kernel
import Testing

@Suite("Kernel: the starvation boost")
struct StarvationTests {
    static func run(boost: Bool) throws -> SchedulingTests.Outcome {
        try SchedulingTests.run("Lab/starvation.swift") {
            $0.clockFrequency = 100_000   // 1 ms = 100 cycles: 11 s is 1.1 million instructions
            $0.instructionLimit = 5_000_000
            Era.win95.apply(to: &$0)
            if !boost { $0.starvationBoost = nil }
        }
    }

    static func figure(_ label: String, in output: String) -> Int? {
        guard let range = output.range(of: label) else { return nil }
        return Int(output[range.upperBound...].prefix { $0.isNumber })
    }

    @Test("with the boost a starved thread runs within 4 s + a second, for two slices at a time; without it, never",
          .needsGuestToolchain)
    func starvedThreadRuns() throws {
        let boosted = try Self.run(boost: true)
        let plain = try Self.run(boost: false)
        #expect(boosted.ending == .exited(status: 0) && plain.ending == .exited(status: 0))
        // Without the boost the background thread never runs in 11 s.
        #expect(plain.output.contains("slices 0,"), "\(plain.output)")
        #expect(plain.output.contains("chunks 0 of 60"), "\(plain.output)")
        #expect(plain.statistics.starvationBoosts == 0)
        // With it: first at the check after 4 s of waiting (at 5 s), then again 4 to 5 s after it
        // left the hart; each boost gives it two 20 ms slices (about 40 ms of its 60 ms of work).
        let first = try #require(Self.figure("first ran ", in: boosted.output), "\(boosted.output)")
        #expect(first >= 4_000 && first <= 5_100, "\(boosted.output)")
        #expect(boosted.output.contains("slices 2,"), "\(boosted.output)")
        #expect(boosted.output.contains("chunks 60 of 60"), "\(boosted.output)")
        let longest = try #require(Self.figure("longest wait ", in: boosted.output))
        #expect(longest <= 5_100, "\(boosted.output)")
        #expect(boosted.statistics.starvationBoosts == 2)
        // The boost ends: the background thread ran about 60 ms in all (two boosts, not the whole run).
        let background = try #require(boosted.statistics.threads.last)
        #expect(background.metrics.readyCycles > 900_000, "\(background.metrics)")
    }

    @Test("the eras: win95, xp and server wait 4 s, checked once a second, for priority 15 and two slices; the others have none")
    func eras() {
        let clock: UInt64 = 1_000_000
        for era in [Era.win95, .xp, .server] {
            #expect(era.starvationBoost(clockFrequency: clock) == StarvationBoost(waitCycles: 4_000_000, periodCycles: 1_000_000, priority: 15, quanta: 2))
        }
        for era in [Era.dos, .win1, .linux, .linuxServer, .tickless] { #expect(era.starvationBoost(clockFrequency: clock) == nil) }
    }
}
