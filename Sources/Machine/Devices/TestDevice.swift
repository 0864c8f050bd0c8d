// The SiFive test device at 0x0010_0000 ("sifive,test0" on QEMU's `virt` board): a
// 32-bit write of 0x5555 powers off with success, 0x3333 | (code << 16) powers off with
// failure `code`, and 0x7777 asks for a reset (treated here as power-off with status 0).

public final class TestDevice {
    public static let base: UInt64 = 0x0010_0000
    public static let size: UInt64 = 0x1000

    /// Set when the guest has asked the machine to stop, with its exit code.
    public internal(set) var exitCode: Int32?

    func store(offset: UInt64, value: UInt64) {
        guard offset == 0 else { return }
        let low = value & 0xFFFF
        switch low {
        case 0x5555: exitCode = 0
        case 0x3333: exitCode = Int32(truncatingIfNeeded: (value >> 16) & 0xFFFF)
        case 0x7777: exitCode = 0
        default: break
        }
    }
}
