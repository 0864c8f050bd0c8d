// Sv39 page tables, built by the kernel in the machine's RAM exactly as a RISC-V kernel
// would: three levels of 512 eight-byte entries, 4 KiB leaves. The hardware walker in
// Machine/MMU.swift reads them; the kernel reads them too, to copy system-call arguments
// in and out of user memory (xv6's walk/mappages/uvmunmap).

import Machine

struct PageTable {
    static let pageSize: UInt64 = 4096
    /// User virtual addresses are the lower half of Sv39: 0 ..< 256 GiB.
    static let userLimit: UInt64 = 1 << 38
    /// A software bit (RSW, bit 8, which the hardware ignores): the page's frame is shared
    /// copy-on-write, so its W bit stays clear until a write gives it a copy (Fork.swift).
    static let copyOnWrite: UInt64 = 1 << 8

    let memory: PhysicalMemory
    /// Physical address of the root table.
    let root: UInt64
    /// Every table frame (root included), released when the address space goes.
    private(set) var tableFrames: [UInt64]

    init?(memory: PhysicalMemory, frames: FrameAllocator) {
        guard let root = frames.allocate() else { return nil }
        self.memory = memory
        self.root = root
        tableFrames = [root]
    }

    /// `satp` for this table: Sv39 mode, ASID 0.
    var satp: UInt64 { 8 << 60 | root >> 12 }

    private static func index(_ virtual: UInt64, level: Int) -> UInt64 { (virtual >> (12 + 9 * UInt64(level))) & 0x1FF }

    /// The physical address of the level-0 entry for `virtual`, or nil if a table on the
    /// way is missing.
    private func leafEntryAddress(_ virtual: UInt64) -> UInt64? {
        var table = root
        for level in stride(from: 2, to: 0, by: -1) {
            guard let entry = memory.readInteger(at: table + Self.index(virtual, level: level) * 8, size: 8),
                  entry & PTE.valid != 0 else { return nil }
            table = (entry >> 10) << 12
        }
        return table + Self.index(virtual, level: 0) * 8
    }

    /// Like `leafEntryAddress`, creating the missing tables; nil if RAM runs out.
    private mutating func creatingLeafEntryAddress(_ virtual: UInt64, frames: FrameAllocator) -> UInt64? {
        var table = root
        for level in stride(from: 2, to: 0, by: -1) {
            let address = table + Self.index(virtual, level: level) * 8
            guard let entry = memory.readInteger(at: address, size: 8) else { return nil }
            if entry & PTE.valid != 0 {
                table = (entry >> 10) << 12
                continue
            }
            guard let frame = frames.allocate() else { return nil }
            tableFrames.append(frame)
            memory.writeInteger((frame >> 12) << 10 | PTE.valid, at: address, size: 8)
            table = frame
        }
        return table + Self.index(virtual, level: 0) * 8
    }

    /// Maps the page at `virtual` to `physical` with `permissions` (PTE R/W/X bits). The
    /// U bit and A/D are set here: this machine implements Svade, and the kernel has no
    /// use for A/D faults yet. False if a table could not be allocated.
    /// With `copyOnWrite` the W bit is left clear and the page marked (Fork.swift).
    mutating func map(_ virtual: UInt64, to physical: UInt64, permissions: UInt64, copyOnWrite: Bool = false,
                      frames: FrameAllocator) -> Bool {
        guard let address = creatingLeafEntryAddress(virtual, frames: frames) else { return false }
        var bits = PTE.valid | PTE.user | PTE.accessed | PTE.dirty | (permissions & (PTE.read | PTE.write | PTE.execute))
        if copyOnWrite { bits = (bits & ~PTE.write) | Self.copyOnWrite }
        return memory.writeInteger((physical >> 12) << 10 | bits, at: address, size: 8)
    }

    /// Marks a mapped leaf copy-on-write (its W bit cleared); false if unmapped.
    func markCopyOnWrite(_ virtual: UInt64) -> Bool {
        guard let address = leafEntryAddress(virtual),
              let entry = memory.readInteger(at: address, size: 8), entry & PTE.valid != 0 else { return false }
        return memory.writeInteger((entry & ~PTE.write) | Self.copyOnWrite, at: address, size: 8)
    }

    /// The leaf for `virtual`: its frame and permission bits, or nil if unmapped.
    func lookup(_ virtual: UInt64) -> (frame: UInt64, bits: UInt64)? {
        guard let address = leafEntryAddress(virtual), let entry = memory.readInteger(at: address, size: 8),
              entry & PTE.valid != 0 else { return nil }
        return ((entry >> 10) << 12, entry & 0x3FF)
    }

    /// Visits every mapped page in `[start, end)`, skipping absent tables whole, so a
    /// sparse range of any size costs only what is mapped in it.
    func forEachMappedPage(from start: UInt64, to end: UInt64, _ body: (UInt64) -> Void) {
        var virtual = start
        while virtual < end {
            var table = root
            var level = 2
            var skipped = false
            while level > 0 {
                guard let entry = memory.readInteger(at: table + Self.index(virtual, level: level) * 8, size: 8),
                      entry & PTE.valid != 0 else {
                    // Nothing is mapped in the rest of this table's span.
                    let span: UInt64 = 1 << (12 + 9 * UInt64(level))
                    virtual = (virtual & ~(span - 1)) &+ span
                    skipped = true
                    break
                }
                table = (entry >> 10) << 12
                level -= 1
            }
            if skipped { if virtual == 0 { return }; continue }
            if let entry = memory.readInteger(at: table + Self.index(virtual, level: 0) * 8, size: 8), entry & PTE.valid != 0 {
                body(virtual)
            }
            virtual += Self.pageSize
        }
    }

    /// Changes a mapped leaf's R/W/X bits; false if unmapped. A copy-on-write page keeps
    /// W clear: its first write still has to copy it.
    func protect(_ virtual: UInt64, permissions: UInt64) -> Bool {
        guard let address = leafEntryAddress(virtual),
              let entry = memory.readInteger(at: address, size: 8), entry & PTE.valid != 0 else { return false }
        var bits = (entry & ~(PTE.read | PTE.write | PTE.execute)) | (permissions & (PTE.read | PTE.write | PTE.execute))
        if entry & Self.copyOnWrite != 0 { bits &= ~PTE.write }
        return memory.writeInteger(bits, at: address, size: 8)
    }

    /// Removes the leaf for `virtual` and returns its frame (nil if it was not mapped).
    func unmap(_ virtual: UInt64) -> UInt64? {
        guard let address = leafEntryAddress(virtual),
              let entry = memory.readInteger(at: address, size: 8), entry & PTE.valid != 0 else { return nil }
        memory.writeInteger(0, at: address, size: 8)
        return (entry >> 10) << 12
    }
}
