// The accelerator's own memory: 4 KiB frames handed out from a bump pointer over frames
// never used and a stack of freed ones (O(1) either way; nothing grows with what guests
// did before), and the Sv39 page tables built in those frames, one tree per context, as
// a GPU driver builds the GPU's page tables in the GPU's memory. The lanes' MMU walks
// these very tables, so a context can reach only what its own tree maps.

final class AcceleratorMemory {
    static let pageSize: UInt64 = 4096
    /// Sv39: three levels of 512 entries.
    static let entriesPerTable = 512

    /// The inner machine's RAM: the device memory itself.
    let ram: PhysicalMemory
    let frameCount: Int
    /// Frames below this index have been handed out at least once.
    private var nextUnused = 0
    /// Frames given back, reused last-in first-out.
    private var freed: [UInt32] = []
    private(set) var framesInUse = 0

    init(ram: PhysicalMemory) {
        self.ram = ram
        frameCount = Int(ram.size / Self.pageSize)
    }

    var framesAvailable: Int { frameCount - framesInUse }

    /// A zeroed frame (its physical address), or nil when the memory is full. Zeroed, so no
    /// byte of a context that freed it reaches the next owner.
    func allocateFrame() -> UInt64? {
        let index: Int
        if let last = freed.popLast() {
            index = Int(last)
        } else if nextUnused < frameCount {
            index = nextUnused
            nextUnused += 1
        } else {
            return nil
        }
        framesInUse += 1
        let physical = ram.base + UInt64(index) * Self.pageSize
        ram.zero(at: physical, count: Self.pageSize)
        return physical
    }

    func releaseFrame(_ physical: UInt64) {
        guard physical >= ram.base, physical - ram.base < ram.size, framesInUse > 0 else { return }
        freed.append(UInt32((physical - ram.base) / Self.pageSize))
        framesInUse -= 1
    }

    // MARK: Page-table entries

    @inline(__always) static func index(_ virtual: UInt64, level: Int) -> Int {
        Int((virtual >> (12 + 9 * UInt64(level))) & 0x1FF)
    }

    @inline(__always) static func tableAddress(_ entry: UInt64) -> UInt64 { ((entry >> 10) & ((1 << 44) - 1)) << 12 }

    func entry(in table: UInt64, at index: Int) -> UInt64 {
        ram.readInteger(at: table + UInt64(index) * 8, size: 8) ?? 0
    }

    func setEntry(in table: UInt64, at index: Int, _ value: UInt64) {
        ram.writeInteger(value, at: table + UInt64(index) * 8, size: 8)
    }

    @inline(__always) static func isValid(_ entry: UInt64) -> Bool { entry & PTE.valid != 0 }
    @inline(__always) static func isLeaf(_ entry: UInt64) -> Bool { entry & (PTE.read | PTE.write | PTE.execute) != 0 }

    /// The leaf entry mapping `virtual` in the tree at `root`, or nil (4 KiB pages only).
    func leafEntry(root: UInt64, virtual: UInt64) -> UInt64? {
        guard virtual < AcceleratorLayout.userLimit else { return nil }
        var table = root
        for level in stride(from: 2, through: 1, by: -1) {
            let entry = entry(in: table, at: Self.index(virtual, level: level))
            guard Self.isValid(entry), !Self.isLeaf(entry) else { return nil }
            table = Self.tableAddress(entry)
        }
        let leaf = entry(in: table, at: Self.index(virtual, level: 0))
        return Self.isValid(leaf) && Self.isLeaf(leaf) ? leaf : nil
    }

    /// The physical address behind `virtual`, or nil when it is not mapped.
    func translate(root: UInt64, virtual: UInt64) -> UInt64? {
        leafEntry(root: root, virtual: virtual).map { Self.tableAddress($0) | (virtual & 0xFFF) }
    }

