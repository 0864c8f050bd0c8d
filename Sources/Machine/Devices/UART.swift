// A 16550-compatible UART at 0x1000_0000, as on QEMU's `virt` board: enough of the
// register file (RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR and the divisor latch)
// for the usual polled and interrupt-driven drivers. Transmitted bytes go to `output`;
// received bytes come from `input`, which the host fills before or during the run.

public final class UART {
    public static let base: UInt64 = 0x1000_0000
    public static let size: UInt64 = 0x100

    /// Bytes the guest has transmitted and the host has not yet taken.
    public internal(set) var output: [UInt8] = []
    /// Total bytes ever transmitted.
    public internal(set) var transmittedCount = 0
    /// Bytes waiting to be received by the guest.
    public var input: [UInt8] = [] { didSet { inputIndex = min(inputIndex, input.count) } }
    var inputIndex = 0

    var interruptEnable: UInt8 = 0
    var lineControl: UInt8 = 0
    var modemControl: UInt8 = 0
    var scratch: UInt8 = 0
    var divisorLatch: UInt16 = 0
    /// Set when THR becomes empty with the interrupt enabled; cleared by reading IIR.
    var transmitInterruptPending = false

    var divisorLatchAccess: Bool { lineControl & 0x80 != 0 }
    var hasInput: Bool { inputIndex < input.count }

    /// Interrupt line towards the PLIC: receive data available or THR empty, when enabled.
    public var interruptPending: Bool {
        (interruptEnable & 1 != 0 && hasInput) || (interruptEnable & 2 != 0 && transmitInterruptPending)
    }

    /// Hands the transmitted bytes to the host and forgets them.
    public func takeOutput() -> [UInt8] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    func load(offset: UInt64) -> UInt64 {
        switch offset {
        case 0:
            if divisorLatchAccess { return UInt64(divisorLatch & 0xFF) }
            guard hasInput else { return 0 }
            defer { inputIndex += 1 }
            return UInt64(input[inputIndex])
        case 1: return divisorLatchAccess ? UInt64(divisorLatch >> 8) : UInt64(interruptEnable)
        case 2:
            // IIR: FIFOs enabled (0xC0); priority: receive data, then THR empty.
            if interruptEnable & 1 != 0 && hasInput { return 0xC4 }
            if interruptEnable & 2 != 0 && transmitInterruptPending {
                transmitInterruptPending = false
                return 0xC2
            }
            return 0xC1
        case 3: return UInt64(lineControl)
        case 4: return UInt64(modemControl)
        case 5: return 0x60 | (hasInput ? 1 : 0)   // THR empty, transmitter idle, data ready
        case 6: return 0xB0                          // DCD, DSR, CTS asserted
        case 7: return UInt64(scratch)
        default: return 0
        }
    }

    func store(offset: UInt64, value: UInt8) {
        switch offset {
        case 0:
            if divisorLatchAccess { divisorLatch = (divisorLatch & 0xFF00) | UInt16(value); return }
            output.append(value)
            transmittedCount += 1
            transmitInterruptPending = true
        case 1:
            if divisorLatchAccess { divisorLatch = (divisorLatch & 0x00FF) | UInt16(value) << 8; return }
            interruptEnable = value & 0x0F
            if interruptEnable & 2 != 0 { transmitInterruptPending = true }
        case 3: lineControl = value
        case 4: modemControl = value
        case 7: scratch = value
        default: break   // FCR and read-only registers
        }
    }
}
