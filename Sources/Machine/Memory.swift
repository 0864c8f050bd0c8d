// Physical RAM: one flat host buffer, plus two per-page side tables the run loop
// consults — the decoded-instruction cache and a byte of flags that sends stores to
// "interesting" pages (code, tohost, LR reservations) down the slow path. Decoded blocks
// come from a pool with a fixed cap, so the host memory a run costs does not grow with
// the number of pages the guest ever executed.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Flags kept per 4 KiB page of RAM. A store to a page with any flag set takes the slow
/// path, which keeps the common store down to one extra byte load.
struct PageFlags: OptionSet {
    var rawValue: UInt8
    /// The page holds decoded instructions that a store must invalidate.
    static let decoded = PageFlags(rawValue: 1)
    /// The page holds the `tohost` word the host watches.
    static let watched = PageFlags(rawValue: 2)
    /// Some hart holds an LR reservation in this page.
    static let reserved = PageFlags(rawValue: 4)
    /// Not written since the simulation snapshot was taken (SnapshotMemory.swift): the first
    /// store lists the page as written and clears the flag, so later stores go fast again.
    static let unwritten = PageFlags(rawValue: 8)
}

public final class PhysicalMemory {
    public static let pageSize: UInt64 = 4096
    static let slotsPerPage = Int(pageSize / 2)
    /// Slots a block really has: the page's, then two that always say "refetch", so the run
    /// loop can step from the last instruction of a page (even a 32-bit one straddling the
    /// page end) into the next slot without checking that it is still inside the page.
    static let slotsPerBlock = slotsPerPage + 2

    /// Guest physical address of the first byte.
    public let base: UInt64
    /// Size in bytes (a multiple of the page size).
    public let size: UInt64
    let bytes: UnsafeMutableRawPointer
    let pageCount: Int
    let pageFlags: UnsafeMutablePointer<UInt8>
    /// Per page: nonzero while some hart's fast TLB may store to it straight (FastTLB.swift).
    let fastStorePages: UnsafeMutablePointer<UInt8>
    /// Told when a page whose `fastStorePages` is set gains a flag: every hart drops its
    /// fast store entries for that page (FastTLB.swift).
    var fastStoresRevoked: ((_ page: Int) -> Void)? = nil
    /// The decoded block serving each page, if it has one now.
    let decodedPages: UnsafeMutablePointer<UnsafeMutablePointer<DecodedInstruction>?>
    /// A block whose every slot says "refetch": the fetch cache points here when invalid.
    let refetchBlock: UnsafeMutablePointer<DecodedInstruction>

    /// Host bytes of one decoded block (one page's worth of 2-byte instruction slots; the
    /// two sentinel slots add 32 bytes).
    public static let decodedBlockBytes = slotsPerPage * MemoryLayout<DecodedInstruction>.stride
    /// Decoded blocks alive at most by default: 1024 blocks of 32 KiB, 32 MiB of host
    /// memory, enough for 4 MiB of code executed over and over without any re-decoding.
    public static let defaultDecodedBlockLimit = 1024
    /// The most decoded blocks this memory keeps at once; past it, blocks are recycled.
    public let decodedBlockLimit: Int
    /// Every block allocated so far, in the order they were first handed out (at most the limit).
    let blockPool: UnsafeMutablePointer<UnsafeMutablePointer<DecodedInstruction>>
    /// The page each pooled block serves now.
    let blockPoolPage: UnsafeMutablePointer<Int>
    /// Decoded blocks allocated (never more than `decodedBlockLimit`).
    public private(set) var decodedBlockCount = 0
    /// Times a block was taken from one page to serve another.
    public private(set) var decodedBlockEvictions: UInt64 = 0
    /// The pool slot to recycle next: the block assigned to a page longest ago.
    var evictionHand = 0
    /// Told when a block moves to another page, so no hart keeps fetching through it.
    var blockEvicted: ((UnsafeMutablePointer<DecodedInstruction>) -> Void)? = nil
    /// Told when the host writes bytes in a page where some hart holds an LR reservation.
    var reservedBytesWritten: ((_ physical: UInt64, _ length: Int) -> Void)? = nil
    /// Told of every host write when caches keep values (coherence off), so they drop those lines.
    var valuesWritten: ((_ offset: Int, _ length: Int) -> Void)? = nil
    /// Under a simulation snapshot (SnapshotMemory.swift): every page written since it was
    /// taken, once each (the `unwritten` flag is cleared as a page is listed).
    var writtenPages: [Int] = []
    /// Whether pages are tracked for a snapshot: host writes list the pages they touch.
    var tracksWrittenPages = false
    /// While a snapshot re-runs the kernel's set-up over RAM that already holds its result:
    /// a host write of the bytes already there changes nothing (no decoded block dropped).
    var skipsUnchangedHostWrites = false

