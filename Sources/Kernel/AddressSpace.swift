// A process's virtual memory: the regions it may use (program segments, heap, stack,
// anonymous mappings) and the page table that maps the pages it has touched. Pages are
// given frames on first touch (demand-zero paging), so an 8 MiB stack or a large mmap
// costs only what is used; the memory limit counts those frames. The kernel copies
// system-call arguments through here (copyIn/copyOut), with the same checks as the MMU.
// fork copies an address space copy-on-write (`forkCopy`): both sides share every frame,
// private pages lose their W bit, and the first write to one gives the writer its own
// copy (`resolve`); MAP_SHARED regions stay shared, writable on both sides.

import Machine

/// One contiguous, page-aligned range of virtual memory with one purpose and permission.
struct MemoryRegion: Equatable {
    enum Kind: String { case program, heap, stack, mapping, trampoline }
    var start: UInt64
    var end: UInt64
    /// PTE.read | PTE.write | PTE.execute bits.
    var permissions: UInt64
    var kind: Kind
    /// MAP_SHARED: a fork's child shares its pages (writes seen by both) instead of
    /// copying them on write.
    var shared = false

    func contains(_ address: UInt64) -> Bool { address >= start && address < end }

    /// The same region cut to `[start, end)`.
    func piece(_ start: UInt64, _ end: UInt64) -> MemoryRegion {
        var piece = self
        piece.start = start
        piece.end = end
        return piece
    }
}

enum MemoryAccess {
    case read, write, execute

    var permission: UInt64 {
        switch self {
        case .read: PTE.read
        case .write: PTE.write
        case .execute: PTE.execute
        }
    }
}

/// Why a page could not be provided.
enum PageFaultFailure: Error, Equatable {
    /// No region covers the address.
    case unmapped
    /// A region covers it but forbids this access.
    case forbidden(MemoryRegion)
    /// The memory limit (or RAM) is exhausted.
    case outOfMemory
}

final class AddressSpace {
    static let pageSize: UInt64 = 4096

    let memory: PhysicalMemory
    let frames: FrameAllocator
    private(set) var pageTable: PageTable
    /// Sorted by start, never overlapping (RegionMap.swift).
    private(set) var regionMap = RegionMap()
    /// Every region, lowest first: for reports (O(n)); lookups go through `regionMap`.
    var regions: [MemoryRegion] { regionMap.all }
    /// The most regions one address space may have: Linux's default vm.max_map_count.
    /// mmap, munmap and mprotect that would pass it fail with ENOMEM, as on Linux.
    static let maximumRegionCount = 65_530
    /// User pages holding a frame (page tables not included).
    private(set) var residentPages: UInt64 = 0
    /// The most resident pages at any time.
    private(set) var peakResidentPages: UInt64 = 0
    /// Pages given a frame on first touch.
    private(set) var demandFaults: UInt64 = 0
    /// Told the address of each page given a frame on first touch, whether a trap or a
    /// system call's copy touched it (the trace uses it).
    var onDemandFault: ((UInt64) -> Void)?
    /// Told the page whose copy-on-write share ended (it became writable), the frame it
    /// had and the one it has now (the same when it was alone with it): harts must drop
    /// their read-only translation of it (Fork.swift sets it).
    var onCopyOnWriteEnded: ((_ page: UInt64, _ from: UInt64, _ to: UInt64) -> Void)?
    /// Writes that copied a shared page, and those that found the page theirs alone.
    private(set) var copyOnWriteCopies: UInt64 = 0
    private(set) var copyOnWriteReuses: UInt64 = 0
    /// Processes using this address space: more than one while a vfork (CLONE_VM) child
    /// borrows its parent's; it is released when the last lets go (`releaseUse`).
    var users = 1
    let pageLimit: UInt64

    init?(memory: PhysicalMemory, frames: FrameAllocator, pageLimit: UInt64) {
        guard let table = PageTable(memory: memory, frames: frames) else { return nil }
        self.memory = memory
        self.frames = frames
        self.pageTable = table
        self.pageLimit = pageLimit
    }

    var satp: UInt64 { pageTable.satp }

