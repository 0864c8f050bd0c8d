// Experiment 14, foreground-boost (Windows 95 / XP): the foreground program's message loop
// against a CPU hog in the background. With the era's boost the loop runs at a higher
// priority and takes the CPU the moment a cursor move arrives; without it the move waits
// for the hog's slice to end.

import Kernel

extension Experiment {
    static let foregroundBoost = Experiment(
        number: 14, name: "foreground-boost",
        summary: "Input latency of the foreground program with and without the boost, under load.",
        chapter: "Windows 95: the foreground boost",
        refuses: [.harts: "a second hart would give the hog a core of its own and leave nothing to boost."],
        check: { options in
            guard let era = options.era, era.foreground == nil else { return nil }
            return "foreground-boost cannot take --era \(era.rawValue): it has no foreground boost (win95 and xp have one)."
        },
        body: { context in try ForegroundBoost(context).run() })
}

struct ForegroundBoost {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    func run() throws -> Finding {
        let era = context.options.era ?? .win95
        let small = context.options.size == .small
        let rounds = small ? 280_000 : 570_000             // about 200 or 400 ms of computing
        let events = small ? 40 : 80
        var finding = Finding(point: """
            Windows gives the foreground process a higher priority: when a cursor move arrives its message loop \
            takes the CPU from the background hog at once. Without the boost the move waits in the queue until \
            the hog's time slice ends, up to a whole tick.
            """)
        var rows: [[String]] = []
        for boosted in [true, false] {
            var configuration = context.baseConfiguration()
            era.apply(to: &configuration)
            if !boosted { configuration.foregroundBoost = nil }
            let run = try context.desktop(configuration, rounds: rounds, ticks: 0, inputEveryMs: 5, inputEvents: events, traced: boosted)
            let key = boosted ? "boost" : "no boost"
            rows.append([boosted ? "\(era.rawValue), foreground boost" : "\(era.rawValue), boost off", duration(microseconds: run.latencyMedian),
                         duration(microseconds: run.latencyMaximum), "\(run.movesTaken)", duration(microseconds: run.workTime)])
            finding.figures["\(key) median µs"] = run.latencyMedian
            finding.figures["\(key) max latency µs"] = run.latencyMaximum
            finding.figures["\(key) hog µs"] = run.workTime
            if boosted { context.show(run.result, in: &finding, title: "foreground boost under \(era.rawValue)") }
        }
        finding.add(table(["scheduler", "input median", "maximum", "moves taken", "background hog's time"], rows))
        finding.note("A cursor move every 5 ms goes to the foreground message loop; the hog computes \(rounds) rounds in a background process.")
        return finding
    }
}
