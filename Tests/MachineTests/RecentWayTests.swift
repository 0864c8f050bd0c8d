// The shortcuts the run loop takes on the memory system's hot paths, against the long way:
// a hit on a set's recent way served without a lookup or a replacement update must leave
// every later choice exactly as the full lookup and touch would; the directory's packed
// entry must keep its sharer mask and its flags apart.

import Testing
@testable import Machine

@Suite struct RecentWayTests {
    static func bank(_ replacement: CacheReplacement) throws -> CacheArray {
        // Two sets of four ways: lines crowd each set, so victims are chosen all the time.
        try CacheArray(label: "T", geometry: CacheGeometry(size: 512, associativity: 4, replacement: replacement, hitLatency: 1),
                       caches: 1, ramLines: 1024, directory: false, values: false)
    }

    /// One access the long way: a hit touches, a miss evicts the victim and fills. The evicted line, if any.
    static func longWay(_ bank: CacheArray, _ line: UInt64, modified: Bool) -> UInt64? {
        let way = bank.find(cache: 0, line: line)
        if way >= 0 {
            bank.touch(cache: 0, way: way)
            if modified { bank.setState(cache: 0, way: way, .modified) }
            return nil
        }
        let victim = bank.victim(cache: 0, line: line)
        let evicted = bank.isValid(victim) ? bank.tags[victim] : nil
        if evicted != nil { bank.drop(cache: 0, way: victim, byCoherence: false) }
        bank.fill(cache: 0, way: victim, line: line, state: modified ? .modified : .exclusive)
        return evicted
    }

    /// The same access, first through the recent way (as the run loop's probe does); nil
    /// and no change when it serves it.
    static func shortcut(_ bank: CacheArray, _ line: UInt64, modified: Bool) -> UInt64? {
        if bank.holdsInRecentWay(cache: 0, line: line, needsModified: modified) {
            #expect(bank.recentWayProbe(cache: 0).holds(line: line, modified: modified), "the loop's probe and the bank agree")
            return nil
        }
        return longWay(bank, line, modified: modified)
    }

    @Test(arguments: [CacheReplacement.lru, .treePLRU])
    func recentWayHitsChooseTheSameVictimsAsTheLongWay(_ replacement: CacheReplacement) throws {
        let long = try Self.bank(replacement), short = try Self.bank(replacement)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var shortcuts = 0
        for step in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Six lines per set, the last used line often again, a few stores.
            let line = (state >> 33) % 4 == 0 ? UInt64(step % 2) : (state >> 40) % 12
            let modified = (state >> 50) % 5 == 0
            if short.holdsInRecentWay(cache: 0, line: line, needsModified: modified) { shortcuts += 1 }
            let evictedLong = Self.longWay(long, line, modified: modified)
            let evictedShort = Self.shortcut(short, line, modified: modified)
            #expect(evictedLong == evictedShort, "step \(step): line \(line)")
            if (state >> 20) % 97 == 0 {
                // Another core's write takes a line from both (its way keeps the tag, marked).
                let dropped = (state >> 24) % 12
                for bank in [long, short] {
                    let way = bank.find(cache: 0, line: dropped)
                    if way >= 0 { bank.drop(cache: 0, way: way, byCoherence: true) }
                }
            }
        }
        for line: UInt64 in 0..<12 { #expect(long.find(cache: 0, line: line) == short.find(cache: 0, line: line)) }
        #expect(shortcuts > 2_000, "the shortcut was taken (\(shortcuts) times)")
    }

    @Test func aDroppedOrRefilledRecentWayNoLongerAnswers() throws {
        let bank = try Self.bank(.treePLRU)
        _ = Self.longWay(bank, 4, modified: false)
        #expect(bank.holdsInRecentWay(cache: 0, line: 4, needsModified: false))
        #expect(!bank.holdsInRecentWay(cache: 0, line: 4, needsModified: true), "E is not M")
        let way = bank.find(cache: 0, line: 4)
        bank.drop(cache: 0, way: way, byCoherence: true)
        #expect(!bank.holdsInRecentWay(cache: 0, line: 4, needsModified: false), "a dropped way keeps its tag but is invalid")
        _ = Self.longWay(bank, 6, modified: true)
        #expect(bank.holdsInRecentWay(cache: 0, line: 6, needsModified: true))
        #expect(!bank.holdsInRecentWay(cache: 0, line: 4, needsModified: false))
    }

    @Test(arguments: [4, 12])
    func directoryEntriesKeepMasksAndFlagsApart(cores: Int) throws {
        let llc = try CacheArray(label: "LLC", geometry: CacheGeometry(size: 1024, associativity: 4, hitLatency: 10),
                                 caches: 1, ramLines: 1024, directory: true, directoryCores: cores, values: false)
        let sharers = try #require(llc.sharers)
        #expect((sharers.narrow != nil) == (cores <= 8))
        llc.fill(cache: 0, way: 5, line: 9, state: .shared)
        sharers[5] = 0b101
        sharers.set(WayState.owned, way: 5)
        sharers.set(WayState.dirty, way: 5)
        sharers[5] = 0b100
        #expect(sharers[5] == 0b100)
        #expect(sharers.has(WayState.owned, way: 5) && sharers.has(WayState.dirty, way: 5))
        #expect(!sharers.has(WayState.owned, way: 4) && sharers[4] == 0, "a neighbour is untouched")
        sharers.clear(WayState.owned, way: 5)
        #expect(!sharers.has(WayState.owned, way: 5) && sharers.has(WayState.dirty, way: 5) && sharers[5] == 0b100)
        llc.drop(cache: 0, way: 5, byCoherence: false)
        #expect(sharers[5] == 0 && !sharers.has(WayState.dirty, way: 5), "a dropped way's entry is all zero")
    }
}