    static func pageDown(_ address: UInt64) -> UInt64 { address & ~(pageSize - 1) }
    static func pageUp(_ address: UInt64) -> UInt64? {
        let (sum, overflow) = address.addingReportingOverflow(pageSize - 1)
        return overflow ? nil : sum & ~(pageSize - 1)
    }

    // MARK: Regions

    func region(containing address: UInt64) -> MemoryRegion? {
        regionMap.region(containing: address)
    }

    func region(startingAt start: UInt64) -> MemoryRegion? {
        regionMap.region(startingAt: start)
    }

    /// True if no region overlaps `[start, end)`.
    func isFree(_ start: UInt64, _ end: UInt64) -> Bool {
        regionMap.isFree(start, end)
    }

    /// Whether one more region fits under `maximumRegionCount`.
    var hasRoomForRegion: Bool { regionMap.count < Self.maximumRegionCount }

    /// Adds a region over free, page-aligned space; false (nothing added) if the address
    /// space already has `maximumRegionCount` regions.
    @discardableResult
    func addRegion(_ region: MemoryRegion) -> Bool {
        guard hasRoomForRegion else { return false }
        regionMap.insert(region)
        return true
    }

    /// Grows or shrinks the region starting at `start` to end at `end` (the heap's break).
    func resizeRegion(startingAt start: UInt64, to end: UInt64) {
        guard let region = regionMap.region(startingAt: start) else { return }
        if end < region.end { releasePages(from: end, to: region.end) }
        regionMap.setEnd(ofRegionAt: start, to: end)
    }

    /// Frees the pages of `[start, end)` and keeps its regions, so the next touch gets a
    /// zeroed page: madvise(MADV_DONTNEED) on anonymous memory.
    func discardPages(from start: UInt64, to end: UInt64) {
        releasePages(from: start, to: end)
    }

    /// Moves the page at `source`, if it has a frame, to `destination` with the same frame,
    /// R/W/X bits and copy-on-write mark (mremap moves pages, never copies them). False if
    /// a page table for `destination` could not be made; nothing moved then.
    func movePage(from source: UInt64, to destination: UInt64) -> Bool {
        guard let (frame, bits) = pageTable.lookup(Self.pageDown(source)) else { return true }
        let copyOnWrite = bits & PageTable.copyOnWrite != 0
        guard pageTable.map(Self.pageDown(destination), to: frame, permissions: bits, copyOnWrite: copyOnWrite, frames: frames) else {
            return false
        }
        _ = pageTable.unmap(Self.pageDown(source))
        return true
    }

    /// The highest free range of `length` bytes that ends at or below `ceiling` and starts
    /// at or above `floor` (mmap places mappings top-down, as Linux does).
    func freeRange(length: UInt64, floor: UInt64, ceiling: UInt64) -> UInt64? {
        regionMap.highestFreeRange(length: length, floor: floor, ceiling: ceiling)
    }

    /// The number of regions after removing `[start, end)` (a region cut in the middle
    /// becomes two).
    func regionCountAfterRemoving(_ start: UInt64, _ end: UInt64) -> Int {
        regionMap.countAfterReplacing(start, end) { ($0.start < start ? 1 : 0) + ($0.end > end ? 1 : 0) }
    }

    /// Removes `[start, end)` from every region (splitting them) and frees its pages; false
    /// (nothing changed) if a split would pass `maximumRegionCount`.
    @discardableResult
    func removeRange(_ start: UInt64, _ end: UInt64) -> Bool {
        guard regionCountAfterRemoving(start, end) <= Self.maximumRegionCount else { return false }
        regionMap.replaceOverlapping(start, end) { region in
            var pieces: [MemoryRegion] = []
            if region.start < start { pieces.append(region.piece(region.start, start)) }
            if region.end > end { pieces.append(region.piece(end, region.end)) }
            return pieces
        }
        releasePages(from: start, to: end)
        return true
    }

