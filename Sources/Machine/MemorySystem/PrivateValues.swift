// Coherence off (`--coherence off`): the private caches hold VALUES, so a core can read
// a stale copy — what the lab shows coherence is for. Exactly what each access does:
//
// - Load: reads this core's private copy if it has one (L1D, else L2, which fills the
//   L1D), else fills from RAM (the LLC holds tags only; its values are RAM's). The copy
//   is stale if another core holds newer dirty bytes of the line.
// - Store: writes this core's private copy (write-allocate: filled from RAM first, or
//   from its L2) and marks the bytes dirty. It invalidates nobody.
// - Eviction: a line leaving the L1D merges its dirty bytes into the L2 copy (or RAM
//   without an L2); a line leaving the L2 (or the LLC, inclusion) writes only its dirty
//   bytes to RAM, so bytes another core wrote are not clobbered.
// - Atomic (AMO, LR, SC): this core first writes back and drops its own copy of the
//   line, then the operation is done on RAM (the shared level). Other cores' copies stay
//   stale. FENCE does nothing to caches.
// - Trap (the kernel calls `flushPrivateCaches`): the trapping core writes back its
//   dirty bytes and drops every line, as a kernel on non-coherent hardware must; its cost
//   to the host is proportional to the lines held (each cache keeps a list of them).
// - Host write (`hostWrote`: copy-out, loader, zero-fill): every private copy of those
//   lines writes back its OTHER dirty bytes and is dropped; the host's bytes win.
//   Host reads see RAM.
// Lines dropped by a flush or a host write count as coherence misses when next missed:
// they left to keep memory coherent by hand. Instruction fetches read RAM; the L1I keeps
// tags only (a fetch that misses the L2 brings the line's bytes into it, as a load would).
// There is no MESI here, so no coherence events: private copies are E (clean) or M (dirty).

extension MemorySystem {
    // MARK: Loads and stores with values

    func loadValue(hart: Int, offset: Int, size: Int, pc: UInt64) -> (value: UInt64, cycles: UInt64) {
        guard offset >= 0, size >= 1, size <= 8, offset <= ramSize &- size else { return (0, l1d.hitLatency) }
        guard values else {
            return (loadLittleEndian(ram + offset, size: size), accessLines(hart: hart, offset: offset, size: size, kind: .load, pc: pc))
        }
        let core = coreOfHart[hart]
        let mask = lineSize - 1
        let line = UInt64(offset) &>> lineShift
        if UInt64(offset + size - 1) &>> lineShift == line {
            let (way, cycles) = dataCopy(hart: hart, core: core, line: line)
            return (loadLittleEndian(l1dBytes(way) + (offset & mask), size: size), cycles)
        }
        // Across a line boundary: each line once, its bytes read before the next fill can evict it.
        var value: UInt64 = 0
        var cycles: UInt64 = 0
        var index = 0
        while index < size {
            let line = UInt64(offset + index) &>> lineShift
            let (way, latency) = dataCopy(hart: hart, core: core, line: line)
            cycles = max(cycles, latency)
            let bytes = l1dBytes(way)
            while index < size, UInt64(offset + index) &>> lineShift == line {
                value |= UInt64(bytes[(offset + index) & mask]) << UInt64(8 * index)
                index += 1
            }
        }
        return (value, cycles)
    }

    func storeValue(hart: Int, offset: Int, size: Int, value: UInt64, pc: UInt64) -> UInt64 {
        guard offset >= 0, size >= 1, size <= 8, offset <= ramSize &- size else { return l1d.hitLatency }
        guard values else {
            storeLittleEndian(value, ram + offset, size: size)
            return accessLines(hart: hart, offset: offset, size: size, kind: .store, pc: pc)
        }
        let core = coreOfHart[hart]
        let mask = lineSize - 1
        var cycles: UInt64 = 0
        var index = 0
        while index < size {
            let address = offset + index
            let line = UInt64(address) &>> lineShift
            let (way, latency) = dataCopy(hart: hart, core: core, line: line)
            cycles = max(cycles, latency)
            let bytes = l1dBytes(way)
            let dirty = l1d.dirty.unsafelyUnwrapped + l1d.bytes(of: way)
            while index < size, UInt64(offset + index) &>> lineShift == line {
                let at = (offset + index) & mask
                bytes[at] = UInt8(truncatingIfNeeded: value >> UInt64(8 * index))
                dirty[at] = 1
                index += 1
            }
            if l1d.state(way) != .modified { l1d.setState(cache: core, way: way, .modified) }
        }
        return cycles
    }