    /// Nil when the host cannot provide `size` bytes. RAM comes from `calloc`, so the host
    /// hands out zeroed pages lazily: a large machine costs nothing until the guest uses it.
    /// At most `decodedBlockLimit` pages (at least 1) keep decoded instructions at a time.
    public init?(base: UInt64, size: UInt64, decodedBlockLimit: Int = PhysicalMemory.defaultDecodedBlockLimit) {
        guard size >= PhysicalMemory.pageSize, size % PhysicalMemory.pageSize == 0, size <= UInt64(Int.max),
              let ram = calloc(Int(size), 1) else { return nil }
        self.base = base
        self.size = size
        bytes = ram
        pageCount = Int(size / PhysicalMemory.pageSize)
        pageFlags = .allocate(capacity: pageCount)
        pageFlags.initialize(repeating: 0, count: pageCount)
        fastStorePages = .allocate(capacity: pageCount)
        fastStorePages.initialize(repeating: 0, count: pageCount)
        decodedPages = .allocate(capacity: pageCount)
        decodedPages.initialize(repeating: nil, count: pageCount)
        refetchBlock = .allocate(capacity: PhysicalMemory.slotsPerBlock)
        refetchBlock.initialize(repeating: DecodedInstruction(operation: .refetch), count: PhysicalMemory.slotsPerBlock)
        self.decodedBlockLimit = max(1, min(decodedBlockLimit, pageCount))
        blockPool = .allocate(capacity: self.decodedBlockLimit)
        blockPoolPage = .allocate(capacity: self.decodedBlockLimit)
        blockPoolPage.initialize(repeating: 0, count: self.decodedBlockLimit)
    }

    deinit {
        for slot in 0..<decodedBlockCount { blockPool[slot].deallocate() }
        blockPool.deallocate()
        blockPoolPage.deallocate()
        decodedPages.deallocate()
        pageFlags.deallocate()
        fastStorePages.deallocate()
        refetchBlock.deallocate()
        free(bytes)
    }

    /// The offset of `[address, address+length)` in RAM, or nil if any byte falls outside.
    @inline(__always) public func offset(of address: UInt64, length: UInt64) -> Int? {
        let offset = address &- base
        guard length <= size, offset <= size - length else { return nil }
        return Int(offset)
    }

    /// The decoded block for the page at `offset`. A page without one gets a new block
    /// while the pool is below its limit, else the block handed out longest ago (a ring):
    /// its old page forgets it, and harts fetching through it look their page up again.
    func decodedBlock(forOffset offset: Int) -> UnsafeMutablePointer<DecodedInstruction> {
        let page = offset >> 12
        if let block = decodedPages[page] { return block }
        let slot: Int
        let block: UnsafeMutablePointer<DecodedInstruction>
        if decodedBlockCount < decodedBlockLimit {
            slot = decodedBlockCount
            block = .allocate(capacity: PhysicalMemory.slotsPerBlock)
            block.initialize(repeating: .undecoded, count: PhysicalMemory.slotsPerPage)
            (block + PhysicalMemory.slotsPerPage).initialize(repeating: DecodedInstruction(operation: .refetch), count: 2)
            blockPool[slot] = block
            decodedBlockCount += 1
        } else {
            slot = evictionHand
            evictionHand = slot + 1 == decodedBlockLimit ? 0 : slot + 1
            block = blockPool[slot]
            let oldPage = blockPoolPage[slot]
            decodedPages[oldPage] = nil
            pageFlags[oldPage] &= ~PageFlags.decoded.rawValue
            block.update(repeating: .undecoded, count: PhysicalMemory.slotsPerPage)
            decodedBlockEvictions &+= 1
            blockEvicted?(block)
        }
        blockPoolPage[slot] = page
        decodedPages[page] = block
        raiseFlag(.decoded, page: page)
        return block
    }

