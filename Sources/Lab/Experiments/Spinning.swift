// Experiment 7, spinning (XP): four threads share a lock around a long critical section
// (Lab/spinning.swift), with the test-and-set SpinLock and with the futex Mutex, on one
// hart and on several, under a timer. CPU the threads used beyond the work itself (their
// run cycles, from the kernel, minus what one thread doing all the work alone used) is
// the CPU that waiting burned.

import Kernel

extension Experiment {
    static let spinning = Experiment(
        number: 7, name: "spinning",
        summary: "A spin lock burns the CPU its holder needs; cycles wasted spinning, counted.",
        chapter: "XP: spinning wastes CPU",
        check: { options in
            if let harts = options.harts, harts < 2 {
                return "spinning compares one hart with several itself; --harts sets the several (2 to 8), not \(harts)."
            }
            guard let era = options.era, era.policy(clockFrequency: labClock).sliceCycles == nil else { return nil }
            return "spinning cannot take --era \(era.rawValue): with no timer a spinner on one hart never gives the hart back, so the holder never runs again and the run never ends."
        },
        body: { context in try Spinning(context).run() })
}

struct Spinning {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    let threads = 4, hold = 2000, outside = 1000
    var rounds: Int { context.options.size == .small ? 15 : 40 }
    var several: Int { context.options.harts ?? 4 }

    struct Measured {
        var result: RunResult
        var waits: Int
        var runCycles: UInt64 { result.statistics.threads.reduce(0) { $0 + $1.metrics.runCycles } }
    }

    func measure(_ lock: String, harts: Int, threads: Int, rounds: Int, traced: Bool = false) throws -> Measured {
        var configuration = context.baseConfiguration()
        configuration.harts = harts
        (context.options.era ?? .linux).apply(to: &configuration)
        let result = try context.run(RunSpec(main: "spinning", programs: ["spinning": "Lab/spinning.swift"],
                                             arguments: [lock, "\(threads)", "\(rounds)", "\(hold)", "\(outside)"],
                                             configuration: configuration, traced: traced))
        guard case .exited(0) = result.ending, let line = result.lines(starting: "result ").first,
              integer(after: "acquisitions ", in: line) == threads * rounds, let waits = integer(after: " waits ", in: line) else {
            throw LabError("spinning (\(lock), \(harts) harts) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return Measured(result: result, waits: waits)
    }

    func run() throws -> Finding {
        let era = context.options.era ?? .linux
        var base = context.baseConfiguration()
        era.apply(to: &base)
        let scheduling = base.scheduling.description
        // The work alone: one thread does all of it, so its lock is never contended.
        let work = try measure("spin", harts: 1, threads: 1, rounds: threads * rounds).runCycles
        var rows: [[String]] = [], figures: [String: Double] = ["work cycles": Double(work)]
        var shown: RunResult? = nil
        for harts in [1, several] {
            for lock in ["spin", "mutex"] {
                let measured = try measure(lock, harts: harts, threads: threads, rounds: rounds)
                let statistics = measured.result.statistics
                let used = measured.runCycles, wasted = used > work ? used - work : 0
                let key = "\(harts == 1 ? "1 hart" : "several") \(lock)"
                rows.append([lock == "spin" ? "test-and-set spin lock" : "futex mutex", "\(harts)",
                             duration(cycles: statistics.cycles, clock: labClock), "\(statistics.cycles)", "\(used)", "\(wasted)",
                             lock == "spin" ? "\(measured.waits) spins" : "\(measured.waits) sleeps", "\(statistics.contextSwitches)"])
                figures["\(key) cycles"] = Double(statistics.cycles)
                figures["\(key) used"] = Double(used)
                figures["\(key) wasted"] = Double(wasted)
                figures["\(key) waits"] = Double(measured.waits)
                figures["\(key) switches"] = Double(statistics.contextSwitches)
                if harts == 1 && lock == "spin" && context.makeRecorder != nil {
                    shown = try measure(lock, harts: harts, threads: threads, rounds: rounds, traced: true).result
                }
            }
        }
        figures["several harts"] = Double(several)
        var finding = Finding(point: """
            On one hart a waiter on a spin lock burns the rest of its time slice while the holder, preempted inside \
            its critical section, cannot run to let go; a futex mutex's waiter sleeps and gives the hart back at once. \
            On several harts the holder keeps running, so spinning costs no time, but it still burns the waiters' \
            harts: CPU cycles a mutex leaves to other work.
            """)
        finding.add(table(["lock", "harts", "time", "cycles", "CPU used", "beyond the work", "waiting", "switches"], rows))
        finding.note("""
            \(threads) threads each take the lock \(rounds) times, compute \(hold) rounds holding it and \(outside) \
            without; \(era.rawValue): \(scheduling). CPU used is the threads' run cycles \
            (kernel statistics); beyond the work is that minus the \(work) cycles one thread doing all the work alone \
            used, so it is the CPU spent waiting (and, for the mutex, its system calls).
            """)
        if let shown { context.show(shown, in: &finding, title: "spinning: spin lock, one hart") }
        finding.figures = figures
        return finding
    }
}
