// ShadowMemory: FastTrack's per-location state (last write epoch, last read epoch or the
// set of concurrent reads) for guest RAM, in pages of flat arrays allocated on first touch.

/// The state of one location: one 8-byte granule of guest RAM, or one byte of a granule
/// that was accessed by parts (see `ShadowMemory`).
///
/// 40 bytes, no references: the cells of every page live in one flat array, so a lookup is
/// an index computation and the check touches one cache line or two.
public struct ShadowCell: Sendable, Equatable {
    /// The last write's epoch (`Epoch.raw`; 0 = never written).
    public var write: UInt64 = 0
    /// The last read's epoch; or, when `isReadShared`, an index into `ShadowMemory.readSets`;
    /// or, when `isSplit` (granule cells only), the first of this granule's eight byte cells.
    public var read: UInt64 = 0
    /// The PC of the last write and of the last read (when the read is an epoch).
    public var writePC: UInt64 = 0
    public var readPC: UInt64 = 0
    /// The sizes of those accesses in bytes.
    public var writeSize: UInt8 = 0
    public var readSize: UInt8 = 0
    /// `ShadowCell.splitFlag`, `ShadowCell.readSharedFlag`.
    public var flags: UInt8 = 0
    /// 1 + the index of this granule's synchronisation clock in `ShadowMemory.syncClocks`
    /// (0: none yet). Only granule cells carry one; an atomic's clock belongs to its granule.
    public var sync: UInt32 = 0

    public static let splitFlag: UInt8 = 1
    public static let readSharedFlag: UInt8 = 2

    public init() {}
    @inlinable public var isSplit: Bool { flags & ShadowCell.splitFlag != 0 }
    @inlinable public var isReadShared: Bool { flags & ShadowCell.readSharedFlag != 0 }
}

/// FastTrack's read-shared state: the reads of one location that no single epoch covers,
/// one entry per thread slot (clock 0 = no read by that slot since the last write).
public struct ReadSet: Sendable {
    public var clocks: [UInt64] = []
    public var pcs: [UInt64] = []
    public var sizes: [UInt8] = []

    public init() {}

    /// Records a read by `slot` at `clock`.
    public mutating func record(slot: Int, clock: UInt64, pc: UInt64, size: UInt8) {
        if slot >= clocks.count {
            let grow = slot + 1 - clocks.count
            clocks.append(contentsOf: repeatElement(0, count: grow))
            pcs.append(contentsOf: repeatElement(0, count: grow))
            sizes.append(contentsOf: repeatElement(0, count: grow))
        }
        clocks[slot] = clock; pcs[slot] = pc; sizes[slot] = size
    }

    /// Forgets every read, keeping the storage for the next location that goes shared.
    public mutating func clear() {
        for i in clocks.indices { clocks[i] = 0 }
    }
}

/// Shadow state for guest RAM, keyed by guest *physical* address.
///
/// Why physical: threads of one process share an address space, but processes that share
/// memory (a shared mapping, copy-on-write pages after fork) meet only in physical frames,
/// and two processes using the same virtual address do not share anything. Keying by
/// physical address makes both right without knowing about address spaces. The price: when
/// the kernel gives a frame to a new owner (frees it, or copies on write), the next layer
/// calls `RaceDetector.forget` on it so the old owner's accesses do not race with the new.
///
/// Why 8-byte granules that split into bytes: RV64 accesses are at most 8 bytes, and almost
/// every location is always accessed whole (a word, a pointer), so one cell per granule
/// keeps the common case to one check. But a 1-byte write and a 4-byte read of other bytes
/// of the same word do not race, so the first access that covers only part of a granule
/// splits it: the granule's cell is copied into eight byte cells (appended to the same flat
/// array, reused after `forget`), and from then on every access checks the bytes it covers.
/// That is exact per byte — no false race between neighbouring fields, no race missed —
/// at the cost of up to eight checks for the (rare) granules used by parts.
///
/// Layout: a directory with one entry per 4 KiB page of RAM holds the page's first cell in
/// `cells` (or -1); a page's 512 granule cells are appended on its first access. After
/// that, an access costs a subtraction, a shift, two array loads and no allocation, however
/// long the guest has run. Addresses outside RAM (devices) have no shadow and are ignored.
public struct ShadowMemory: Sendable {
    public static let pageShift: UInt64 = 12
    public static let granulesPerPage = 512
    /// The largest RAM that gets shadow (64 GiB); bytes beyond it are ignored.
    public static let maxShadowedBytes: UInt64 = 64 << 30

    /// The first byte of RAM and how many bytes have shadow.
    public let base: UInt64
    public let size: UInt64
    /// Per RAM page: the index of its first cell in `cells`, or -1 before its first access.
    public private(set) var directory: [Int32]
    /// Granule cells (512 per touched page) and byte cells (8 per split granule), together.
    public var cells: [ShadowCell] = []
    /// Read-shared states, reused through `freeReadSets`.
    public var readSets: [ReadSet] = []
    var freeReadSets: [Int] = []
    /// Byte-cell blocks given back by `forget`, reused by the next split.
    var freeByteBlocks: [Int] = []
    /// Synchronisation clocks of atomic locations (one per granule that had one).
    public var syncClocks: [VectorClock] = []
    var freeSyncClocks: [Int] = []

    /// Shadow for `size` bytes of RAM from `base` (clamped to `maxShadowedBytes`).
    public init(base: UInt64, size: UInt64) {
        self.base = base
        self.size = min(size, ShadowMemory.maxShadowedBytes)
        let pages = Int((self.size &+ 4095) >> ShadowMemory.pageShift)
        directory = Array(repeating: -1, count: pages)
    }