    /// Forget the decoded instructions of the pages covering `[offset, offset+length)`.
    /// The blocks stay allocated (a hart may be executing from one); their slots are reset.
    func invalidateDecoded(offset: Int, length: Int) {
        guard length > 0 else { return }
        let first = offset >> 12, last = min((offset + length - 1) >> 12, pageCount - 1)
        for page in first...last where pageFlags[page] & PageFlags.decoded.rawValue != 0 {
            if let block = decodedPages[page] {
                block.update(repeating: .undecoded, count: PhysicalMemory.slotsPerPage)
            }
        }
    }

    /// After the host wrote `[offset, offset+length)`: the decoded instructions there are
    /// stale, and every LR reservation on those bytes is broken, as another hart's store would.
    func hostWrote(offset: Int, length: Int) {
        guard length > 0 else { return }
        bytesChanged(offset: offset, length: length)
        valuesWritten?(offset, length)
    }

    /// RAM bytes changed behind the harts' backs (a host write, or with coherence off a
    /// cache writing dirty bytes back): decoded instructions there and reservations on them go.
    func bytesChanged(offset: Int, length: Int) {
        guard length > 0 else { return }
        invalidateDecoded(offset: offset, length: length)
        let first = offset >> 12, last = min((offset + length - 1) >> 12, pageCount - 1)
        if tracksWrittenPages { listWritten(first...last) }
        if (first...last).contains(where: { pageFlags[$0] & PageFlags.reserved.rawValue != 0 }) {
            reservedBytesWritten?(base &+ UInt64(offset), length)
        }
    }

    // MARK: Host-side access (loader, kernel, debugger), always bounds-checked.

    /// Copies bytes into RAM; false if any byte falls outside.
    @discardableResult
    public func write<C: Collection>(_ data: C, at address: UInt64) -> Bool where C.Element == UInt8 {
        guard let offset = offset(of: address, length: UInt64(data.count)) else { return false }
        if skipsUnchangedHostWrites, holds(data, at: offset) { return true }
        let copied: Void? = data.withContiguousStorageIfAvailable { source in
            if let base = source.baseAddress { (bytes + offset).copyMemory(from: base, byteCount: source.count) }
        }
        if copied == nil {
            var index = offset
            for byte in data {
                bytes.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
                index += 1
            }
        }
        hostWrote(offset: offset, length: data.count)
        return true
    }

    /// Fills a range with zeros; false if any byte falls outside.
    @discardableResult
    public func zero(at address: UInt64, count: UInt64) -> Bool {
        guard let offset = offset(of: address, length: count) else { return false }
        if skipsUnchangedHostWrites, holdsZeros(count: Int(count), at: offset) { return true }
        (bytes + offset).initializeMemory(as: UInt8.self, repeating: 0, count: Int(count))
        hostWrote(offset: offset, length: Int(count))
        return true
    }

    /// Reads bytes from RAM, or nil if any byte falls outside.
    public func read(at address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, let offset = offset(of: address, length: UInt64(count)) else { return nil }
        return [UInt8](UnsafeRawBufferPointer(start: bytes + offset, count: count))
    }

    /// Reads a little-endian value of 1, 2, 4 or 8 bytes, or nil if outside RAM.
    public func readInteger(at address: UInt64, size: Int) -> UInt64? {
        guard let offset = offset(of: address, length: UInt64(size)) else { return nil }
        return loadLittleEndian(bytes + offset, size: size)
    }

    /// Writes a little-endian value of 1, 2, 4 or 8 bytes; false if outside RAM.
    @discardableResult
    public func writeInteger(_ value: UInt64, at address: UInt64, size: Int) -> Bool {
        guard let offset = offset(of: address, length: UInt64(size)) else { return false }
        storeLittleEndian(value, bytes + offset, size: size)
        hostWrote(offset: offset, length: size)
        return true
    }
}
