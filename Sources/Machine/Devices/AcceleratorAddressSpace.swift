// A context's address space as the driver shapes it: mapping zeroed pages with chosen
// permissions (refused whole, never half done, when the range is not free user space or
// memory is short), unmapping them, and the driver's copies in and out (DMA), checked
// page by page against the context's own table.

extension Accelerator {
    /// Maps `bytes` (rounded up to pages) at `virtual` in the context, zeroed, with these
    /// permissions; false if the context is unknown, the range is not free or memory is short.
    /// `virtual` must be page-aligned and the range must lie below `AcceleratorLayout.reservedBase`
    /// (Sv39 user space without the device's own pages).
    public func map(_ number: Int, at virtual: UInt64, bytes: UInt64, writable: Bool, executable: Bool) -> Bool {
        guard let context = context(number), bytes > 0, virtual % AcceleratorMemory.pageSize == 0,
              virtual < AcceleratorLayout.reservedBase,
              bytes <= AcceleratorLayout.reservedBase - virtual else { return false }
        let pages = (bytes + AcceleratorMemory.pageSize - 1) / AcceleratorMemory.pageSize
        var permissions = PTE.read
        if writable { permissions |= PTE.write }
        if executable { permissions |= PTE.execute }
        return mapPages(context, at: virtual, pages: pages, permissions: permissions)
    }

    /// Maps `pages` fresh zeroed frames from `virtual` (page-aligned, inside user space), or
    /// nothing: every page must be free and the frames for the pages and the tables they
    /// need must be there before the first is taken.
    func mapPages(_ context: AcceleratorContext, at virtual: UInt64, pages: UInt64, permissions: UInt64) -> Bool {
        let pageSize = AcceleratorMemory.pageSize
        guard pages > 0, pages <= UInt64(memory.framesAvailable),
              virtual < AcceleratorLayout.userLimit, pages <= (AcceleratorLayout.userLimit - virtual) / pageSize else { return false }
        for page in 0..<pages where memory.leafEntry(root: context.root, virtual: virtual + page * pageSize) != nil {
            return false
        }
        let tables = memory.tablesNeeded(root: context.root, virtual: virtual, pages: pages)
        guard UInt64(tables) + pages <= UInt64(memory.framesAvailable) else { return false }
        for page in 0..<pages {
            guard let frame = memory.allocateFrame(),
                  let added = memory.mapPage(root: context.root, virtual: virtual + page * pageSize, frame: frame,
                                             permissions: permissions) else {
                // Cannot happen (the frames were counted above); undo rather than leave half a mapping.
                context.frames -= memory.unmapRange(root: context.root, from: virtual, to: virtual + page * pageSize)
                return false
            }
            context.frames += 1 + added
        }
        return true
    }

    /// Unmaps what `map` mapped in that range and frees its frames. The device's own pages
    /// (from `AcceleratorLayout.reservedBase` up) stay.
    public func unmap(_ number: Int, at virtual: UInt64, bytes: UInt64) {
        guard let context = context(number), virtual < AcceleratorLayout.reservedBase else { return }
        let end = bytes > AcceleratorLayout.reservedBase - virtual ? AcceleratorLayout.reservedBase : virtual + bytes
        context.frames -= memory.unmapRange(root: context.root, from: virtual, to: end)
        if onLanes === context {
            for hart in lanes.harts { hart.flushAddressTranslation() }
        }
    }

    /// The physical pieces behind [virtual, virtual + count) in the context, page by page,
    /// or nil if any byte is not mapped.
    func physicalPieces(_ context: AcceleratorContext, at virtual: UInt64, count: UInt64) -> [(physical: UInt64, length: Int)]? {
        guard count <= configuration.memorySize, virtual < AcceleratorLayout.userLimit,
              count <= AcceleratorLayout.userLimit - virtual else { return nil }
        var pieces: [(physical: UInt64, length: Int)] = []
        var address = virtual
        let end = virtual + count
        while address < end {
            let pageEnd = (address | (AcceleratorMemory.pageSize - 1)) + 1
            let length = min(pageEnd, end) - address
            guard let physical = memory.translate(root: context.root, virtual: address) else { return nil }
            pieces.append((physical, Int(length)))
            address += length
        }
        return pieces
    }

    /// The driver's copies (DMA): every byte must be mapped in the context; permissions are
    /// not checked (the driver loads read-only code too). False / nil otherwise. Writes do
    /// not reach the device's own pages (stacks, the return page).
    public func write(_ number: Int, at virtual: UInt64, _ bytes: [UInt8]) -> Bool {
        guard let context = context(number), virtual < AcceleratorLayout.reservedBase,
              UInt64(bytes.count) <= AcceleratorLayout.reservedBase - virtual,
              let pieces = physicalPieces(context, at: virtual, count: UInt64(bytes.count)) else { return false }
        var offset = 0
        for piece in pieces {
            memory.ram.write(bytes[offset..<offset + piece.length], at: piece.physical)
            offset += piece.length
        }
        return true
    }

    public func read(_ number: Int, at virtual: UInt64, count: Int) -> [UInt8]? {
        guard let context = context(number), count >= 0,
              let pieces = physicalPieces(context, at: virtual, count: UInt64(count)) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for piece in pieces {
            guard let chunk = memory.ram.read(at: piece.physical, count: piece.length) else { return nil }
            bytes += chunk
        }
        return bytes
    }
}
