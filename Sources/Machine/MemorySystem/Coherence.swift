// MESI between the private caches, kept by a directory in the inclusive LLC (coherence
// on). A core's state for a line is one MESI state, mirrored in every private cache that
// holds a copy: the L1D and L2 copies carry it as is, an L1I copy carries at most E (a
// fetch never writes). Without an L2 the core's state is the larger of its L1 copies'.
// The LLC way holds the sharer mask (a bit per core with any private copy) and an
// "owned" flag (the one sharer holds E or M), so a request consults only the cores that
// hold the line. Transitions:
//
//   load/fetch miss, no other sharer        → E (memory latency on an LLC miss, else LLC)
//   load/fetch miss, another core owns E/M  → S; the owner supplies it (cache-to-cache),
//                                              goes to S, an M owner writes back (HITM)
//   load/fetch miss, other sharers in S      → S, from the LLC
//   store/atomic, line in E here             → M silently
//   store/atomic, line in S here             → M; the directory invalidates the others
//   store/atomic miss                         → M; others invalidated (an E/M owner supplies it)
//
// Evictions: an L1 eviction without an L2 leaves the directory once the core holds no
// copy; an L2 eviction drops the core's L1 copies; an LLC eviction drops every private
// copy (inclusion victims). M copies write back; write-backs cost no cycles.

extension MemorySystem {
    /// One line's access with coherence on; its cycles.
    /// `firstWay`: the line's way in the first level if the caller just looked, else `CacheArray.lookUp`.
    func coherentAccess(hart: Int, core: Int, line: UInt64, kind: MemoryAccessKind, pc: UInt64, offsetInLine: Int,
                        firstWay: Int = CacheArray.lookUp) -> UInt64 {
        // Each bank passed as an argument, not bound to a local: no reference counting on the miss path.
        kind == .fetch
            ? coherentAccess(first: l1i, second: secondLevel, hart: hart, core: core, line: line, kind: kind, pc: pc, offsetInLine: offsetInLine, firstWay: firstWay)
            : coherentAccess(first: l1d, second: secondLevel, hart: hart, core: core, line: line, kind: kind, pc: pc, offsetInLine: offsetInLine, firstWay: firstWay)
    }

    /// One line's access whose first level is `first` (L1I for a fetch, else L1D); `second`
    /// is `secondLevel` (the L2 if `hasSecondLevel`).
    private func coherentAccess(first: CacheArray, second: CacheArray, hart: Int, core: Int, line: UInt64, kind: MemoryAccessKind,
                                pc: UInt64, offsetInLine: Int, firstWay: Int) -> UInt64 {
        let wantsModified = kind == .store || kind == .atomic
        accessHitModified = false
        var cycles: UInt64
        let way = firstWay == CacheArray.lookUp ? first.find(cache: core, line: line) : firstWay
        if way >= 0 {
            first.countHit(cache: core)
            first.touch(cache: core, way: way)
            cycles = first.hitLatency
            if wantsModified {
                let state = first.state(way)
                if state == .exclusive {
                    changeState(hart: hart, core: core, line: line, from: .exclusive, to: .modified, kind: kind, pc: pc, level: first)
                } else if state == .shared {
                    cycles = max(cycles, request(hart: hart, core: core, line: line, before: .shared, wantsModified: true, kind: kind, pc: pc, requester: first).cycles)
                }
            }
        } else {
            first.countMiss(cache: core, line: line)
            hartMisses[hart] &+= 1
            var granted: CoherenceState
            var lastLevelWay = -1
            let secondWay = hasSecondLevel ? second.find(cache: core, line: line) : -1
            if secondWay >= 0 {
                second.countHit(cache: core)
                second.touch(cache: core, way: secondWay)
                cycles = second.hitLatency
                granted = second.state(secondWay)
                lastLevelWay = Int(second.lastLevelWays[secondWay])
                if wantsModified, granted == .shared {
                    cycles = max(cycles, request(hart: hart, core: core, line: line, before: .shared, wantsModified: true, kind: kind, pc: pc, requester: first).cycles)
                    granted = .modified
                } else if wantsModified, granted == .exclusive {
                    changeState(hart: hart, core: core, line: line, from: .exclusive, to: .modified, kind: kind, pc: pc, level: second)
                    granted = .modified
                }
            } else {
                if hasSecondLevel {
                    second.countMiss(cache: core, line: line)
                    hartMisses[hart] &+= 1
                }
                // The core's state: none with an L2 (it missed there too), else its other L1's.
                let before = hasSecondLevel ? .invalid : kind == .fetch ? l1d.state(cache: core, line: line) : l1i.state(cache: core, line: line)
                (cycles, granted, lastLevelWay) = request(hart: hart, core: core, line: line, before: before, wantsModified: wantsModified,
                                                          kind: kind, pc: pc, requester: first)
                if hasSecondLevel { fillPrivate(second, second: second, core: core, line: line, state: granted, lastLevelWay: lastLevelWay, hart: hart, kind: kind, pc: pc) }
            }
            fillPrivate(first, second: second, core: core, line: line, state: kind == .fetch ? min(granted, .exclusive) : granted, lastLevelWay: lastLevelWay,
                        hart: hart, kind: kind, pc: pc)
        }
        if recordsContention, kind != .fetch {
            contention.recordAccess(lineAddress: lineAddress(line), hart: hart, context: hartContext[hart], pc: pc,
                                    offsetInLine: offsetInLine, isStore: wantsModified, hitModified: accessHitModified)
        }
        return cycles
    }

