// Experiment 16, false-sharing (2007+): two threads on two cores each add to a counter of
// their own (Lab/false-sharing.swift), the two counters 8 bytes apart in one cache line
// and then a line apart, on the Zen 4 preset. Nothing is shared, yet in
// one line every store must take the line from the other core (an invalidation) and
// every load finds it modified there (HITM). The shared run records contention, so the
// finding shows the line as `--c2c` would: both threads' offsets in it and their HITM loads.

import Kernel
import Machine

extension Experiment {
    static let falseSharing = Experiment(
        number: 16, name: "false-sharing",
        summary: "Two counters in one cache line: two cores fight over it, though they share nothing.",
        chapter: "2007+: cache coherency",
        refuses: [.harts: "it runs one thread on each of two cores, the smallest case that shows it.",
                  .era: "each thread has a core of its own and no timer runs, so no era's tick or slice applies."],
        body: { context in try FalseSharing(context).run() })
}

struct FalseSharing {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var iterations: Int { context.options.size == .small ? 4000 : 20_000 }
    let presets = [MemoryPreset.manyCore]

    struct Measured { var cycles: Double; var result: RunResult }

    func measure(_ preset: MemoryPreset, padded: Bool, traced: Bool = false) throws -> Measured {
        var configuration = context.baseConfiguration()
        configuration.caches(preset, harts: 2)
        // A cycle of seeded jitter, as real cores never run in lock step: without it the two
        // identical loops lock into one phase, and the counts then depend on where the code lies.
        configuration.jitter = 1
        configuration.recordsContention = !padded
        let result = try context.run(RunSpec(main: "false-sharing", programs: ["false-sharing": "Lab/false-sharing.swift"],
                                             arguments: [padded ? "padded" : "shared", "\(iterations)"],
                                             configuration: configuration, traced: traced))
        guard case .exited(0) = result.ending, let line = result.lines(starting: "result ").first,
              line.contains("counters \(iterations) \(iterations) "), let nanoseconds = integer(after: "elapsed-ns ", in: line) else {
            throw LabError("false-sharing (\(preset.name), \(padded ? "padded" : "shared")) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return Measured(cycles: Double(nanoseconds) * Double(labClock) / 1e9, result: result)
    }

    func run() throws -> Finding {
        var figures: [String: Double] = ["iterations": Double(iterations)], rows: [[String]] = [], lineReports: [String] = []
        for preset in presets {
            let shared = try measure(preset, padded: false), padded = try measure(preset, padded: true)
            let sharedHITM = Double(shared.result.memory?.hitModifiedLoads ?? 0), paddedHITM = Double(padded.result.memory?.hitModifiedLoads ?? 0)
            let sharedInvalidations = Double(shared.result.memory?.invalidationsReceived ?? 0)
            let paddedInvalidations = Double(padded.result.memory?.invalidationsReceived ?? 0)
            let slowdown = shared.cycles / max(1, padded.cycles)
            figures["\(preset.name) shared cycles"] = shared.cycles
            figures["\(preset.name) padded cycles"] = padded.cycles
            figures["\(preset.name) slowdown"] = slowdown
            figures["\(preset.name) shared HITM"] = sharedHITM
            figures["\(preset.name) padded HITM"] = paddedHITM
            figures["\(preset.name) shared invalidations"] = sharedInvalidations
            figures["\(preset.name) padded invalidations"] = paddedInvalidations
            for (label, measured, hitm, invalidations) in [("one line (8 bytes apart)", shared, sharedHITM, sharedInvalidations),
                                                             ("a line apart (64 bytes)", padded, paddedHITM, paddedInvalidations)] {
                rows.append([preset.name, label, duration(cycles: UInt64(measured.cycles), clock: labClock),
                             fixed(measured.cycles / Double(iterations), decimals: 1), "\(Int(hitm))", "\(Int(invalidations))"])
            }
            rows.append(["", "slower in one line", fixed(slowdown) + "x", "", "", ""])
            if let line = shared.result.contendedLines.first {
                figures["\(preset.name) top line HITM"] = Double(line.hitModifiedLoads)
                let offsets = Set(line.accessors.map(\.offsetInLine)).sorted()
                figures["\(preset.name) top line offsets"] = Double(offsets.count)
                lineReports.append("\(preset.name): the most contended line, 0x\(String(line.lineAddress, radix: 16)): \(line.hitModifiedLoads) HITM loads, \(line.invalidations) invalidations, \(line.cacheToCacheTransfers) cache-to-cache transfers")
                lineReports += table(["hart", "pc", "offset in line", "loads", "stores", "HITM"], line.accessors.map { accessor in
                    ["\(accessor.hart)", "0x" + String(accessor.pc, radix: 16), "\(accessor.offsetInLine)", "\(accessor.loads)",
                     "\(accessor.stores)", "\(accessor.hitModified)"]
                }, indent: "    ")
            }
        }
        var finding = Finding(point: """
            Two threads each add to their own counter: nothing is shared, no lock is needed. But when the two \
            counters sit in one cache line, the line is: each store must take it in M and invalidate the other \
            core's copy, and each load finds it modified in the other core's cache (a HITM) and waits for it to come \
            across. A line apart, every access hits in the core's own L1. The HITM count, as perf c2c reports it, \
            says why the shared case is slow, and the offsets in the line show two variables, not one.
            """)
        finding.add(table(["preset", "counters", "time", "cycles per add", "HITM loads", "invalidations"], rows))
        if !lineReports.isEmpty { finding.add([""] + lineReports) }
        finding.note("""
            Two harts on two cores, no timer; each thread adds 1 to its counter \(iterations) times with a plain load and \
            store, after a barrier, and times its loop; time is from the first start to the last finish. Presets: \
            \(presets.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).
            """)
        if context.makeRecorder != nil, let first = presets.first {
            context.show(try measure(first, padded: false, traced: true).result, in: &finding, title: "false-sharing: \(first.name), one line")
        }
        finding.figures = figures
        return finding
    }
}
