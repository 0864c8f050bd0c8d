// The lines cores fought over, for `--c2c` (in the spirit of `perf c2c`): per line, the
// loads that hit a line modified in another core (HITM), the invalidations and the
// cache-to-cache transfers, and the instructions that touched it. Recorded only while
// `MemorySystem.recordsContention` is set (the fast hit paths are skipped then), and
// bounded so a long run cannot grow it without limit: at most `lineLimit` lines (when
// full, the less contended half is dropped) and `accessorLimit` accessors per line (when
// full, the one with the fewest accesses gives way).

struct ContentionTable {
    static let lineLimit = 4096
    static let accessorLimit = 16

    private var index: [UInt64: Int] = [:]
    private var lines: [ContendedLine] = []

    /// A coherence event on a line: it is tracked from now on.
    mutating func recordLine(lineAddress: UInt64, hitModified: UInt64, invalidations: UInt64, cacheToCache: UInt64) {
        let slot = slotCreating(lineAddress)
        lines[slot].hitModifiedLoads &+= hitModified
        lines[slot].invalidations &+= invalidations
        lines[slot].cacheToCacheTransfers &+= cacheToCache
    }

    /// A load, store or atomic by one instruction; counted if the line is tracked.
    mutating func recordAccess(lineAddress: UInt64, hart: Int, context: UInt64, pc: UInt64, offsetInLine: Int,
                               isStore: Bool, hitModified: Bool) {
        guard let slot = index[lineAddress] else { return }
        let position: Int
        if let found = lines[slot].accessors.firstIndex(where: {
            $0.hart == hart && $0.context == context && $0.pc == pc && $0.offsetInLine == offsetInLine
        }) {
            position = found
        } else {
            let fresh = LineAccessor(hart: hart, context: context, pc: pc, offsetInLine: offsetInLine)
            let accessors = lines[slot].accessors
            if accessors.count < Self.accessorLimit {
                lines[slot].accessors.append(fresh)
                position = accessors.count
            } else {
                let least = accessors.indices.min { accessors[$0].loads &+ accessors[$0].stores < accessors[$1].loads &+ accessors[$1].stores } ?? 0
                lines[slot].accessors[least] = fresh
                position = least
            }
        }
        if isStore { lines[slot].accessors[position].stores &+= 1 } else { lines[slot].accessors[position].loads &+= 1 }
        if hitModified { lines[slot].accessors[position].hitModified &+= 1 }
    }

    /// Most contended first (HITM loads, then invalidations); ties by address, so reports are stable.
    func mostContended(limit: Int) -> [ContendedLine] {
        let sorted = lines.sorted {
            ($0.contention, $0.hitModifiedLoads, $1.lineAddress) > ($1.contention, $1.hitModifiedLoads, $0.lineAddress)
        }
        return Array(sorted.prefix(max(0, limit))).map { line in
            var line = line
            line.accessors.sort { ($0.hitModified, $0.loads &+ $0.stores, $1.pc) > ($1.hitModified, $1.loads &+ $1.stores, $0.pc) }
            return line
        }
    }

    private mutating func slotCreating(_ lineAddress: UInt64) -> Int {
        if let slot = index[lineAddress] { return slot }
        if lines.count >= Self.lineLimit {
            lines = Array(mostContended(limit: Self.lineLimit / 2))
            index = Dictionary(uniqueKeysWithValues: lines.enumerated().map { ($1.lineAddress, $0) })
        }
        lines.append(ContendedLine(lineAddress: lineAddress))
        index[lineAddress] = lines.count - 1
        return lines.count - 1
    }
}