    /// A request to the directory for `line` (a private miss, or an upgrade S→M): the
    /// cycles it costs and the state `core` ends in. Other cores' copies are downgraded or
    /// invalidated; `core`'s existing copies (in state `before`) take the granted state.
    func request(hart: Int, core: Int, line: UInt64, before: CoherenceState, wantsModified: Bool, kind: MemoryAccessKind, pc: UInt64,
                 requester: CacheArray) -> (cycles: UInt64, state: CoherenceState, lastLevelWay: Int) {
        let bit: UInt64 = 1 << UInt64(core)
        let sharers = llc.sharers.unsafelyUnwrapped
        var way = llc.find(cache: 0, line: line)
        var cycles: UInt64
        var granted: CoherenceState
        var invalidated: UInt64 = 0
        var supplier: Int? = nil
        if way < 0 {
            llc.countMiss(cache: 0, line: line)
            memoryReads &+= 1
            way = fillLastLevel(line: line, hart: hart, kind: kind, pc: pc)
            sharers[way] = bit
            sharers.set(WayState.owned, way: way)
            granted = wantsModified ? .modified : .exclusive
            cycles = memoryLatency
        } else {
            llc.countHit(cache: 0)
            llc.touch(cache: 0, way: way)
            let others = sharers[way] & ~bit
            if others == 0 {
                granted = wantsModified ? .modified : max(before, .exclusive)
                sharers.set(WayState.owned, way: way)
                cycles = llc.hitLatency
            } else if sharers.has(WayState.owned, way: way) {
                let owner = others.trailingZeroBitCount
                let ownerState = privateState(core: owner, line: line)
                supplier = owner
                if wantsModified {
                    invalidate(core: owner, line: line, hart: hart, kind: kind, pc: pc)
                    invalidated = others
                    sharers[way] = 0
                } else {
                    if ownerState == .modified {
                        accessHitModified = true
                        countWriteBack(core: owner, line: line)
                        sharers.set(WayState.dirty, way: way)
                    }
                    changeState(hart: hart, core: owner, line: line, from: ownerState, to: .shared, kind: kind, pc: pc, level: nil)
                    sharers.clear(WayState.owned, way: way)
                }
                requester.statistics[core].cacheToCacheReceived &+= 1
                supplierLevel(core: owner, line: line).statistics[owner].cacheToCacheSupplied &+= 1
                if accessHitModified { requester.statistics[core].hitModified &+= 1 }
                granted = wantsModified ? .modified : .shared
                cycles = cacheToCacheLatency
            } else {
                if wantsModified {
                    var remaining = others
                    while remaining != 0 {
                        let other = remaining.trailingZeroBitCount
                        remaining &= remaining &- 1
                        invalidate(core: other, line: line, hart: hart, kind: kind, pc: pc)
                    }
                    invalidated = others
                    sharers[way] = 0
                    sharers.set(WayState.owned, way: way)
                    granted = .modified
                } else {
                    granted = .shared
                }
                cycles = llc.hitLatency
            }
            sharers[way] |= bit
        }
        if invalidated != 0 {
            requester.statistics[core].invalidationsSent &+= UInt64(invalidated.nonzeroBitCount)
        }
        if recordsContention, invalidated != 0 || supplier != nil {
            contention.recordLine(lineAddress: lineAddress(line), hitModified: accessHitModified ? 1 : 0,
                                  invalidations: UInt64(invalidated.nonzeroBitCount), cacheToCache: supplier == nil ? 0 : 1)
        }
        if before != granted {
            if before != .invalid { setCoreState(core: core, line: line, granted) }
            countTransition(from: before, to: granted)
            if let onCoherenceEvent {
                onCoherenceEvent(CoherenceEvent(hart: hart, core: core, level: requester.label, kind: kind, from: before, to: granted,
                                                lineAddress: lineAddress(line), invalidatedCores: invalidated, suppliedBy: supplier, pc: pc))
            }
        }
        return (cycles, granted, way)
    }

