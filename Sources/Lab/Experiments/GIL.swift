// Experiment 13, gil (Python): threads share work items (Lab/gil.swift), with and
// without a global interpreter lock — a futex Mutex held while "interpreted" code runs
// and let go around blocking calls, as CPython does. CPU-bound items compute; sleep-bound
// items compute a tenth as much and then wait for "I/O". Each case runs with one thread
// on one hart, two threads on one hart and two threads on two harts.

import Kernel

extension Experiment {
    static let gil = Experiment(
        number: 13, name: "gil",
        summary: "A global interpreter lock: no speed-up from threads, but I/O still overlaps.",
        chapter: "Python: the global interpreter lock",
        refuses: [.harts: "it compares one hart with two itself.",
                  .era: "it runs tickless Linux's 4 ms slice so that two threads can share one hart and a sleep lasts what it asks; the GIL's effect does not depend on the era."],
        body: { context in try GIL(context).run() })
}

struct GIL {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    var items: Int { small ? 8 : 16 }
    var work: Int { small ? 10_000 : 20_000 }
    let sleepMicroseconds = 2000

    func time(_ lock: String, _ kind: String, threads: Int, harts: Int, traced: Bool = false) throws -> RunResult {
        var configuration = context.baseConfiguration()
        configuration.harts = harts
        Era.tickless.apply(to: &configuration)
        let result = try context.run(RunSpec(main: "gil", programs: ["gil": "Lab/gil.swift"],
                                             arguments: [lock, kind, "\(threads)", "\(items)", "\(work)", "\(sleepMicroseconds)"],
                                             configuration: configuration, traced: traced))
        guard case .exited(0) = result.ending, let line = result.lines(starting: "result ").first,
              integer(after: "items ", in: line) == items else {
            throw LabError("gil (\(lock), \(kind), \(threads) threads, \(harts) harts) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return result
    }

    func run() throws -> Finding {
        var rows: [[String]] = [], figures: [String: Double] = [:]
        let shapes = [(threads: 1, harts: 1), (threads: 2, harts: 1), (threads: 2, harts: 2)]
        for kind in ["cpu", "sleep"] {
            for lock in ["gil", "free"] {
                let cycles = try shapes.map { try time(lock, kind, threads: $0.threads, harts: $0.harts).statistics.cycles }
                let speedUp = Double(cycles[0]) / Double(max(1, cycles[2]))
                rows.append([(kind == "cpu" ? "CPU-bound" : "sleep-bound") + (lock == "gil" ? ", with the GIL" : ", no GIL")]
                            + cycles.map { duration(cycles: $0, clock: labClock) } + [fixed(speedUp) + "x"])
                let key = "\(kind) \(lock)"
                figures["\(key) speed-up"] = speedUp
                figures["\(key) two harts over one"] = Double(cycles[1]) / Double(max(1, cycles[2]))
                for (shape, value) in zip(["1 thread", "2 threads 1 hart", "2 threads 2 harts"], cycles) {
                    figures["\(key) \(shape) cycles"] = Double(value)
                }
            }
        }
        var finding = Finding(point: """
            With a global interpreter lock only one thread runs interpreted code at a time, so CPU-bound work takes \
            as long on two threads and two harts as on one thread; without it two harts halve the time. A blocking \
            call lets the lock go, so sleep-bound work (I/O) still overlaps: two threads take about half the time one \
            does, with the GIL as without it. Sleeping needs no hart, so for that work a second hart adds nothing.
            """)
        finding.add(table(["\(items) items", "1 thread, 1 hart", "2 threads, 1 hart", "2 threads, 2 harts", "speed-up"], rows))
        finding.note("""
            A CPU-bound item computes \(work) rounds; a sleep-bound one computes \(work / 10) and then sleeps \
            \(sleepMicroseconds / 1000) ms. The GIL is a futex mutex, let go around the sleep; tickless Linux's 4 ms slice (a sleep ends when asked, not at a tick); \
            times are simulated. Speed-up is the one-thread time over the two-threads-on-two-harts time.
            """)
        if context.makeRecorder != nil {
            context.show(try time("gil", "cpu", threads: 2, harts: 2, traced: true), in: &finding, title: "gil: CPU-bound, two harts")
        }
        finding.figures = figures
        return finding
    }
}
