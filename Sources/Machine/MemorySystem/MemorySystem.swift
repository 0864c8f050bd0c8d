// API SKELETON — the engine's bodies land in the next commits (issue 13). Every access
// here answers with the cycles it costs; the placeholder bodies charge an L1 hit.
//
// The memory system of a machine: every core's private caches, the shared last level
// with its coherence directory, and the statistics, events and contention records that
// the kernel, the trace and `--c2c` read. Addresses are RAM offsets (physical address
// minus the RAM base); devices are never cached.

/// MESI states of a line in a core's private caches.
public enum CoherenceState: UInt8, Sendable, Equatable, CustomStringConvertible {
    case invalid = 0, shared, exclusive, modified
    public var description: String {
        switch self {
        case .invalid: "I"
        case .shared: "S"
        case .exclusive: "E"
        case .modified: "M"
        }
    }
}

/// What kind of access caused an event.
public enum MemoryAccessKind: UInt8, Sendable, Equatable, CustomStringConvertible {
    case fetch, load, store, atomic
    public var description: String {
        switch self {
        case .fetch: "fetch"
        case .load: "load"
        case .store: "store"
        case .atomic: "atomic"
        }
    }
}

/// One coherence transition, for the trace ("core 1 L1D store I→M at 0x…, invalidates core 0").
public struct CoherenceEvent: Sendable, Equatable {
    public var hart: Int
    public var core: Int
    /// "L1D", "L1I", "L2" or "LLC".
    public var level: String
    public var kind: MemoryAccessKind
    public var from: CoherenceState
    public var to: CoherenceState
    /// Physical address of the line.
    public var lineAddress: UInt64
    /// Bit c set: core c's copy was invalidated by this access.
    public var invalidatedCores: UInt64
    /// The core whose private cache supplied the line, if one did.
    public var suppliedBy: Int?
    public var pc: UInt64
}

/// Counts of one cache (one level of one core, or the shared last level).
public struct CacheLevelStatistics: Sendable, Equatable {
    public var hits: UInt64 = 0
    public var misses: UInt64 = 0
    /// Misses by kind (three C's plus coherence); they add up to `misses`.
    public var compulsoryMisses: UInt64 = 0
    public var capacityMisses: UInt64 = 0
    public var conflictMisses: UInt64 = 0
    public var coherenceMisses: UInt64 = 0
    public var writeBacks: UInt64 = 0
    /// Lines this cache told other cores to drop / lines it dropped because another core wrote.
    public var invalidationsSent: UInt64 = 0
    public var invalidationsReceived: UInt64 = 0
    /// Lines this cache received from / supplied to another core's private cache.
    public var cacheToCacheReceived: UInt64 = 0
    public var cacheToCacheSupplied: UInt64 = 0
    /// Loads that found the line modified in another core's cache (perf's HITM).
    public var hitModified: UInt64 = 0
    public init() {}
    public var accesses: UInt64 { hits &+ misses }
}

/// The private caches of one core.
public struct CoreCacheStatistics: Sendable, Equatable {
    public var core: Int
    public var harts: [Int]
    public var l1i = CacheLevelStatistics()
    public var l1d = CacheLevelStatistics()
    public var l2: CacheLevelStatistics? = nil
    public init(core: Int, harts: [Int]) {
        self.core = core
        self.harts = harts
    }
}

public struct MemorySystemStatistics: Sendable, Equatable {
    public var cores: [CoreCacheStatistics] = []
    public var llc = CacheLevelStatistics()
    /// Lines read from and written to memory.
    public var memoryReads: UInt64 = 0
    public var memoryWrites: UInt64 = 0
    /// MESI transitions in the private caches: `transitions[from.rawValue][to.rawValue]`.
    public var transitions: [[UInt64]] = Array(repeating: Array(repeating: 0, count: 4), count: 4)
    public init() {}
}

/// A line that cores fought over, for `--c2c`.
public struct ContendedLine: Sendable, Equatable {
    public var lineAddress: UInt64
    public var hitModifiedLoads: UInt64 = 0
    public var invalidations: UInt64 = 0
    public var cacheToCacheTransfers: UInt64 = 0
    public var accessors: [LineAccessor] = []
    public init(lineAddress: UInt64) { self.lineAddress = lineAddress }
    /// HITM loads first, then invalidations: how perf c2c ranks lines.
    public var contention: UInt64 { hitModifiedLoads &+ invalidations }
}

