// Experiment 8, fairness (XP): six threads, one per hart, take one lock again and again
// until 600 acquisitions have been made between them (Lab/fairness.swift), with the
// test-and-set SpinLock and with the TicketLock. Each thread times every wait on the
// simulated clock. Jain's fairness index (Σx)²/(n·Σx²) is 1 when all x are equal and
// 1/n when one takes everything; we take it over the acquisitions per thread and over
// the waits, one x per acquisition.
//
// Twice: without caches, where every access costs the same, and with caches (the Zen 4
// preset, six cores, granularity 1). Without caches the acquisitions even out; the
// unfairness is in the waits: nothing orders the waiters, so one gets in at once while
// another loses round after round. With caches, the talk's claim: the core that just let
// the lock go still holds its line — its releasing store sat in the store buffer while
// the line came, and a waiter's request for the line takes half a transfer to reach it
// (MissWait.swift) — so it swaps again and wins before anyone else's swap arrives, and
// test-and-set's acquisitions skew. The ticket lock serves in order either way.

import Kernel
import Machine

extension Experiment {
    static let fairness = Experiment(
        number: 8, name: "fairness",
        summary: "Test-and-set has no queue, so some waits run long; a ticket lock serves threads in turn.",
        chapter: "XP: fair locks (ticket, queue)",
        refuses: [.harts: "it runs one thread per hart (six): with fewer harts and no timer a spinning waiter would keep the holder, or the ticket lock's next in line, off the hart for ever.",
                  .era: "it runs with no timer (every thread has a hart of its own), so no era's tick or slice applies."],
        body: { context in try Fairness(context).run() })
}

struct Fairness {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    let threads = 6, hold = 20, gap = 0, granularity = 20
    var small: Bool { context.options.size == .small }
    var total: Int { small ? 240 : 600 }
    var seeds: Int { small ? 2 : 3 }

    struct ThreadWaits { var acquisitions: Int; var waitNs: Double; var waitNsSquared: Double; var longestNs: Int }

    struct Measured {
        var threads: [ThreadWaits]
        var countIndex: Double {
            jain(sum: threads.reduce(0) { $0 + Double($1.acquisitions) },
                 sumOfSquares: threads.reduce(0) { $0 + Double($1.acquisitions * $1.acquisitions) }, count: threads.count)
        }
        var acquisitions: Int { threads.reduce(0) { $0 + $1.acquisitions } }
        /// Over every acquisition's wait.
        var waitIndex: Double {
            jain(sum: threads.reduce(0) { $0 + $1.waitNs }, sumOfSquares: threads.reduce(0) { $0 + $1.waitNsSquared }, count: acquisitions)
        }
        var meanWaitNs: Double { threads.reduce(0) { $0 + $1.waitNs } / Double(max(1, acquisitions)) }
        var longestNs: Int { threads.map(\.longestNs).max() ?? 0 }
    }

    /// The hierarchy of the run with caches: six cores of the Zen 4 preset, one thread each.
    let cachePreset = MemoryPreset.manyCore

    func configuration(caches: Bool) -> KernelConfiguration {
        var configuration = context.baseConfiguration()
        configuration.harts = threads
        configuration.scheduling = .cooperative
        configuration.granularity = granularity
        if caches { configuration.caches(cachePreset, harts: threads) }
        configuration.jitter = 3
        return configuration
    }

