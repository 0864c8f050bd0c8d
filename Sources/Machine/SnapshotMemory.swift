// RAM under a simulation snapshot (Kernel/SimulationSnapshot.swift): copy-on-write by
// page. The snapshot keeps one copy of the pages the load wrote; every page carries the
// `unwritten` flag until something writes it — the first guest store to it takes the slow
// path (a flagged page never gets a fast-store entry, FastTLB.swift), a host write goes
// through `bytesChanged` — and is then listed once in `writtenPages`. A restore copies back
// only the listed pages and drops their decoded instructions, so a schedule costs the
// pages it wrote, not the machine's RAM, and no host memory is allocated per schedule.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pages of RAM a snapshot keeps: their numbers and one copy of their bytes.
public final class RAMSnapshot {
    /// The slot of each kept page in `storage`, by page number; pages not here were zero.
    let slots: [Int: Int]
    let storage: UnsafeMutableRawPointer
    /// How many pages are kept (their bytes are the snapshot's host memory).
    public var pageCount: Int { slots.count }

    init(pages: [Int], memory: PhysicalMemory) {
        var slots: [Int: Int] = [:]
        storage = .allocate(byteCount: max(1, pages.count) * Int(PhysicalMemory.pageSize), alignment: 64)
        for (slot, page) in pages.enumerated() {
            slots[page] = slot
            (storage + slot << 12).copyMemory(from: memory.bytes + page << 12, byteCount: Int(PhysicalMemory.pageSize))
        }
        self.slots = slots
    }

    deinit { storage.deallocate() }
}

extension PhysicalMemory {
    /// Lists the pages in `pages` not listed since the snapshot (the first write to each).
    func listWritten(_ pages: ClosedRange<Int>) {
        for page in pages where pageFlags[page] & PageFlags.unwritten.rawValue != 0 {
            pageFlags[page] &= ~PageFlags.unwritten.rawValue
            writtenPages.append(page)
        }
    }

    /// A guest store hit a page with flags: lists the pages of `[offset, offset+size)` if
    /// they were unwritten (HartMemory.physicalStore).
    func storeHitUnwritten(offset: Int, size: Int) {
        listWritten((offset >> 12)...min((offset + size - 1) >> 12, pageCount - 1))
    }

    /// Whether RAM at `offset` already holds `data` (the caller checked the range).
    func holds<C: Collection>(_ data: C, at offset: Int) -> Bool where C.Element == UInt8 {
        let same: Bool? = data.withContiguousStorageIfAvailable { source in
            guard let base = source.baseAddress else { return true }
            return memcmp(bytes + offset, base, source.count) == 0
        }
        if let same { return same }
        var index = offset
        for byte in data {
            if bytes.load(fromByteOffset: index, as: UInt8.self) != byte { return false }
            index += 1
        }
        return true
    }

    /// Whether RAM at `offset` holds `count` zero bytes (the caller checked the range).
    func holdsZeros(count: Int, at offset: Int) -> Bool {
        var index = offset
        let end = offset + count
        while index + 8 <= end {
            if bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) != 0 { return false }
            index += 8
        }
        while index < end {
            if bytes.load(fromByteOffset: index, as: UInt8.self) != 0 { return false }
            index += 1
        }
        return true
    }

    /// Starts listing written pages on a machine that has not run yet: every page is
    /// flagged unwritten. Call it before the load a snapshot captures.
    public func startTrackingWrittenPages() {
        for page in 0..<pageCount {
            if fastStorePages[page] != 0 {
                fastStorePages[page] = 0
                fastStoresRevoked?(page)
            }
            pageFlags[page] |= PageFlags.unwritten.rawValue
        }
        writtenPages.removeAll()
        tracksWrittenPages = true
    }

    /// A copy of every page written since tracking started (what the load wrote); those
    /// pages count as unwritten again from here.
    public func captureWrittenPages() -> RAMSnapshot {
        let pages = writtenPages.sorted()
        let snapshot = RAMSnapshot(pages: pages, memory: self)
        for page in pages {
            if fastStorePages[page] != 0 {
                fastStorePages[page] = 0
                fastStoresRevoked?(page)
            }
            pageFlags[page] |= PageFlags.unwritten.rawValue
        }
        writtenPages.removeAll(keepingCapacity: true)
        return snapshot
    }

    /// Puts back every page written since the snapshot (its bytes, or zeros for a page the
    /// snapshot did not keep), dropping the decoded instructions there. The machine that
    /// ran must have let go of the RAM first (`Machine.retireForSnapshot`): no hart may
    /// hold a fast store entry or a reservation.
    public func restoreWrittenPages(from snapshot: RAMSnapshot) {
        let pageSize = Int(PhysicalMemory.pageSize)
        for page in writtenPages {
            let target = bytes + page << 12
            if let slot = snapshot.slots[page] {
                target.copyMemory(from: snapshot.storage + slot << 12, byteCount: pageSize)
            } else {
                target.initializeMemory(as: UInt8.self, repeating: 0, count: pageSize)
            }
            invalidateDecoded(offset: page << 12, length: pageSize)
            fastStorePages[page] = 0
            pageFlags[page] |= PageFlags.unwritten.rawValue
        }
        writtenPages.removeAll(keepingCapacity: true)
    }

    /// Zeros the pages at these physical addresses and lists them as written (a snapshot's
    /// page-table frames, which the kernel's set-up builds again from zero).
    public func zeroForRebuild(frames: [UInt64]) {
        for frame in frames {
            guard let offset = offset(of: frame, length: PhysicalMemory.pageSize) else { continue }
            (bytes + offset).initializeMemory(as: UInt8.self, repeating: 0, count: Int(PhysicalMemory.pageSize))
            invalidateDecoded(offset: offset, length: Int(PhysicalMemory.pageSize))
            listWritten((offset >> 12)...(offset >> 12))
        }
    }

    /// While true, a host write of bytes RAM already holds is skipped (a snapshot re-runs
    /// the kernel's set-up over RAM restored to that set-up's result).
    public var replaysHostWrites: Bool {
        get { skipsUnchangedHostWrites }
        set { skipsUnchangedHostWrites = newValue }
    }

    /// Pages written since the snapshot (or since tracking started), for reports and tests.
    public var writtenPageCount: Int { writtenPages.count }

    /// Drops the hooks a machine set on this RAM (each holds that machine unretained).
    func detachMachineHooks() {
        fastStoresRevoked = nil
        blockEvicted = nil
        reservedBytesWritten = nil
        valuesWritten = nil
    }
}

extension Machine {
    /// This machine will not run again: its harts let go of RAM — reservations, fast store
    /// entries, the host trap hook — so a snapshot can restore the RAM and build a new
    /// machine around it (`init(configuration:reusing:)`).
    public func retireForSnapshot() {
        detachHostTrapHandler()
        for hart in harts {
            if let reserved = hart.reservation, let offset = memory.offset(of: reserved, length: 1) {
                memory.pageFlags[offset >> 12] &= ~PageFlags.reserved.rawValue
            }
            hart.reservation = nil
            hart.flushFastTLB()
        }
        if let memorySystem { memorySystem.onRAMWritten = nil }
        memory.detachMachineHooks()
    }
}
