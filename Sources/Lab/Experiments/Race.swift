// Experiments 5 and 10, race and multicore-race: the talk's program (Lab/bool-flip.swift).
// Two threads each read a shared boolean, think, write the flipped value back and read it
// again; two flips must leave it false. On one hart a timer switch between one thread's
// read and its write loses the other's flip; on two harts the threads overlap with no
// timer at all. Over 50 seeds we count wrong runs, with plain loads and stores and with
// compare-and-swap and under a mutex, and show where the switch fell in the first wrong run.

import Kernel

extension Experiment {
    static let race = Experiment(
        number: 5, name: "race",
        summary: "Two threads flip a shared boolean; a switch between read and write loses a flip.",
        chapter: "Windows 95: race conditions",
        refuses: [.harts: "the race here comes from the timer on one hart; multicore-race is the same program on two."],
        check: { options in
            guard let era = options.era, era.policy(clockFrequency: labClock).sliceCycles == nil else { return nil }
            return "race cannot take --era \(era.rawValue): with no timer nothing preempts a thread on one hart, so the race never shows (multicore-race shows it without a timer)."
        },
        body: { context in try BoolFlip(context, multicore: false).run() })

    static let multicoreRace = Experiment(
        number: 10, name: "multicore-race",
        summary: "The same race on two harts with no timer at all.",
        chapter: "XP (2001): multicore",
        refuses: [.era: "it runs with no timer at all (cooperative), so no era's tick or slice applies."],
        check: { options in
            guard let harts = options.harts, harts < 2 else { return nil }
            return "multicore-race needs at least two harts (--harts 2 or more), not \(harts)."
        },
        body: { context in try BoolFlip(context, multicore: true).run() })
}

struct BoolFlip {
    let context: LabContext
    let multicore: Bool
    let seeds = 50

    init(_ context: LabContext, multicore: Bool) {
        self.context = context
        self.multicore = multicore
    }

    var configuration: KernelConfiguration {
        var configuration = context.baseConfiguration()
        if multicore {
            configuration.harts = context.options.harts ?? 2
            configuration.scheduling = .cooperative
            configuration.granularity = 1
            configuration.jitter = 3
        } else {
            (context.options.era ?? .linux).apply(to: &configuration)
        }
        return configuration
    }

    /// The random delay before the read spans at least a slice, and the think time between
    /// read and write is a quarter of one (about 7 cycles a round; 1 ms at least).
    var delay: Int { max(6_000, Int((configuration.scheduling.sliceCycles ?? 0) / 7)) }
    var think: Int { max(1_500, Int((configuration.scheduling.sliceCycles ?? 0) / 28)) }

    func flip(seed: UInt64, mode: String, traced: Bool = false, recordSwitches: Bool = false) throws -> RunResult {
        var configuration = self.configuration
        configuration.seed = seed
        let result = try context.run(RunSpec(main: "bool-flip", programs: ["bool-flip": "Lab/bool-flip.swift"],
                                             arguments: [mode, "\(think)", "\(delay)"], configuration: configuration, traced: traced,
                                             recordSwitches: recordSwitches))
        guard case .exited(0) = result.ending, result.lines(starting: "flag ").count == 1 else {
            throw LabError("bool-flip did not finish as expected (seed \(seed)): \(result.ending)\n\(result.output)\(result.errors)")
        }
        return result
    }

