// Physical memory protection (privileged spec, "Physical Memory Protection"): sixteen
// entries of pmpcfg/pmpaddr per hart, each OFF, TOR, NA4 or NAPOT with R/W/X and a lock,
// checked against the physical address of every fetch, load, store and page-table access.
//
// Cost: the check runs on the slow paths only. The run loop's shortcuts (the fast TLB for
// data, the fetch cache for code) are filled only for pages that one entry — or none —
// covers whole, after the check, and are flushed when an entry changes; so a run that
// never writes an entry pays nothing, and one that does pays once per cached page.

/// How a machine implements PMP (`--pmp`).
public enum PMPPolicy: String, Sendable, CaseIterable {
    /// No entries: the CSRs read as zero and nothing is checked (as before PMP existed here).
    case off
    /// Sixteen entries; while every entry is OFF, S- and U-mode reach all of memory, so
    /// programs and host kernels that never set PMP keep running. Once any entry is on,
    /// the specification's rules hold in full.
    case permissive
    /// Sixteen entries with the specification's rule from reset: an S- or U-mode access
    /// that no entry matches fails, as on QEMU's `virt` today — a kernel must set PMP
    /// before it leaves M-mode.
    case strict
}

/// One hart's PMP registers and what they decode to.
struct PhysicalMemoryProtection {
    static let entryCount = 16
    /// pmpaddr holds bits 55:2 of a physical address (56-bit physical addresses on RV64).
    static let addressMask: UInt64 = (1 << 54) - 1
    static let read: UInt8 = 1, write: UInt8 = 2, execute: UInt8 = 4, locked: UInt8 = 0x80
    static let modeShift: UInt8 = 3
    static let off: UInt8 = 0, topOfRange: UInt8 = 1, naturallyAligned4: UInt8 = 2, naturallyAlignedPowerOf2: UInt8 = 3

    /// A decoded active entry: the bytes [first, last] it covers and its pmpcfg byte.
    struct Region {
        var first: UInt64
        var last: UInt64
        var config: UInt8
    }

    let policy: PMPPolicy
    /// G: the granularity is 2^(G+2) bytes.
    let granularityShift: UInt64
    private(set) var config = [UInt8](repeating: 0, count: entryCount)
    private(set) var address = [UInt64](repeating: 0, count: entryCount)
    /// Active entries in priority order (lowest number first).
    private(set) var regions: [Region] = []
    /// Some entry is not OFF (an empty TOR range is on, yet matches nothing).
    private(set) var anyActive = false
    private(set) var anyLocked = false

    init(policy: PMPPolicy, granularity: UInt64) {
        self.policy = policy
        granularityShift = UInt64(max(2, granularity.trailingZeroBitCount) - 2)
    }

    var implemented: Bool { policy != .off }

    /// Whether accesses made with `mode` must be checked at all right now. M-mode is bound
    /// only by locked entries; S and U by any entry (or, under `strict`, always).
    func checks(_ mode: PrivilegeMode) -> Bool {
        switch policy {
        case .off: return false
        case .permissive: return mode == .machine ? anyLocked : anyActive
        case .strict: return mode == .machine ? anyLocked : true
        }
    }

    /// Whether an access of `size` bytes at `physical` (any size, up to a page) is allowed.
    /// The lowest-numbered entry matching any byte decides; it must match every byte.
    func allows(_ physical: UInt64, size: UInt64, kind: AccessKind, mode: PrivilegeMode) -> Bool {
        let last = physical &+ (size &- 1)
        guard last >= physical else { return false }   // wraps past the top of memory
        for region in regions where physical <= region.last && last >= region.first {
            guard physical >= region.first && last <= region.last else { return false }
            if mode == .machine && region.config & Self.locked == 0 { return true }
            let needed: UInt8 = switch kind {
            case .fetch: Self.execute
            case .load: Self.read
            case .store: Self.write
            }
            return region.config & needed != 0
        }
        return mode == .machine || (policy == .permissive && !anyActive)
    }

    // MARK: CSRs

    /// pmpcfg0 (entries 0–7) or pmpcfg2 (8–15); nil for numbers RV64 does not have.
    func readConfig(_ number: UInt16) -> UInt64? {
        guard number & 1 == 0 else { return nil }
        let first = Int(number - 0x3A0) * 4
        guard implemented, first < Self.entryCount else { return 0 }
        var value: UInt64 = 0
        for byte in 0..<8 { value |= UInt64(config[first + byte]) << UInt64(8 * byte) }
        return value
    }

