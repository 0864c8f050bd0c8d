// Experiment 6, broken-lock (XP): a lock made of a plain load, a compare and a plain store
// (Sync's LookBeforeYouLeapLock, wrong on purpose) against the test-and-set SpinLock
// (amoswap), both guarding a plain counter (Lab/broken-lock.swift). Two threads on two
// harts, no timer, the finest interleaving with a seeded jitter; over a range of seeds we
// count the runs in which two threads were inside at once and the counter updates lost.

import Kernel

extension Experiment {
    static let brokenLock = Experiment(
        number: 6, name: "broken-lock",
        summary: "A lock made of plain loads and stores lets two threads in at once.",
        chapter: "XP: a lock built from loads and stores is racy",
        refuses: [.era: "it runs with no timer at all (cooperative): the two threads meet because they run at once on two harts."],
        check: { options in
            guard let harts = options.harts, harts < 2 else { return nil }
            return "broken-lock needs at least two harts (--harts 2 or more), not \(harts): its two threads must run at once."
        },
        body: { context in try BrokenLock(context).run() })
}

struct BrokenLock {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    var seeds: Int { small ? 10 : 20 }
    var rounds: Int { small ? 50 : 200 }

    var configuration: KernelConfiguration {
        var configuration = context.baseConfiguration()
        configuration.harts = context.options.harts ?? 2
        configuration.scheduling = .cooperative
        configuration.granularity = 1
        configuration.jitter = 3
        return configuration
    }

    struct Outcome { var mostInside: Int; var overlaps: Int; var counter: Int; var expected: Int }

    func attempt(_ lock: String, seed: UInt64, traced: Bool = false) throws -> (Outcome, RunResult) {
        var configuration = self.configuration
        configuration.seed = seed
        let result = try context.run(RunSpec(main: "broken-lock", programs: ["broken-lock": "Lab/broken-lock.swift"],
                                             arguments: [lock, "\(rounds)"], configuration: configuration, traced: traced))
        guard case .exited(0) = result.ending, let line = result.lines(starting: "result ").first,
              let most = integer(after: "most-inside ", in: line), let overlaps = integer(after: "overlaps ", in: line),
              let counter = integer(after: "counter ", in: line), let expected = integer(after: " of ", in: line) else {
            throw LabError("broken-lock (\(lock), seed \(seed)) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return (Outcome(mostInside: most, overlaps: overlaps, counter: counter, expected: expected), result)
    }

    func run() throws -> Finding {
        let first = context.options.seed, range = first..<first + UInt64(seeds)
        var rows: [[String]] = [], figures: [String: Double] = ["seeds": Double(seeds), "rounds": Double(rounds)]
        var firstBroken: UInt64? = nil
        for (lock, key, label) in [("look-before-you-leap", "broken", "look before you leap (load, compare, store)"),
                                   ("spin", "spin", "test-and-set (amoswap)")] {
            var twoInside = 0, overlaps = 0, lost = 0, worst = 0
            for seed in range {
                let (outcome, _) = try attempt(lock, seed: seed)
                if outcome.mostInside > 1 {
                    twoInside += 1
                    if key == "broken" && firstBroken == nil { firstBroken = seed }
                }
                overlaps += outcome.overlaps
                lost += outcome.expected - outcome.counter
                worst = max(worst, outcome.expected - outcome.counter)
            }
            rows.append([label, "\(twoInside) of \(seeds)", "\(overlaps)", "\(lost)", "\(worst)"])
            figures["\(key) two inside runs"] = Double(twoInside)
            figures["\(key) overlaps"] = Double(overlaps)
            figures["\(key) lost"] = Double(lost)
        }
        var finding = Finding(point: """
            A lock that looks (loads the word, sees 0) and then leaps (stores 1) has a gap between the two: on two \
            harts both threads can see the lock free and walk in together, and the counter it guards loses updates. \
            Test-and-set looks and leaps in one atomic instruction, so exactly one thread gets the 0: never two inside.
            """)
        let setting = "\(configuration.harts) harts, no timer, granularity 1, jitter 3, seeds \(range.lowerBound)...\(range.upperBound - 1)"
        finding.add(table([setting, "runs with two inside", "times two inside", "updates lost", "most lost in a run"], rows))
        finding.note("""
            Two threads each take the lock \(rounds) times and, holding it, add one to a plain counter (load, add, \
            store), so every run should end at \(2 * rounds); an atomic counts the threads inside at once.
            """)
        if let seed = firstBroken {
            finding.add("The first run with two inside: --seed \(seed) (run it with --timeline to see both threads holding the lock).")
            if context.makeRecorder != nil {
                let (_, result) = try attempt("look-before-you-leap", seed: seed, traced: true)
                context.show(result, in: &finding, title: "broken-lock: look before you leap, seed \(seed)")
            }
        }
        finding.figures = figures
        return finding
    }
}
