// What the memory hierarchy looks like: the caches of one core, the shared last level,
// memory, their latencies and whether the private caches are kept coherent. A value type: part of the machine's configuration,
// so a run stays a pure function of program, configuration and seed. Presets in
// Presets.swift; the engine that obeys it in MemorySystem.swift.

/// How a set chooses the line to evict.
public enum CacheReplacement: String, Sendable, Equatable, Codable, CaseIterable {
    /// Least recently used, exactly.
    case lru
    /// Tree pseudo-LRU (one bit per node of a binary tree over the ways), as most real L1s.
    case treePLRU = "plru"
}

/// One cache: its geometry, replacement and the latency of a hit in it.
public struct CacheGeometry: Sendable, Equatable, Codable {
    /// Capacity in bytes: a power of two, `associativity × lineSize × sets`.
    public var size: Int
    /// Ways per set (1 = direct-mapped); a power of two.
    public var associativity: Int
    /// Bytes per line; every level of a hierarchy uses the same line size (64 by default).
    public var lineSize: Int
    public var replacement: CacheReplacement
    /// Cycles an access that hits here costs (load-to-use).
    public var hitLatency: Int

    public init(size: Int, associativity: Int, lineSize: Int = 64, replacement: CacheReplacement = .lru, hitLatency: Int) {
        self.size = size
        self.associativity = associativity
        self.lineSize = lineSize
        self.replacement = replacement
        self.hitLatency = hitLatency
    }

    public var sets: Int { size / max(1, associativity * lineSize) }
}

/// The memory system of a machine: private L1I, L1D and optional L2 per core, one shared
/// last-level cache (inclusive of every private cache), and memory.
///
/// Timing model (README, "The memory hierarchy"): an in-order core that waits for every
/// access. An instruction costs its fetch's latency (an L1I hit costs `l1i.hitLatency`,
/// 1 in every preset, which is the cycle an instruction takes with caches off) plus, if
/// it loads or stores, the latency of the level that served the data. Write-backs are
/// free (a write buffer drains them).
public struct MemoryHierarchy: Sendable, Equatable, Codable {
    /// A short name for reports ("core2", or the file a custom hierarchy came from).
    public var name: String
    public var l1i: CacheGeometry
    public var l1d: CacheGeometry
    /// A private second level per core, if the machine has one.
    public var l2: CacheGeometry?
    /// The last-level cache, shared by every core; it holds the coherence directory.
    public var llc: CacheGeometry
    /// Cycles a load that misses every cache costs.
    public var memoryLatency: Int
    /// Cycles a load costs when another core's private cache supplies the line.
    public var cacheToCacheLatency: Int
    /// MESI between the private caches. Off: private caches keep stale copies (values, not
    /// only tags) until they evict them — see `MemorySystem` for exactly what each access does.
    public var coherent: Bool

    public init(name: String, l1i: CacheGeometry, l1d: CacheGeometry, l2: CacheGeometry?, llc: CacheGeometry,
                memoryLatency: Int, cacheToCacheLatency: Int, coherent: Bool = true) {
        self.name = name
        self.l1i = l1i
        self.l1d = l1d
        self.l2 = l2
        self.llc = llc
        self.memoryLatency = memoryLatency
        self.cacheToCacheLatency = cacheToCacheLatency
        self.coherent = coherent
    }

    public static let maximumCacheSize = 1 << 30
    public static let maximumLatency = 100_000
    public static let lineSizes = [16, 32, 64, 128, 256]

    /// Checks every value a user's file can set; the message says which one and what is accepted.
    public func validate() throws(MachineError) {
        let levels: [(String, CacheGeometry)] = [("l1i", l1i), ("l1d", l1d)] + (l2.map { [("l2", $0)] } ?? []) + [("llc", llc)]
        for (label, cache) in levels {
            guard Self.lineSizes.contains(cache.lineSize) else {
                throw MachineError("\(label): the line size must be one of \(Self.lineSizes.map(String.init).joined(separator: ", ")) bytes, not \(cache.lineSize)")
            }
            guard cache.lineSize == l1d.lineSize else {
                throw MachineError("\(label): every level must use the same line size (\(l1d.lineSize) bytes in l1d), not \(cache.lineSize)")
            }
            guard cache.associativity >= 1, cache.associativity <= 64, cache.associativity & (cache.associativity - 1) == 0 else {
                throw MachineError("\(label): the associativity must be a power of two from 1 to 64, not \(cache.associativity)")
            }
            guard cache.size >= cache.lineSize * cache.associativity, cache.size <= Self.maximumCacheSize,
                  cache.size & (cache.size - 1) == 0 else {
                throw MachineError("\(label): the size must be a power of two from one set (\(cache.lineSize * cache.associativity) bytes) to 1 GiB, not \(cache.size)")
            }
            guard (1...Self.maximumLatency).contains(cache.hitLatency) else {
                throw MachineError("\(label): the hit latency must be 1 to \(Self.maximumLatency) cycles, not \(cache.hitLatency)")
            }
        }
        guard (1...Self.maximumLatency).contains(memoryLatency) else {
            throw MachineError("the memory latency must be 1 to \(Self.maximumLatency) cycles, not \(memoryLatency)")
        }
        guard (1...Self.maximumLatency).contains(cacheToCacheLatency) else {
            throw MachineError("the cache-to-cache latency must be 1 to \(Self.maximumLatency) cycles, not \(cacheToCacheLatency)")
        }
    }
}
