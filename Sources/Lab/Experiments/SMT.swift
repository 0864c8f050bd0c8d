// Experiment 17, smt (XP, 2001): Hyper-Threading. The same work (Lab/smt.swift) on one
// thread, on two threads that are the two hardware threads of one core (they share its
// caches and its issue slot), and on two threads on two cores, with the Pentium 4's
// hierarchy. Compute-bound work issues an instruction every cycle and leaves its sibling
// no stall to fill; memory-bound work waits hundreds of cycles per load, and the sibling
// issues while it waits.

import Kernel
import Machine

extension Experiment {
    static let smt = Experiment(
        number: 17, name: "smt",
        summary: "Two threads on one SMT core: memory-bound work nearly doubles, compute-bound does not.",
        chapter: "XP (2001): SMT (Hyper-Threading)",
        refuses: [.harts: "it compares one hart, two SMT siblings and two cores itself.",
                  .era: "each thread has a hart of its own and no timer runs, so no era's tick or slice applies."],
        body: { context in try SMT(context).run() })
}

struct SMT {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    let preset = MemoryPreset.pentium4
    /// Rounds per thread: multiplications, or loads.
    var computeRounds: Int { small ? 20_000 : 100_000 }
    var memoryRounds: Int { small ? 2_000 : 8_000 }
    /// Each thread's ring: twice the last-level cache, so every load goes to memory.
    var workset: Int { 2 * preset.hierarchy.llc.size }

    enum Shape: CaseIterable {
        case one, siblings, cores
        var threads: Int { self == .one ? 1 : 2 }
        var threadsPerCore: Int { self == .siblings ? 2 : 1 }
        var label: String {
            switch self {
            case .one: "1 thread, 1 core"
            case .siblings: "2 threads, SMT siblings (1 core)"
            case .cores: "2 threads, 2 cores"
            }
        }
        var key: String {
            switch self {
            case .one: "one"
            case .siblings: "smt"
            case .cores: "cores"
            }
        }
    }

    /// Cycles from the first thread's start to the last one's finish.
    func measure(_ kind: String, _ shape: Shape, traced: Bool = false) throws -> (cycles: Double, result: RunResult) {
        var configuration = context.baseConfiguration()
        configuration.caches(preset, harts: shape.threads, threadsPerCore: shape.threadsPerCore)
        let rounds = kind == "memory" ? memoryRounds : computeRounds
        let result = try context.run(RunSpec(main: "smt", programs: ["smt": "Lab/smt.swift"],
                                             arguments: [kind, "\(shape.threads)", "\(rounds)", "\(workset)"],
                                             configuration: configuration, traced: traced))
        guard case .exited(0) = result.ending, let line = result.lines(starting: "result ").first,
              integer(after: "threads ", in: line) == shape.threads, let nanoseconds = integer(after: "elapsed-ns ", in: line) else {
            throw LabError("smt (\(kind), \(shape.label)) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return (Double(nanoseconds) * Double(labClock) / 1e9, result)
    }

    func run() throws -> Finding {
        var figures: [String: Double] = [:], rows: [[String]] = []
        for kind in ["compute", "memory"] {
            var alone = 1.0
            for shape in Shape.allCases {
                let cycles = try measure(kind, shape).cycles
                if shape == .one { alone = cycles }
                // Two threads do twice the work: the speed-up is the work per cycle against one thread's.
                let speedUp = Double(shape.threads) * alone / max(1, cycles)
                figures["\(kind) \(shape.key) cycles"] = cycles
                figures["\(kind) \(shape.key) speed-up"] = speedUp
                rows.append([(kind == "compute" ? "compute-bound" : "memory-bound"), shape.label,
                             duration(cycles: UInt64(cycles), clock: labClock), fixed(speedUp) + "x"])
            }
        }
        var finding = Finding(point: """
            The two hardware threads of an SMT core share its issue slot: one instruction a cycle between them. \
            Compute-bound work already issues every cycle, so a sibling can only take turns with it and two threads \
            on one core get little more done than one. Memory-bound work spends most cycles waiting for a load, and \
            the sibling issues in those cycles, so two threads on one core get nearly twice the work done, as two \
            cores do. This is what Hyper-Threading sold: a second thread to fill the stalls.
            """)
        finding.add(table(["work", "where", "time", "speed-up"], rows))
        finding.note("""
            \(preset.name) (\(preset.summary)) hierarchy on every shape; the two-cores shape gives each thread a core of its \
            own. Compute-bound: \(computeRounds) multiply-adds per thread in registers. Memory-bound: \(memoryRounds) loads \
            per thread along a ring of pointers through \(size(UInt64(workset))) of its own, twice the last-level cache, \
            so each load waits \(preset.hierarchy.memoryLatency) cycles for memory. Speed-up is the work done per cycle \
            against one thread alone (two threads do twice the work). No timer; the threads start at a barrier.
            """)
        if context.makeRecorder != nil {
            context.show(try measure("memory", .siblings, traced: true).result, in: &finding, title: "smt: memory-bound, SMT siblings")
        }
        finding.figures = figures
        return finding
    }
}