    /// A timing-only load or store in this mode (callers that need values use loadValue/storeValue).
    func touchValueLines(hart: Int, offset: Int, size: Int, store: Bool) -> UInt64 {
        guard offset >= 0, offset < ramSize else { return l1d.hitLatency }
        let core = coreOfHart[hart]
        let first = UInt64(offset) &>> lineShift
        let last = UInt64(min(ramSize - 1, offset &+ max(1, size) &- 1)) &>> lineShift
        var cycles = dataCopy(hart: hart, core: core, line: first).cycles
        if last != first { cycles = max(cycles, dataCopy(hart: hart, core: core, line: last).cycles) }
        return cycles
    }

    /// An atomic: this core's copies written back and dropped, then the operation at the shared level.
    func atomicWithoutCoherence(hart: Int, offset: Int, size: Int) -> UInt64 {
        guard offset >= 0, offset < ramSize else { return llc.hitLatency }
        let core = coreOfHart[hart]
        let first = UInt64(offset) &>> lineShift
        let last = UInt64(min(ramSize - 1, offset &+ max(1, size) &- 1)) &>> lineShift
        var cycles: UInt64 = 0
        for line in first...last {
            _ = dropValues(core: core, line: line, keepingHostBytes: nil)
            cycles = max(cycles, sharedLevel(core: core, line: line, joins: false))
        }
        return cycles
    }

    /// Timing of one line's access in this mode (fetches; loads and stores that bring no value).
    func valueModeTiming(hart: Int, core: Int, line: UInt64, kind: MemoryAccessKind) -> UInt64 {
        guard kind == .fetch else { return dataCopy(hart: hart, core: core, line: line).cycles }
        let way = l1i.find(cache: core, line: line)
        if way >= 0 {
            l1i.countHit(cache: core)
            l1i.touch(cache: core, way: way)
            return l1i.hitLatency
        }
        l1i.countMiss(cache: core, line: line)
        hartMisses[hart] &+= 1
        let cycles = secondLevelCopy(hart: hart, core: core, line: line).cycles
        _ = fillValues(l1i, core: core, line: line, from: nil)
        return cycles
    }

    // MARK: Private copies

    @inline(__always) func l1dBytes(_ way: Int) -> UnsafeMutablePointer<UInt8> { l1d.data.unsafelyUnwrapped + l1d.bytes(of: way) }

    /// This core's L1D copy of `line`, filled if it has none; its way and the cycles it cost.
    func dataCopy(hart: Int, core: Int, line: UInt64) -> (way: Int, cycles: UInt64) {
        let way = l1d.find(cache: core, line: line)
        if way >= 0 {
            l1d.countHit(cache: core)
            l1d.touch(cache: core, way: way)
            return (way, l1d.hitLatency)
        }
        l1d.countMiss(cache: core, line: line)
        hartMisses[hart] &+= 1
        let (source, cycles) = secondLevelCopy(hart: hart, core: core, line: line)
        return (fillValues(l1d, core: core, line: line, from: source), cycles)
    }

    /// Where an L1 fill takes its bytes from: this core's L2 copy (filled from RAM if
    /// missing), or RAM without an L2; and the cycles the level that served it costs.
    func secondLevelCopy(hart: Int, core: Int, line: UInt64) -> (source: UnsafePointer<UInt8>, cycles: UInt64) {
        guard let l2 else {
            let cycles = sharedLevel(core: core, line: line, joins: true)
            return (UnsafePointer(ram.assumingMemoryBound(to: UInt8.self) + Int(line &<< lineShift)), cycles)
        }
        var way = l2.find(cache: core, line: line)
        var cycles = l2.hitLatency
        if way >= 0 {
            l2.countHit(cache: core)
            l2.touch(cache: core, way: way)
        } else {
            l2.countMiss(cache: core, line: line)
            hartMisses[hart] &+= 1
            cycles = sharedLevel(core: core, line: line, joins: true)
            way = fillValues(l2, core: core, line: line, from: UnsafePointer(ram.assumingMemoryBound(to: UInt8.self) + Int(line &<< lineShift)))
        }
        return (UnsafePointer(l2.data.unsafelyUnwrapped + l2.bytes(of: way)), cycles)
    }

