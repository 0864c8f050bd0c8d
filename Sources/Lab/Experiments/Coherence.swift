// Experiment 19, coherence (2007+): what cache coherence is for (Lab/coherence.swift), on
// the Core 2 preset with coherence on and off. A flag one core sets with a plain store
// and another reads with plain loads; the same flag set and read with atomics; and a
// counter two cores add to under a lock made of atomics. Without coherence each core
// keeps reading and writing its own private copy: the reader never sees the flag (it
// gives up after a bound, so the run ends) and the counter loses the updates of one core
// when the other's copy is written back over them. Atomics act at the shared level, so
// the flag set and read with them is seen either way.

import Kernel
import Machine

extension Experiment {
    static let coherence = Experiment(
        number: 19, name: "coherence",
        summary: "Without cache coherence a flag set on one core is never seen on another.",
        chapter: "2007+: cache coherency",
        refuses: [.harts: "it runs one thread on each of two cores, the smallest case that shows it.",
                  .era: "each thread has a core of its own and no timer runs, so no era's tick or slice applies."],
        body: { context in try Coherence(context).run() })
}

struct Coherence {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    let preset = MemoryPreset.core2
    /// Loads the reader makes before it gives up, and the setter's rounds before it sets the flag.
    var bound: Int { small ? 20_000 : 100_000 }
    let delay = 2_000
    var iterations: Int { small ? 2_000 : 10_000 }

    func runProgram(_ arguments: [String], coherent: Bool) throws -> RunResult {
        var configuration = context.baseConfiguration()
        configuration.caches(preset, harts: 2, coherent: coherent)
        let result = try context.run(RunSpec(main: "coherence", programs: ["coherence": "Lab/coherence.swift"],
                                             arguments: arguments, configuration: configuration))
        guard case .exited(0) = result.ending, result.lines(starting: "result ").count == 1 else {
            throw LabError("coherence (\(arguments.joined(separator: " ")), coherence \(coherent ? "on" : "off")) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return result
    }

    func run() throws -> Finding {
        var figures: [String: Double] = ["bound": Double(bound), "expected": Double(2 * iterations)], rows: [[String]] = []
        for coherent in [true, false] {
            let state = coherent ? "on" : "off"
            for (mode, label) in [("flag", "plain store, plain loads"), ("flag-atomic", "atomic swap, atomic loads")] {
                let result = try runProgram([mode, "\(bound)", "\(delay)"], coherent: coherent)
                let seen = result.number(after: "seen ", in: "result ") ?? -1, loads = result.number(after: "loads ", in: "result ") ?? -1
                let key = mode == "flag" ? "\(state) flag" : "\(state) atomic flag"
                figures["\(key) seen"] = seen
                figures["\(key) loads"] = loads
                rows.append([state, "flag: \(label)", seen == 1 ? "seen after \(Int(loads)) loads" : "never seen (gave up after \(Int(loads)) loads)"])
            }
            let result = try runProgram(["counter", "\(iterations)"], coherent: coherent)
            let counter = result.number(after: "counter ", in: "result ") ?? -1
            figures["\(state) counter"] = counter
            rows.append([state, "counter under an atomic lock", "\(Int(counter)) of \(2 * iterations)" + (Int(counter) == 2 * iterations ? "" : " (\(2 * iterations - Int(counter)) lost)")])
        }
        var finding = Finding(point: """
            Coherence keeps every core's copy of a line the same: a store invalidates the other copies, so the next \
            load anywhere sees it. Without it each core reads and writes its own private copy: a flag set on one \
            core is never seen by a reader on another, which keeps reading its stale copy, and a counter kept under \
            a correct lock still loses updates, because each core adds to its own copy and one write-back overwrites \
            the other. Atomics act at the shared level, so a flag set and read with them gets through.
            """)
        finding.add(table(["coherence", "what", "result"], rows))
        finding.note("""
            \(preset.name) (\(preset.summary)), two threads on two cores, no timer. The reader gives up after \(bound) loads; \
            the setter computes \(delay) rounds first. Each thread adds 1 to the counter \(iterations) times; the lock is \
            taken and let go with amoswap. With coherence off a core's private caches keep values: a load reads the \
            core's own copy, a store writes it, an atomic writes back and drops the core's copy and acts on memory, \
            and a trap into the kernel writes back and empties the core's caches (README, "The memory hierarchy").
            """)
        finding.figures = figures
        return finding
    }
}