/// One instruction that touched a contended line.
public struct LineAccessor: Sendable, Equatable {
    public var hart: Int
    /// The context tag the host set for the hart when it made the access (the kernel: the pid).
    public var context: UInt64
    public var pc: UInt64
    /// Byte offset of the access within the line.
    public var offsetInLine: Int
    public var loads: UInt64 = 0
    public var stores: UInt64 = 0
    public var hitModified: UInt64 = 0
    public init(hart: Int, context: UInt64, pc: UInt64, offsetInLine: Int) {
        self.hart = hart
        self.context = context
        self.pc = pc
        self.offsetInLine = offsetInLine
    }
}

public final class MemorySystem {
    public let hierarchy: MemoryHierarchy
    public let threadsPerCore: Int
    public let hartCount: Int
    public var coreCount: Int { (hartCount + threadsPerCore - 1) / threadsPerCore }
    /// Coherence off: private caches hold values and loads and stores go through `loadValue`/`storeValue`.
    public var keepsValues: Bool { !hierarchy.coherent }
    let ram: UnsafeMutableRawPointer
    let ramSize: Int

    /// Called for every coherence transition while set (tracing); nil costs nothing.
    public var onCoherenceEvent: ((CoherenceEvent) -> Void)? = nil
    /// Whether contended lines are recorded for `contendedLines(limit:)` (`--c2c`).
    public var recordsContention = false

    init(hierarchy: MemoryHierarchy, hartCount: Int, threadsPerCore: Int, ram: UnsafeMutableRawPointer, ramSize: Int) throws(MachineError) {
        try hierarchy.validate()
        self.hierarchy = hierarchy
        self.hartCount = hartCount
        self.threadsPerCore = threadsPerCore
        self.ram = ram
        self.ramSize = ramSize
    }

    @inline(__always) func core(ofHart hart: Int) -> Int { hart / threadsPerCore }

    // MARK: Accesses (values in RAM; with coherence off, timing and the private copies' bookkeeping)

    /// Fetch of the line holding `offset` by `hart`; the cycles the fetch costs (an L1I hit: `l1i.hitLatency`).
    func fetch(hart: Int, offset: Int, pc: UInt64) -> UInt64 { UInt64(hierarchy.l1i.hitLatency) }
    /// L1I hits the run loop served itself: fetches from the line of the fetch before.
    func countRepeatedFetches(hart: Int, count: UInt64) {}
    /// A load of `size` bytes at `offset` (may span two lines); its cycles.
    func load(hart: Int, offset: Int, size: Int, pc: UInt64) -> UInt64 { UInt64(hierarchy.l1d.hitLatency) }
    /// A store; the line ends in M in this core's L1D. Its cycles.
    func store(hart: Int, offset: Int, size: Int, pc: UInt64) -> UInt64 { UInt64(hierarchy.l1d.hitLatency) }
    /// An AMO, LR or SC: the line taken in M (coherence off: this core's copy written back and
    /// dropped, and the operation done at the shared level). Its cycles.
    func atomic(hart: Int, offset: Int, size: Int, pc: UInt64) -> UInt64 { UInt64(hierarchy.l1d.hitLatency) }

    // MARK: Coherence off: values live in the private caches

    func loadValue(hart: Int, offset: Int, size: Int, pc: UInt64) -> (value: UInt64, cycles: UInt64) {
        (loadLittleEndian(ram + offset, size: size), UInt64(hierarchy.l1d.hitLatency))
    }
    func storeValue(hart: Int, offset: Int, size: Int, value: UInt64, pc: UInt64) -> UInt64 {
        storeLittleEndian(value, ram + offset, size: size)
        return UInt64(hierarchy.l1d.hitLatency)
    }
    /// Every trap into the kernel: the core's private caches write back their dirty bytes and drop every line.
    func flushPrivateCaches(hart: Int) {}
    /// The host wrote RAM bytes: every private copy of those lines writes back its other dirty bytes and is dropped.
    func hostWrote(offset: Int, length: Int) {}

    // MARK: What the host reads

    /// Set by the host at each context switch (the kernel: the pid), recorded with contention.
    public func setContext(hart: Int, tag: UInt64) {}
    public var statistics: MemorySystemStatistics { MemorySystemStatistics() }
    /// Misses in `hart`'s private caches (fetch and data, every private level) so far.
    public func privateMisses(hart: Int) -> UInt64 { 0 }
    /// The most contended lines, most contended first (only while `recordsContention`).
    public func contendedLines(limit: Int) -> [ContendedLine] { [] }
    /// The state of the line holding physical RAM offset `offset` in `core`'s L1D (tests, inspection).
    public func l1dState(core: Int, offset: Int) -> CoherenceState { .invalid }
}
