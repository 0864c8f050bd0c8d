// A tiny deterministic model of threads for testing the explorer without the machine:
// threads are short lists of operations on shared variables and locks, run by an
// interpreter that asks an `Explorer` which thread runs at every step. The corpus holds
// the classic bugs (lost update, order violation, lock-order deadlock, broken lock) and
// correct programs.

import Explore

enum Op: Equatable {
    case load(Int)                       // r = x[v]
    case store(Int, plusRegister: Bool, Int)   // x[v] = (r or 0) + c
    case lock(Int)                       // blocks while held
    case unlock(Int)
    case awaitZero(Int)                  // enabled only when x[v] == 0 (the "test" of test-then-set)
    case start(Int)                      // thread t may run from now on
    case assertEqual(Int, Int)           // x[v] == c, else the run fails

    var footprint: Footprint {
        switch self {
        case .load(let v), .awaitZero(let v), .assertEqual(let v, _): Footprint(object: UInt64(v), kind: .read)
        case .store(let v, _, _): Footprint(object: UInt64(v), kind: .write)
        case .lock(let l), .unlock(let l): Footprint(object: 1000 + UInt64(l), kind: .sync)
        case .start(let t): Footprint(object: 2000 + UInt64(t), kind: .sync)
        }
    }
}

struct ModelProgram {
    var name: String
    var threads: [[Op]]
    /// Threads that run from the start (the others wait for a `.start`).
    var initial: Set<Int>
    /// (variable, value) that must hold when every thread has ended.
    var finalChecks: [(Int, Int)] = []
    var variables = 8
    var locks = 4
}

enum Outcome: Equatable {
    case passed, assertion, finalCheck, deadlock, stepLimit, abandoned
    var failed: Bool { self != .passed && self != .abandoned }
}

/// Runs one schedule of `program`, asking `explorer` at every step.
func run<S: ScheduleStrategy>(_ program: ModelProgram, _ explorer: inout Explorer<S>, maxSteps: Int = 10_000) -> Outcome {
    let n = program.threads.count
    var x = [Int](repeating: 0, count: program.variables)
    var owner = [Int?](repeating: nil, count: program.locks)
    var pc = [Int](repeating: 0, count: n)
    var r = [Int](repeating: 0, count: n)
    var started = (0..<n).map { program.initial.contains($0) }
    var running: UInt32?
    var point = SchedulePoint()
    for _ in 0..<maxSteps {
        point.reset(running: running)
        var unfinished = false
        for t in 0..<n where started[t] && pc[t] < program.threads[t].count {
            unfinished = true
            let op = program.threads[t][pc[t]]
            switch op {
            case .lock(let l) where owner[l] != nil: continue
            case .awaitZero(let v) where x[v] != 0: continue
            default: point.add(thread: UInt32(t), next: op.footprint)
            }
        }
        if point.enabled.isEmpty {
            if unfinished { return .deadlock }
            for (v, c) in program.finalChecks where x[v] != c { return .finalCheck }
            return .passed
        }
        guard case .run(let chosen) = explorer.choose(point) else { return .abandoned }
        let t = Int(chosen)
        switch program.threads[t][pc[t]] {
        case .load(let v): r[t] = x[v]
        case .store(let v, let plus, let c): x[v] = (plus ? r[t] : 0) + c
        case .lock(let l): owner[l] = t
        case .unlock(let l): owner[l] = nil
        case .awaitZero(let v): r[t] = x[v]
        case .start(let u): started[u] = true
        case .assertEqual(let v, let c): if x[v] != c { return .assertion }
        }
        pc[t] += 1
        running = chosen
    }
    return .stepLimit
}

struct Found {
    var summary: RunSummary
    var record: RunRecord
    var outcome: Outcome
}

/// Explores until the first failure or `maxRuns` runs; returns the explorer and the failure.
func explore<S: ScheduleStrategy>(_ program: ModelProgram, _ strategy: S, maxRuns: Int = 100_000) -> (Explorer<S>, Found?) {
    var explorer = Explorer(strategy: strategy)
    var runs = 0
    while runs < maxRuns, explorer.beginRun() {
        runs += 1
        let outcome = run(program, &explorer)
        let summary = explorer.endRun(failed: outcome.failed)
        if summary.failed { return (explorer, Found(summary: summary, record: explorer.record, outcome: outcome)) }
    }
    return (explorer, nil)
}

/// Replays `decisions` leniently; the executed record when the run fails.
func replayFails(_ program: ModelProgram, _ decisions: [UInt32]) -> RunRecord? {
    var explorer = Explorer(strategy: ReplayStrategy(decisions: decisions, strict: false))
    guard explorer.beginRun() else { return nil }
    let outcome = run(program, &explorer)
    explorer.endRun(failed: outcome.failed)
    return outcome.failed ? explorer.record : nil
}

enum Corpus {
    /// Two threads read x, add one, write it back: x should end at 2.
    static let lostUpdate = ModelProgram(
        name: "lost update",
        threads: [[.load(0), .store(0, plusRegister: true, 1)], [.load(0), .store(0, plusRegister: true, 1)]],
        initial: [0, 1], finalChecks: [(0, 2)])

    /// Thread 0 starts thread 1 and then initialises x; thread 1 assumes x is initialised.
    static let orderViolation = ModelProgram(
        name: "order violation",
        threads: [[.start(1), .store(0, plusRegister: false, 1)], [.assertEqual(0, 1)]],
        initial: [0])

    /// Thread 0 takes A then B, thread 1 takes B then A.
    static let lockOrderDeadlock = ModelProgram(
        name: "lock-order deadlock",
        threads: [[.lock(0), .lock(1), .unlock(1), .unlock(0)], [.lock(1), .lock(0), .unlock(0), .unlock(1)]],
        initial: [0, 1])

    /// A lock made of a plain test (wait for flag 0) then a plain set; it guards a counter.
    static let brokenLock: ModelProgram = {
        let body: [Op] = [.awaitZero(1), .store(1, plusRegister: false, 1),
                          .load(0), .store(0, plusRegister: true, 1), .store(1, plusRegister: false, 0)]
        return ModelProgram(name: "broken lock", threads: [body, body], initial: [0, 1], finalChecks: [(0, 2)])
    }()

    static let buggy = [lostUpdate, orderViolation, lockOrderDeadlock, brokenLock]
    /// The fewest preemptions each bug needs.
    static let minimalPreemptions = ["lost update": 1, "order violation": 1, "lock-order deadlock": 1, "broken lock": 2]

    /// The counter behind a real lock: correct.
    static let lockedCounter: ModelProgram = {
        let body: [Op] = [.lock(0), .load(0), .store(0, plusRegister: true, 1), .unlock(0)]
        return ModelProgram(name: "locked counter", threads: [body, body], initial: [0, 1], finalChecks: [(0, 2)])
    }()

    /// Two threads that touch only their own variables, three writes each.
    static let independent = ModelProgram(
        name: "independent",
        threads: [[Op](repeating: .store(0, plusRegister: false, 1), count: 3),
                  [Op](repeating: .store(1, plusRegister: false, 1), count: 3)],
        initial: [0, 1])

    /// Three threads, each writes its own variable and then the shared one: 3! orders of the
    /// shared writes are the distinct schedules.
    static let threeWriters = ModelProgram(
        name: "three writers",
        threads: (0..<3).map { t in [.store(t + 1, plusRegister: false, 1), .store(0, plusRegister: false, t)] },
        initial: [0, 1, 2])
}
