// The memory system of a machine: every core's private caches, the shared last level
// with its coherence directory, and the statistics, events and contention records that
// the kernel, the trace and `--c2c` read. This file is the facade the run loop calls
// (each access answers with the cycles it costs) and the public types it reports in;
// the engine behind it is in CacheArray (one level of caches), MissClassifier,
// Coherence (MESI and the directory), PrivateValues (coherence off) and Contention.
//
// THE MODEL (README, "The memory hierarchy"):
// - Hart h belongs to core h / threadsPerCore; SMT siblings share their core's caches.
//   Per core: private L1I, L1D and an optional L2; one shared LLC, inclusive of every
//   private cache, holding the directory (a sharer bit per core per line, so a miss
//   costs the host time proportional to the sharers, not to the core count). The
//   private hierarchy is inclusive too: L1I, L1D ⊆ L2 ⊆ LLC (an L2 eviction drops the
//   L1 copies; an LLC eviction drops every private copy, M copies writing back). One
//   line size for every level. Addresses are RAM offsets; devices are never cached.
// - Timing: an in-order core that waits for every access. An access costs the hit
//   latency of the level that served it; cacheToCacheLatency when another core's
//   private cache supplied the line (it held it in E or M; M on a load is a HITM);
//   memoryLatency on an LLC miss. A store or atomic that must upgrade S→M costs the
//   LLC latency (the directory round trip) even when it hit privately. Write-backs
//   cost nothing. An access that spans two lines touches both and costs the larger.
// - MESI: a load miss with no other sharer gets E, with sharers S (an E/M owner is
//   downgraded to S, M writing back); a store or atomic (AMO, LR, SC) takes M, every
//   other copy invalidated. Caches hold tags and states only: RAM is the single copy.
// - Coherence off: see PrivateValues.swift.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// Coherence off: called after a write-back changed RAM bytes (offset, length), so the
    /// host can drop what it derived from them (decoded instructions, reservations).
    var onRAMWritten: ((_ offset: Int, _ length: Int) -> Void)? = nil

    let l1i: CacheArray
    let l1d: CacheArray
    let l2: CacheArray?
    let llc: CacheArray
    /// The L2 when `hasSecondLevel`, else the L1D (never used then): the miss path passes it
    /// as a non-optional argument, since binding the optional `l2` costs a retain and release.
    let secondLevel: CacheArray
    let hasSecondLevel: Bool
    let values: Bool
    let lineShift: UInt64
    let lineSize: Int
    let memoryLatency: UInt64
    let cacheToCacheLatency: UInt64
    let coreOfHart: UnsafeMutablePointer<Int>
    /// Misses in each hart's private caches, every level (the kernel's migration figures).
    let hartMisses: UnsafeMutablePointer<UInt64>
    let hartContext: UnsafeMutablePointer<UInt64>
    /// `transitionCounts[from * 4 + to]`: MESI changes of a core's state for a line.
    let transitionCounts: UnsafeMutablePointer<UInt64>
    var memoryReads: UInt64 = 0
    var memoryWrites: UInt64 = 0
    var contention = ContentionTable()
    /// Set by the directory for the access in progress: its load found the line M elsewhere.
    var accessHitModified = false
    /// Data misses complete when their line arrives (MissWait.swift). The machine turns it on
    /// with coherence and several cores; the engine alone (tests) serves every access at once.
    var defersMisses = false
    /// The line each hart waits for (.max: none).
    let pendingLine: UnsafeMutablePointer<UInt64>
    /// Per slot of a small table: a line, and the cycle its last ownership transfer completes.
    let transferLine: UnsafeMutablePointer<UInt64>
    let transferDone: UnsafeMutablePointer<UInt64>

    init(hierarchy: MemoryHierarchy, hartCount: Int, threadsPerCore: Int, ram: UnsafeMutableRawPointer, ramSize: Int) throws(MachineError) {
        try hierarchy.validate()
        guard (1...MachineConfiguration.maximumHarts).contains(hartCount), (1...2).contains(threadsPerCore) else {
            throw MachineError("the memory system takes 1 to \(MachineConfiguration.maximumHarts) harts and 1 or 2 threads per core, not \(hartCount) and \(threadsPerCore)")
        }
        self.hierarchy = hierarchy
        self.hartCount = hartCount
        self.threadsPerCore = threadsPerCore
        self.ram = ram
        self.ramSize = max(0, ramSize)
        values = !hierarchy.coherent
        lineSize = hierarchy.l1d.lineSize
        lineShift = UInt64(lineSize.trailingZeroBitCount)
        memoryLatency = UInt64(hierarchy.memoryLatency)
        cacheToCacheLatency = UInt64(hierarchy.cacheToCacheLatency)
        let cores = (hartCount + threadsPerCore - 1) / threadsPerCore
        let ramLines = self.ramSize >> lineSize.trailingZeroBitCount
        let keepsCopies = !hierarchy.coherent
        let underSecondLevel = hierarchy.l2 != nil
        l1i = try CacheArray(label: "L1I", geometry: hierarchy.l1i, caches: cores, ramLines: ramLines, directory: false, values: keepsCopies,
                             countsPresence: underSecondLevel)
        l1d = try CacheArray(label: "L1D", geometry: hierarchy.l1d, caches: cores, ramLines: ramLines, directory: false, values: keepsCopies,
                             countsPresence: underSecondLevel)
        if let geometry = hierarchy.l2 {
            l2 = try CacheArray(label: "L2", geometry: geometry, caches: cores, ramLines: ramLines, directory: false, values: keepsCopies)
        } else {
            l2 = nil
        }
        secondLevel = l2 ?? l1d
        hasSecondLevel = l2 != nil
        llc = try CacheArray(label: "LLC", geometry: hierarchy.llc, caches: 1, ramLines: ramLines, directory: true,
                             directoryCores: cores, values: false)
        coreOfHart = try requireZeroedBuffer(Int.self, count: hartCount, for: "the harts' cores")
        hartMisses = try requireZeroedBuffer(UInt64.self, count: hartCount, for: "the harts' misses")
        hartContext = try requireZeroedBuffer(UInt64.self, count: hartCount, for: "the harts' contexts")
        transitionCounts = try requireZeroedBuffer(UInt64.self, count: 16, for: "the transition counts")
        pendingLine = try requireZeroedBuffer(UInt64.self, count: hartCount, for: "the harts' awaited lines")
        pendingLine.update(repeating: .max, count: hartCount)
        transferLine = try requireZeroedBuffer(UInt64.self, count: MemorySystem.transferSlots, for: "the line transfers")
        transferLine.update(repeating: .max, count: MemorySystem.transferSlots)
        transferDone = try requireZeroedBuffer(UInt64.self, count: MemorySystem.transferSlots, for: "the line transfers")
        for hart in 0..<hartCount { coreOfHart[hart] = hart / threadsPerCore }
    }

    deinit {
        free(coreOfHart); free(hartMisses); free(hartContext); free(transitionCounts); free(pendingLine); free(transferLine); free(transferDone)
    }

    @inline(__always) func core(ofHart hart: Int) -> Int { coreOfHart[hart] }

    // MARK: Accesses (values in RAM; with coherence off, timing and the private copies' bookkeeping)

    /// Fetch of the line holding `offset` by `hart`; the cycles the fetch costs (an L1I hit: `l1i.hitLatency`).
    @inline(__always) func fetch(hart: Int, offset: Int, pc: UInt64) -> UInt64 {
        let core = coreOfHart[hart]
        let line = UInt64(truncatingIfNeeded: offset) &>> lineShift
        if l1i.memoLine[core] == line || l1i.holdsInRecentWay(cache: core, line: line, needsModified: false) {
            l1i.countHit(cache: core)
            return l1i.hitLatency
        }
        let way = l1i.find(cache: core, line: line)
        if way >= 0 {
            l1i.touch(cache: core, way: way)
            l1i.countHit(cache: core)
            return l1i.hitLatency
        }
        return accessLines(hart: hart, offset: offset, size: 1, kind: .fetch, pc: pc, firstWay: -1)
    }

    /// L1I hits the run loop served itself: fetches from the line of the fetch before.
    func countRepeatedFetches(hart: Int, count: UInt64) {
        l1i.statistics[coreOfHart[hart]].hits &+= count
    }

    /// L1D hits the run loop served itself (on recent ways: InstructionTiming).
    func countDataHits(hart: Int, count: UInt64) {
        l1d.statistics[coreOfHart[hart]].hits &+= count
    }

    /// What the run loop needs to serve L1D hits on recent ways itself; nil when every data
    /// access must come here (contention is recorded, or private caches keep values).
    func dataProbe(hart: Int) -> RecentWayProbe? {
        guard !recordsContention, !values, hart >= 0, hart < hartCount else { return nil }
        return l1d.recentWayProbe(cache: coreOfHart[hart])
    }

    /// A load of `size` bytes at `offset` (may span two lines); its cycles, or a wait for its
    /// line (`waitForLine` set: not done yet, MissWait.swift). `probed`: the run loop's probe
    /// found the line in no recent way (so not in the memo's way either: both are skipped).
    @inline(__always) func load(hart: Int, offset: Int, size: Int, pc: UInt64, now: UInt64 = 0, probed: Bool = false) -> UInt64 {
        let core = coreOfHart[hart]
        let line = UInt64(truncatingIfNeeded: offset) &>> lineShift
        // The L1D way found here, handed down so a miss does not look for it again.
        var firstWay = CacheArray.lookUp
        if UInt64(truncatingIfNeeded: offset &+ size &- 1) &>> lineShift == line, !recordsContention {
            if !probed && (l1d.memoLine[core] == line || l1d.holdsInRecentWay(cache: core, line: line, needsModified: false)) {
                l1d.countHit(cache: core)
                return l1d.hitLatency
            }
            firstWay = l1d.find(cache: core, line: line)
            if firstWay >= 0 {
                l1d.touch(cache: core, way: firstWay)
                l1d.countHit(cache: core)
                return l1d.hitLatency
            }
        }
        if values { return loadValue(hart: hart, offset: offset, size: size, pc: pc).cycles }
        return accessLines(hart: hart, offset: offset, size: size, kind: .load, pc: pc, firstWay: firstWay)
    }

    /// A store; the line ends in M in this core's L1D. Its cycles, or a wait for its line.
    /// `probed`: as for `load`.
    @inline(__always) func store(hart: Int, offset: Int, size: Int, pc: UInt64, now: UInt64 = 0, probed: Bool = false) -> UInt64 {
        let core = coreOfHart[hart]
        let line = UInt64(truncatingIfNeeded: offset) &>> lineShift
        var firstWay = CacheArray.lookUp
        if !values, UInt64(truncatingIfNeeded: offset &+ size &- 1) &>> lineShift == line, !recordsContention {
            if !probed && ((l1d.memoLine[core] == line && l1d.memoModified[core]) || l1d.holdsInRecentWay(cache: core, line: line, needsModified: true)) {
                l1d.countHit(cache: core)
                return l1d.hitLatency
            }
            firstWay = l1d.find(cache: core, line: line)
            if firstWay >= 0, l1d.states[firstWay] & WayState.mesiMask == CoherenceState.modified.rawValue {
                l1d.touch(cache: core, way: firstWay)
                l1d.countHit(cache: core)
                return l1d.hitLatency
            }
        }
        if values { return touchValueLines(hart: hart, offset: offset, size: size, store: true) }
        return servedWhenArrived(hart: hart, offset: offset, size: size, kind: .store, pc: pc, now: now, firstWay: firstWay)
    }

    /// An AMO, LR or SC: the line taken in M (coherence off: this core's copy written back and
    /// dropped, and the operation done at the shared level). Its cycles, or a wait for its line.
    func atomic(hart: Int, offset: Int, size: Int, pc: UInt64, now: UInt64 = 0) -> UInt64 {
        if values { return atomicWithoutCoherence(hart: hart, offset: offset, size: size) }
        return servedWhenArrived(hart: hart, offset: offset, size: size, kind: .atomic, pc: pc, now: now)
    }

    /// A store or atomic that an L1D hit could not serve: with several coherent cores, first a
    /// wait for its line (`waitForLine` set in the answer), then the access; else at once.
    /// `now`: the hart's cycle as it issues the access.
    /// `firstWay`: as for `accessLines` (`missWait` changes no cache, so it stays true).
    func servedWhenArrived(hart: Int, offset: Int, size: Int, kind: MemoryAccessKind, pc: UInt64, now: UInt64,
                           firstWay: Int = CacheArray.lookUp) -> UInt64 {
        guard defersMisses else { return accessLines(hart: hart, offset: offset, size: size, kind: kind, pc: pc, firstWay: firstWay) }
        let (wait, arrived) = missWait(hart: hart, offset: offset, size: size, now: now)
        if let wait { return wait }
        let cycles = accessLines(hart: hart, offset: offset, size: size, kind: kind, pc: pc, firstWay: firstWay)
        return arrived ? l1d.hitLatency : cycles
    }

    /// An access to every line `offset..<offset+size` touches (one, or two when misaligned
    /// across a boundary); it costs the larger of the two latencies. `firstWay`: the way of
    /// the first line in the first-level cache when the caller has just looked (-1: not
    /// there), else `CacheArray.lookUp`.
    func accessLines(hart: Int, offset: Int, size: Int, kind: MemoryAccessKind, pc: UInt64, firstWay: Int = CacheArray.lookUp) -> UInt64 {
        let core = coreOfHart[hart]
        let first = UInt64(truncatingIfNeeded: offset) &>> lineShift
        let last = UInt64(truncatingIfNeeded: offset &+ max(1, size) &- 1) &>> lineShift
        let offsetInLine = offset & (lineSize - 1)
        var cycles = access(hart: hart, core: core, line: first, kind: kind, pc: pc, offsetInLine: offsetInLine, firstWay: firstWay)
        if last != first {
            cycles = max(cycles, access(hart: hart, core: core, line: last, kind: kind, pc: pc, offsetInLine: 0))
        }
        return cycles
    }

    /// One line's access, either model.
    func access(hart: Int, core: Int, line: UInt64, kind: MemoryAccessKind, pc: UInt64, offsetInLine: Int, firstWay: Int = CacheArray.lookUp) -> UInt64 {
        if values { return valueModeTiming(hart: hart, core: core, line: line, kind: kind) }
        return coherentAccess(hart: hart, core: core, line: line, kind: kind, pc: pc, offsetInLine: offsetInLine, firstWay: firstWay)
    }

    /// The hart left the instruction that waited for a line (a trap): its next access waits anew.
    func forgetWait(hart: Int) {
        if defersMisses { pendingLine[hart] = .max }
    }

    // MARK: What the host reads

    /// Set by the host at each context switch (the kernel: the pid), recorded with contention.
    public func setContext(hart: Int, tag: UInt64) {
        guard hart >= 0, hart < hartCount else { return }
        hartContext[hart] = tag
    }

    /// Misses in `hart`'s private caches (fetch and data, every private level) so far.
    public func privateMisses(hart: Int) -> UInt64 {
        guard hart >= 0, hart < hartCount else { return 0 }
        return hartMisses[hart]
    }

    /// The most contended lines, most contended first (only while `recordsContention`).
    public func contendedLines(limit: Int) -> [ContendedLine] { contention.mostContended(limit: limit) }

    /// The state of the line holding physical RAM offset `offset` in `core`'s L1D (tests, inspection).
    public func l1dState(core: Int, offset: Int) -> CoherenceState {
        guard core >= 0, core < coreCount, offset >= 0, offset < ramSize else { return .invalid }
        return l1d.state(cache: core, line: UInt64(offset) &>> lineShift)
    }

    /// Physical address of a line, for events and reports.
    func lineAddress(_ line: UInt64) -> UInt64 { MachineConfiguration.ramBase &+ (line &<< lineShift) }
}
