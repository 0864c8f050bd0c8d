// The memory system's rules one at a time, each on a hand-worked case: replacement (LRU
// and the textbook tree-PLRU), miss kinds, the latency of every level, coherence off
// (stale copies, dirty bytes, atomics on RAM, host writes), events and contention.

import Testing
@testable import Machine

@Suite struct MemorySystemBehaviourTests {
    /// L1D 512 B 2-way (4 sets), L2 1 KiB 4-way (4 sets), LLC 2 KiB 4-way (8 sets); latencies 2/8/20, memory 100, c2c 40.
    static func rig(l2: Bool = true, coherent: Bool = true, harts: Int = 4) throws -> MemorySystemRig {
        try MemorySystemRig(hierarchy: tinyHierarchy(l2: l2, replacement: .lru, coherent: coherent), harts: harts)
    }

    static func offset(line: Int) -> Int { line * 64 }

    // MARK: Replacement

    /// Accesses `line` in a one-cache bank: a hit touches, a miss fills; the evicted line, if any.
    @discardableResult
    static func access(_ bank: CacheArray, _ line: UInt64) -> UInt64? {
        let way = bank.find(cache: 0, line: line)
        if way >= 0 {
            bank.touch(cache: 0, way: way)
            return nil
        }
        let victim = bank.victim(cache: 0, line: line)
        let evicted = bank.isValid(victim) ? bank.tags[victim] : nil
        if evicted != nil { bank.drop(cache: 0, way: victim, byCoherence: false) }
        bank.fill(cache: 0, way: victim, line: line, state: .shared)
        return evicted
    }

    static func oneSet(_ replacement: CacheReplacement) throws -> CacheArray {
        try CacheArray(label: "T", geometry: CacheGeometry(size: 256, associativity: 4, replacement: replacement, hitLatency: 1),
                       caches: 1, ramLines: 1024, directory: false, values: false)
    }