    func measure(_ lock: String, seed: UInt64, caches: Bool = false, traced: Bool = false) throws -> (Measured, RunResult) {
        var configuration = self.configuration(caches: caches)
        configuration.seed = seed
        let result = try context.run(RunSpec(main: "fairness", programs: ["fairness": "Lab/fairness.swift"],
                                             arguments: [lock, "\(threads)", "\(total)", "\(hold)", "\(gap)"],
                                             configuration: configuration, traced: traced))
        var measured: [ThreadWaits] = []
        for line in result.lines(starting: "thread ") {
            guard let acquisitions = integer(after: "acquisitions ", in: line), let wait = integer(after: "wait-ns ", in: line),
                  let squared = integer(after: "wait-ns-squared ", in: line), let longest = integer(after: "longest-ns ", in: line)
            else { continue }
            measured.append(ThreadWaits(acquisitions: acquisitions, waitNs: Double(wait), waitNsSquared: Double(squared), longestNs: longest))
        }
        guard case .exited(0) = result.ending, measured.count == threads, integer(after: "result total ", in: result.output) == total else {
            throw LabError("fairness (\(lock), seed \(seed)\(caches ? ", caches" : "")) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return (Measured(threads: measured), result)
    }

    /// Both locks over the seeds, with or without caches: a table row per run, the figures
    /// (named with `prefix`), and the first seed's runs.
    func sweep(caches: Bool, into figures: inout [String: Double]) throws -> (rows: [[String]], firstRuns: [String: Measured]) {
        let first = context.options.seed, prefix = caches ? "caches " : ""
        var rows: [[String]] = [], firstRuns: [String: Measured] = [:]
        for (lock, label) in [("spin", "test-and-set"), ("ticket", "ticket")] {
            var lowest = (count: 1.0, wait: 1.0), highest = (count: 0.0, wait: 0.0), longest = 0
            for seed in first..<first + UInt64(seeds) {
                let (measured, _) = try measure(lock, seed: seed, caches: caches)
                if seed == first { firstRuns[lock] = measured }
                let counts = measured.threads.map(\.acquisitions)
                rows.append([label, "\(seed)", "\(counts.min() ?? 0)...\(counts.max() ?? 0)", fixed(measured.countIndex, decimals: 3),
                             duration(microseconds: measured.meanWaitNs / 1000), duration(microseconds: Double(measured.longestNs) / 1000),
                             fixed(measured.waitIndex, decimals: 3)])
                lowest = (min(lowest.count, measured.countIndex), min(lowest.wait, measured.waitIndex))
                highest = (max(highest.count, measured.countIndex), max(highest.wait, measured.waitIndex))
                longest = max(longest, measured.longestNs)
            }
            figures["\(prefix)\(lock) count index min"] = lowest.count
            figures["\(prefix)\(lock) count index max"] = highest.count
            figures["\(prefix)\(lock) wait index min"] = lowest.wait
            figures["\(prefix)\(lock) wait index max"] = highest.wait
            figures["\(prefix)\(lock) longest wait µs"] = Double(longest) / 1000
        }
        return (rows, firstRuns)
    }

    /// The first seed's acquisitions and longest wait per thread, both locks side by side.
    func perThread(_ runs: [String: Measured], caches: Bool) -> [String] {
        guard let spin = runs["spin"], let ticket = runs["ticket"] else { return [] }
        let rows = (0..<threads).map { index -> [String] in
            let s = spin.threads[index], t = ticket.threads[index]
            return ["\(index)", "\(s.acquisitions)", duration(microseconds: Double(s.longestNs) / 1000),
                    "\(t.acquisitions)", duration(microseconds: Double(t.longestNs) / 1000)]
        }
        return [""] + table(["thread (seed \(context.options.seed)\(caches ? ", caches" : ""))", "test-and-set: acquisitions", "longest wait",
                             "ticket: acquisitions", "longest wait"], rows)
    }

    func run() throws -> Finding {
        let first = context.options.seed
        var figures: [String: Double] = ["threads": Double(threads), "seeds": Double(seeds)]
        let plain = try sweep(caches: false, into: &figures), cached = try sweep(caches: true, into: &figures)
        var finding = Finding(point: """
            Test-and-set has no queue: when the lock comes free, whichever waiter swaps first gets it, so one thread \
            gets in at once while another loses round after round, with no bound on its wait. The ticket lock \
            serves the threads in the order they asked, so every wait is about as long as every other. With \
            caches test-and-set's acquisitions skew as well: the core that let the lock go still holds its line \
            (its releasing store waited in the store buffer while the line came, and the next request for the line \
            needs time to reach it), so it swaps again and wins before a waiter's swap arrives; here one thread takes \
            almost every acquisition. The ticket lock serves in order with caches too.
            """)
        let header = ["lock", "seed", "acquisitions per thread", "fairness (counts)", "mean wait", "longest wait", "fairness (waits)"]
        // --caches/--smt reach the first sweep only (the second chooses its own caches).
        let heading = context.options.memoryHierarchy.map { "With --caches \($0.name):" } ?? "Without caches:"
        finding.add([heading] + table(header, plain.rows) + perThread(plain.firstRuns, caches: false))
        finding.add(["", "With caches (\(cachePreset.name): six cores, private L1 and L2, a shared L3, MESI):"] + table(header, cached.rows)
                    + perThread(cached.firstRuns, caches: true))
        finding.note("""
            \(threads) threads on \(threads) harts, no timer, granularity \(granularity), jitter 3; together they take the \
            lock \(total) times, computing \(hold) rounds holding it and asking again at once. Fairness is Jain's index \
            (Σx)²/(n·Σx²): 1 when all x are equal, 1/n when one x is everything; over acquisitions per thread, and over \
            the waits of all acquisitions (timed on the simulated clock). With caches each hart is a core of \
            \(cachePreset.name) (\(cachePreset.summary)), granularity 1, and every access costs the latency of the \
            level that serves it.
            """)
        if context.makeRecorder != nil {
            context.show(try measure("spin", seed: first, traced: true).1, in: &finding, title: "fairness: test-and-set, seed \(first)")
        }
        finding.figures = figures
        return finding
    }
}

/// Jain's fairness index (Σx)²/(n·Σx²) from the sum and the sum of squares of n values.
func jain(sum: Double, sumOfSquares: Double, count: Int) -> Double {
    guard count > 0, sumOfSquares > 0 else { return 1 }
    return sum * sum / (Double(count) * sumOfSquares)
}
