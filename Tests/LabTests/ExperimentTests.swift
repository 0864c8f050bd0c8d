// Each experiment's claim, checked on what it measured (simulated figures only), so the
// lab cannot silently stop showing what it says. Skipped, with a note, without a toolchain.

import Testing
import Kernel
@testable import Lab

@Suite struct ExperimentTests {
    @Test(.needsGuestToolchain) func dosRunsTheSecondProgramOnlyAfterTheFirst() throws {
        let finding = try LabSupport.finding("single-tasking")
        #expect(finding["dos second starts µs"] >= finding["dos first ends µs"])
        #expect(finding["win1 second starts µs"] < finding["win1 first ends µs"])
        #expect(finding["win1 all done µs"] < finding["dos all done µs"])
        // Determinism: the same options give the same text.
        #expect(try LabSupport.finding("single-tasking").text == finding.text)
    }

    @Test(.needsGuestToolchain) func aCooperativeHogFreezesEveryProgramAndPollingOnlyHelpsItself() throws {
        let finding = try LabSupport.finding("cooperative")
        #expect(finding["hog max latency µs"] >= 0.8 * finding["hog µs"])
        #expect(finding["hog ticker gap µs"] >= 0.8 * finding["hog µs"])
        #expect(finding["twice max latency µs"] >= 1.8 * finding["hog max latency µs"])
        #expect(finding["polling max latency µs"] * 10 < finding["twice max latency µs"])
        #expect(finding["polling ticker gap µs"] >= 0.8 * finding["polling µs"])
    }

    @Test(.needsGuestToolchain) func underATimerEveryoneProgressesAndTheSliceSetsTheLatency() throws {
        let finding = try LabSupport.finding("preemptive")
        let hog = finding["cooperative hog µs"]
        #expect(finding["cooperative ticker gap µs"] >= 0.8 * hog)
        for slice in ["15.6", "60", "120", "4"] {
            #expect(finding["\(slice) ticker gap µs"] * 2 < hog, "the ticker progresses with \(slice) ms slices")
            // Input waits at most a slice, rounded to a tick, and a little.
            let bound = (slice == "4" ? 4 : (Double(slice) ?? 0) + 15.6) * 1000 + 1000
            #expect(finding["\(slice) max latency µs"] <= bound, "input latency with \(slice) ms slices")
        }
        #expect(finding["4 max latency µs"] < finding["15.6 max latency µs"])
        #expect(finding["15.6 max latency µs"] < finding["60 max latency µs"])
        #expect(finding["60 max latency µs"] < finding["120 max latency µs"])
        #expect(finding["4 switches"] > finding["15.6 switches"])
        #expect(finding["15.6 switches"] > finding["120 switches"])
    }

    @Test(.needsGuestToolchain) func oneAddressHoldsTwoValuesAndAStrayWriteEndsOnlyItsProcess() throws {
        let finding = try LabSupport.finding("virtual-memory")
        #expect(finding["reports"] == 2)
        #expect(finding["distinct addresses"] == 1)
        #expect(finding["distinct values"] == 2)
        #expect(finding["own values"] == 2)
        #expect(finding["fault status"] == 139)
        #expect(finding["others exited 0"] == finding["others"])
    }

    @Test(.needsGuestToolchain) func theRaceIsWrongForSomeSeedsAndNeverWithCompareAndSwap() throws {
        let finding = try LabSupport.finding("race")
        #expect(finding["seeds"] == 50)
        #expect(finding["wrong"] >= 1)
        #expect(finding["wrong"] < finding["seeds"])
        #expect(finding["atomic wrong"] == 0)
        #expect(finding["mutex wrong"] == 0)
        #expect(finding["switch in window"] == 1, "the wrong run's timeline shows a switch between a read and its write")
    }

    @Test(.needsGuestToolchain) func onTwoHartsTheRaceNeedsNoTimer() throws {
        let finding = try LabSupport.finding("multicore-race")
        #expect(finding["wrong"] >= 1)
        #expect(finding["atomic wrong"] == 0)
        #expect(finding["mutex wrong"] == 0)
        #expect(finding["timer interrupts"] == 0)
        #expect(finding["slice switches"] == 0)
    }

    @Test(.needsGuestToolchain) func tickingCostsInterruptsThatTicklessSaves() throws {
        for harts in [1, 2] {
            let finding = try LabSupport.finding("tickless", LabOptions(harts: harts, size: .small))
            #expect(finding["tickless timer interrupts"] <= finding["wake-ups"] + Double(harts) + 1)
            #expect(finding["tickless idle wake-ups"] <= finding["wake-ups"])
            #expect(finding["4 timer interrupts"] >= 3 * finding["15.6 timer interrupts"])
            #expect(finding["15.6 timer interrupts"] >= 4 * finding["tickless timer interrupts"])
            #expect(finding["4 idle wake-ups"] >= 20 * finding["wake-ups"])
        }
    }

    @Test(.needsGuestToolchain) func stacksAreReservedNotTouched() throws {
        let finding = try LabSupport.finding("thread-stacks")
        #expect(finding["1024 KiB threads"] == 100 && finding["64 KiB threads"] == 100)
        #expect(finding["1024 KiB reserved"] == 100 * 1024 * 1024)
        #expect(finding["64 KiB reserved"] == 100 * 64 * 1024)
        let big = finding["1024 KiB touched"], small = finding["64 KiB touched"]
        #expect(abs(big - small) <= 0.1 * small)
        #expect(big * 50 < finding["1024 KiB reserved"])
    }

    @Test(.needsGuestToolchain) func theForegroundBoostCutsInputLatencyUnderLoad() throws {
        for era in [Era.win95, .xp] {
            let finding = try LabSupport.finding("foreground-boost", LabOptions(era: era, size: .small))
            #expect(finding["boost max latency µs"] * 10 < finding["no boost max latency µs"], "under \(era)")
            #expect(finding["boost median µs"] < finding["no boost median µs"], "under \(era)")
        }
    }

    @Test(.needsGuestToolchain) func theStarvationBoostLetsTheBackgroundThreadRun() throws {
        let finding = try LabSupport.finding("starvation")
        // Without the boost the background thread never runs in 11 s.
        #expect(finding["no boost slices"] == 0 && finding["no boost work ms"] == 0 && finding["no boost boosts"] == 0)
        #expect(finding["no boost longest wait ms"] >= 10_900)
        // With it: first within 4 s + a second, every wait under about 5 s, two boosts of two slices finish its 60 ms.
        #expect(finding["boost first run ms"] >= 4_000 && finding["boost first run ms"] <= 5_100)
        #expect(finding["boost longest wait ms"] <= 5_100)
        #expect(finding["boost slices"] == 2 && finding["boost boosts"] == 2 && finding["boost work ms"] == 60)
    }
}