    /// The LLC's part of a private miss: its hit latency, or memory's on a miss (the line
    /// is brought in, evicting an inclusion victim). `joins`: the core keeps a copy.
    func sharedLevel(core: Int, line: UInt64, joins: Bool) -> UInt64 {
        var way = llc.find(cache: 0, line: line)
        var cycles = llc.hitLatency
        if way >= 0 {
            llc.countHit(cache: 0)
            llc.touch(cache: 0, way: way)
        } else {
            llc.countMiss(cache: 0, line: line)
            memoryReads &+= 1
            way = fillLastLevel(line: line, hart: core * threadsPerCore, kind: .load, pc: 0)
            cycles = memoryLatency
        }
        if joins, let sharers = llc.sharers { sharers[way] |= 1 << UInt64(core) }
        return cycles
    }

    /// Puts `line` in `core`'s `bank` with the bytes at `source` (clean), evicting first.
    func fillValues(_ bank: CacheArray, core: Int, line: UInt64, from source: UnsafePointer<UInt8>?) -> Int {
        let way = bank.victim(cache: core, line: line)
        if bank.isValid(way) { evictValues(bank, core: core, way: way) }
        bank.fill(cache: core, way: way, line: line, state: .exclusive)
        if let source, let data = bank.data, let dirty = bank.dirty {
            (data + bank.bytes(of: way)).update(from: source, count: lineSize)
            (dirty + bank.bytes(of: way)).update(repeating: 0, count: lineSize)
        }
        return way
    }

    /// A private cache evicts `way` (coherence off): its dirty bytes go one level out.
    func evictValues(_ bank: CacheArray, core: Int, way: Int, byCoherence: Bool = false) {
        let line = bank.tags[way]
        if bank === l1d {
            let second = l2?.find(cache: core, line: line) ?? -1
            if let l2, second >= 0 {
                if mergeDirty(from: l1d, way: way, into: l2, way: second) { l1d.statistics[core].writeBacks &+= 1 }
            } else if writeDirtyToRAM(l1d, way: way, line: line, keeping: nil) {
                l1d.statistics[core].writeBacks &+= 1
            }
            l1d.drop(cache: core, way: way, byCoherence: byCoherence)
            if l2 == nil, l1i.find(cache: core, line: line) < 0 { leaveDirectory(core: core, line: line) }
        } else if bank === l1i {
            l1i.drop(cache: core, way: way, byCoherence: byCoherence)
            if l2 == nil, l1d.find(cache: core, line: line) < 0 { leaveDirectory(core: core, line: line) }
        } else {
            let first = l1d.find(cache: core, line: line)
            if first >= 0, mergeDirty(from: l1d, way: first, into: bank, way: way) { l1d.statistics[core].writeBacks &+= 1 }
            if first >= 0 { l1d.drop(cache: core, way: first, byCoherence: byCoherence) }
            let fetchWay = l1i.find(cache: core, line: line)
            if fetchWay >= 0 { l1i.drop(cache: core, way: fetchWay, byCoherence: byCoherence) }
            if writeDirtyToRAM(bank, way: way, line: line, keeping: nil) { bank.statistics[core].writeBacks &+= 1 }
            bank.drop(cache: core, way: way, byCoherence: byCoherence)
            leaveDirectory(core: core, line: line)
        }
    }

    /// Every copy of `line` in `core` writes back its dirty bytes (but those in
    /// `keepingHostBytes`, offsets in the line the host just wrote) and is dropped. True if any byte was dirty.
    func dropValues(core: Int, line: UInt64, keepingHostBytes: Range<Int>?) -> Bool {
        var wrote = false
        let byCoherence = keepingHostBytes != nil
        let first = l1d.find(cache: core, line: line)
        let second = l2?.find(cache: core, line: line) ?? -1
        if first >= 0 {
            if let l2, second >= 0 {
                wrote = mergeDirty(from: l1d, way: first, into: l2, way: second)
            } else {
                wrote = writeDirtyToRAM(l1d, way: first, line: line, keeping: keepingHostBytes)
            }
            if wrote { l1d.statistics[core].writeBacks &+= 1 }
            l1d.drop(cache: core, way: first, byCoherence: byCoherence)
        }
        if let l2, second >= 0 {
            if writeDirtyToRAM(l2, way: second, line: line, keeping: keepingHostBytes) {
                l2.statistics[core].writeBacks &+= 1
                wrote = true
            }
            l2.drop(cache: core, way: second, byCoherence: byCoherence)
        }
        let fetchWay = l1i.find(cache: core, line: line)
        if fetchWay >= 0 { l1i.drop(cache: core, way: fetchWay, byCoherence: byCoherence) }
        leaveDirectory(core: core, line: line)
        return wrote
    }

