// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
// ASPLOS 2010): random thread priorities and d−1 random priority change points over the
// k steps of a run. Each run finds a bug of depth d with probability at least
// 1/(n·k^(d−1)) for n threads — a guarantee per run that random choice lacks.

import Foundation
import Machine

/// PCT's guarantee for one run, computed without overflow (in floating point and as a
/// saturating integer denominator for display).
public struct PCTBound: Sendable, Equatable, CustomStringConvertible {
    public var threads: Int
    public var steps: Int
    public var depth: Int

    public init(threads: Int, steps: Int, depth: Int) {
        self.threads = max(threads, 1)
        self.steps = max(steps, 1)
        self.depth = max(depth, 1)
    }

    /// 1/(n·k^(d−1)) as a Double, computed in base-2 logarithms so no intermediate
    /// overflows; 0 only when it is below the smallest double.
    public var probability: Double {
        exp2(-(log2(Double(threads)) + Double(depth - 1) * log2(Double(steps))))
    }

    /// n·k^(d−1), or nil when it does not fit in 64 bits.
    public var denominator: UInt64? {
        var value = UInt64(threads)
        for _ in 1..<depth {
            let (next, overflow) = value.multipliedReportingOverflow(by: UInt64(steps))
            if overflow { return nil }
            value = next
        }
        return value
    }

    public var description: String {
        let d = denominator.map(String.init) ?? "more than 2^64"
        return "at least 1/\(d) per run (n=\(threads) threads, k=\(steps) steps, depth d=\(depth))"
    }
}

/// The PCT scheduler: the enabled thread with the highest priority runs; at the i-th change
/// point the thread about to run drops to priority d−i, below every initial one and below
/// the threads dropped at earlier change points.
public struct PCTStrategy: ScheduleStrategy {
    public let seed: UInt64
    public let depth: Int
    public let runs: RunIndices
    /// k: the change points are drawn from 1...k. Starts at the caller's estimate and grows
    /// to the longest run seen, as the paper suggests when k is not known.
    public private(set) var steps: Int
    /// n: one more than the highest thread id seen.
    public private(set) var threads = 0
    public private(set) var currentRun: UInt64 = 0
    private var position = 0
    private var generator = SplitMix64(seed: 0)
    private var priorities: [UInt64] = []        // by thread id; 0: not seen yet this run
    private var changePoints: [Int] = []         // 1-based steps, ascending
    private var nextChange = 0

    /// `depth` is clamped to 1...64 and `expectedSteps` to at least 1: values from a
    /// user cannot make the strategy trap.
    public init(seed: UInt64, depth: Int, expectedSteps: Int, runs: RunIndices) {
        self.seed = seed
        self.depth = min(max(depth, 1), 64)
        self.steps = max(expectedSteps, 1)
        self.runs = runs
    }

    /// The guarantee per run with the current n and k.
    public var bound: PCTBound { PCTBound(threads: threads, steps: steps, depth: depth) }

    public mutating func beginRun() -> Bool {
        guard let run = runs.index(at: position) else { return false }
        position += 1
        currentRun = run
        generator = SplitMix64(seed: runSeed(seed, run: run))
        for i in priorities.indices { priorities[i] = 0 }
        changePoints.removeAll(keepingCapacity: true)
        for _ in 1..<depth { changePoints.append(Int(generator.next() % UInt64(steps)) + 1) }
        changePoints.sort()
        nextChange = 0
        return true
    }

    public mutating func choose(_ point: SchedulePoint, step: Int) -> Choice {
        guard !point.enabled.isEmpty else { return .abandon }
        var best = 0
        for i in point.enabled.indices {
            let t = Int(point.enabled[i])
            if t >= priorities.count { priorities.append(contentsOf: repeatElement(0, count: t + 1 - priorities.count)) }
            if priorities[t] == 0 {
                // Initial priorities lie above every change-point priority (1..<depth).
                priorities[t] = UInt64(depth) + 1 + (generator.next() >> 4)
                threads = max(threads, t + 1)
            }
            if priorities[t] > priorities[Int(point.enabled[best])] { best = i }
        }
        let s = step + 1
        while nextChange < changePoints.count, changePoints[nextChange] <= s {
            if changePoints[nextChange] == s {
                // The i-th change point sets priority d−i: each later one goes below the last.
                priorities[Int(point.enabled[best])] = UInt64(depth - 1 - nextChange)
                best = 0
                for i in point.enabled.indices
                where priorities[Int(point.enabled[i])] > priorities[Int(point.enabled[best])] { best = i }
            }
            nextChange += 1
        }
        steps = max(steps, s)
        return .run(point.enabled[best])
    }

    public mutating func endRun(failed: Bool) {}
}