    // MARK: A core's state

    /// The MESI state of `line` in `core` (its private caches together).
    func privateState(core: Int, line: UInt64) -> CoherenceState {
        if let l2 { return l2.state(cache: core, line: line) }
        return max(l1d.state(cache: core, line: line), l1i.state(cache: core, line: line))
    }

    /// Every private copy of `line` in `core` takes `state` (an L1I copy at most E).
    func setCoreState(core: Int, line: UInt64, _ state: CoherenceState) {
        let dataWay = l1d.find(cache: core, line: line)
        if dataWay >= 0 { l1d.setState(cache: core, way: dataWay, state) }
        if let l2 {
            let way = l2.find(cache: core, line: line)
            if way >= 0 { l2.setState(cache: core, way: way, state) }
        }
        let fetchWay = l1i.find(cache: core, line: line)
        if fetchWay >= 0 { l1i.setState(cache: core, way: fetchWay, min(state, .exclusive)) }
    }

    /// A state change of a core that holds the line (E→M silently, or an owner downgraded to S).
    /// `level`: the cache the event names (nil: the core's data side).
    func changeState(hart: Int, core: Int, line: UInt64, from: CoherenceState, to: CoherenceState, kind: MemoryAccessKind,
                     pc: UInt64, level: CacheArray?) {
        setCoreState(core: core, line: line, to)
        guard from != to else { return }
        countTransition(from: from, to: to)
        if let onCoherenceEvent {
            onCoherenceEvent(CoherenceEvent(hart: hart, core: core, level: (level ?? supplierLevel(core: core, line: line)).label, kind: kind,
                                            from: from, to: to, lineAddress: lineAddress(line), invalidatedCores: 0, suppliedBy: nil, pc: pc))
        }
    }

    /// Another core's write takes `line` from `core`: every copy dropped, the tags kept marked.
    func invalidate(core: Int, line: UInt64, hart: Int, kind: MemoryAccessKind, pc: UInt64) {
        let from = privateState(core: core, line: line)
        let level = supplierLevel(core: core, line: line)
        for index in 0..<3 {
            guard let bank = privateBank(index) else { continue }
            let way = bank.find(cache: core, line: line)
            guard way >= 0 else { continue }
            bank.drop(cache: core, way: way, byCoherence: true)
            bank.statistics[core].invalidationsReceived &+= 1
        }
        countTransition(from: from, to: .invalid)
        if let onCoherenceEvent {
            onCoherenceEvent(CoherenceEvent(hart: hart, core: core, level: level.label, kind: kind, from: from, to: .invalid,
                                            lineAddress: lineAddress(line), invalidatedCores: 0, suppliedBy: nil, pc: pc))
        }
    }

