// madvise and mremap (issue 16): what allocators (Go's scavenger, glibc's realloc of
// large blocks) ask of anonymous memory, with Linux's checks and errno.
//   madvise(addr, len, advice)  DONTNEED, DONTNEED_LOCKED and FREE give the pages of
//       anonymous memory back (the next touch reads zeroes; the program's own segments
//       and MAP_SHARED memory keep theirs); POPULATE_READ/WRITE give pages frames now; NORMAL, RANDOM,
//       SEQUENTIAL, WILLNEED, COLD, PAGEOUT, HUGEPAGE, NOHUGEPAGE, MERGEABLE, UNMERGEABLE,
//       DONTDUMP, DODUMP, DOFORK and KEEPONFORK change nothing here and succeed; DONTFORK,
//       WIPEONFORK, REMOVE and COLLAPSE answer EINVAL (this kernel keeps no per-region
//       fork advice and has no shared or huge pages). A hole in the range gives ENOMEM
//       after the rest was advised, as on Linux.
//   mremap(old, old_len, new_len, flags, new)  shrinks in place, grows in place when the
//       space after is free, or with MREMAP_MAYMOVE moves the pages (their frames, not
//       copies) to a new place; MREMAP_FIXED and MREMAP_DONTUNMAP as Linux has them.
//       Only mmap's regions can be remapped (the heap, stack and program: EFAULT).

import Machine

extension Kernel {
    static let MADV_NORMAL: Int32 = 0, MADV_RANDOM: Int32 = 1, MADV_SEQUENTIAL: Int32 = 2, MADV_WILLNEED: Int32 = 3
    static let MADV_DONTNEED: Int32 = 4, MADV_FREE: Int32 = 8, MADV_REMOVE: Int32 = 9, MADV_DONTFORK: Int32 = 10
    static let MADV_DOFORK: Int32 = 11, MADV_MERGEABLE: Int32 = 12, MADV_UNMERGEABLE: Int32 = 13, MADV_HUGEPAGE: Int32 = 14
    static let MADV_NOHUGEPAGE: Int32 = 15, MADV_DONTDUMP: Int32 = 16, MADV_DODUMP: Int32 = 17, MADV_WIPEONFORK: Int32 = 18
    static let MADV_KEEPONFORK: Int32 = 19, MADV_COLD: Int32 = 20, MADV_PAGEOUT: Int32 = 21, MADV_POPULATE_READ: Int32 = 22
    static let MADV_POPULATE_WRITE: Int32 = 23, MADV_DONTNEED_LOCKED: Int32 = 24, MADV_COLLAPSE: Int32 = 25
    static let MREMAP_MAYMOVE: UInt64 = 1, MREMAP_FIXED: UInt64 = 2, MREMAP_DONTUNMAP: UInt64 = 4

    /// What madvise does with one kind of advice.
    private enum Advice { case discard, populate(MemoryAccess), nothing, refused }

    private static func advice(_ value: Int32) -> Advice? {
        switch value {
        case MADV_DONTNEED, MADV_FREE, MADV_DONTNEED_LOCKED: .discard
        case MADV_POPULATE_READ: .populate(.read)
        case MADV_POPULATE_WRITE: .populate(.write)
        case MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT, MADV_HUGEPAGE,
             MADV_NOHUGEPAGE, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_DONTDUMP, MADV_DODUMP, MADV_DOFORK, MADV_KEEPONFORK:
            .nothing
        case MADV_DONTFORK, MADV_WIPEONFORK, MADV_REMOVE, MADV_COLLAPSE: .refused
        default: nil
        }
    }