    /// Sets the permissions of `[start, end)`, which must be covered by regions entirely.
    /// False (nothing changed) if part of it is unmapped, or if the splits would pass
    /// `maximumRegionCount`.
    func protectRange(_ start: UInt64, _ end: UInt64, permissions: UInt64) -> Bool {
        var covered = start, gap = false
        regionMap.forEachOverlapping(start, end) { region in
            if region.start > covered { gap = true }
            covered = region.end
        }
        guard !gap, covered >= end else { return false }
        let newCount = regionMap.countAfterReplacing(start, end) { 1 + ($0.start < start ? 1 : 0) + ($0.end > end ? 1 : 0) }
        guard newCount <= Self.maximumRegionCount else { return false }
        regionMap.replaceOverlapping(start, end) { region in
            var pieces: [MemoryRegion] = []
            if region.start < start { pieces.append(region.piece(region.start, start)) }
            var middle = region.piece(max(start, region.start), min(end, region.end))
            middle.permissions = permissions
            pieces.append(middle)
            if region.end > end { pieces.append(region.piece(end, region.end)) }
            return pieces
        }
        pageTable.forEachMappedPage(from: start, to: end) { page in _ = pageTable.protect(page, permissions: permissions) }
        return true
    }

    // MARK: Pages

    private func releasePages(from start: UInt64, to end: UInt64) {
        var pages: [UInt64] = []
        pageTable.forEachMappedPage(from: start, to: end) { pages.append($0) }
        for page in pages {
            if let frame = pageTable.unmap(page) {
                frames.release(frame)
                // Never below zero, even if the table and the count disagree (RAM the kernel
                // did not write, as a broken snapshot restore leaves it): a clean end, no trap.
                if residentPages > 0 { residentPages -= 1 }
            }
        }
    }

    /// Gives the page at `address` a zeroed frame, with its region's permissions.
    private func mapNewPage(_ address: UInt64, permissions: UInt64) -> UInt64? {
        guard residentPages < pageLimit, let frame = frames.allocate() else { return nil }
        guard pageTable.map(Self.pageDown(address), to: frame, permissions: permissions, frames: frames) else {
            frames.release(frame)
            return nil
        }
        residentPages += 1
        peakResidentPages = max(peakResidentPages, residentPages)
        return frame
    }

    /// Maps a page now (the loader's path) whatever the region's permissions; returns its frame.
    func populate(_ address: UInt64, permissions: UInt64) -> UInt64? {
        if let (frame, _) = pageTable.lookup(Self.pageDown(address)) { return frame }
        return mapNewPage(address, permissions: permissions)
    }

    /// The frame behind `address` for `access`, giving the page a frame on first touch.
    /// This is the page-fault handler's work, and the check behind every copyIn/copyOut.
    func resolve(_ address: UInt64, for access: MemoryAccess) -> Result<UInt64, PageFaultFailure> {
        guard let region = region(containing: address) else { return .failure(.unmapped) }
        guard region.permissions & access.permission != 0 else { return .failure(.forbidden(region)) }
        if let (frame, bits) = pageTable.lookup(Self.pageDown(address)) {
            if access == .write, bits & PageTable.copyOnWrite != 0 { return endCopyOnWrite(address, frame: frame, region: region) }
            return .success(frame)
        }
        guard let frame = mapNewPage(address, permissions: region.permissions) else { return .failure(.outOfMemory) }
        demandFaults += 1
        onDemandFault?(address)
        return .success(frame)
    }

    // MARK: Copying to and from user memory