    /// How many pages have shadow (the memory cost: 20 KiB each, plus split granules).
    public var touchedPages: Int { directory.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }

    /// The index in `cells` of the granule cell of `address`, allocating its page on first
    /// touch; nil outside RAM.
    @inlinable
    public mutating func granuleCell(_ address: UInt64) -> Int? {
        let offset = address &- base
        guard offset < size else { return nil }
        let page = Int(truncatingIfNeeded: offset >> ShadowMemory.pageShift)
        var first = directory[page]
        if first < 0 { first = allocatePage(page) }
        return Int(first) + Int(truncatingIfNeeded: (offset >> 3) & 511)
    }

    /// The granule cell of `address` if its page has shadow, without allocating.
    public func existingGranuleCell(_ address: UInt64) -> Int? {
        let offset = address &- base
        guard offset < size else { return nil }
        let first = directory[Int(truncatingIfNeeded: offset >> ShadowMemory.pageShift)]
        return first < 0 ? nil : Int(first) + Int(truncatingIfNeeded: (offset >> 3) & 511)
    }

    @usableFromInline
    mutating func allocatePage(_ page: Int) -> Int32 {
        let first = Int32(truncatingIfNeeded: cells.count)
        cells.append(contentsOf: repeatElement(ShadowCell(), count: ShadowMemory.granulesPerPage))
        directory[page] = first
        return first
    }

    /// The first of the eight byte cells of the granule cell `index`, splitting it on first
    /// use: each byte cell starts as a copy of the granule's state (its read set copied too).
    public mutating func byteCells(ofGranule index: Int) -> Int {
        if cells[index].isSplit { return Int(truncatingIfNeeded: cells[index].read) }
        var template = cells[index]
        template.flags = 0
        template.sync = 0
        let sharedSet = cells[index].isReadShared ? Int(truncatingIfNeeded: cells[index].read) : -1
        let first: Int
        if let reused = freeByteBlocks.popLast() {
            first = reused
            for b in 0..<8 { cells[first + b] = template }
        } else {
            first = cells.count
            cells.append(contentsOf: repeatElement(template, count: 8))
        }
        if sharedSet >= 0 {
            for b in 0..<8 {
                let copy = newReadSet(copying: sharedSet)
                cells[first + b].read = UInt64(copy)
                cells[first + b].flags = ShadowCell.readSharedFlag
            }
            releaseReadSet(sharedSet)
        }
        cells[index].flags = ShadowCell.splitFlag
        cells[index].read = UInt64(first)
        return first
    }

    /// A new empty read set (or a copy of `source`'s reads), reusing a freed one if any.
    public mutating func newReadSet(copying source: Int = -1) -> Int {
        let index: Int
        if let reused = freeReadSets.popLast() { index = reused } else {
            index = readSets.count
            readSets.append(ReadSet())
        }
        if source >= 0 {
            let from = readSets[source]
            readSets[index].clear()
            for s in from.clocks.indices where from.clocks[s] != 0 {
                readSets[index].record(slot: s, clock: from.clocks[s], pc: from.pcs[s], size: from.sizes[s])
            }
        }
        return index
    }

    /// Gives a read set back for reuse.
    public mutating func releaseReadSet(_ index: Int) {
        readSets[index].clear()
        freeReadSets.append(index)
    }

    /// The synchronisation clock index of the granule of `address` (created on first use);
    /// nil outside RAM.
    public mutating func syncClock(_ address: UInt64) -> Int? {
        guard let cell = granuleCell(address) else { return nil }
        if cells[cell].sync == 0 {
            if let reused = freeSyncClocks.popLast() {
                cells[cell].sync = UInt32(truncatingIfNeeded: reused + 1)
            } else {
                syncClocks.append(VectorClock())
                cells[cell].sync = UInt32(truncatingIfNeeded: syncClocks.count)
            }
        }
        return Int(cells[cell].sync) - 1
    }

    /// Resets the shadow of every granule that `[address, address + count)` touches to "never
    /// accessed" (no longer a synchronisation location either), giving split bytes, read sets
    /// and synchronisation clocks back for reuse. For a frame that changes owner; pages never touched stay unallocated.
    public mutating func forget(address: UInt64, count: UInt64) {
        guard count > 0 else { return }
        let start = address & ~7
        let offset = start &- base
        guard offset < size else { return }
        let end = min(size, (address &- base) &+ min(count, size))
        var granule = offset
        while granule < end {
            if let cell = existingGranuleCell(base &+ granule) { reset(cell) }
            granule &+= 8
        }
    }

    mutating func reset(_ cell: Int) {
        if cells[cell].isSplit {
            let first = Int(truncatingIfNeeded: cells[cell].read)
            for b in 0..<8 where cells[first + b].isReadShared {
                releaseReadSet(Int(truncatingIfNeeded: cells[first + b].read))
            }
            freeByteBlocks.append(first)
        } else if cells[cell].isReadShared {
            releaseReadSet(Int(truncatingIfNeeded: cells[cell].read))
        }
        let sync = cells[cell].sync
        if sync != 0 {
            // No longer a synchronisation location: the new owner's plain accesses are checked.
            syncClocks[Int(sync) - 1] = VectorClock()
            freeSyncClocks.append(Int(sync) - 1)
        }
        cells[cell] = ShadowCell()
    }
}