    func adviseMemory(_ arguments: SystemCallArguments, thread: Thread) -> SystemCallResult {
        let start = arguments[0], length = arguments[1]
        guard let advice = Kernel.advice(arguments.int32(2)), start & (AddressSpace.pageSize - 1) == 0,
              let size = AddressSpace.pageUp(length) else { return .error(.EINVAL) }
        let (end, overflow) = start.addingReportingOverflow(size)
        guard !overflow else { return .error(.EINVAL) }
        guard end > start else { return .value(0) }
        if case .refused = advice { return .error(.EINVAL) }
        let space = thread.process.addressSpace
        // The regions in the range, and whether a hole lies between them.
        var pieces: [MemoryRegion] = [], covered = start
        var hole = false
        space.regionMap.forEachOverlapping(start, end) { region in
            if region.start > covered { hole = true }
            pieces.append(region)
            covered = region.end
        }
        if covered < end { hole = true }
        for region in pieces {
            let from = max(start, region.start), to = min(end, region.end)
            switch advice {
            case .discard:
                // The program's segments keep their pages (Linux would reread the file), and
                // a MAP_SHARED region keeps its frames shared with the other processes.
                guard region.kind != .program, region.kind != .trampoline, !region.shared else { continue }
                space.discardPages(from: from, to: to)
                flushTranslations()
            case .populate(let access):
                var page = from
                while page < to {
                    switch space.resolve(page, for: access) {
                    case .success: break
                    case .failure(.outOfMemory): return .error(.ENOMEM)
                    case .failure: return .error(.EINVAL)
                    }
                    page += AddressSpace.pageSize
                }
            case .nothing, .refused:
                break
            }
        }
        return hole ? .error(.ENOMEM) : .value(0)
    }

    func remapMemory(_ arguments: SystemCallArguments, thread: Thread) -> SystemCallResult {
        let old = arguments[0], flags = arguments[3], requested = arguments[4]
        let mayMove = flags & Kernel.MREMAP_MAYMOVE != 0, fixed = flags & Kernel.MREMAP_FIXED != 0
        let keepOld = flags & Kernel.MREMAP_DONTUNMAP != 0
        guard flags & ~(Kernel.MREMAP_MAYMOVE | Kernel.MREMAP_FIXED | Kernel.MREMAP_DONTUNMAP) == 0,
              !fixed || mayMove, !keepOld || (mayMove && arguments[1] == arguments[2]),
              old & (AddressSpace.pageSize - 1) == 0,
              let oldSize = AddressSpace.pageUp(arguments[1]), let newSize = AddressSpace.pageUp(arguments[2]), newSize > 0 else {
            return .error(.EINVAL)
        }
        let space = thread.process.addressSpace
        if fixed || keepOld {
            return moveMapping(old, oldSize: oldSize, newSize: newSize, to: requested, fixed: fixed, keepOld: keepOld, of: thread.process)
        }
        if oldSize >= newSize {
            guard Kernel.isUserRange(old, oldSize) else { return .error(.EINVAL) }   // munmap's check on the tail
            guard oldSize == newSize || space.removeRange(old + newSize, old + oldSize) else { return .error(.ENOMEM) }
            flushTranslations()
            return .value(Int64(bitPattern: old))
        }
        let region: MemoryRegion
        switch resizableRegion(old, oldSize: oldSize, in: space) {
        case .failure(let errno): return .error(errno)
        case .success(let found): region = found
        }
        // Grow in place when the old range ends the region and the space after it is free.
        let (newEnd, overflow) = old.addingReportingOverflow(newSize)
        if old &+ oldSize == region.end, !overflow, newEnd <= mappingCeiling, space.isFree(region.end, newEnd) {
            space.resizeRegion(startingAt: region.start, to: newEnd)
            return .value(Int64(bitPattern: old))
        }
        guard mayMove else { return .error(.ENOMEM) }
        return moveMapping(old, oldSize: oldSize, newSize: newSize, to: 0, fixed: false, keepOld: false, of: thread.process)
    }

    /// Whether `[start, start + size)` lies in user memory (no wrap-around).
    static func isUserRange(_ start: UInt64, _ size: UInt64) -> Bool {
        start <= PageTable.userLimit && size <= PageTable.userLimit - start
    }