    /// pmpaddrN as read: with G ≥ 1 its low bits follow the entry's mode.
    func readAddress(_ index: Int) -> UInt64 {
        guard implemented, index < Self.entryCount else { return 0 }
        let value = address[index]
        let mode = (config[index] >> Self.modeShift) & 3
        if granularityShift >= 2 && mode == Self.naturallyAlignedPowerOf2 {
            return value | ((1 << (granularityShift - 1)) - 1)
        }
        if granularityShift >= 1 && mode < Self.naturallyAligned4 {
            return value & ~((1 << granularityShift) - 1)
        }
        return value
    }

    /// Writes pmpcfg0 or pmpcfg2: locked bytes keep their value; W without R is not kept,
    /// nor NA4 when the granularity is coarser than 4 bytes (it becomes NAPOT, as Spike does).
    mutating func writeConfig(_ number: UInt16, _ value: UInt64) -> Bool {
        guard number & 1 == 0 else { return false }
        let first = Int(number - 0x3A0) * 4
        guard implemented, first < Self.entryCount else { return true }
        for byte in 0..<8 where config[first + byte] & Self.locked == 0 {
            var new = UInt8(truncatingIfNeeded: value >> UInt64(8 * byte)) & 0x9F
            if new & Self.read == 0 { new &= ~Self.write }
            if granularityShift >= 1 && (new >> Self.modeShift) & 3 == Self.naturallyAligned4 {
                new |= Self.naturallyAlignedPowerOf2 << Self.modeShift
            }
            config[first + byte] = new
        }
        decode()
        return true
    }

    /// Writes pmpaddrN, unless its entry is locked or the next entry is a locked TOR
    /// (whose bottom it is).
    mutating func writeAddress(_ index: Int, _ value: UInt64) {
        guard implemented, index < Self.entryCount, config[index] & Self.locked == 0 else { return }
        if index + 1 < Self.entryCount, config[index + 1] & Self.locked != 0,
           (config[index + 1] >> Self.modeShift) & 3 == Self.topOfRange { return }
        address[index] = value & Self.addressMask
        decode()
    }

    /// Rebuilds the active regions from the registers (after every write).
    private mutating func decode() {
        regions.removeAll(keepingCapacity: true)
        anyActive = false
        anyLocked = false
        let torMask = ~((UInt64(1) << granularityShift) - 1)
        for index in 0..<Self.entryCount {
            let entry = config[index]
            let mode = (entry >> Self.modeShift) & 3
            let value = address[index]
            if mode != Self.off { anyActive = true }
            if mode != Self.off && entry & Self.locked != 0 { anyLocked = true }
            switch mode {
            case Self.topOfRange:
                // Bits G-1:0 play no part in TOR matching.
                let bottom = index == 0 ? 0 : (address[index - 1] & torMask) << 2
                let top = (value & torMask) << 2
                guard bottom < top else { continue }   // an empty range matches nothing
                regions.append(Region(first: bottom, last: top - 1, config: entry))
            case Self.naturallyAligned4:
                regions.append(Region(first: value << 2, last: value << 2 | 3, config: entry))
            case Self.naturallyAlignedPowerOf2:
                // The trailing ones of pmpaddr (at least G-1 of them) give the size: 2^(ones+3) bytes.
                let withOnes = (value << 1) | 1 | ~torMask
                let ones = withOnes & ~(withOnes &+ 1)
                let span = ones << 2 | 3
                regions.append(Region(first: (value << 2) & ~span, last: (value << 2) | span, config: entry))
            default:
                continue
            }
        }
    }
}

extension Hart {
    /// Checks an access against PMP for `mode` (the data or fetch privilege, or S for the
    /// page-table walker); true when allowed or when PMP does not apply to the mode.
    @inline(__always) func pmpAllows(_ physical: UInt64, size: UInt64, kind: AccessKind, mode: PrivilegeMode) -> Bool {
        guard pmpInForce else { return true }
        return pmp.checks(mode) ? pmp.allows(physical, size: size, kind: kind, mode: mode) : true
    }

    /// Whether every access of `kind` in the 4 KiB page at `physical` is allowed: only then
    /// may the run loop's fast TLB or fetch cache serve the page without asking again.
    func pmpAllowsWholePage(_ physical: UInt64, kind: AccessKind, mode: PrivilegeMode) -> Bool {
        pmpAllows(physical & ~0xFFF, size: 4096, kind: kind, mode: mode)
    }

    /// A pmpcfg or pmpaddr CSR changed: what was cached under the old rules goes.
    func pmpChanged() {
        pmpInForce = pmp.checks(.machine) || pmp.checks(.supervisor)
        flushFastTLB()
        updateTranslation()
        breakRequested = true
    }
}
