// Sv39 address translation (privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory
// System" and "Virtual Address Translation Process"), with a per-hart TLB.
//
// A and D bits: by default the walker sets them itself, as QEMU does (Svadu, with
// menvcfg.ADUE set at reset), so kernels written for QEMU that build page tables without
// them run. With `AccessDirtyUpdates.pageFault` (or ADUE cleared) a leaf whose A bit is
// clear, or whose D bit is clear on a store, raises a page fault instead (Svade), which
// lets a kernel count first touches and writes. Page-table reads and A/D writes are
// S-mode accesses for PMP.

enum AccessKind {
    case fetch, load, store

    var pageFault: ExceptionCause {
        switch self {
        case .fetch: .instructionPageFault
        case .load: .loadPageFault
        case .store: .storePageFault
        }
    }
    var accessFault: ExceptionCause {
        switch self {
        case .fetch: .instructionAccessFault
        case .load: .loadAccessFault
        case .store: .storeAccessFault
        }
    }
}

/// Sv39 page-table entry bits, for the walker and for host kernels that build page tables.
public enum PTE {
    public static let valid: UInt64 = 1, read: UInt64 = 2, write: UInt64 = 4, execute: UInt64 = 8
    public static let user: UInt64 = 16, global: UInt64 = 32, accessed: UInt64 = 64, dirty: UInt64 = 128
    /// Bits 63:54 (N, PBMT and reserved) must be zero without Svnapot and Svpbmt.
    static let reservedHigh: UInt64 = 0x3FF << 54
}

/// One cached translation: a 4 KiB piece of a leaf, with the leaf's permission bits.
struct TLBEntry {
    var virtualPage: UInt64 = .max
    var physicalPage: UInt64 = 0
    var asid: UInt16 = 0
    var pteBits: UInt64 = 0
    /// The low virtual-page-number bits the leaf spans (0 for 4 KiB, 0x1FF for 2 MiB, 0x3FFFF for
    /// 1 GiB): sfence.vma of any address in a superpage must drop all its pieces.
    var leafMask: UInt64 = 0
}

/// Hit, miss and walk counts of a hart's TLB, readable by the kernel and the lab.
public struct TLBStatistics: Sendable, Equatable {
    public var hits: UInt64 = 0
    public var misses: UInt64 = 0
    public var walks: UInt64 = 0
    public var flushes: UInt64 = 0
}

final class TLB {
    var entries: [TLBEntry]
    let mask: Int
    var statistics = TLBStatistics()

    /// `size` is rounded up to a power of two; the TLB is direct-mapped on the virtual page number.
    init(size: Int) {
        var capacity = 1
        while capacity < max(1, size) { capacity <<= 1 }
        entries = Array(repeating: TLBEntry(), count: capacity)
        mask = capacity - 1
    }

    func flush(virtualAddress: UInt64?, asid: UInt16?) {
        statistics.flushes &+= 1
        for index in entries.indices {
            let entry = entries[index]
            if let virtualAddress,
               entry.virtualPage & ~entry.leafMask != (virtualAddress >> 12) & ((1 << 27) - 1) & ~entry.leafMask { continue }
            if let asid, entry.pteBits & PTE.global != 0 || entry.asid != asid { continue }
            entries[index].virtualPage = .max
        }
    }
}

extension Hart {
    /// The privilege that data accesses are checked against (MPRV substitutes MPP in M-mode).
    var dataPrivilege: PrivilegeMode {
        if privilege == .machine && mstatus & CSRBits.mprv != 0 {
            return PrivilegeMode(rawValue: UInt8((mstatus >> 11) & 3)) ?? .user
        }
        return privilege
    }

    /// Translates `address` for an access of `kind`; raises the page or access fault and
    /// returns nil when it fails. Untranslated accesses return the address unchanged.
    func translate(_ address: UInt64, _ kind: AccessKind, pc: UInt64) -> UInt64? {
        let translated = kind == .fetch ? fetchTranslated : dataTranslated
        guard translated else { return address }
        // Bits 63:39 must equal bit 38.
        let top = Int64(bitPattern: address) >> 38
        guard top == 0 || top == -1 else {
            raise(kind.pageFault, value: address, pc: pc)
            return nil
        }
        let virtualPage = (address >> 12) & ((1 << 27) - 1)
        let asid = UInt16((satp >> 44) & 0xFFFF)
        let index = Int(truncatingIfNeeded: virtualPage) & tlb.mask
        var entry = tlb.entries[index]
        let hit = entry.virtualPage == virtualPage && (entry.asid == asid || entry.pteBits & PTE.global != 0)
        if hit {
            tlb.statistics.hits &+= 1
        } else {
            tlb.statistics.misses &+= 1
        }
        // A miss walks; so does a hit on a leaf cached without the A or D bit this access
        // needs, when the hardware sets them: the update must see the PTE as it is now.
        if !hit || (needsAccessedDirty(entry.pteBits, kind) && updatesAccessedDirty && permits(entry.pteBits, kind)) {
            switch walk(address, kind, updating: updatesAccessedDirty) {
            case .success(let walked):
                entry = walked
                entry.asid = asid
                tlb.entries[index] = entry
            case .pageFault:
                raise(kind.pageFault, value: address, pc: pc)
                return nil
            case .accessFault:
                raise(kind.accessFault, value: address, pc: pc)
                return nil
            }
        }
        guard permits(entry.pteBits, kind), !needsAccessedDirty(entry.pteBits, kind) else {
            raise(kind.pageFault, value: address, pc: pc)
            return nil
        }
        return entry.physicalPage << 12 | (address & 0xFFF)
    }