    /// The region the range `[old, old + oldSize)` lies in, which mremap may resize: EFAULT
    /// when it is not all in one of mmap's regions, EINVAL for a zero old size (Linux
    /// duplicates only shared mappings that way, and this kernel has none).
    private func resizableRegion(_ old: UInt64, oldSize: UInt64, in space: AddressSpace) -> Result<MemoryRegion, Errno> {
        guard let region = space.region(containing: old), region.kind == .mapping, oldSize <= region.end - old else {
            return .failure(.EFAULT)
        }
        return oldSize == 0 ? .failure(.EINVAL) : .success(region)
    }

    /// mremap's move: the pages of `[old, old + min(oldSize, newSize))` go to a new range of
    /// `newSize` bytes, at `requested` when `fixed` (what was there is unmapped) or where
    /// mmap would put it (`requested` is then a hint, for DONTUNMAP). The old range is
    /// unmapped, or with `keepOld` stays mapped and empty.
    private func moveMapping(_ old: UInt64, oldSize: UInt64, newSize: UInt64, to requested: UInt64, fixed: Bool, keepOld: Bool,
                             of process: Process) -> SystemCallResult {
        let space = process.addressSpace
        var oldSize = oldSize
        if fixed {
            guard requested & (AddressSpace.pageSize - 1) == 0 else { return .error(.EINVAL) }
            guard requested >= UserLayout.lowest, newSize <= mappingCeiling, requested <= mappingCeiling - newSize else {
                return .error(.EINVAL)
            }
            // The old and the new range must not overlap.
            if old &+ oldSize > requested, requested + newSize > old { return .error(.EINVAL) }
        }
        let region: MemoryRegion
        switch resizableRegion(old, oldSize: min(oldSize, newSize) == 0 ? oldSize : min(oldSize, newSize), in: space) {
        case .failure(let errno): return .error(errno)
        case .success(let found): region = found
        }
        if fixed {
            guard space.removeRange(requested, requested + newSize) else { return .error(.ENOMEM) }
        }
        if oldSize > newSize {
            guard Kernel.isUserRange(old, oldSize) else { return .error(.EINVAL) }
            guard space.removeRange(old + newSize, old + oldSize) else { return .error(.ENOMEM) }
            oldSize = newSize
        }
        let destination: UInt64
        if fixed {
            destination = requested
        } else if requested & (AddressSpace.pageSize - 1) == 0, requested >= UserLayout.lowest, newSize <= mappingCeiling,
                  requested <= mappingCeiling - newSize, space.isFree(requested, requested + newSize) {
            destination = requested
        } else {
            let floor = AddressSpace.pageUp(process.breakEnd) ?? process.breakEnd
            guard let found = space.freeRange(length: newSize, floor: floor, ceiling: mappingCeiling) else { return .error(.ENOMEM) }
            destination = found
        }
        // One region more for the new range, and one more if the old one is cut in the middle.
        let extra = keepOld ? 1 : space.regionCountAfterRemoving(old, old + oldSize) - space.regionMap.count + 1
        guard space.regionMap.count + extra <= AddressSpace.maximumRegionCount else { return .error(.ENOMEM) }
        var moved = region   // the same permissions, kind and sharing
        moved.start = destination
        moved.end = destination + newSize
        space.addRegion(moved)
        var pages: [UInt64] = []
        space.pageTable.forEachMappedPage(from: old, to: old + oldSize) { pages.append($0) }
        for (index, page) in pages.enumerated() where !space.movePage(from: page, to: destination + (page - old)) {
            // No frame for a page table: put back what moved and give up, as if never called.
            for moved in pages[..<index] { _ = space.movePage(from: destination + (moved - old), to: moved) }
            space.removeRange(destination, destination + newSize)
            flushTranslations()
            return .error(.ENOMEM)
        }
        if !keepOld { space.removeRange(old, old + oldSize) }
        flushTranslations()
        return .value(Int64(bitPattern: destination))
    }
}
