// Experiment 18, migration (2007+): one thread with a warm working set (Lab/migration.swift)
// makes rounds over it, pinned to one hart, moved between the two SMT siblings of one
// core every round, and moved between two cores every round, with the Zen 4 hierarchy
// (two threads per core). Every round sets the affinity, so all three pay for the same
// system calls; only where the thread then runs differs. A move to another core meets
// caches that hold none of the working set: each line comes from the other core's cache
// instead of the L2 — the cycles a migration costs. The siblings share the core's caches,
// so a move between them costs nothing.

import Kernel
import Machine

extension Experiment {
    static let migration = Experiment(
        number: 18, name: "migration",
        summary: "A thread moved to another core meets a cold cache; pinned, it keeps its warm one.",
        chapter: "2007+: migration and affinity",
        refuses: [.harts: "it uses two SMT cores (four harts) to compare a move within a core with a move between cores.",
                  .era: "it runs one thread, with no other to switch to, so no era's tick or slice changes what it measures."],
        body: { context in try Migration(context).run() })
}

struct Migration {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    let preset = MemoryPreset.manyCore
    var rounds: Int { small ? 6 : 12 }
    /// Larger than the L1 data cache, well inside the private L2.
    var workset: Int { small ? 128 << 10 : 256 << 10 }
    var lines: Int { workset / 64 }

    /// The harts each case moves between (hart h is on core h / 2).
    let cases: [(key: String, label: String, harts: [Int])] = [
        ("pinned", "pinned to hart 0", [0]),
        ("siblings", "moved between SMT siblings (harts 0, 1: one core)", [0, 1]),
        ("cores", "moved between cores (harts 0, 2)", [0, 2]),
    ]

    /// Each round's cycles and the hart it ran on.
    func measure(_ harts: [Int], traced: Bool = false) throws -> (rounds: [(hart: Int, cycles: Double)], result: RunResult) {
        var configuration = context.baseConfiguration()
        configuration.caches(preset, harts: 4, threadsPerCore: 2)
        let result = try context.run(RunSpec(main: "migration", programs: ["migration": "Lab/migration.swift"],
                                             arguments: ["\(rounds)", "\(workset)"] + harts.map(String.init),
                                             configuration: configuration, traced: traced))
        var measured: [(Int, Double)] = []
        for line in result.lines(starting: "round ") {
            guard let hart = integer(after: "hart ", in: line), let nanoseconds = integer(after: "ns ", in: line) else { continue }
            measured.append((hart, Double(nanoseconds) * Double(labClock) / 1e9))
        }
        guard case .exited(0) = result.ending, measured.count == rounds, integer(after: "result rounds ", in: result.output) == rounds else {
            throw LabError("migration (harts \(harts)) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return (measured, result)
    }

    func run() throws -> Finding {
        var figures: [String: Double] = ["rounds": Double(rounds), "lines": Double(lines)], rows: [[String]] = []
        var means: [String: Double] = [:]
        for entry in cases {
            let measured = try measure(entry.harts).rounds
            // Round 0 is the same in every case (the set was written on hart 0 just before); the rest are compared.
            let later = measured.dropFirst().map(\.cycles)
            let mean = later.reduce(0, +) / Double(max(1, later.count))
            means[entry.key] = mean
            figures["\(entry.key) round cycles"] = mean
            figures["\(entry.key) fastest round cycles"] = later.min() ?? 0
            figures["\(entry.key) slowest round cycles"] = later.max() ?? 0
            rows.append([entry.label, fixed(mean, decimals: 0), fixed(mean / Double(lines), decimals: 1),
                         duration(cycles: UInt64(mean), clock: labClock)])
        }
        let pinned = means["pinned"] ?? 0
        let migration = (means["cores"] ?? 0) - pinned, sibling = (means["siblings"] ?? 0) - pinned
        figures["migration cycles"] = migration
        figures["sibling move cycles"] = sibling
        figures["migration cycles per line"] = migration / Double(lines)
        var finding = Finding(point: """
            A thread's working set lives in the caches of the core it runs on. Moved to another core, it finds \
            none of it there: every line comes across from the old core's cache, at many times the cost of a hit \
            in its own L2, until the set is warm again — and moving every round, it never is. Pinned (set_affinity), \
            it keeps its warm caches. A move between the two SMT siblings of one core costs nothing: they share \
            the core's caches.
            """)
        finding.add(table(["\(rounds - 1) rounds after the first", "cycles per round", "per line", "time"], rows))
        finding.add("")
        finding.add("A migration to another core costs \(fixed(migration, decimals: 0)) cycles (\(fixed(migration / Double(lines), decimals: 1)) per line of the working set); a move to the SMT sibling \(fixed(sibling, decimals: 0)).")
        finding.note("""
            \(preset.name) (\(preset.summary)), two cores of two hardware threads. One thread, \(size(UInt64(workset))) \
            working set (\(lines) lines: more than the \(size(UInt64(preset.hierarchy.l1d.size))) L1D, inside the \
            \(size(UInt64(preset.hierarchy.l2?.size ?? 0))) L2); each round sets its affinity, then loads and stores one word \
            of every line, timed on the simulated clock. The move itself (the system call, the switch) is outside the \
            timed part; what is timed is the cold caches.
            """)
        if context.makeRecorder != nil {
            context.show(try measure([0, 2], traced: true).result, in: &finding, title: "migration: moved between cores every round")
        }
        finding.figures = figures
        return finding
    }
}