    @Test func lruEvictsTheLeastRecentlyUsed() throws {
        let bank = try Self.oneSet(.lru)
        for line: UInt64 in [10, 11, 12, 13] { #expect(Self.access(bank, line) == nil) }
        Self.access(bank, 12)
        Self.access(bank, 11)
        #expect(Self.access(bank, 14) == 10)
        #expect(Self.access(bank, 15) == 13)
        #expect(Self.access(bank, 16) == 12)
    }

    /// Ways 0–3 hold A B C D; bits b1 (root), b2 (ways 0/1), b3 (ways 2/3), 1 = the victim is on the right.
    /// After filling A B C D every bit is 0. Touch C (way 2): b3 = 1, b1 = 0. Touch B (way 1): b2 = 0, b1 = 1.
    /// Victim: b1 = 1 → right half, b3 = 1 → way 3, D — where LRU would take A.
    /// Fill E into way 3: b3 = 0, b1 = 0. Victim: b1 = 0 → left, b2 = 0 → way 0, A.
    @Test func treePLRUFollowsTheTextbookTree() throws {
        let bank = try Self.oneSet(.treePLRU)
        for line: UInt64 in [10, 11, 12, 13] { #expect(Self.access(bank, line) == nil) }
        #expect(bank.treeBits?[0] == 0)
        Self.access(bank, 12)
        Self.access(bank, 11)
        #expect(bank.treeBits?[0] == 0b0010 | 0b1000, "b1 = 1, b2 = 0, b3 = 1")
        #expect(Self.access(bank, 14) == 13)
        #expect(Self.access(bank, 15) == 10)
    }

    // MARK: Miss kinds

    static func missRig(associativity: Int) throws -> MemorySystemRig {
        let hierarchy = MemoryHierarchy(
            name: "kinds",
            l1i: CacheGeometry(size: 512, associativity: 2, hitLatency: 1),
            l1d: CacheGeometry(size: 512, associativity: associativity, hitLatency: 2),
            l2: nil,
            llc: CacheGeometry(size: 65536, associativity: 16, hitLatency: 20),
            memoryLatency: 100, cacheToCacheLatency: 40)
        return try MemorySystemRig(hierarchy: hierarchy, harts: 2)
    }

    @Test func firstTouchesAreCompulsoryAndASweepLargerThanTheCacheIsCapacity() throws {
        let rig = try Self.missRig(associativity: 8)  // 8 lines, fully associative
        for _ in 0..<3 {
            for line in 0..<16 { _ = rig.system.load(hart: 0, offset: Self.offset(line: line), size: 8, pc: 0) }
        }
        let l1d = rig.system.statistics.cores[0].l1d
        #expect(l1d.compulsoryMisses == 16)
        #expect(l1d.capacityMisses == 32)
        #expect(l1d.conflictMisses == 0 && l1d.coherenceMisses == 0 && l1d.hits == 0)
    }

    @Test func twoLinesInOneSetOfADirectMappedCachePingPongAsConflictMisses() throws {
        let rig = try Self.missRig(associativity: 1)  // 8 sets
        for _ in 0..<5 {
            _ = rig.system.load(hart: 0, offset: Self.offset(line: 3), size: 8, pc: 0)
            _ = rig.system.load(hart: 0, offset: Self.offset(line: 11), size: 8, pc: 0)
        }
        let l1d = rig.system.statistics.cores[0].l1d
        #expect(l1d.compulsoryMisses == 2)
        #expect(l1d.conflictMisses == 8)
        #expect(l1d.capacityMisses == 0 && l1d.hits == 0)
    }

    @Test func aLineInvalidatedByAnotherCoresStoreMissesAsCoherence() throws {
        let rig = try Self.missRig(associativity: 2)
        let system = rig.system
        _ = system.load(hart: 1, offset: 128, size: 8, pc: 0)
        _ = system.store(hart: 0, offset: 136, size: 8, pc: 0)
        #expect(system.l1dState(core: 1, offset: 128) == .invalid)
        _ = system.load(hart: 1, offset: 128, size: 8, pc: 0)
        let l1d = system.statistics.cores[1].l1d
        #expect(l1d.coherenceMisses == 1 && l1d.compulsoryMisses == 1 && l1d.misses == 2)
        #expect(l1d.invalidationsReceived == 1)
        #expect(system.statistics.cores[0].l1d.invalidationsSent == 1)
    }

    /// Lines 2 and 66 share an L1D set and a ghost-table slot: the second invalidation
    /// overwrites the slot, and the kept tag's mark still names line 2's miss a coherence miss.
    @Test func theKeptCoherenceMarkAnswersWhenTheGhostTableHasForgotten() throws {
        let rig = try Self.missRig(associativity: 2)
        let system = rig.system
        let first = Self.offset(line: 2), second = Self.offset(line: 66)
        _ = system.load(hart: 1, offset: first, size: 8, pc: 0)
        _ = system.load(hart: 1, offset: second, size: 8, pc: 0)
        _ = system.store(hart: 0, offset: first, size: 8, pc: 0)
        _ = system.store(hart: 0, offset: second, size: 8, pc: 0)
        _ = system.load(hart: 1, offset: first, size: 8, pc: 0)
        _ = system.load(hart: 1, offset: second, size: 8, pc: 0)
        let l1d = system.statistics.cores[1].l1d
        #expect(l1d.coherenceMisses == 2 && l1d.compulsoryMisses == 2 && l1d.misses == 4)
    }

    // MARK: Latencies

    @Test func eachLevelCostsItsLatency() throws {
        let rig = try Self.rig()
        let system = rig.system
        #expect(system.load(hart: 0, offset: 0, size: 8, pc: 0) == 100, "memory")
        #expect(system.load(hart: 0, offset: 8, size: 8, pc: 0) == 2, "L1D hit")
        // Lines 4 and 8 share line 0's L1D set (2 ways): line 0 leaves the L1D, stays in the L2.
        _ = system.load(hart: 0, offset: Self.offset(line: 4), size: 8, pc: 0)
        _ = system.load(hart: 0, offset: Self.offset(line: 8), size: 8, pc: 0)
        #expect(system.load(hart: 0, offset: 0, size: 8, pc: 0) == 8, "L2 hit")
        // Lines 0, 4, 8, 12, 16 share one L2 set (4 ways): line 0 leaves the L2, stays in the LLC.
        _ = system.load(hart: 0, offset: Self.offset(line: 4), size: 8, pc: 0)
        _ = system.load(hart: 0, offset: Self.offset(line: 8), size: 8, pc: 0)
        _ = system.load(hart: 0, offset: Self.offset(line: 12), size: 8, pc: 0)
        _ = system.load(hart: 0, offset: Self.offset(line: 16), size: 8, pc: 0)
        #expect(system.load(hart: 0, offset: 0, size: 8, pc: 0) == 20, "LLC hit")
        #expect(system.statistics.llc.hits == 1)
        #expect(system.statistics.memoryReads == 5)
    }

    @Test func anotherCoresModifiedLineComesCacheToCacheAndCountsAsHITM() throws {
        let rig = try Self.rig()
        let system = rig.system
        let line = Self.offset(line: 40)
        #expect(system.store(hart: 0, offset: line, size: 8, pc: 0) == 100)
        #expect(system.l1dState(core: 0, offset: line) == .modified)
        #expect(system.load(hart: 1, offset: line, size: 8, pc: 0) == 40)
        #expect(system.l1dState(core: 0, offset: line) == .shared && system.l1dState(core: 1, offset: line) == .shared)
        let statistics = system.statistics
        #expect(statistics.cores[1].l1d.hitModified == 1 && statistics.cores[1].l1d.cacheToCacheReceived == 1)
        #expect(statistics.cores[0].l1d.cacheToCacheSupplied == 1 && statistics.cores[0].l1d.writeBacks == 1)
        #expect(statistics.transitions[Int(CoherenceState.modified.rawValue)][Int(CoherenceState.shared.rawValue)] == 1)
    }

    @Test func anUpgradeFromSharedCostsTheDirectoryRoundTripAndAnExclusiveLineUpgradesSilently() throws {
        let rig = try Self.rig()
        let system = rig.system
        let line = Self.offset(line: 40)
        _ = system.load(hart: 0, offset: line, size: 8, pc: 0)
        #expect(system.l1dState(core: 0, offset: line) == .exclusive)
        #expect(system.store(hart: 0, offset: line, size: 8, pc: 0) == 2, "E→M costs an L1D hit")
        _ = system.load(hart: 1, offset: line, size: 8, pc: 0)
        #expect(system.store(hart: 0, offset: line, size: 8, pc: 0) == 20, "S→M costs the LLC latency")
        #expect(system.l1dState(core: 0, offset: line) == .modified && system.l1dState(core: 1, offset: line) == .invalid)
        #expect(system.store(hart: 0, offset: line, size: 8, pc: 0) == 2)
        #expect(system.atomic(hart: 1, offset: line, size: 8, pc: 0) == 40, "an atomic takes the line in M from its owner")
        #expect(system.l1dState(core: 1, offset: line) == .modified && system.l1dState(core: 0, offset: line) == .invalid)
    }

    @Test func anAccessAcrossTwoLinesCostsTheLarger() throws {
        let rig = try Self.rig()
        let system = rig.system
        _ = system.load(hart: 0, offset: 0, size: 8, pc: 0)
        #expect(system.load(hart: 0, offset: 60, size: 8, pc: 0) == 100)
        #expect(system.load(hart: 0, offset: 60, size: 8, pc: 0) == 2)
        #expect(system.l1dState(core: 0, offset: 64) == .exclusive)
    }

    @Test func smtSiblingsShareAnL1() throws {
        let rig = try MemorySystemRig(hierarchy: tinyHierarchy(l2: true, replacement: .lru), harts: 4, threadsPerCore: 2)
        #expect(rig.system.coreCount == 2)
        #expect(rig.system.load(hart: 0, offset: 0, size: 8, pc: 0) == 100)
        #expect(rig.system.load(hart: 1, offset: 0, size: 8, pc: 0) == 2)
        #expect(rig.system.load(hart: 2, offset: 0, size: 8, pc: 0) == 40)
        #expect(rig.system.privateMisses(hart: 0) == 2 && rig.system.privateMisses(hart: 1) == 0)
    }

    // MARK: Coherence off

    @Test func withoutCoherenceAFlagStaysStaleUntilBothCoresFlush() throws {
        let rig = try Self.rig(coherent: false)
        let system = rig.system
        let flag = Self.offset(line: 20)
        #expect(system.loadValue(hart: 1, offset: flag, size: 8, pc: 0).value == 0)
        _ = system.storeValue(hart: 0, offset: flag, size: 8, value: 1, pc: 0)
        #expect(system.loadValue(hart: 1, offset: flag, size: 8, pc: 0).value == 0, "core 1 reads its stale copy")
        #expect(rig.ram.load(fromByteOffset: flag, as: UInt64.self) == 0, "the store sits in core 0's cache")
        system.flushPrivateCaches(hart: 0)
        #expect(rig.ram.load(fromByteOffset: flag, as: UInt64.self) == 1)
        #expect(system.loadValue(hart: 1, offset: flag, size: 8, pc: 0).value == 0, "still stale: core 1 kept its copy")
        system.flushPrivateCaches(hart: 1)
        #expect(system.loadValue(hart: 1, offset: flag, size: 8, pc: 0).value == 1)
    }

    @Test func withoutCoherenceAWriteBackDoesNotClobberBytesAnotherCoreWrote() throws {
        let rig = try Self.rig(coherent: false)
        let system = rig.system
        _ = system.storeValue(hart: 0, offset: 0, size: 1, value: 0xAA, pc: 0)
        _ = system.storeValue(hart: 1, offset: 1, size: 1, value: 0xBB, pc: 0)
        system.flushPrivateCaches(hart: 1)
        system.flushPrivateCaches(hart: 0)
        #expect(rig.byte(0) == 0xAA && rig.byte(1) == 0xBB)
        #expect(system.statistics.memoryWrites == 2)
    }

    @Test func withoutCoherenceAnAtomicActsOnRAM() throws {
        let rig = try Self.rig(coherent: false)
        let system = rig.system
        let word = Self.offset(line: 30)
        #expect(system.loadValue(hart: 1, offset: word, size: 8, pc: 0).value == 0)
        _ = system.storeValue(hart: 0, offset: word, size: 8, value: 5, pc: 0)
        _ = system.atomic(hart: 0, offset: word, size: 8, pc: 0)
        #expect(rig.ram.load(fromByteOffset: word, as: UInt64.self) == 5, "the core's copy was written back first")
        #expect(system.l1dState(core: 0, offset: word) == .invalid, "and dropped")
        rig.ram.storeBytes(of: UInt64(6), toByteOffset: word, as: UInt64.self)  // the AMO itself, on RAM
        #expect(system.loadValue(hart: 0, offset: word, size: 8, pc: 0).value == 6)
        #expect(system.loadValue(hart: 1, offset: word, size: 8, pc: 0).value == 0, "other cores' copies stay stale")
    }

    @Test func withoutCoherenceAHostWriteWinsOverTheBytesItCovers() throws {
        let rig = try Self.rig(coherent: false)
        let system = rig.system
        _ = system.storeValue(hart: 0, offset: 0, size: 1, value: 0x11, pc: 0)
        _ = system.storeValue(hart: 0, offset: 10, size: 1, value: 0x22, pc: 0)
        rig.ram.storeBytes(of: UInt32(0x4444_4444), toByteOffset: 0, as: UInt32.self)
        system.hostWrote(offset: 0, length: 4)
        #expect(rig.byte(0) == 0x44 && rig.byte(10) == 0x22)
        #expect(system.l1dState(core: 0, offset: 0) == .invalid)
        #expect(system.loadValue(hart: 0, offset: 0, size: 1, pc: 0).value == 0x44)
    }

    // MARK: Events and contention

    @Test func aStoreThatInvalidatesAnotherCoreYieldsAnEventNamingBoth() throws {
        let rig = try Self.rig()
        let system = rig.system
        var events: [CoherenceEvent] = []
        system.onCoherenceEvent = { events.append($0) }
        let line = Self.offset(line: 50)
        _ = system.load(hart: 1, offset: line, size: 8, pc: 0x40)
        _ = system.load(hart: 2, offset: line, size: 8, pc: 0x44)
        events.removeAll()
        _ = system.store(hart: 0, offset: line, size: 8, pc: 0x48)
        let store = try #require(events.first { $0.core == 0 })
        #expect(store.from == .invalid && store.to == .modified && store.kind == .store && store.level == "L1D")
        #expect(store.invalidatedCores == 0b110 && store.pc == 0x48)
        #expect(store.lineAddress == MachineConfiguration.ramBase + UInt64(line))
        #expect(events.filter { $0.to == .invalid }.map(\.core).sorted() == [1, 2])
    }

    @Test func falseSharingShowsUpAsAContendedLine() throws {
        let rig = try Self.rig()
        let system = rig.system
        system.recordsContention = true
        system.setContext(hart: 0, tag: 7)
        system.setContext(hart: 1, tag: 8)
        for _ in 0..<10 {
            _ = system.load(hart: 0, offset: 256, size: 8, pc: 0x100)
            _ = system.store(hart: 0, offset: 256, size: 8, pc: 0x104)
            _ = system.load(hart: 1, offset: 264, size: 8, pc: 0x200)
            _ = system.store(hart: 1, offset: 264, size: 8, pc: 0x204)
        }
        _ = system.load(hart: 0, offset: 1024, size: 8, pc: 0x300)
        let lines = system.contendedLines(limit: 5)
        let top = try #require(lines.first)
        #expect(lines.count == 1)
        #expect(top.lineAddress == MachineConfiguration.ramBase + 256)
        #expect(top.hitModifiedLoads >= 18 && top.invalidations >= 18)
        #expect(Set(top.accessors.map(\.offsetInLine)) == [0, 8])
        #expect(Set(top.accessors.map(\.context)) == [7, 8])
        #expect(top.accessors.contains { $0.pc == 0x200 && $0.hitModified == 10 && $0.loads == 10 })
    }

    @Test func contentionRecordsStayBounded() {
        var table = ContentionTable()
        for line in 0..<UInt64(ContentionTable.lineLimit + 500) {
            table.recordLine(lineAddress: line * 64, hitModified: line == 7 ? 100 : 1, invalidations: 0, cacheToCache: 1)
        }
        for pc in 0..<UInt64(40) {
            table.recordAccess(lineAddress: 7 * 64, hart: 0, context: 0, pc: pc, offsetInLine: 0, isStore: false, hitModified: true)
        }
        let lines = table.mostContended(limit: .max)
        #expect(lines.count <= ContentionTable.lineLimit)
        #expect(lines.first?.lineAddress == 7 * 64, "the most contended line survives the drop")
        #expect(lines.first?.accessors.count == ContentionTable.accessorLimit)
    }
}