    /// Tables a mapping of `pages` pages from `virtual` would add to the tree (one per
    /// missing 1 GiB and 2 MiB region), so a mapping can be refused before it starts.
    func tablesNeeded(root: UInt64, virtual: UInt64, pages: UInt64) -> Int {
        guard pages > 0 else { return 0 }
        let last = virtual + (pages - 1) * Self.pageSize
        var needed = 0
        var gigabyte = virtual >> 30
        while gigabyte <= last >> 30 {
            let top = entry(in: root, at: Int(gigabyte & 0x1FF))
            let firstMegabytes = max(virtual >> 21, gigabyte << 9), lastMegabytes = min(last >> 21, (gigabyte << 9) | 0x1FF)
            if !Self.isValid(top) {
                needed += 1 + Int(lastMegabytes - firstMegabytes + 1)
            } else {
                let middle = Self.tableAddress(top)
                for region in firstMegabytes...lastMegabytes where !Self.isValid(entry(in: middle, at: Int(region & 0x1FF))) {
                    needed += 1
                }
            }
            gigabyte += 1
        }
        return needed
    }

    /// Puts a leaf for `virtual` -> `frame`, adding tables on the way; returns the number of
    /// table frames it added, or nil when memory ran out (the caller checked it would not).
    func mapPage(root: UInt64, virtual: UInt64, frame: UInt64, permissions: UInt64) -> Int? {
        var table = root
        var added = 0
        for level in stride(from: 2, through: 1, by: -1) {
            let index = Self.index(virtual, level: level)
            let entry = entry(in: table, at: index)
            if Self.isValid(entry) {
                table = Self.tableAddress(entry)
            } else {
                guard let next = allocateFrame() else { return nil }
                setEntry(in: table, at: index, (next >> 12) << 10 | PTE.valid)
                added += 1
                table = next
            }
        }
        setEntry(in: table, at: Self.index(virtual, level: 0),
                 (frame >> 12) << 10 | permissions | PTE.valid | PTE.user | PTE.accessed | PTE.dirty)
        return added
    }

    /// Removes every leaf in [from, to) and frees its frame; tables stay (the tree is freed
    /// whole with its context). Absent subtrees are skipped a region at a time, so the cost
    /// is the mapped pages plus at most one step per 2 MiB of the range. Returns frames freed.
    func unmapRange(root: UInt64, from: UInt64, to: UInt64) -> Int {
        var virtual = from & ~(Self.pageSize - 1)
        let end = min(to, AcceleratorLayout.userLimit)
        var freedFrames = 0
        while virtual < end {
            let top = entry(in: root, at: Self.index(virtual, level: 2))
            guard Self.isValid(top), !Self.isLeaf(top) else {
                virtual = (virtual | ((1 << 30) - 1)) + 1
                continue
            }
            let middle = entry(in: Self.tableAddress(top), at: Self.index(virtual, level: 1))
            guard Self.isValid(middle), !Self.isLeaf(middle) else {
                virtual = (virtual | ((1 << 21) - 1)) + 1
                continue
            }
            let table = Self.tableAddress(middle)
            let index = Self.index(virtual, level: 0)
            let leaf = entry(in: table, at: index)
            if Self.isValid(leaf) {
                setEntry(in: table, at: index, 0)
                releaseFrame(Self.tableAddress(leaf))
                freedFrames += 1
            }
            virtual += Self.pageSize
        }
        return freedFrames
    }

    /// Frees every frame of the tree at `root`: leaves, tables and the root. Returns their number.
    func releaseTree(root: UInt64) -> Int {
        var freedFrames = 0
        for top in 0..<Self.entriesPerTable {
            let topEntry = entry(in: root, at: top)
            guard Self.isValid(topEntry), !Self.isLeaf(topEntry) else { continue }
            let middleTable = Self.tableAddress(topEntry)
            for middle in 0..<Self.entriesPerTable {
                let middleEntry = entry(in: middleTable, at: middle)
                guard Self.isValid(middleEntry), !Self.isLeaf(middleEntry) else { continue }
                let leafTable = Self.tableAddress(middleEntry)
                for leaf in 0..<Self.entriesPerTable {
                    let leafEntry = entry(in: leafTable, at: leaf)
                    if Self.isValid(leafEntry) {
                        releaseFrame(Self.tableAddress(leafEntry))
                        freedFrames += 1
                    }
                }
                releaseFrame(leafTable)
                freedFrames += 1
            }
            releaseFrame(middleTable)
            freedFrames += 1
        }
        releaseFrame(root)
        return freedFrames + 1
    }
}
