// The core-local interruptor at 0x0200_0000, laid out as on QEMU's `virt` board and the
// SiFive parts it copies: one `msip` word per hart at +0, one 64-bit `mtimecmp` per hart
// at +0x4000, and the shared `mtime` at +0xBFF8. Time is derived from simulated cycles,
// so reading `mtime` is deterministic.

public final class CLINT {
    public static let base: UInt64 = 0x0200_0000
    public static let size: UInt64 = 0x1_0000
    static let mtimecmpOffset: UInt64 = 0x4000
    static let mtimeOffset: UInt64 = 0xBFF8

    /// Machine software interrupt pending, per hart (only bit 0 of each word exists).
    public internal(set) var msip: [Bool]
    /// Per-hart timer compare values; the timer interrupt is pending while mtime >= mtimecmp.
    public internal(set) var mtimecmp: [UInt64]
    /// Called when a write may change a hart's interrupt state, so it can stop its batch.
    var onChange: (Int) -> Void = { _ in }
    /// Supplies `mtime` as seen by the hart doing the access.
    var currentTime: () -> UInt64 = { 0 }
    /// Lets a guest write of mtime move the time base: stored as an offset.
    var timeOffset: UInt64 = 0

    init(hartCount: Int) {
        msip = Array(repeating: false, count: hartCount)
        mtimecmp = Array(repeating: UInt64.max, count: hartCount)
    }

    func load(offset: UInt64, size: Int) -> UInt64? {
        if offset < 0x4000 {
            let hart = Int(offset / 4)
            guard offset % 4 == 0, size == 4, hart < msip.count else { return 0 }
            return msip[hart] ? 1 : 0
        }
        if offset >= CLINT.mtimeOffset, offset + UInt64(size) <= CLINT.mtimeOffset + 8 {
            let time = currentTime()
            return extract(time, at: offset - CLINT.mtimeOffset, size: size)
        }
        if offset >= CLINT.mtimecmpOffset {
            let relative = offset - CLINT.mtimecmpOffset
            let hart = Int(relative / 8)
            guard hart < mtimecmp.count, relative % 8 + UInt64(size) <= 8 else { return 0 }
            return extract(mtimecmp[hart], at: relative % 8, size: size)
        }
        return 0
    }

    func store(offset: UInt64, size: Int, value: UInt64) -> Bool {
        if offset < 0x4000 {
            let hart = Int(offset / 4)
            if offset % 4 == 0, hart < msip.count {
                msip[hart] = value & 1 != 0
                onChange(hart)
            }
            return true
        }
        if offset >= CLINT.mtimeOffset, offset + UInt64(size) <= CLINT.mtimeOffset + 8 {
            // mtime is writable on real CLINTs; keep it as an offset from cycle-derived time.
            let now = currentTime()
            let updated = insert(value, into: now, at: offset - CLINT.mtimeOffset, size: size)
            timeOffset = timeOffset &+ (updated &- now)
            for hart in 0..<msip.count { onChange(hart) }
            return true
        }
        if offset >= CLINT.mtimecmpOffset {
            let relative = offset - CLINT.mtimecmpOffset
            let hart = Int(relative / 8)
            guard hart < mtimecmp.count, relative % 8 + UInt64(size) <= 8 else { return true }
            mtimecmp[hart] = insert(value, into: mtimecmp[hart], at: relative % 8, size: size)
            onChange(hart)
        }
        return true
    }

    func extract(_ word: UInt64, at byteOffset: UInt64, size: Int) -> UInt64 {
        let shifted = word >> (byteOffset * 8)
        return size >= 8 ? shifted : shifted & ((1 << UInt64(size * 8)) - 1)
    }

    func insert(_ value: UInt64, into word: UInt64, at byteOffset: UInt64, size: Int) -> UInt64 {
        let mask: UInt64 = size >= 8 ? .max : ((1 << UInt64(size * 8)) - 1)
        let shift = byteOffset * 8
        return (word & ~(mask << shift)) | ((value & mask) << shift)
    }
}
