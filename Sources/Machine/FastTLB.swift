// The run loop's fast TLB for data accesses, QEMU-style: one compare decides whether a
// load or store may go straight to RAM. Per virtual page it keeps a load tag, a store tag
// (`address >> 12`, or .max when empty) and the delta from the virtual address to the RAM
// offset. The loop compares the tag at the index of the access's first byte with the page
// of its last byte, so an access that crosses a page misses (a tag at index i always has
// i as its low bits, and the first byte's page can differ from the last's only by one).
// A store tag is only ever filled for a RAM page without flags (decoded code, `tohost`,
// an LR reservation), and dropped when the page gains one, so a store that hits needs
// no look at the page flags. Entries come from the slow path's translations under the
// current privilege, SUM and MXR, and are flushed when any of them change.
//
// 2048 entries (8 MiB of pages) keep a program's arrays of a few MiB translated: with 256,
// a loop striding over 2 MiB (the sieve) evicted its own pages and took the slow path
// with a page walk every 256 pages. A flush (sfence.vma, satp, mmap, munmap) clears only
// the entries filled since the last one, listed as they fill, so its cost does not grow
// with the table; a list that overflowed falls back to clearing everything.

extension Hart {
    func flushFastTLB() {
        if fastFilledCount > Hart.fastTLBSize {
            fastLoadTag.update(repeating: .max, count: Hart.fastTLBSize)
            fastStoreTag.update(repeating: .max, count: Hart.fastTLBSize)
        } else {
            for position in 0..<fastFilledCount {
                let index = Int(truncatingIfNeeded: fastFilledList[position])
                fastLoadTag[index] = .max
                fastStoreTag[index] = .max
            }
        }
        fastFilledCount = 0
    }

    /// Lets the run loop reach the RAM page behind `address` directly for this kind of
    /// access (`physical` is in RAM: the caller checked).
    func fillFastTLB(_ address: UInt64, physical: UInt64, store: Bool) {
        guard dataUsesFastTLB else { return }
        // Under exploration only pages private to the running thread (SchedulePointWatch.swift).
        if pointWatch != nil && !mayFillFastTLB(page: Int(truncatingIfNeeded: (physical &- memory.base) >> 12)) { return }
        if dataChecksPMP && !pmpAllowsWholePage(physical, kind: store ? .store : .load, mode: dataPrivilege) { return }
        let index = Int(truncatingIfNeeded: (address >> 12) & UInt64(Hart.fastTLBSize - 1))
        let delta = (physical & ~0xFFF) &- memory.base &- (address & ~0xFFF)
        if fastLoadTag[index] == .max && fastStoreTag[index] == .max {
            // Empty: listed for the next flush (it may be listed already; the list only needs every filled one).
            if fastFilledCount < Hart.fastTLBSize { fastFilledList[fastFilledCount] = UInt64(index) }
            fastFilledCount &+= 1
        }
        if fastDelta[index] != delta {
            fastLoadTag[index] = .max
            fastStoreTag[index] = .max
            fastDelta[index] = delta
        }
        guard store else {
            fastLoadTag[index] = address >> 12
            return
        }
        // A page with a flag needs each store to take the slow path (PhysicalMemory.raiseFlag).
        let page = Int(truncatingIfNeeded: (physical &- memory.base) >> 12)
        guard memory.pageFlags[page] == 0 else { return }
        memory.fastStorePages[page] = 1
        fastStoreTag[index] = address >> 12
    }

    /// Forgets every fast store entry that reaches RAM page `page` (it gained a flag).
    func dropFastStores(page: Int) {
        let pageOffset = UInt64(page) << 12
        @inline(__always) func drop(_ index: Int) {
            if fastStoreTag[index] != .max, fastStoreTag[index] << 12 &+ fastDelta[index] == pageOffset { fastStoreTag[index] = .max }
        }
        // Only entries filled since the last flush can hold a store tag.
        if fastFilledCount > Hart.fastTLBSize {
            for index in 0..<Hart.fastTLBSize { drop(index) }
        } else {
            for position in 0..<fastFilledCount { drop(Int(truncatingIfNeeded: fastFilledList[position])) }
        }
    }
}

extension PhysicalMemory {
    /// Sets `flag` on RAM page `page`; harts that could store to it straight stop doing so.
    func raiseFlag(_ flag: PageFlags, page: Int) {
        if fastStorePages[page] != 0 {
            fastStorePages[page] = 0
            fastStoresRevoked?(page)
        }
        pageFlags[page] |= flag.rawValue
    }
}
