// `--shard i/n`: a deterministic split of the schedule space into n disjoint parts whose
// union is the whole, so n machines (a Kubernetes indexed Job, a Slurm array, GNU
// parallel) can explore one program together and merge their results.

/// One part of n. `index` is 0-based (as a Kubernetes indexed Job's completion index;
/// a Slurm array should run `--array=0-(n-1)`).
public struct Shard: Sendable, Hashable, Codable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The whole space: one shard.
    public static let whole = Shard(validIndex: 0, count: 1)

    private init(validIndex: Int, count: Int) {
        self.index = validIndex
        self.count = count
    }

    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1, count <= Shard.maximumCount else { throw .badCount(String(count)) }
        guard index >= 0, index < count else { throw .indexOutOfRange(index: String(index), count: count) }
        self.init(validIndex: index, count: count)
    }

    /// Parses `i/n`, as given to `--shard`.
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .malformed(text) }
        guard let n = Int(parts[1]), n >= 1, n <= Shard.maximumCount else { throw .badCount(String(parts[1])) }
        guard let i = Int(parts[0]), i >= 0, i < n else { throw .indexOutOfRange(index: String(parts[0]), count: n) }
        self.init(validIndex: i, count: n)
    }

    /// More shards than this is surely a typo; it also keeps every shard computation in range.
    public static let maximumCount = 1 << 20

    public var description: String { "\(index)/\(count)" }

    /// Whether this shard owns the item with key `key` (a subtree's key for bounded search).
    @inlinable
    public func owns(key: UInt64) -> Bool {
        count == 1 || Int(mix64(key) % UInt64(count)) == index
    }

    enum CodingKeys: String, CodingKey { case index, count }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let i = try c.decode(Int.self, forKey: .index)
        let n = try c.decode(Int.self, forKey: .count)
        do { try self.init(index: i, count: n) } catch {
            throw DecodingError.dataCorruptedError(forKey: .index, in: c, debugDescription: error.description)
        }
    }
}

public enum ShardError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case badCount(String)
    case indexOutOfRange(index: String, count: Int)

    public var description: String {
        switch self {
        case .malformed(let text):
            "shard '\(text)' is not of the form i/n (for example 0/4: the first of four shards)"
        case .badCount(let text):
            "shard count '\(text)' must be a whole number from 1 to \(Shard.maximumCount)"
        case .indexOutOfRange(let index, let count):
            "shard index '\(index)' must be a whole number from 0 to \(count - 1) (shards are numbered from 0)"
        }
    }
}

/// The run indices one shard performs for the seeded strategies (random, PCT): runs
/// `shard.index`, `shard.index + n`, `shard.index + 2n`, … below `limit`. Each run's seed
/// depends only on its index (`runSeed`), so the shards' runs are disjoint and together
/// are exactly the unsharded runs 0..<limit.
public struct RunIndices: Sendable, Equatable {
    public let shard: Shard
    /// Runs 0..<limit in all shards together (`UInt64.max`: no limit but time).
    public let limit: UInt64

    public init(limit: UInt64, shard: Shard = .whole) {
        self.limit = limit
        self.shard = shard
    }

    /// The run index of this shard's `position`-th run, or nil past the limit.
    public func index(at position: Int) -> UInt64? {
        guard position >= 0 else { return nil }
        let (offset, o1) = UInt64(position).multipliedReportingOverflow(by: UInt64(shard.count))
        let (run, o2) = offset.addingReportingOverflow(UInt64(shard.index))
        guard !o1, !o2, run < limit else { return nil }
        return run
    }
}