    /// Copies an L1D way's dirty bytes into its L2 copy (marking them dirty there, the copy M);
    /// true if there were any. A clean copy (E) has none, and costs no byte loop.
    func mergeDirty(from inner: CacheArray, way: Int, into outer: CacheArray, way outerWay: Int) -> Bool {
        guard inner.state(way) == .modified, let innerData = inner.data, let innerDirty = inner.dirty, let outerData = outer.data, let outerDirty = outer.dirty else { return false }
        let from = inner.bytes(of: way)
        let to = outer.bytes(of: outerWay)
        var any = false
        for index in 0..<lineSize where innerDirty[from + index] != 0 {
            outerData[to + index] = innerData[from + index]
            outerDirty[to + index] = 1
            any = true
        }
        // Set directly: only the L1D memo's M flag is ever read, never the L2's.
        if any { outer.states[outerWay] = (outer.states[outerWay] & ~WayState.mesiMask) | CoherenceState.modified.rawValue }
        return any
    }

    /// Writes a way's dirty bytes to RAM, except `keeping` (offsets in the line); true if any were dirty.
    func writeDirtyToRAM(_ bank: CacheArray, way: Int, line: UInt64, keeping: Range<Int>?) -> Bool {
        guard bank.state(way) == .modified, let data = bank.data, let dirty = bank.dirty else { return false }
        let base = Int(line &<< lineShift)
        guard base >= 0, base <= ramSize - lineSize else { return false }
        let from = bank.bytes(of: way)
        let target = ram.assumingMemoryBound(to: UInt8.self) + base
        var any = false
        for index in 0..<lineSize where dirty[from + index] != 0 {
            any = true
            if let keeping, keeping.contains(index) { continue }
            target[index] = data[from + index]
        }
        if any {
            memoryWrites &+= 1
            onRAMWritten?(base, lineSize)
        }
        return any
    }

    // MARK: Traps and host writes

    /// Every trap into the kernel: the core's private caches write back their dirty bytes and drop every line.
    func flushPrivateCaches(hart: Int) {
        guard values, hart >= 0, hart < hartCount else { return }
        let core = coreOfHart[hart]
        for index in 0..<3 {
            guard let bank = privateBank(index), let list = bank.heldList else { continue }
            while bank.heldCount[core] > 0 {
                let way = Int(list[core * bank.linesPerCache + bank.heldCount[core] - 1])
                evictValues(bank, core: core, way: way, byCoherence: true)
            }
        }
    }

    /// The host wrote RAM bytes: every private copy of those lines writes back its other dirty bytes and is dropped.
    func hostWrote(offset: Int, length: Int) {
        guard values, length > 0, offset >= 0, offset < ramSize else { return }
        let end = offset + min(length, ramSize - offset)
        var held = 0
        for core in 0..<coreCount {
            for index in 0..<3 { held += privateBank(index)?.heldCount[core] ?? 0 }
        }
        guard held > 0 else { return }
        let first = UInt64(offset) &>> lineShift
        let last = UInt64(end - 1) &>> lineShift
        let hostBytes = { (line: UInt64) -> Range<Int> in
            let start = Int(line &<< self.lineShift)
            return (max(offset, start) - start)..<(min(end, start + self.lineSize) - start)
        }
        if last - first + 1 <= UInt64(held) {
            for line in first...last {
                let way = llc.find(cache: 0, line: line)
                guard way >= 0, var holders = llc.sharers?[way] else { continue }
                while holders != 0 {
                    let core = holders.trailingZeroBitCount
                    holders &= holders &- 1
                    _ = dropValues(core: core, line: line, keepingHostBytes: hostBytes(line))
                }
            }
            return
        }
        // Fewer lines held than written: walk what the caches hold instead.
        var touched: [(core: Int, line: UInt64)] = []
        for core in 0..<coreCount {
            for index in 0..<3 {
                guard let bank = privateBank(index), let list = bank.heldList else { continue }
                for position in 0..<bank.heldCount[core] {
                    let line = bank.tags[Int(list[core * bank.linesPerCache + position])]
                    if line >= first, line <= last { touched.append((core, line)) }
                }
            }
        }
        for (core, line) in touched { _ = dropValues(core: core, line: line, keepingHostBytes: hostBytes(line)) }
    }
}