    func run() throws -> Finding {
        let first = context.options.seed
        var wrong: [UInt64] = []
        var timerInterrupts: UInt64 = 0, sliceSwitches: UInt64 = 0
        for seed in first..<first + UInt64(seeds) {
            let result = try flip(seed: seed, mode: "plain")
            timerInterrupts += result.statistics.timerInterrupts
            sliceSwitches += result.statistics.switchesByReason["time slice expired"] ?? 0
            if result.output.contains(": wrong") { wrong.append(seed) }
        }
        var atomicWrong = 0, retries = 0
        for seed in first..<first + UInt64(seeds) {
            let result = try flip(seed: seed, mode: "atomic")
            if result.output.contains(": wrong") { atomicWrong += 1 }
            retries += result.lines(starting: "thread ").compactMap { integer(after: "retries ", in: $0) }.reduce(0, +)
        }
        var mutexWrong = 0
        for seed in first..<first + UInt64(seeds) where try flip(seed: seed, mode: "mutex").output.contains(": wrong") { mutexWrong += 1 }
        let range = "seeds \(first)...\(first + UInt64(seeds) - 1)"
        var finding = Finding(point: multicore ? """
            On two harts the threads truly run at once: with no timer and no switch at all, both can read the \
            flag before either writes it, and one flip is lost. Compare-and-swap notices that the flag changed \
            since its read, reads again and never loses a flip; a mutex held from the read to the write keeps the \
            other thread out until the flip is done.
            """ : """
            One hart, a timer: when the slice ends between a thread's read and its write, the other thread reads \
            the old value too, and its flip is lost when the first writes its stale result. Whether the switch \
            falls there depends on the seed; compare-and-swap never loses a flip, and neither does a mutex held \
            from the read to the write.
            """)
        let setting = multicore ? "\(configuration.harts) harts, cooperative (no timer), granularity 1, jitter 3"
                                : "one hart, " + policyText(configuration)
        finding.add(table(["\(setting), \(range)", "wrong runs"], [
            ["plain load, think, store", "\(wrong.count) of \(seeds)"],
            ["compare-and-swap (retried \(retries) times)", "\(atomicWrong) of \(seeds)"],
            ["a mutex (Sync.Mutex) held from read to write", "\(mutexWrong) of \(seeds)"],
        ]))
finding.note("Wrong with seeds: " + (wrong.isEmpty ? "none" : wrong.map(String.init).joined(separator: ", ")) + ".")
        finding.add("Timer interrupts in all plain runs: \(timerInterrupts); switches because a slice expired: \(sliceSwitches).")
        if wrong.isEmpty { finding.add("No seed in this range put a switch between a read and its write; other seeds (--seed) may.") }
        var switchInWindow = false
        if let seed = wrong.first {
            // The same run again, traced (tracing never moves the threads): its switches come from the trace.
            let run = try flip(seed: seed, mode: "plain", traced: context.makeRecorder != nil, recordSwitches: true)
            let (lines, inWindow) = timeline(run)
            switchInWindow = inWindow
            finding.add(["", "The first wrong run (--seed \(seed)), as it happened:"] + lines)
            if run.trace != nil { context.show(run, in: &finding, title: "\(multicore ? "multicore-race" : "race"), seed \(seed)") }
        }
        finding.figures = [
            "seeds": Double(seeds), "wrong": Double(wrong.count), "atomic wrong": Double(atomicWrong), "mutex wrong": Double(mutexWrong),
            "timer interrupts": Double(timerInterrupts), "slice switches": Double(sliceSwitches),
            "switch in window": switchInWindow ? 1 : 0, "first wrong seed": Double(wrong.first ?? 0),
        ]
        return finding
    }

    /// The wrong run's reads and writes (from the threads' own clocks) merged with the
    /// context switches read from its trace; true when a thread left its hart between its read and write.
    func timeline(_ run: RunResult) -> (lines: [String], switchInWindow: Bool) {
        struct Step { var time: Double; var text: String }
        var steps: [Step] = [], windows: [(tid: Int32, read: Double, write: Double)] = []
        for line in run.lines(starting: "thread ") {
            guard let tid = integer(after: "thread ", in: line), let read = integer(after: " at ", in: line),
                  let writeRange = line.range(of: "wrote "), let write = integer(after: " at ", in: String(line[writeRange.upperBound...]))
            else { continue }
            let seen = line.contains("read true") ? "true" : "false", written = seen == "true" ? "false" : "true"
            steps.append(Step(time: Double(read) / 1000, text: "thread \(tid) reads \(seen)"))
            steps.append(Step(time: Double(write) / 1000, text: "thread \(tid) writes \(written)"))
            windows.append((Int32(tid), Double(read) / 1000, Double(write) / 1000))
        }
        let clock = Double(configuration.clockFrequency) / 1e6
        let end = (windows.map(\.write).max() ?? 0) + 1
        var inWindow = false
        for event in run.switches where Double(event.cycle) / clock <= end {
            let time = Double(event.cycle) / clock
            if windows.contains(where: { $0.tid == event.from && $0.read < time && time < $0.write }) { inWindow = true }
            let from = event.from.map { "thread \($0)" } ?? "idle", to = event.to.map { "thread \($0)" } ?? "idle"
            steps.append(Step(time: time, text: "hart \(event.hart): \(from) -> \(to) (\(event.reason))"))
        }
        let lines = steps.sorted { $0.time < $1.time }.map { "  " + pad(duration(microseconds: $0.time), 10) + "  " + $0.text }
        return (lines + ["  the flag ends true: one of the two flips was lost."], inWindow)
    }

    func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
}
