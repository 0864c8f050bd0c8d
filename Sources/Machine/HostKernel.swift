// What a kernel running on the host (DESIGN decision 2) may do to a hart besides reading
// and writing registers: switch the address space, drop cached translations after it
// edits page tables, and let simulated time pass while a thread sleeps.

extension Hart {
    /// Installs `satp` as a kernel's `csrw satp` + `sfence.vma` would: the new address
    /// space is in effect from the next instruction, with no stale translations.
    public func setAddressTranslation(_ value: UInt64) {
        let mode = value >> 60
        guard mode == 0 || mode == 8 else { return }
        satp = value & ((0xF << 60) | (0xFFFF << 44) | ((1 << 44) - 1))
        fenceVirtualMemory(address: nil, asid: nil)
        updateTranslation()
    }

    /// The current `satp` (mode, ASID, root page number).
    public var addressTranslation: UInt64 { satp }

    /// `sfence.vma` on behalf of the host after it changed page tables: one page, or all.
    public func flushAddressTranslation(address: UInt64? = nil) {
        fenceVirtualMemory(address: address, asid: nil)
    }

    /// Turns the F and D extensions on (mstatus.FS = Initial) or off, as a kernel does
    /// before it first runs a thread; with FS Off every float instruction is illegal.
    public func setFloatingPointEnabled(_ enabled: Bool) {
        mstatus = (mstatus & ~CSRBits.fs) | (enabled ? 1 << 13 : 0)
    }

    /// Moves this hart's clock forward, as if it had slept for `cycles`.
    public func advanceClock(by cycles: UInt64) {
        cycle = cycle &+ cycles
    }
}