    /// Whether the walker sets A and D itself (Svadu: menvcfg.ADUE).
    var updatesAccessedDirty: Bool { menvcfg & CSRBits.adue != 0 }

    /// Whether a leaf lacks the A bit, or the D bit for a store.
    @inline(__always) func needsAccessedDirty(_ bits: UInt64, _ kind: AccessKind) -> Bool {
        bits & PTE.accessed == 0 || (kind == .store && bits & PTE.dirty == 0)
    }

    /// Checks a leaf's permissions against the access, privilege, SUM and MXR (A and D apart).
    func permits(_ bits: UInt64, _ kind: AccessKind) -> Bool {
        let mode = kind == .fetch ? privilege : dataPrivilege
        if bits & PTE.user != 0 {
            if mode == .supervisor && (kind == .fetch || mstatus & CSRBits.sum == 0) { return false }
        } else if mode == .user {
            return false
        }
        switch kind {
        case .fetch: if bits & PTE.execute == 0 { return false }
        case .load:
            let readable = bits & PTE.read != 0 || (mstatus & CSRBits.mxr != 0 && bits & PTE.execute != 0)
            if !readable { return false }
        case .store: if bits & PTE.write == 0 { return false }
        }
        return true
    }

    enum WalkResult { case success(TLBEntry), pageFault, accessFault }

    /// The page-table walk, step by step as the privileged specification's algorithm.
    /// With `updating` (Svadu), a leaf that allows the access gets its A bit, and its D bit
    /// for a store, written back to the table before the translation is used.
    func walk(_ address: UInt64, _ kind: AccessKind, updating: Bool = false) -> WalkResult {
        tlb.statistics.walks &+= 1
        var table = (satp & ((1 << 44) - 1)) << 12
        var level = 2
        while true {
            let vpn = (address >> (12 + 9 * UInt64(level))) & 0x1FF
            let pteAddress = table &+ vpn * 8
            guard pmpAllows(pteAddress, size: 8, kind: .load, mode: .supervisor),
                  var pte = memory.readInteger(at: pteAddress, size: 8) else { return .accessFault }
            if pte & PTE.valid == 0 || (pte & PTE.read == 0 && pte & PTE.write != 0) || pte & PTE.reservedHigh != 0 {
                return .pageFault
            }
            let ppn = (pte >> 10) & ((1 << 44) - 1)
            if pte & (PTE.read | PTE.execute) != 0 {
                // A superpage must be aligned: the low PPN fields must be zero.
                let lowBits = UInt64(9 * level)
                if lowBits > 0 && ppn & ((1 << lowBits) - 1) != 0 { return .pageFault }
                if updating && permits(pte, kind) && needsAccessedDirty(pte, kind) {
                    // Only an access that would succeed sets the bits (a faulting store leaves D clear).
                    guard pmpAllows(pteAddress, size: 8, kind: .store, mode: .supervisor) else { return .accessFault }
                    pte |= PTE.accessed | (kind == .store ? PTE.dirty : 0)
                    memory.writeInteger(pte, at: pteAddress, size: 8)
                }
                let offsetPages = (address >> 12) & ((1 << lowBits) - 1)
                return .success(TLBEntry(virtualPage: (address >> 12) & ((1 << 27) - 1),
                                         physicalPage: ppn | offsetPages, pteBits: pte & 0xFF,
                                         leafMask: (1 << lowBits) - 1))
            }
            // A pointer to the next level of the table.
            level -= 1
            if level < 0 { return .pageFault }
            table = ppn << 12
        }
    }

    /// `sfence.vma rs1, rs2`: flushes by address and/or ASID, or everything.
    func fenceVirtualMemory(address: UInt64?, asid: UInt16?) {
        tlb.flush(virtualAddress: address, asid: asid)
        flushFastTLB()
        invalidateFetch()
    }

    /// Hits, misses and walks of this hart's TLB, as the slow path looks it up: accesses the
    /// run loop serves from its fast TLB (FastTLB.swift) do not reach it and count in none.
    public var tlbStatistics: TLBStatistics { tlb.statistics }
}
