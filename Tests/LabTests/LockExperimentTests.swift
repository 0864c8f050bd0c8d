// The claims of the experiments that use the guest lock library (broken-lock, spinning,
// fairness, semaphore-pool, gil), checked on what each measured — simulated figures only,
// at the small size. Skipped, with a note, when no toolchain is found.

import Testing
import Kernel
import Trace
@testable import Lab

@Suite struct LockExperiments {
    @Test(.needsGuestToolchain) func aLookBeforeYouLeapLockLetsTwoInAndTestAndSetNever() throws {
        let finding = try LabSupport.finding("broken-lock")
        #expect(finding["seeds"] >= 5)
        #expect(finding["broken two inside runs"] >= 1, "two threads inside the broken lock for at least one seed")
        #expect(finding["broken lost"] >= 1, "the counter the broken lock guards loses updates")
        #expect(finding["spin two inside runs"] == 0, "test-and-set never lets two in, on the same seeds")
        #expect(finding["spin overlaps"] == 0)
        #expect(finding["spin lost"] == 0)
    }

    @Test func brokenLockNeedsTwoHartsAndNoEra() throws {
        let experiment = try #require(Catalog.experiment(named: "broken-lock"))
        #expect(throws: LabError.self) { try experiment.validate(LabOptions(harts: 1)) }
        #expect(throws: LabError.self) { try experiment.validate(LabOptions(era: .linux)) }
        try experiment.validate(LabOptions(harts: 3))
    }

    @Test(.needsGuestToolchain) func onOneHartASpinLockWastesFarMoreThanAMutex() throws {
        let finding = try LabSupport.finding("spinning")
        // One hart: the spinner burns slices the preempted holder needs.
        #expect(finding["1 hart spin wasted"] > 2 * finding["1 hart mutex wasted"])
        #expect(finding["1 hart spin wasted"] > 0.2 * finding["work cycles"], "spinning wastes a good part of the work's own cycles")
        #expect(finding["1 hart spin cycles"] > 1.3 * finding["1 hart mutex cycles"], "and the run takes longer")
        #expect(finding["1 hart spin waits"] > 0)
        #expect(finding["1 hart mutex waits"] > 0, "the mutex's waiters slept")
        // Several harts: about the same time, but the spinners still burn their harts.
        let several = finding["several spin cycles"], mutex = finding["several mutex cycles"]
        #expect(abs(several - mutex) < 0.1 * mutex)
        #expect(finding["several spin used"] > 1.5 * finding["several mutex used"])
        #expect(finding["several spin wasted"] > 2 * finding["several mutex wasted"])
    }

    @Test func spinningTakesSeveralHartsButNoEraWithoutATimer() throws {
        let experiment = try #require(Catalog.experiment(named: "spinning"))
        #expect(throws: LabError.self) { try experiment.validate(LabOptions(harts: 1)) }
        #expect(throws: LabError.self) { try experiment.validate(LabOptions(era: .win1)) }
        try experiment.validate(LabOptions(harts: 2, era: .xp))
    }

    @Test(.needsGuestToolchain) func theTicketLockSharesTheWaitingEvenlyAndTestAndSetDoesNot() throws {
        let finding = try LabSupport.finding("fairness")
        #expect(finding["seeds"] >= 2)
        #expect(finding["ticket wait index min"] > 0.95, "every ticket-lock wait is about as long as every other, on every seed")
        #expect(finding["spin wait index max"] < 0.95, "test-and-set's waits are spread, on every seed")
        #expect(finding["ticket count index min"] > 0.95)
        #expect(finding["ticket longest wait µs"] * 2 < finding["spin longest wait µs"], "test-and-set's longest wait is far longer")
        // With caches (six Zen 4 cores) the waits are as before: spread under test-and-set, even under the ticket lock.
        #expect(finding["caches spin wait index max"] < 0.95)
        #expect(finding["caches ticket wait index min"] > 0.95)
        #expect(finding["caches ticket count index min"] > 0.95, "the ticket lock still serves in turn with caches")
        // The talk's claim: with caches test-and-set's acquisitions skew, because the core that let the lock go
        // still holds its line and takes the lock again before a waiter's request for the line comes back.
        #expect(finding["caches spin count index max"] < 0.9, "with caches test-and-set favours some threads, on every seed")
        // Determinism: the same options give the same text.
        #expect(try LabSupport.finding("fairness").text == finding.text)
    }

    @Test(.needsGuestToolchain) func theSemaphoreKeepsAtMostNJobsInThePoolAndReachesN() throws {
        let finding = try LabSupport.finding("semaphore-pool")
        let capacity = finding["capacity"]
        #expect(capacity >= 2)
        #expect(finding["workers"] > capacity, "more workers than permits, so the semaphore is what bounds the jobs")
        #expect(finding["peak occupancy"] == capacity)
        #expect(finding["most in pool"] == capacity)
        #expect(finding["most running"] <= capacity)
        #expect(finding["most running"] >= 2)
        #expect(finding["done"] == finding["jobs"])
    }

    @Test(.needsGuestToolchain) func theSemaphorePoolRunIsInTheTraceWhenOneIsAskedFor() throws {
        let builder = try LabSupport.builder.get()
        let experiment = try #require(Catalog.experiment(named: "semaphore-pool"))
        let context = LabContext(options: LabOptions(size: .small), builder: builder,
                                 makeRecorder: { clock, harts in TraceRecorder(clockFrequency: clock, harts: harts) })
        let finding = try experiment.run(context)
        let trace = try #require(finding.trace)
        #expect(!trace.events.isEmpty)
        #expect(finding.traceEndCycle != nil)
        #expect(finding["trace most open jobs"] == finding["capacity"], "the job spans in the trace: N at once, never more")
        #expect(finding["trace lowest count"] == 0, "the semaphore's count marks reach 0: every permit taken")
    }

    @Test(.needsGuestToolchain) func aGILStopsCPUSpeedUpButLetsSleepsOverlap() throws {
        let finding = try LabSupport.finding("gil")
        #expect(finding["cpu gil speed-up"] < 1.2)
        #expect(finding["cpu free speed-up"] > 1.6)
        #expect(finding["sleep gil speed-up"] > 1.6)
        #expect(finding["sleep free speed-up"] > 1.6)
        // Two harts help CPU work only without the GIL; sleeping overlaps on one hart too.
        #expect(finding["cpu gil two harts over one"] < 1.2)
        #expect(finding["cpu free two harts over one"] > 1.6)
        #expect(finding["sleep gil 2 threads 2 harts cycles"] < 1.2 * finding["sleep free 2 threads 2 harts cycles"])
    }
}
