// Experiment 28, gpu-sharing: each claim of its table checked on what it measured
// (simulated figures only). Skipped, with a note, without a toolchain.

import Testing
@testable import Lab

@Suite struct GPUSharingExperimentTests {
    static let finding = Result { try LabSupport.finding("gpu-sharing") }

    @Test(.needsGuestToolchain) func aLongKernelDelaysAShortOneOnlyUnderBoundaryPreemption() throws {
        let finding = try Self.finding.get()
        #expect(finding["boundary wrong"] == 0 && finding["instruction wrong"] == 0)
        // Boundary: the short kernel waits for the long kernel's running work-groups, far
        // longer than a slice; instruction-level: about a slice and the save's cost.
        #expect(finding["boundary short µs"] > 2 * finding["slice µs"])
        #expect(finding["instruction short µs"] <= 2 * finding["slice µs"])
        #expect(finding["short latency ratio"] >= 2)
    }

    @Test(.needsGuestToolchain) func theWatchdogResetsTheRunawayAndTheOtherContextSurvives() throws {
        let finding = try Self.finding.get()
        #expect(finding["runaway timed out"] == 1)
        // Reset no sooner than the watchdog's limit after it was asked to leave, and not much later.
        #expect(finding["runaway reset after µs"] >= finding["watchdog µs"])
        #expect(finding["runaway reset after µs"] <= finding["watchdog µs"] + 4 * finding["slice µs"])
        #expect(finding["runaway wrong after reset"] == 0)
        #expect(finding["survivor items"] == 256 && finding["survivor wrong"] == 0)
    }

    @Test(.needsGuestToolchain) func oneContextCannotReadAnothersBuffer() throws {
        let finding = try Self.finding.get()
        #expect(finding["spy reads"] == 2)
        #expect(finding["spy read the secret"] == 0)
        // Each read found the spy's own memory or faulted in the spy's context only.
        #expect(finding["spy read its own data"] + finding["spy faults"] == 2)
        #expect(finding["spy faults"] >= 1)
        #expect(finding["secret intact"] == 1)
        #expect(finding["stray faulted"] == 1 && finding["stray old context refused"] == 1)
        #expect(finding["stray new context wrong"] == 0 && finding["stray exited 0"] == 1)
    }

    @Test(.needsGuestToolchain) func theSameOptionsGiveTheSameText() throws {
        #expect(try LabSupport.finding("gpu-sharing").text == Self.finding.get().text)
    }
}
