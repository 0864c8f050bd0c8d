// The results of one exploration (or one shard of it) as JSON, and the merge of shards'
// results into one — what `interleave explore merge` reads and writes. The file comes from
// a user or another machine, so reading it validates every field and merging refuses
// results that do not belong together.

import Foundation

public struct ExplorationResults: Codable, Sendable, Equatable {
    public static let currentFormat = 1

    public var format: Int
    /// The program's hash (`ReplayToken.programHash`), in hexadecimal.
    public var program: String
    /// The strategy and every option that shapes the schedule space, e.g.
    /// "bounded K<=2 sleep-sets" or "pct d=3 seed=7 runs=1000": shards must agree on it.
    public var strategy: String
    public var shardCount: Int
    /// The shards these results cover, ascending.
    public var shards: [Int]
    public var schedules: Int
    public var abandoned: Int
    /// Happens-before hashes of the schedules run (hexadecimal, ascending, no repeats): their
    /// count is the number of distinct schedules, and merging takes their union.
    public var orderHashes: [String]
    /// Replay tokens of the failures found, ascending, no repeats.
    public var failures: [String]

    public var distinct: Int { orderHashes.count }

    public init(programHash: UInt64, strategy: String, shard: Shard, stats: ExplorationStats,
                orderHashes: Set<UInt64>, failures: [String]) {
        self.format = ExplorationResults.currentFormat
        self.program = String(programHash, radix: 16)
        self.strategy = strategy
        self.shardCount = shard.count
        self.shards = [shard.index]
        self.schedules = stats.schedules
        self.abandoned = stats.abandoned
        self.orderHashes = orderHashes.sorted().map { String($0, radix: 16) }
        self.failures = Array(Set(failures)).sorted()
    }

    /// Deterministic JSON: sorted keys, so equal results are equal bytes.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads and validates results from JSON.
    public static func read(json: Data) throws(ExplorationResultsError) -> ExplorationResults {
        let results: ExplorationResults
        do {
            results = try JSONDecoder().decode(ExplorationResults.self, from: json)
        } catch {
            throw .unreadable(String(describing: error))
        }
        try results.validate()
        return results
    }

    func validate() throws(ExplorationResultsError) {
        guard format == ExplorationResults.currentFormat else {
            throw .invalid("format \(format); this interleave reads format \(ExplorationResults.currentFormat)")
        }
        guard UInt64(program, radix: 16) != nil else { throw .invalid("program '\(program)' is not a hexadecimal hash") }
        guard shardCount >= 1, shardCount <= Shard.maximumCount else {
            throw .invalid("shardCount \(shardCount) is not from 1 to \(Shard.maximumCount)")
        }
        guard !shards.isEmpty, shards.allSatisfy({ $0 >= 0 && $0 < shardCount }) else {
            throw .invalid("shards \(shards) must be non-empty and each from 0 to \(shardCount - 1)")
        }
        guard zip(shards, shards.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .invalid("shards \(shards) must be ascending without repeats")
        }
        guard schedules >= 0, abandoned >= 0 else { throw .invalid("schedules and abandoned must not be negative") }
        let hashes = orderHashes.map { UInt64($0, radix: 16) }
        guard hashes.allSatisfy({ $0 != nil }) else { throw .invalid("orderHashes must be hexadecimal 64-bit values") }
        guard zip(hashes, hashes.dropFirst()).allSatisfy({ ($0 ?? 0) < ($1 ?? 0) }) else {
            throw .invalid("orderHashes must be ascending without repeats")
        }
    }

    /// One result from two shards' of the same exploration.
    public static func merge(_ a: ExplorationResults, _ b: ExplorationResults) throws(ExplorationResultsError) -> ExplorationResults {
        try a.validate()
        try b.validate()
        guard a.program == b.program else { throw .mismatch("programs differ (\(a.program) and \(b.program))") }
        guard a.strategy == b.strategy else { throw .mismatch("strategies differ ('\(a.strategy)' and '\(b.strategy)')") }
        guard a.shardCount == b.shardCount else {
            throw .mismatch("one result is split into \(a.shardCount) shards, the other into \(b.shardCount)")
        }
        let overlap = Set(a.shards).intersection(b.shards)
        guard overlap.isEmpty else { throw .mismatch("both results hold shard(s) \(overlap.sorted())") }
        let (schedules, o1) = a.schedules.addingReportingOverflow(b.schedules)
        let (abandoned, o2) = a.abandoned.addingReportingOverflow(b.abandoned)
        guard !o1, !o2 else { throw .invalid("counts too large to add") }
        var merged = a
        merged.shards = (a.shards + b.shards).sorted()
        merged.schedules = schedules
        merged.abandoned = abandoned
        let hashes = Set(a.orderHashes.compactMap { UInt64($0, radix: 16) }).union(b.orderHashes.compactMap { UInt64($0, radix: 16) })
        merged.orderHashes = hashes.sorted().map { String($0, radix: 16) }
        merged.failures = Array(Set(a.failures + b.failures)).sorted()
        return merged
    }

    /// Whether every shard is present.
    public var complete: Bool { shards.count == shardCount }
}

public enum ExplorationResultsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(String)
    case invalid(String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .unreadable(let why): "results file is not exploration results JSON: \(why)"
        case .invalid(let why): "results file is invalid: \(why)"
        case .mismatch(let why): "results cannot be merged: \(why)"
        }
    }
}
