// A process's regions, sorted by address, in chunks of at most 64: finding the region at
// an address is a binary search over the chunks and then within one, inserting or
// removing moves at most one chunk's regions (and the chunk list's pointers), and the
// search for a free range top-down skips a whole chunk, or a block of 64 chunks, at once
// when none of its gaps is big enough — so a page fault, an mmap and a munmap cost about the same with 10
// regions or 60,000 (issue 12 §3). Regions never overlap.

struct RegionMap {
    static let chunkCapacity = 64

    /// Non-empty, each sorted by start; every region of a chunk lies below the next chunk's.
    private var chunks: [[MemoryRegion]] = []
    /// Per chunk: the largest gap between two of its neighbouring regions.
    private var innerGaps: [UInt64] = []
    /// Per block of `blockSize` chunks: the largest gap inside it (in a chunk or between
    /// two of its chunks), so the top-down search skips 64 chunks at once.
    private var blockGaps: [UInt64] = []
    static let blockSize = 64
    private(set) var count = 0

    /// Every region, lowest first (reports and tests; O(n)).
    var all: [MemoryRegion] { chunks.flatMap { $0 } }

    /// The last chunk whose first region starts at or below `address`, or nil.
    private func chunk(atOrBelow address: UInt64) -> Int? {
        var low = 0, high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            if chunks[middle][0].start <= address { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    /// In chunk `index`, the position of the last region starting at or below `address`.
    private func position(in index: Int, atOrBelow address: UInt64) -> Int? {
        let regions = chunks[index]
        var low = 0, high = regions.count
        while low < high {
            let middle = (low + high) / 2
            if regions[middle].start <= address { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    func region(containing address: UInt64) -> MemoryRegion? {
        guard let index = chunk(atOrBelow: address), let at = position(in: index, atOrBelow: address) else { return nil }
        let region = chunks[index][at]
        return region.contains(address) ? region : nil
    }

    /// True if no region overlaps `[start, end)`.
    func isFree(_ start: UInt64, _ end: UInt64) -> Bool {
        guard start < end else { return true }
        // The last region starting below `end` is the only one that can reach past `start`.
        guard let index = chunk(atOrBelow: end - 1), let at = position(in: index, atOrBelow: end - 1) else { return true }
        return chunks[index][at].end <= start
    }

    func region(startingAt start: UInt64) -> MemoryRegion? {
        guard let index = chunk(atOrBelow: start), let at = position(in: index, atOrBelow: start),
              chunks[index][at].start == start else { return nil }
        return chunks[index][at]
    }

    /// Adds a region over free space.
    mutating func insert(_ region: MemoryRegion) {
        count += 1
        guard !chunks.isEmpty else {
            chunks = [[region]]
            innerGaps = [0]
            blockGaps = [0]
            return
        }
        let index = chunk(atOrBelow: region.start) ?? 0
        let at = position(in: index, atOrBelow: region.start).map { $0 + 1 } ?? 0
        chunks[index].insert(region, at: at)
        settle(index)
    }

    /// Sets the end of the region starting at `start` (the heap's break).
    mutating func setEnd(ofRegionAt start: UInt64, to end: UInt64) {
        guard let index = chunk(atOrBelow: start), let at = position(in: index, atOrBelow: start),
              chunks[index][at].start == start else { return }
        chunks[index][at].end = end
        innerGaps[index] = Self.largestGap(chunks[index])
        refreshBlocks(around: index)
    }

    /// How many regions there would be if every region overlapping `[start, end)` were
    /// replaced by `pieces(region)` regions.
    func countAfterReplacing(_ start: UInt64, _ end: UInt64, pieces: (MemoryRegion) -> Int) -> Int {
        var total = count
        forEachOverlapping(start, end) { total += pieces($0) - 1 }
        return total
    }

    /// Calls `body` with each region overlapping `[start, end)`, lowest first.
    func forEachOverlapping(_ start: UInt64, _ end: UInt64, _ body: (MemoryRegion) -> Void) {
        guard start < end else { return }
        var index = chunk(atOrBelow: start) ?? 0
        while index < chunks.count, chunks[index][0].start < end {
            for region in chunks[index] where region.start < end && region.end > start { body(region) }
            index += 1
        }
    }

    /// Replaces every region overlapping `[start, end)` with what `transform` makes of it
    /// (pieces inside the region's own range, lowest first).
    mutating func replaceOverlapping(_ start: UInt64, _ end: UInt64, with transform: (MemoryRegion) -> [MemoryRegion]) {
        guard start < end, !chunks.isEmpty else { return }
        var index = chunk(atOrBelow: start) ?? 0
        var touched: [Int] = []
        while index < chunks.count, chunks[index][0].start < end {
            if chunks[index].contains(where: { $0.start < end && $0.end > start }) {
                var result: [MemoryRegion] = []
                result.reserveCapacity(chunks[index].count + 1)
                for region in chunks[index] {
                    if region.start < end && region.end > start {
                        let pieces = transform(region)
                        count += pieces.count - 1
                        result += pieces
                    } else {
                        result.append(region)
                    }
                }
                chunks[index] = result
                touched.append(index)
            }
            index += 1
        }
        let chunkCount = chunks.count
        for index in touched.reversed() { settle(index, refresh: false) }
        if chunks.count != chunkCount {
            refreshAllBlocks()
        } else {
            for index in touched { refreshBlocks(around: index) }
        }
    }

    /// After chunk `index` changed: drops it if empty, splits it if too big, merges it
    /// into a neighbour if small, and recomputes the gaps (the blocks' too, unless the
    /// caller does that once for several chunks).
    private mutating func settle(_ index: Int, refresh: Bool = true) {
        let chunkCount = chunks.count
        defer {
            if refresh { if chunks.count != chunkCount { refreshAllBlocks() } else { refreshBlocks(around: index) } }
        }
        if chunks[index].isEmpty {
            chunks.remove(at: index)
            innerGaps.remove(at: index)
            return
        }
        if chunks[index].count > Self.chunkCapacity {
            let upper = Array(chunks[index][(chunks[index].count / 2)...])
            chunks[index].removeLast(upper.count)
            chunks.insert(upper, at: index + 1)
            innerGaps.insert(Self.largestGap(upper), at: index + 1)
        } else if chunks[index].count < Self.chunkCapacity / 4, index + 1 < chunks.count,
                  chunks[index].count + chunks[index + 1].count <= Self.chunkCapacity / 2 {
            chunks[index] += chunks[index + 1]
            chunks.remove(at: index + 1)
            innerGaps.remove(at: index + 1)
        }
        innerGaps[index] = Self.largestGap(chunks[index])
    }

    /// The gap between chunk `index` and the next one (0 for the last).
    private func gapAfter(_ index: Int) -> UInt64 {
        guard index + 1 < chunks.count, let last = chunks[index].last, let next = chunks[index + 1].first?.start else { return 0 }
        return next > last.end ? next - last.end : 0
    }

    private mutating func refreshBlock(_ block: Int) {
        guard block >= 0, block < blockGaps.count else { return }
        let first = block * Self.blockSize, end = min(chunks.count, first + Self.blockSize)
        var largest: UInt64 = 0
        for index in first..<end {
            largest = max(largest, innerGaps[index])
            if index + 1 < end { largest = max(largest, gapAfter(index)) }
        }
        blockGaps[block] = largest
    }

    /// After chunk `index` changed in place: its block, and the one before (their shared gap).
    private mutating func refreshBlocks(around index: Int) {
        refreshBlock(index / Self.blockSize)
        if index > 0, (index - 1) / Self.blockSize != index / Self.blockSize { refreshBlock((index - 1) / Self.blockSize) }
    }

    /// After chunks came or went (every few dozen inserts at most): every block again.
    private mutating func refreshAllBlocks() {
        blockGaps = Array(repeating: 0, count: (chunks.count + Self.blockSize - 1) / Self.blockSize)
        for block in blockGaps.indices { refreshBlock(block) }
    }

    private static func largestGap(_ regions: [MemoryRegion]) -> UInt64 {
        var largest: UInt64 = 0
        for index in regions.indices.dropFirst() where regions[index].start > regions[index - 1].end {
            largest = max(largest, regions[index].start - regions[index - 1].end)
        }
        return largest
    }

    /// The highest free range of `length` bytes that ends at or below `ceiling` and starts
    /// at or above `floor`: the first gap, from the top down, that is long enough.
    func highestFreeRange(length: UInt64, floor: UInt64, ceiling: UInt64) -> UInt64? {
        var top = ceiling
        var index = chunks.count - 1
        while index >= 0 {
            defer { index -= 1 }
            guard top >= floor, top - floor >= length else { return nil }
            // A block wholly below `top` whose gaps are all too short: only its lowest start matters.
            let block = index / Self.blockSize, first = block * Self.blockSize
            if index == min(chunks.count, first + Self.blockSize) - 1, index > first, let last = chunks[index].last,
               last.end <= top, top - last.end < length, blockGaps[block] < length {
                top = chunks[first][0].start
                index = first
                continue
            }
            let regions = chunks[index]
            guard regions[0].start < top else { continue }
            // A chunk wholly below `top` whose gaps are all too short: only its lowest start matters.
            if let last = regions.last, last.end <= top, top - last.end < length, innerGaps[index] < length {
                top = regions[0].start
                continue
            }
            for region in regions.reversed() where region.start < top {
                if region.end <= top, top - region.end >= length, top - length >= floor { return top - length }
                top = min(top, region.start)
            }
        }
        return top >= floor && top - floor >= length ? top - length : nil
    }
}
