// The platform-level interrupt controller at 0x0C00_0000, laid out as on QEMU's `virt`
// board: priorities per source, pending bits, per-context enables, thresholds and the
// claim/complete register. Context 2h is hart h's M-mode, 2h+1 its S-mode. The UART is
// source 10, as on `virt`; its line is level-triggered (receive data or THR empty).

public final class PLIC {
    public static let base: UInt64 = 0x0C00_0000
    public static let size: UInt64 = 0x400_0000
    static let sourceCount = 32
    public static let uartSource = 10

    var priority = [UInt32](repeating: 0, count: PLIC.sourceCount)
    /// Per context, a bit per source.
    var enabled: [UInt32]
    var threshold: [UInt32]
    /// Sources claimed and not yet completed: their gateway holds further requests.
    var inService: UInt32 = 0
    /// The level of each source's interrupt line, supplied by the machine.
    var lines: () -> UInt32 = { 0 }

    init(hartCount: Int) {
        enabled = Array(repeating: 0, count: 2 * hartCount)
        threshold = Array(repeating: 0, count: 2 * hartCount)
    }

    var pending: UInt32 { lines() & ~inService & ~1 }

    /// The best source a context may claim now: pending, enabled, above the threshold.
    func bestSource(context: Int) -> Int? {
        guard context < enabled.count else { return nil }
        let candidates = pending & enabled[context]
        guard candidates != 0 else { return nil }
        var best: Int? = nil
        for source in 1..<PLIC.sourceCount where candidates & (1 << UInt32(source)) != 0 {
            guard priority[source] > threshold[context] else { continue }
            if best == nil || priority[source] > priority[best ?? 0] { best = source }
        }
        return best
    }

    func interruptPending(context: Int) -> Bool { bestSource(context: context) != nil }

    func load(offset: UInt64, size: Int) -> UInt64? {
        guard size == 4, offset % 4 == 0 else { return nil }
        switch offset {
        case 0..<0x1000:
            let source = Int(offset / 4)
            return source < PLIC.sourceCount ? UInt64(priority[source]) : 0
        case 0x1000..<0x1080:
            return offset == 0x1000 ? UInt64(pending) : 0
        case 0x2000..<0x20_0000:
            let context = Int((offset - 0x2000) / 0x80), word = (offset - 0x2000) % 0x80
            return context < enabled.count && word == 0 ? UInt64(enabled[context]) : 0
        case 0x20_0000...:
            let context = Int((offset - 0x20_0000) / 0x1000), register = (offset - 0x20_0000) % 0x1000
            guard context < threshold.count else { return 0 }
            if register == 0 { return UInt64(threshold[context]) }
            if register == 4 {
                guard let source = bestSource(context: context) else { return 0 }
                inService |= 1 << UInt32(source)
                return UInt64(source)
            }
            return 0
        default:
            return 0
        }
    }

    func store(offset: UInt64, size: Int, value: UInt64) -> Bool {
        guard size == 4, offset % 4 == 0 else { return false }
        let word = UInt32(truncatingIfNeeded: value)
        switch offset {
        case 0..<0x1000:
            let source = Int(offset / 4)
            if source > 0 && source < PLIC.sourceCount { priority[source] = word & 7 }
        case 0x2000..<0x20_0000:
            let context = Int((offset - 0x2000) / 0x80)
            if context < enabled.count && (offset - 0x2000) % 0x80 == 0 { enabled[context] = word & ~1 }
        case 0x20_0000...:
            let context = Int((offset - 0x20_0000) / 0x1000), register = (offset - 0x20_0000) % 0x1000
            guard context < threshold.count else { return true }
            if register == 0 { threshold[context] = word & 7 }
            if register == 4, word > 0, word < UInt32(PLIC.sourceCount) { inService &= ~(1 << word) }
        default:
            break
        }
        return true
    }
}