    /// The private banks by index, innermost first (L1D, L1I, L2); nil past the last.
    @inline(__always) func privateBank(_ index: Int) -> CacheArray? {
        switch index {
        case 0: l1d
        case 1: l1i
        case 2: l2
        default: nil
        }
    }

    /// The cache that answers for `core`'s copy of `line`: its L1D if it holds it, else its L2, else its L1I.
    func supplierLevel(core: Int, line: UInt64) -> CacheArray {
        if l1d.find(cache: core, line: line) >= 0 { return l1d }
        if let l2, l2.find(cache: core, line: line) >= 0 { return l2 }
        return l1i
    }

    /// An M copy of `line` in `core` is written back (to the LLC): counted where it is M.
    func countWriteBack(core: Int, line: UInt64) {
        let way = l1d.find(cache: core, line: line)
        if way >= 0, l1d.state(way) == .modified {
            l1d.statistics[core].writeBacks &+= 1
        } else if let l2 {
            let second = l2.find(cache: core, line: line)
            if second >= 0, l2.state(second) == .modified { l2.statistics[core].writeBacks &+= 1 }
        }
    }

    @inline(__always) func countTransition(from: CoherenceState, to: CoherenceState) {
        guard from != to else { return }
        transitionCounts[Int(from.rawValue) * 4 + Int(to.rawValue)] &+= 1
    }

    // MARK: Fills and evictions

    /// Puts `line` in `core`'s `bank`, evicting the set's victim first. `second`:
    /// `secondLevel` (passed, like the banks: an optional bound to a local is retained).
    @inline(__always) func fillPrivate(_ bank: CacheArray, second: CacheArray, core: Int, line: UInt64, state: CoherenceState, lastLevelWay: Int, hart: Int,
                     kind: MemoryAccessKind, pc: UInt64) {
        let way = bank.victim(cache: core, line: line)
        if bank.isValidInMask(way) { evictPrivate(bank, second: second, core: core, way: way, hart: hart, kind: kind, pc: pc) }
        bank.fill(cache: core, way: way, line: line, state: state, lastLevelWay: lastLevelWay)
    }

    /// A private cache evicts `way` to make room (coherence on).
    @inline(__always) func evictPrivate(_ bank: CacheArray, second: CacheArray, core: Int, way: Int, hart: Int, kind: MemoryAccessKind, pc: UInt64) {
        if values {
            evictValues(bank, core: core, way: way)
            return
        }
        let line = bank.tags[way]
        let state = bank.state(way)
        let from: CoherenceState
        let to: CoherenceState
        if hasSecondLevel, bank === second {
            // Inclusion: the core's L1 copies go with it.
            dropInnerCopy(l1d, core: core, line: line)
            dropInnerCopy(l1i, core: core, line: line)
            bank.drop(cache: core, way: way, byCoherence: false)
            if state == .modified { bank.statistics[core].writeBacks &+= 1 }
            from = state
            to = .invalid
        } else {
            let otherState = hasSecondLevel ? .invalid : bank === l1d ? l1i.state(cache: core, line: line) : l1d.state(cache: core, line: line)
            bank.drop(cache: core, way: way, byCoherence: false)
            if state == .modified { bank.statistics[core].writeBacks &+= 1 }
            // With an L2 the core keeps the line there (in the same state).
            guard !hasSecondLevel else { return }
            from = max(state, otherState)
            to = otherState
        }
        if state == .modified || to == .invalid {
            // The remembered LLC way: by inclusion it holds the line while any private copy
            // lives (the random tester checks every remembered way), so it is used without
            // reading the LLC's tag, a host cache miss on most evictions; unknown: a lookup.
            var lastWay = Int(bank.lastLevelWays[way])
            if lastWay < 0 || lastWay >= llc.linesPerCache {
                lastWay = llc.find(cache: 0, line: line)
            }
            assert(lastWay < 0 || (llc.tags[lastWay] == line && llc.isValid(lastWay)), "a private copy remembers a stale LLC way")
            if lastWay >= 0, let sharers = llc.sharers {
                if state == .modified { sharers.set(WayState.dirty, way: lastWay) }
                if to == .invalid { leaveDirectory(core: core, lastLevelWay: lastWay) }
            }
        }
        guard from != to else { return }
        countTransition(from: from, to: to)
        if let onCoherenceEvent {
            onCoherenceEvent(CoherenceEvent(hart: hart, core: core, level: bank.label, kind: kind, from: from, to: to,
                                            lineAddress: lineAddress(line), invalidatedCores: 0, suppliedBy: nil, pc: pc))
        }
    }

