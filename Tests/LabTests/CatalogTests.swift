// The registry and the options: every experiment listed once in story order, unknown
// names found nowhere, and each option an experiment cannot take refused with a reason.

import Kernel
import Testing
@testable import Lab

@Suite struct CatalogTests {
    @Test func theStoryIsListedInOrderOnce() {
        #expect(Catalog.experiments.map(\.number) == Array(1...29))
        #expect(Set(Catalog.names).count == Catalog.names.count)
        for experiment in Catalog.experiments {
            #expect(!experiment.summary.isEmpty && experiment.summary.count <= 90, "\(experiment.name)'s summary")
        }
        // Every chapter of the tour runs: none is left planned.
        #expect(Catalog.experiments.filter { !$0.isRunnable }.map(\.name) == [])
    }

    @Test func unknownNamesAreNotFound() {
        #expect(Catalog.experiment(named: "race-detector") == nil)
        #expect(Catalog.experiment(named: "") == nil)
    }

    @Test func optionsAnExperimentCannotTakeAreRefusedWithAReason() throws {
        func refusal(_ name: String, _ options: LabOptions) -> String? {
            guard let experiment = Catalog.experiment(named: name) else { return "no such experiment" }
            do { try experiment.validate(options); return nil } catch { return error.message }
        }
        #expect(refusal("single-tasking", LabOptions(harts: 2))?.contains("--harts") == true)
        #expect(refusal("race", LabOptions(era: .win1))?.contains("no timer") == true)
        #expect(refusal("race", LabOptions(era: .server)) == nil)
        #expect(refusal("multicore-race", LabOptions(harts: 1))?.contains("two harts") == true)
        #expect(refusal("multicore-race", LabOptions(harts: 4)) == nil)
        #expect(refusal("foreground-boost", LabOptions(era: .server))?.contains("no foreground boost") == true)
        #expect(refusal("tickless", LabOptions(harts: 2)) == nil)
        #expect(refusal("tickless", LabOptions(harts: 99)) != nil)
        #expect(refusal("worker-affinity", LabOptions(harts: 4))?.contains("two cores") == true)
        #expect(refusal("worker-affinity", LabOptions(era: .win95))?.contains("chooses its slices") == true)
        // A planned experiment (while any is left) says it is not runnable yet.
        if let planned = Catalog.experiments.first(where: { !$0.isRunnable }) {
            #expect(refusal(planned.name, LabOptions())?.contains("not runnable yet") == true)
        }
    }
}
