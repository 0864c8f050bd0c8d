// Experiment 29, worker-affinity (user space): the talk's advice for a worker thread — set
// its affinity and its priority, and use fewer threads with longer slices. One job
// (Lab/worker-affinity.swift: passes shared out among the workers, each over a 64 KiB
// buffer of its own) on two Zen 4 cores (private L1 and L2 each, the lab's 10 MHz
// clock), measured from the kernel's per-thread counters — the workers' slices,
// migrations, private-cache misses, time on a hart and time waiting for one — and the
// job's throughput on the simulated clock:
//
//   - one worker among three background threads, free against pinned to hart 0 (4 ms slices):
//     free, it resumes on whichever hart comes free and meets the other core's cold caches;
//     pinned, it never moves and finds its lines where it left them;
//   - the same free worker at normal priority (8, the background's) against high (15): high,
//     it keeps a hart for itself and the background shares the other;
//   - the job alone shared among 2 threads with 120 ms slices (Windows Server's) against
//     16 threads with 4 ms slices (desktop Linux's): the 16 take turns and move between the
//     cores, so a slice starts on caches that hold other threads' buffers, not its own.
//     At the full size 1, 2, 4, 8 and 16 threads under each slice, charted: which of the
//     two matters when (with 120 ms slices 16 threads each finish their share in one).

import Kernel
import Machine
import Trace

extension Experiment {
    static let workerAffinity = Experiment(
        number: 29, name: "worker-affinity",
        summary: "A worker pinned or free, high or normal priority; few threads, long slices or many, short.",
        chapter: "User space: a worker thread, tuned",
        refuses: [.harts: "it runs on two cores, so that a free worker has another core to move to and a pinned one a core to stay on.",
                  .era: "it chooses its slices itself: 4 ms (linux) for the affinity and priority runs, 120 ms (server) against 4 ms for the threads."],
        body: { context in try WorkerAffinity(context).run() })
}

struct WorkerAffinity {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    let preset = MemoryPreset.manyCore
    let harts = 2
    /// Each worker's buffer: twice the L1D, well inside the L2, so where its lines are
    /// decides what a pass costs. Each background thread walks a buffer of its own as large.
    let workset = 64 << 10
    var backgroundSet: Int { workset }
    let background = 3
    /// The job's passes: the single worker's (among the background threads, whose passes
    /// cost host time too), and the threads runs', shared out among the threads (the same
    /// work for 2 or 16; enough that the first pass on a cold core is a small part of it).
    var workerPasses: Int { small ? 16 : 48 }
    var jobPasses: Int { small ? 32 : 64 }
    let highPriority = 15

    /// One run: who works, among what, under which slices.
    struct Setup {
        var key: String
        var label: String
        var workers = 1
        var background = 0
        var pin = 0
        var priority = 8
        var era: Era = .linux
        var passes: Int
    }

    /// The workers' counters summed, and the job's time.
    struct Measured {
        var workers: Int
        var elapsedCycles: Double
        var passes: Int
        var slices: UInt64 = 0
        var migrations: UInt64 = 0
        var misses: UInt64 = 0
        var runCycles: UInt64 = 0
        var readyCycles: UInt64 = 0
        /// The harts any worker ran on: bit h for hart h.
        var hartsRunOn: UInt64 = 0
        var backgroundPasses: Int
        /// Passes (over a buffer) per simulated second.
        var throughput: Double { Double(passes) * Double(labClock) / max(1, elapsedCycles) }
        /// The workers' time on a hart, as a share of the job's time on all the harts they
        /// could use (main sets their buffers up before the clock starts, so their lives are the job).
        func hartShare(harts: Int) -> Double { Double(runCycles) / max(1, elapsedCycles * Double(min(harts, workers))) }
        var missesPerPass: Double { Double(misses) / Double(max(1, passes)) }
    }