    /// An L2 eviction takes the core's copy of `line` from the L1 `inner`, if it has one.
    @inline(__always) func dropInnerCopy(_ inner: CacheArray, core: Int, line: UInt64) {
        guard inner.mayHold(cache: core, line: line) else { return }
        let innerWay = inner.find(cache: core, line: line)
        guard innerWay >= 0 else { return }
        if inner.state(innerWay) == .modified { inner.statistics[core].writeBacks &+= 1 }
        inner.drop(cache: core, way: innerWay, byCoherence: false)
    }

    /// `core` holds no copy of `line` any more.
    func leaveDirectory(core: Int, line: UInt64) {
        let way = llc.find(cache: 0, line: line)
        if way >= 0 { leaveDirectory(core: core, lastLevelWay: way) }
    }

    /// `core` holds no copy of the line in LLC way `way` any more.
    @inline(__always) func leaveDirectory(core: Int, lastLevelWay way: Int) {
        guard let sharers = llc.sharers else { return }
        let remaining = sharers[way] & ~(1 << UInt64(core))
        sharers[way] = remaining
        if remaining == 0 { sharers.clear(WayState.owned, way: way) }
    }

    /// Brings `line` into the LLC, evicting its victim and every private copy of the victim
    /// (inclusion victims); a dirty victim is written to memory. Returns the way.
    func fillLastLevel(line: UInt64, hart: Int, kind: MemoryAccessKind, pc: UInt64) -> Int {
        let way = llc.victim(cache: 0, line: line)
        if llc.isValidInMask(way) {
            let victim = llc.tags[way]
            var holders = llc.sharers.unsafelyUnwrapped[way]
            var dirty = llc.sharers.unsafelyUnwrapped.has(WayState.dirty, way: way)
            while holders != 0 {
                let core = holders.trailingZeroBitCount
                holders &= holders &- 1
                if dropInclusionVictim(core: core, line: victim, hart: hart, kind: kind, pc: pc) { dirty = true }
            }
            if dirty {
                llc.statistics[0].writeBacks &+= 1
                memoryWrites &+= 1
            }
            llc.drop(cache: 0, way: way, byCoherence: false)
        }
        llc.fill(cache: 0, way: way, line: line, state: .shared)
        return way
    }

    /// The LLC evicts `line`: `core` drops every copy. True if one was modified (written back).
    func dropInclusionVictim(core: Int, line: UInt64, hart: Int, kind: MemoryAccessKind, pc: UInt64) -> Bool {
        if values { return dropValues(core: core, line: line, keepingHostBytes: nil) }
        let from = privateState(core: core, line: line)
        for index in 0..<3 {
            guard let bank = privateBank(index) else { continue }
            let way = bank.find(cache: core, line: line)
            guard way >= 0 else { continue }
            if bank.state(way) == .modified { bank.statistics[core].writeBacks &+= 1 }
            bank.drop(cache: core, way: way, byCoherence: false)
        }
        countTransition(from: from, to: .invalid)
        if from != .invalid, let onCoherenceEvent {
            onCoherenceEvent(CoherenceEvent(hart: hart, core: core, level: "LLC", kind: kind, from: from, to: .invalid,
                                            lineAddress: lineAddress(line), invalidatedCores: 0, suppliedBy: nil, pc: pc))
        }
        return from == .modified
    }
}

/// I < S < E < M: a core's state over several copies is the largest, and an L1I copy holds at most E.
extension CoherenceState: Comparable {
    public static func < (lhs: CoherenceState, rhs: CoherenceState) -> Bool { lhs.rawValue < rhs.rawValue }
}
