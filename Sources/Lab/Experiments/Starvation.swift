// Experiment 27, starvation (Windows NT's balance-set manager): a foreground program that
// computes without end at a higher priority against a background thread that needs about
// 60 ms of CPU (Lab/starvation.swift). Under a plain priority scheduler the background
// thread never runs; with the era's starvation boost it waits about 4 s, then runs at
// priority 15 for two slices, and again 4 to 5 s later, until its work is done. The clock
// is 100 kHz (a millisecond is 100 instructions) so 11 s of simulated time stay fast.

import Kernel

extension Experiment {
    static let starvation = Experiment(
        number: 27, name: "starvation",
        summary: "A background thread under an endless foreground program, with and without the boost.",
        chapter: "Windows NT: starvation and the balance-set manager",
        refuses: [.harts: "a second hart would give the background thread a core of its own: nothing would starve."],
        check: { options in
            guard let era = options.era, era.starvation == nil else { return nil }
            return "starvation cannot take --era \(era.rawValue): it has no starvation boost (win95, xp and server have one)."
        },
        body: { context in try StarvationExperiment(context).run() })
}

struct StarvationExperiment {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    func run() throws -> Finding {
        let era = context.options.era ?? .win95
        var finding = Finding(point: """
            A priority scheduler runs the highest ready priority: a foreground program that never stops computing \
            keeps a lower background thread waiting for ever. Windows NT's balance-set manager looks once a second \
            for threads that have been ready for about 4 s and raises them to priority 15 for two time slices: the \
            background thread gets a little CPU every 4 to 5 s instead of none.
            """)
        var rows: [[String]] = []
        for boosted in [true, false] {
            var configuration = context.baseConfiguration()
            configuration.clockFrequency = 100_000
            era.apply(to: &configuration)
            if !boosted { configuration.starvationBoost = nil }
            let result = try context.run(RunSpec(main: "starvation", programs: ["starvation": "Lab/starvation.swift"],
                                                 configuration: configuration, traced: boosted))
            guard let line = result.lines(starting: "background:").first,
                  let slices = integer(after: "slices ", in: line), let longest = integer(after: "longest wait ", in: line),
                  let first = integer(after: "first ran ", in: line), let chunks = integer(after: "chunks ", in: line) else {
                throw LabError("starvation printed no report: \(result.output)\(result.errors)")
            }
            let key = boosted ? "boost" : "no boost"
            finding.figures["\(key) slices"] = Double(slices)
            finding.figures["\(key) longest wait ms"] = Double(longest)
            finding.figures["\(key) first run ms"] = Double(first)
            finding.figures["\(key) work ms"] = Double(chunks)
            finding.figures["\(key) boosts"] = Double(result.statistics.starvationBoosts)
            rows.append([boosted ? "\(era.rawValue), starvation boost" : "\(era.rawValue), boost off",
                         first == 0 ? "never" : "\(first) ms", "\(longest) ms", "\(slices)", "\(chunks) of 60 ms",
                         "\(result.statistics.starvationBoosts)"])
            if boosted { context.show(result, in: &finding, title: "starvation boost under \(era.rawValue)") }
        }
        finding.add(table(["scheduler", "background first runs", "longest wait", "slices", "work done", "boosts"], rows))
        finding.note("The foreground thread computes at priority 10 for 11 s of simulated time; the background thread, priority 8, needs 60 ms of CPU (under win95 and xp both belong to the foreground process: 2 higher each). The clock is 100 kHz.")
        return finding
    }
}
