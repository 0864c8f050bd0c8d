// Experiment 9, semaphore-pool (XP): Sync's ThreadPool with six workers that admits at
// most three jobs at once — `submit` takes a permit from a counting semaphore of three,
// a finished job gives it back (Lab/semaphore-pool.swift). Jobs compute a little and
// then wait for "I/O", so they pile up and the pool fills; the producer waits for a
// permit. Each job is a span in the trace and the semaphore marks its count, so
// `--timeline` and `--svg` show at most three jobs at a time.

import Kernel
import Trace

extension Experiment {
    static let semaphorePool = Experiment(
        number: 9, name: "semaphore-pool",
        summary: "A thread pool gated by a counting semaphore keeps N jobs running at once.",
        chapter: "XP: semaphores and a thread pool",
        refuses: [.era: "the semaphore bounds the jobs under any scheduler; it runs Linux's 4 ms slice."],
        body: { context in try SemaphorePool(context).run() })
}

struct SemaphorePool {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    let workers = 6, capacity = 3, work = 2000, sleepMicroseconds = 500
    var jobs: Int { context.options.size == .small ? 12 : 24 }

    func run() throws -> Finding {
        var configuration = context.baseConfiguration()
        configuration.harts = context.options.harts ?? 2
        Era.linux.apply(to: &configuration)
        let result = try context.run(RunSpec(main: "semaphore-pool", programs: ["semaphore-pool": "Lab/semaphore-pool.swift"],
                                             arguments: ["\(workers)", "\(capacity)", "\(jobs)", "\(work)", "\(sleepMicroseconds)"],
                                             configuration: configuration, traced: true))
        guard case .exited(0) = result.ending, let line = result.lines(starting: "result ").first,
              let done = integer(after: " done ", in: line), let peak = integer(after: "peak-occupancy ", in: line),
              let inPool = integer(after: "most-in-pool ", in: line), let running = integer(after: "most-running ", in: line) else {
            throw LabError("semaphore-pool did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        var finding = Finding(point: """
            A counting semaphore with N permits lets at most N threads past it: the pool's submit takes a permit \
            and a finished job gives it back, so however many workers and jobs there are, the pool never holds more \
            than N jobs, and a producer that gets ahead waits. With more jobs than permits the pool fills to N and \
            stays there until the work runs out.
            """)
        finding.add(table(["\(workers) workers, \(capacity) permits, \(jobs) jobs, \(configuration.harts) harts", "jobs"], [
            ["most in the pool (the pool's own count, under its mutex)", "\(peak)"],
            ["most in the pool (as the producer saw it after each submit)", "\(inPool)"],
            ["most running at once (an atomic in the jobs)", "\(running)"],
            ["jobs done", "\(done) of \(jobs)"],
        ]))
        let statistics = result.statistics
        finding.note("""
            Each job computes \(work) rounds, then waits \(sleepMicroseconds)-\(3 * sleepMicroseconds) µs for "I/O" \
            (nanosleep). The run took \(duration(cycles: statistics.cycles, clock: labClock)) with \
            \(statistics.contextSwitches) context switches. Run it with --timeline or --svg FILE.svg to see the "job" \
            spans (at most \(capacity) at a time) and the semaphore's count marks.
            """)
        finding.figures = ["capacity": Double(capacity), "workers": Double(workers), "jobs": Double(jobs), "done": Double(done),
                           "peak occupancy": Double(peak), "most in pool": Double(inPool), "most running": Double(running)]
        if let trace = result.trace {
            let (open, lowest) = SemaphorePool.fromTrace(trace)
            finding.add("From the trace: at most \(open) job spans open at once; the semaphore's count went down to \(lowest).")
            finding.figures["trace most open jobs"] = Double(open)
            finding.figures["trace lowest count"] = Double(lowest)
        }
        context.show(result, in: &finding, title: "semaphore-pool: \(capacity) permits, \(workers) workers")
        return finding
    }

    /// The most "job" spans open at once (begin and end marks, in cycle order) and the
    /// lowest count the semaphore marked.
    static func fromTrace(_ trace: TraceLog) -> (open: Int, lowestCount: Int) {
        var open = 0, most = 0, lowest = Int.max
        let marks = trace.events.enumerated().compactMap { index, event -> (UInt64, Int, MarkKind, UInt64)? in
            guard case .mark(_, let kind, _, let value) = event.kind else { return nil }
            return (event.cycle, index, kind, value)
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        for (_, _, kind, value) in marks {
            switch kind {
            case .begin: open += 1; most = max(most, open)
            case .end: open -= 1
            case .count: lowest = min(lowest, Int(value))
            default: break
            }
        }
        return (most, lowest == Int.max ? -1 : lowest)
    }
}
