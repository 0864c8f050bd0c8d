// Experiment 24, explore (beyond the story: exploration): three bugs of the corpus
// (Guest/Programs/Explore/) — the bool flip (a lost update), a counter behind a broken
// test-then-set lock, and a lock-order deadlock — each right in the default run. Seeds with
// jitter on two harts almost never show them (the opening claim); an explorer that
// chooses the schedule itself does. For each bug: how many of 40 seeds fail, how many
// schedules random search, PCT and bounded (iterative context bounding, as CHESS) need to
// find it, and how many preemptions the failure needs once shrunk (CHESS: at most two).

import Explore
import Kernel

extension Experiment {
    static let explore = Experiment(
        number: 24, name: "explore",
        summary: "Seeds miss a lost update, a broken lock and a deadlock; exploring finds each.",
        chapter: "Beyond the story: exploring interleavings",
        refuses: [.harts: "the explorer chooses every switch on one hart itself; the seed column runs two harts, as multicore-race does.",
                  .era: "the explorer chooses every switch itself, so no era's timer applies."],
        body: { context in try ExploreBugs(context).run() })
}

struct ExploreBugs {
    struct Bug {
        var key: String
        var label: String
        var file: String
    }

    static let bugs = [
        Bug(key: "bool flip", label: "bool flip (lost update)", file: "bool-flip.swift"),
        Bug(key: "broken lock", label: "counter behind a broken lock", file: "broken-lock.swift"),
        Bug(key: "lock order", label: "lock-order deadlock", file: "lock-order.swift"),
    ]

    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    let seeds = 40
    /// The most schedules random search and PCT may run for one bug.
    var budget: Int { context.options.size == .small ? 300 : 2_000 }
    let pctDepth = 3

    /// The seeded runs a learner would try by hand: two harts, the finest interleaving, a jitter.
    func seedFailures(_ bug: Bug) throws -> Int {
        var failed = 0
        for seed in context.options.seed..<context.options.seed + UInt64(seeds) {
            var configuration = context.baseConfiguration()
            configuration.harts = 2
            configuration.scheduling = .cooperative
            configuration.granularity = 1
            configuration.jitter = 3
            configuration.seed = seed
            let result = try context.run(RunSpec(main: bug.key, programs: [bug.key: "Explore/" + bug.file], arguments: [],
                                                 configuration: configuration))
            if result.ending != .exited(status: 0) { failed += 1 }
        }
        return failed
    }

    func session(_ bug: Bug) throws -> ExploreSession {
        let executable = try context.program("Explore/" + bug.file)
        let name = String(bug.file.prefix { $0 != "." })
        var configuration = context.baseConfiguration()
        configuration.harts = 1
        configuration.scheduling = .cooperative
        do {
            return try ExploreSession(executable: executable, name: name, arguments: [], configuration: configuration,
                                      programs: [name: executable])
        } catch {
            throw LabError("cannot load \(bug.file) for exploration: \(error)")
        }
    }

    func explore(_ session: ExploreSession, _ strategy: ExploreStrategyChoice, runs: Int?) -> ExploreOutcome {
        var options = ExploreOptions()
        options.strategy = strategy
        options.runs = runs
        options.seed = context.options.seed
        return session.explore(options)
    }

    func run() throws -> Finding {
        var rows: [[String]] = [], figures: [String: Double] = ["seeds": Double(seeds), "budget": Double(budget)]
        var shrunk: [String] = [], bounds: [String] = []
        for bug in Self.bugs {
            let seeded = try seedFailures(bug)
            let session = try session(bug)
            let random = explore(session, .random, runs: budget)
            let pct = explore(session, .pct(depth: pctDepth), runs: budget)
            let bounded = explore(session, .bounded(maxPreemptions: 2), runs: nil)
            func needed(_ outcome: ExploreOutcome) -> String {
                outcome.failure.map { "\($0.runIndex + 1)" } ?? "not in \(outcome.stats.schedules)"
            }
            let preemptions = bounded.failure?.preemptionPoints.count
            rows.append([bug.label, "\(seeded) of \(seeds)", needed(random), needed(pct), needed(bounded),
                         preemptions.map(String.init) ?? "-"])
            figures["\(bug.key) seeds failed"] = Double(seeded)
            figures["\(bug.key) random"] = random.failure.map { Double($0.runIndex + 1) } ?? 0
            figures["\(bug.key) pct"] = pct.failure.map { Double($0.runIndex + 1) } ?? 0
            figures["\(bug.key) bounded"] = bounded.failure.map { Double($0.runIndex + 1) } ?? 0
            figures["\(bug.key) preemptions"] = preemptions.map(Double.init) ?? -1
            if let failure = bounded.failure {
                shrunk.append("  \(bug.label): " + (failure.reason.split(separator: "\n").first.map(String.init) ?? failure.reason))
                for (index, point) in failure.preemptionPoints.enumerated() {
                    shrunk.append("    preemption \(index + 1) of \(failure.preemptionPoints.count): \(point)")
                }
            }
            if let bound = pct.pctBound { bounds.append("  \(bug.label): \(bound)") }
        }
        var finding = Finding(point: """
            Each program is right in its default run, and 40 seeds with jitter on two harts hardly ever put the \
            threads' steps in the one order that breaks it. An explorer stops the threads where they can affect each \
            other and chooses who runs: random search at random, PCT by random priorities (with a guaranteed chance \
            per run), bounded search every schedule with no preemption, then one, then two. Bounded search finds all \
            three; once shrunk, none needs more than two preemptions (CHESS's observation).
            """)
        finding.add(table(["bug", "seeds failing", "random", "PCT d=\(pctDepth)", "bounded", "preemptions"], rows))
        finding.add("  (schedules run up to the first failure; seeds: --harts 2 --granularity 1 --jitter 3, "
                    + "seeds \(context.options.seed)...\(context.options.seed + UInt64(seeds) - 1); budget \(budget) schedules)")
        if !shrunk.isEmpty { finding.add(["", "Each bounded-search failure, shrunk:"] + shrunk) }
        if !bounds.isEmpty { finding.add(["", "PCT's guaranteed chance per run:"] + bounds) }
        finding.figures = figures
        return finding
    }
}