    func measure(_ setup: Setup, traced: Bool = false) throws -> (Measured, RunResult) {
        var configuration = context.baseConfiguration()
        configuration.caches(preset, harts: harts)
        setup.era.apply(to: &configuration)
        let result = try context.run(RunSpec(main: "worker-affinity", programs: ["worker-affinity": "Lab/worker-affinity.swift"],
                                             arguments: ["\(setup.workers)", "\(setup.passes)", "\(workset)", "\(setup.background)",
                                                         "\(backgroundSet)", "\(setup.pin)", "\(setup.priority)"],
                                             configuration: configuration, traced: traced))
        let tids = Set(result.lines(starting: "worker ").compactMap { integer(after: " tid ", in: $0).flatMap { Int32(exactly: $0) } })
        let line = result.lines(starting: "result ").first ?? ""
        guard case .exited(0) = result.ending, tids.count == setup.workers, let elapsed = integer(after: "elapsed-ns ", in: line),
              integer(after: "passes ", in: line) == setup.passes, let extra = integer(after: "background-passes ", in: line)
        else {
            throw LabError("worker-affinity (\(setup.label)) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        var measured = Measured(workers: setup.workers, elapsedCycles: Double(elapsed) * Double(labClock) / 1e9, passes: setup.passes,
                                backgroundPasses: extra)
        for thread in result.statistics.threads where tids.contains(thread.tid) {
            measured.slices &+= thread.metrics.switches
            measured.migrations &+= thread.metrics.migrations
            measured.misses &+= thread.metrics.cacheMisses
            measured.runCycles &+= thread.metrics.runCycles
            measured.readyCycles &+= thread.metrics.readyCycles
            measured.hartsRunOn |= thread.metrics.hartsRunOn
        }
        return (measured, result)
    }

    /// The threads runs: at the small size the two the claim compares; at the full size
    /// 1, 2, 4, 8 and 16 threads under each slice, for the chart.
    var threadRuns: [(workers: Int, era: Era)] {
        small ? [(2, .server), (16, .linux)] : [Era.server, .linux].flatMap { era in [1, 2, 4, 8, 16].map { ($0, era) } }
    }

    static func sliceMilliseconds(_ era: Era) -> Int { Int((era.sliceMicroseconds ?? 0) / 1000) }

    /// "few" and "many" are the pair the claim compares; the others are named by their shape.
    static func threadsKey(_ workers: Int, _ era: Era) -> String {
        switch (workers, era) {
        case (2, .server): "few"
        case (16, .linux): "many"
        default: "\(workers) threads \(sliceMilliseconds(era)) ms"
        }
    }

    var setups: [Setup] {
        let worker = workerPasses
        return [
            Setup(key: "free", label: "1 worker, free, priority 8", background: background, passes: worker),
            Setup(key: "pinned", label: "1 worker, pinned to hart 0, priority 8", background: background, pin: 1, passes: worker),
            Setup(key: "high", label: "1 worker, free, priority \(highPriority)", background: background, priority: highPriority,
                  passes: worker),
        ] + threadRuns.map { workers, era in
            Setup(key: Self.threadsKey(workers, era), label: "\(workers) thread\(workers == 1 ? "" : "s"), \(Self.sliceMilliseconds(era)) ms slices",
                  workers: workers, era: era, passes: jobPasses)
        }
    }

    func run() throws -> Finding {
        var figures: [String: Double] = ["worker passes": Double(workerPasses), "job passes": Double(jobPasses),
                                         "lines": Double(workset / 64), "harts": Double(harts)]
        var rows: [[String]] = [], measured: [String: Measured] = [:]
        for setup in setups {
            context.progress("worker-affinity: \(setup.label)")
            let (run, _) = try measure(setup)
            measured[setup.key] = run
            let key = setup.key
            figures["\(key) slices"] = Double(run.slices)
            figures["\(key) migrations"] = Double(run.migrations)
            figures["\(key) harts run on"] = Double(run.hartsRunOn.nonzeroBitCount)
            figures["\(key) misses"] = Double(run.misses)
            figures["\(key) misses per pass"] = run.missesPerPass
            figures["\(key) hart share"] = run.hartShare(harts: harts)
            figures["\(key) ready ms"] = Double(run.readyCycles) * 1000 / Double(labClock)
            figures["\(key) passes per second"] = run.throughput
            figures["\(key) elapsed ms"] = run.elapsedCycles * 1000 / Double(labClock)
            figures["\(key) background passes"] = Double(run.backgroundPasses)
            rows.append([setup.label, "\(run.slices)", "\(run.migrations)", "\(run.misses)", fixed(run.missesPerPass, decimals: 0),
                         fixed(100 * run.hartShare(harts: harts), decimals: 0) + "%",
                         duration(microseconds: Double(run.readyCycles) * 1e6 / Double(labClock)),
                         fixed(run.throughput, decimals: 0)])
        }
        func ratio(_ a: String, _ b: String) -> Double {
            (figures["\(a) passes per second"] ?? 0) / max(1e-9, figures["\(b) passes per second"] ?? 0)
        }
        figures["pinned throughput ratio"] = ratio("pinned", "free")
        figures["high throughput ratio"] = ratio("high", "free")
        figures["few throughput ratio"] = ratio("few", "many")
        var finding = Finding(point: """
            The talk's advice for a worker thread, measured. Pinned (set_affinity), it never moves and finds its \
            working set in its own core's caches, where free it resumes on whichever hart comes free and meets \
            cold ones; at a higher priority than the threads around it, it keeps a hart instead of waiting its turn. \
            The same job on two threads (one per core) with long slices switches a few percent as often and runs nearly \
            twice as fast as on 16 threads with 4 ms slices, whose slices start on caches other threads have \
            filled; with long slices even 16 threads do nearly as well, each finishing its share in one slice.
            """)
        finding.add(table(["workers (summed)", "slices", "migrations", "cache misses", "per pass", "hart time", "waiting",
                           "passes/s"], rows))
        let pinned = measured["pinned"], free = measured["free"], high = measured["high"], few = measured["few"], many = measured["many"]
        if let pinned, let free, let high, let few, let many {
            finding.add("")
            finding.add("Pinned: \(pinned.migrations) migrations against \(free.migrations), "
                        + "\(fixed(pinned.missesPerPass, decimals: 0)) misses a pass against \(fixed(free.missesPerPass, decimals: 0)); "
                        + "\(fixed(ratio("pinned", "free")))× the free worker's throughput.")
            finding.add("High priority: \(fixed(100 * high.hartShare(harts: harts), decimals: 0))% of the job's time on a hart against "
                        + "\(fixed(100 * free.hartShare(harts: harts), decimals: 0))%; \(fixed(ratio("high", "free")))× the throughput.")
            finding.add("Few threads, long slices: \(few.slices) slices against \(many.slices), \(few.migrations) migrations against "
                        + "\(many.migrations); \(fixed(ratio("few", "many")))× the throughput.")
        }
        // A terminal chart only: --timeline, --trace and --svg show the free worker's run.
        if !small {
            let plot = Plot(title: "Passes per second against worker threads (the same job on two cores)",
                            xLabel: "worker threads (log scale)", yLabel: "passes per second",
                            series: [Era.server, .linux].map { era in
                                Plot.Series(name: "\(Self.sliceMilliseconds(era)) ms slices (\(era.rawValue))",
                                            points: threadRuns.filter { $0.era == era }.compactMap { workers, era in
                                                measured[Self.threadsKey(workers, era)].map { Plot.Point(x: Double(workers), y: $0.throughput) }
                                            })
                            },
                            xTickText: { "\(Int($0))" })
            finding.add([""] + plot.terminal())
        }
        finding.note("""
            \(preset.name) (\(preset.summary)): \(harts) cores, one hardware thread each, granularity 1. The job is \
            \(workerPasses) passes for the single worker, \(jobPasses) shared out among the threads; each worker has a buffer of its own of \(size(UInt64(workset))) \
            (\(workset / 64) lines: twice the \(size(UInt64(preset.hierarchy.l1d.size))) L1D, well inside the \
            \(size(UInt64(preset.hierarchy.l2?.size ?? 0))) L2), and a pass reads, mixes and writes one word of each of its \
            lines. The main thread sets every buffer up, then (at the highest priority, so it never waits) starts the \
            clock and the workers; the clock stops at the last one's end. The \
            \(background) background threads of the single-worker runs (priority 8, free) walk \(size(UInt64(backgroundSet))) \
            of their own each until the worker is done; the threads runs have none. Slices, migrations, misses (every \
            private level: an access that misses L1D and L2 counts at both), time on a hart and time ready but waiting are \
            the kernel's counters of the worker threads, summed; hart time is their run time over the job's time on the \
            harts they could use. The single-worker runs use desktop Linux's 4 ms \
            slice and tick.
            """)
        if context.makeRecorder != nil, let first = setups.first {
            context.show(try measure(first, traced: true).1, in: &finding, title: "worker-affinity: \(first.label)")
        }
        finding.figures = figures
        return finding
    }
}
