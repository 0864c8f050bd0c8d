// A per-hart cache of the code pages the hart fetched from lately: virtual page → the
// decoded block serving it and its RAM offset. A jump, call or return to another page
// used to go through the whole slow fetch (translation, the block lookup, PMP); with this
// it costs one compare when the page was fetched from since the last change of mapping.
//
// An entry is exactly as valid as the fetch block itself (`Hart.fetchBlock`): it is made
// by a successful slow fetch, only for a page PMP does not split, and it goes with
// everything that drops the fetch block — `invalidateFetch` (a change of satp,
// privilege, PMP, `sfence.vma`, `fence.i`, a set PC) clears the table, and a block moved
// to another page (Memory.swift's pool) is forgotten by every hart that holds it. A store
// into a page resets the block's slots but keeps the block, so an entry stays good.

/// One entry: the virtual page base (`.max` when empty), its block and the page's RAM offset.
struct RecentCodePage {
    var page: UInt64
    var block: UnsafeMutablePointer<DecodedInstruction>
    var offset: Int
}

extension Hart {
    /// Entries per hart (direct-mapped on the virtual page number): a loop's callees and
    /// the runtime helpers it calls usually fit.
    static let recentCodePageCount = 16

    static func makeRecentCodePages(empty block: UnsafeMutablePointer<DecodedInstruction>) -> UnsafeMutablePointer<RecentCodePage> {
        let table = UnsafeMutablePointer<RecentCodePage>.allocate(capacity: recentCodePageCount)
        table.initialize(repeating: RecentCodePage(page: .max, block: block, offset: 0), count: recentCodePageCount)
        return table
    }

    /// Forgets every entry (with the fetch block, in `invalidateFetch`).
    @inline(__always)
    func clearRecentCodePages() {
        for index in 0..<Hart.recentCodePageCount { recentCodePages[index].page = .max }
    }

    /// Remembers the page the slow fetch just installed as the fetch block, unless it is
    /// the "refetch" block (a page PMP splits, where each fetch is checked).
    @inline(__always)
    func rememberFetchPage() {
        guard fetchBlock != memory.refetchBlock else { return }
        let entry = recentCodePages + Int(truncatingIfNeeded: (fetchPageBase >> 12) & UInt64(Hart.recentCodePageCount - 1))
        entry.pointee = RecentCodePage(page: fetchPageBase, block: fetchBlock, offset: fetchPageOffset)
    }

    /// Makes the remembered block for `pc`'s page the fetch block, if there is one and the
    /// slot for `pc` holds a decoded record (else the slow fetch must decode it); true if so.
    @inline(__always)
    func recallFetchPage(pc: UInt64) -> Bool {
        let page = pc & ~0xFFF
        let entry = recentCodePages + Int(truncatingIfNeeded: (pc >> 12) & UInt64(Hart.recentCodePageCount - 1))
        guard entry.pointee.page == page,
              entry.pointee.block[Int(truncatingIfNeeded: (pc & 0xFFF) >> 1)].operation.rawValue > Operation.refetch.rawValue
        else { return false }
        fetchBlock = entry.pointee.block
        fetchPageBase = page
        fetchPageOffset = entry.pointee.offset
        return true
    }

    /// A block moved to another page: drop it if this hart fetches through it or remembers it.
    func forgetCodeBlock(_ block: UnsafeMutablePointer<DecodedInstruction>) {
        if fetchBlock == block { invalidateFetch(); return }
        for index in 0..<Hart.recentCodePageCount where recentCodePages[index].block == block {
            recentCodePages[index].page = .max
        }
    }
}
