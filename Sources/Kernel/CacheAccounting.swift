// The kernel's side of the memory hierarchy (Machine/MemorySystem): it tags each hart's
// accesses with the pid of the thread it runs (so `--c2c` can name the process and
// symbol of every instruction that touched a contended line), counts each thread's
// private-cache misses and those in the first slice after a migration (what moving to a
// cold cache cost it), samples misses per core into the trace at each switch, and, when
// asked, turns every coherence transition into a trace instant. Nothing here runs
// without caches: the switch path tests one optional.

import Machine
import Trace

/// One instruction that touched a contended line, named for a person: the process, the
/// function and offset (when the program has symbols), the PC, where in the line, and how.
public struct ContendedLineAccessor: Sendable, Equatable {
    public var pid: Int32
    public var hart: Int
    /// `function+0x1c`, or nil when the program has no symbol there.
    public var symbol: String?
    public var pc: UInt64
    public var offsetInLine: Int
    public var loads: UInt64
    public var stores: UInt64
    public var hitModified: UInt64
}

/// A line cores fought over (`--c2c`), with the instructions that touched it.
public struct ContendedLineReport: Sendable, Equatable {
    /// Physical address of the line's first byte.
    public var lineAddress: UInt64
    public var hitModifiedLoads: UInt64
    public var invalidations: UInt64
    public var cacheToCacheTransfers: UInt64
    public var accessors: [ContendedLineAccessor]
}

extension Kernel {
    /// Most contended lines a report names.
    public static let contendedLineLimit = 10

    /// Called once the machine exists: contention records and coherence tracing as configured.
    func attachMemorySystem() {
        guard let memorySystem = machine.memorySystem else { return }
        memorySystem.recordsContention = configuration.recordsContention
        if configuration.tracesCoherence, trace != nil {
            memorySystem.onCoherenceEvent = { [unowned self] event in traceCoherence(event) }
        }
    }

    /// `thread` gets `hart`: its accesses are tagged with its pid, and its misses counted from now.
    func cachesSwitchIn(_ thread: Thread, on hart: Hart, _ memorySystem: MemorySystem, migrated: Bool) {
        memorySystem.setContext(hart: hart.id, tag: UInt64(UInt32(bitPattern: thread.process.pid)))
        hart.drainStoreBuffer()
        thread.missesAtSwitchIn = memorySystem.privateMisses(hart: hart.id)
        thread.migratedIntoSlice = migrated
        if trace != nil { traceCoreMisses(core: hart.id / configuration.threadsPerCore, memorySystem, cycle: hart.cycle, hart: hart.id) }
    }

    /// `thread` leaves `hart`: the misses of its slice go to its counters.
    func cachesSwitchOut(_ thread: Thread, from hart: Hart) {
        guard let since = thread.missesAtSwitchIn, let memorySystem = machine.memorySystem else { return }
        let misses = sliceMisses(since: since, hart: hart.id, memorySystem)
        thread.metrics.cacheMisses &+= misses
        if thread.migratedIntoSlice { thread.metrics.missesAfterMigration &+= misses }
        thread.missesAtSwitchIn = nil
        thread.migratedIntoSlice = false
    }

    private func sliceMisses(since: UInt64, hart: Int, _ memorySystem: MemorySystem) -> UInt64 {
        let now = memorySystem.privateMisses(hart: hart)
        return now >= since ? now - since : 0
    }

    /// A thread's counters as of now: a running thread's current slice counted in.
    func metricsSoFar(of thread: Thread) -> ThreadMetrics {
        var metrics = thread.metrics
        guard let since = thread.missesAtSwitchIn, case .running(let hart) = thread.state,
              let memorySystem = machine.memorySystem else { return metrics }
        let misses = sliceMisses(since: since, hart: hart, memorySystem)
        metrics.cacheMisses &+= misses
        if thread.migratedIntoSlice { metrics.missesAfterMigration &+= misses }
        return metrics
    }

    // MARK: Reports

    /// The most contended lines (while `recordsContention`): those with HITM loads or
    /// invalidations (a line only shared clean is no contention), each accessor named with
    /// its process's symbols, the busiest first. Ended processes keep their program in the
    /// process table, so their PCs still resolve.
    public func contendedLines(limit: Int = Kernel.contendedLineLimit) -> [ContendedLineReport] {
        guard let memorySystem = machine.memorySystem, memorySystem.recordsContention else { return [] }
        let contended = memorySystem.contendedLines(limit: max(0, limit)).filter { $0.contention > 0 }
        return contended.map { line in
            ContendedLineReport(
                lineAddress: line.lineAddress, hitModifiedLoads: line.hitModifiedLoads, invalidations: line.invalidations,
                cacheToCacheTransfers: line.cacheToCacheTransfers,
                accessors: line.accessors.sorted(by: Kernel.busierFirst).map { accessor in
                    let pid = Int32(truncatingIfNeeded: accessor.context)
                    return ContendedLineAccessor(pid: pid, hart: accessor.hart, symbol: processTable[pid]?.symbolize(accessor.pc),
                                                 pc: accessor.pc, offsetInLine: accessor.offsetInLine, loads: accessor.loads,
                                                 stores: accessor.stores, hitModified: accessor.hitModified)
                })
        }
    }

    /// Accessors by HITM loads, then stores, then loads (most first); then by hart and PC, so
    /// the order is the same every run.
    static func busierFirst(_ a: LineAccessor, _ b: LineAccessor) -> Bool {
        (b.hitModified, b.stores, b.loads, a.hart, a.pc, a.offsetInLine) < (a.hitModified, a.stores, a.loads, b.hart, b.pc, b.offsetInLine)
    }

    // MARK: Trace

    /// Samples every core's private misses into the trace (the run's end).
    public func traceCacheCounters() {
        guard trace != nil, let memorySystem = machine.memorySystem else { return }
        for core in 0..<memorySystem.coreCount {
            let firstHart = core * configuration.threadsPerCore
            traceCoreMisses(core: core, memorySystem, cycle: latestCycle, hart: firstHart)
        }
    }

    private func traceCoreMisses(core: Int, _ memorySystem: MemorySystem, cycle: UInt64, hart: Int) {
        var misses: UInt64 = 0
        let first = core * configuration.threadsPerCore
        for sibling in first..<min(first + configuration.threadsPerCore, configuration.harts) {
            misses &+= memorySystem.privateMisses(hart: sibling)
        }
        traceEvent(.cacheMisses(core: Int32(core), misses: misses), cycle: cycle, hart: hart)
    }

    private func traceCoherence(_ event: CoherenceEvent) {
        let level: CoherenceTrace.Level = switch event.level {
        case "L1I": .l1i
        case "L2": .l2
        case "LLC": .llc
        default: .l1d
        }
        let access: CoherenceTrace.Access = switch event.kind {
        case .fetch: .fetch
        case .load: .load
        case .store: .store
        case .atomic: .atomic
        }
        let record = CoherenceTrace(core: Int16(clamping: event.core), level: level, access: access,
                                    from: event.from.rawValue, to: event.to.rawValue,
                                    supplier: Int16(clamping: event.suppliedBy ?? -1),
                                    line: event.lineAddress, invalidated: event.invalidatedCores)
        let cycle = event.hart >= 0 && event.hart < machine.harts.count ? machine.harts[event.hart].cycle : latestCycle
        traceEvent(.coherence(record), cycle: cycle, hart: event.hart)
    }
}
