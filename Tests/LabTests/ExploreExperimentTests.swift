// The claims of the explore and races experiments (beyond the story): seeds with jitter
// miss the corpus's bugs that bounded search finds with at most two preemptions; the race
// detector reports the bool flip's race with both lines and nothing for compare-and-swap
// or a mutex.

import Testing
@testable import Lab

@Suite(.serialized) struct ExploreExperimentTests {
    @Test func exploreAndRacesRefuseWhatTheyCannotUse() throws {
        let explore = try #require(Catalog.experiment(named: "explore"))
        #expect(throws: LabError.self) { try explore.validate(LabOptions(harts: 2)) }
        #expect(throws: LabError.self) { try explore.validate(LabOptions(era: .linux)) }
        let races = try #require(Catalog.experiment(named: "races"))
        #expect(throws: LabError.self) { try races.validate(LabOptions(era: .linux)) }
        try races.validate(LabOptions(harts: 2))
    }

    @Test(.needsGuestToolchain) func boundedSearchFindsEachBugWithAtMostTwoPreemptionsWhereSeedsMissIt() throws {
        let finding = try LabSupport.finding("explore")
        for bug in ["bool flip", "broken lock", "lock order"] {
            #expect(finding["\(bug) bounded"] >= 1, "bounded search finds the \(bug)")
            #expect((1...2).contains(finding["\(bug) preemptions"]), "the \(bug) needs one or two preemptions once shrunk")
            #expect(finding["\(bug) seeds failed"] < finding["seeds"] / 4, "most seeds with jitter miss the \(bug)")
        }
        // Within the experiment's budget, each strategy finds the lost update.
        #expect(finding["bool flip random"] >= 1 && finding["bool flip pct"] >= 1)
        // The lost update and the deadlock need one preemption; the broken lock two.
        #expect(finding["bool flip preemptions"] == 1)
        #expect(finding["lock order preemptions"] == 1)
    }

    @Test(.needsGuestToolchain) func theBoolFlipsRaceIsReportedWithBothLinesAndNoneForCASOrAMutex() throws {
        let finding = try LabSupport.finding("races")
        #expect(finding["plain races"] >= 1)
        #expect(finding["plain read-write races with both lines"] >= 1, "a read against a write, each with its line")
        #expect(finding["plain races on the flag"] == finding["plain races"], "named by the variable's symbol")
        #expect(finding["cas races"] == 0)
        #expect(finding["mutex races"] == 0)
        // The race is found in a run whose answer is right.
        #expect(finding["plain right"] == 1)
    }
}