    /// Bytes at `[address, address+count)`, or the failure at the first bad page.
    func copyIn(from address: UInt64, count: Int) -> Result<[UInt8], PageFaultFailure> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var virtual = address, remaining = UInt64(count)
        while remaining > 0 {
            switch resolve(virtual, for: .read) {
            case .failure(let failure): return .failure(failure)
            case .success(let frame):
                let offset = virtual & (Self.pageSize - 1)
                let chunk = min(remaining, Self.pageSize - offset)
                guard let piece = memory.read(at: frame + offset, count: Int(chunk)) else { return .failure(.unmapped) }
                bytes += piece
                virtual &+= chunk
                remaining -= chunk
            }
        }
        return .success(bytes)
    }

    /// Writes `bytes` at `address`; on failure, the bytes before the bad page are written.
    func copyOut(_ bytes: [UInt8], to address: UInt64) -> Result<Void, PageFaultFailure> {
        var virtual = address, index = 0
        while index < bytes.count {
            switch resolve(virtual, for: .write) {
            case .failure(let failure): return .failure(failure)
            case .success(let frame):
                let offset = virtual & (Self.pageSize - 1)
                let chunk = min(bytes.count - index, Int(Self.pageSize - offset))
                memory.write(bytes[index..<index + chunk], at: frame + offset)
                virtual &+= UInt64(chunk)
                index += chunk
            }
        }
        return .success(())
    }

    /// A NUL-terminated string of at most `limit` bytes.
    func copyInString(from address: UInt64, limit: Int) -> Result<[UInt8], PageFaultFailure> {
        var bytes: [UInt8] = []
        var virtual = address
        while bytes.count < limit {
            guard case .success(let frame) = resolve(virtual, for: .read) else { return .failure(.unmapped) }
            guard let byte = memory.readInteger(at: frame + (virtual & (Self.pageSize - 1)), size: 1) else { return .failure(.unmapped) }
            if byte == 0 { return .success(bytes) }
            bytes.append(UInt8(byte))
            virtual &+= 1
        }
        return .success(bytes)
    }

    // MARK: Copy-on-write (fork)

    /// A write reached a page shared copy-on-write: alone with the frame, the page just
    /// becomes writable; otherwise it gets a copy of its own and lets the shared one go.
    private func endCopyOnWrite(_ address: UInt64, frame: UInt64, region: MemoryRegion) -> Result<UInt64, PageFaultFailure> {
        let page = Self.pageDown(address)
        var target = frame
        if frames.users(of: frame) > 1 {
            guard let copy = frames.allocate() else { return .failure(.outOfMemory) }
            guard let bytes = memory.read(at: frame, count: Int(Self.pageSize)) else {
                frames.release(copy)
                return .failure(.unmapped)
            }
            memory.write(bytes[...], at: copy)
            frames.release(frame)
            target = copy
            copyOnWriteCopies &+= 1
        } else {
            copyOnWriteReuses &+= 1
        }
        // The table exists (the page was mapped), so remapping takes no frame.
        guard pageTable.map(page, to: target, permissions: region.permissions, frames: frames) else { return .failure(.outOfMemory) }
        onCopyOnWriteEnded?(page, frame, target)
        return .success(target)
    }

    /// The child's address space for fork: the same regions; every mapped page shares its
    /// frame, copy-on-write for private regions (this side's pages lose W too: the caller
    /// flushes the harts' translations) and writable on both sides for MAP_SHARED ones,
    /// whose untouched pages are given frames first so both sides see the same ones. Nil
    /// when RAM or the memory limit runs out (nothing is left taken).
    func forkCopy() -> AddressSpace? {
        guard let child = AddressSpace(memory: memory, frames: frames, pageLimit: pageLimit) else { return nil }
        let all = regionMap.all
        for region in all where region.shared {
            var page = region.start
            while page < region.end {
                guard populate(page, permissions: region.permissions) != nil else { child.release(); return nil }
                page += Self.pageSize
            }
        }
        for region in all {
            child.regionMap.insert(region)
            var pages: [UInt64] = []
            pageTable.forEachMappedPage(from: region.start, to: region.end) { pages.append($0) }
            for page in pages {
                guard let (frame, bits) = pageTable.lookup(page) else { continue }
                let copyOnWrite = !region.shared
                if copyOnWrite, bits & PageTable.copyOnWrite == 0 { _ = pageTable.markCopyOnWrite(page) }
                guard child.residentPages < child.pageLimit,
                      child.pageTable.map(page, to: frame, permissions: region.permissions, copyOnWrite: copyOnWrite, frames: frames) else {
                    child.release()
                    return nil
                }
                frames.share(frame)
                child.residentPages += 1
            }
        }
        child.peakResidentPages = child.residentPages
        child.onDemandFault = onDemandFault
        return child
    }

    /// Frees every page and table: the process is gone.
    func release() {
        for region in regionMap.all { releasePages(from: region.start, to: region.end) }
        regionMap = RegionMap()
        for frame in pageTable.tableFrames { frames.release(frame) }
    }
}
