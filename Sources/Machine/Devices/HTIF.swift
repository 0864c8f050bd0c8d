// The host-target interface of Spike (riscv-isa-sim's fesvr): a program that has `tohost`
// and `fromhost` symbols talks to the host by storing a command in `tohost` — device in
// bits 63:56, command in 55:48, payload in 47:0 — and the host answers in `fromhost`.
//   device 0 (system calls): an odd payload ends the run with exit code payload >> 1 (the
//     riscv-tests convention); an even one is the address of eight 64-bit words, a Linux
//     system-call number and its arguments, whose result replaces the first word before
//     `fromhost` becomes 1. write (64) to fd 1 and 2, read (63) from fd 0, exit (93) and
//     exit_group (94) are served; any other call answers -ENOSYS (Spike would stop).
//   device 1 (console): command 1 prints the payload's low byte and answers 0x100 | byte;
//     command 0 reads a byte of input and answers 0x100 | byte, when there is input.
// As in Spike, the host clears `tohost` once it has taken a command. Commands take effect
// in the time of the store that wrote them.

public final class HTIF {
    /// Bytes the guest wrote to fd 1 or printed on the console, not yet taken by the host.
    public internal(set) var output: [UInt8] = []
    /// Bytes the guest wrote to fd 2.
    public internal(set) var errorOutput: [UInt8] = []
    /// Input for `read(0, ...)` and the console's command 0.
    public var input: [UInt8] = [] { didSet { inputIndex = min(inputIndex, input.count) } }
    var inputIndex = 0
    /// System calls answered -ENOSYS, by number (for the host's report; never iterated in a run).
    public internal(set) var unsupportedCalls: [UInt64: Int] = [:]

    let toHost: UInt64
    let fromHost: UInt64?

    static let writeCall: UInt64 = 64, readCall: UInt64 = 63, exitCall: UInt64 = 93, exitGroupCall: UInt64 = 94
    static let notImplemented: Int64 = -38, badDescriptor: Int64 = -9, badAddress: Int64 = -14

    init(toHost: UInt64, fromHost: UInt64?) {
        self.toHost = toHost
        self.fromHost = fromHost
    }

    /// What a command asks of the machine.
    enum Outcome: Equatable {
        case handled
        case exit(Int32)
        /// The command cannot be served: the run ends with this reason (and the address at fault).
        case fault(String, address: UInt64)
    }

    /// Hands the output written so far to the host and forgets it.
    public func takeOutput() -> (standardOutput: [UInt8], standardError: [UInt8]) {
        defer {
            output.removeAll(keepingCapacity: true)
            errorOutput.removeAll(keepingCapacity: true)
        }
        return (output, errorOutput)
    }

    /// Serves the command now in `tohost`, if any.
    func serve(memory: PhysicalMemory) -> Outcome {
        guard let command = memory.readInteger(at: toHost, size: 8), command != 0 else { return .handled }
        memory.writeInteger(0, at: toHost, size: 8)
        let device = command >> 56, code = (command >> 48) & 0xFF, payload = command & ((1 << 48) - 1)
        switch (device, code) {
        case (0, 0):
            if payload & 1 == 1 { return .exit(Int32(truncatingIfNeeded: payload >> 1)) }
            return systemCall(at: payload, memory: memory)
        case (1, 1):
            output.append(UInt8(truncatingIfNeeded: payload))
            respond(device: 1, command: 1, 0x100 | (payload & 0xFF), memory: memory)
            return .handled
        case (1, 0):
            if inputIndex < input.count {
                respond(device: 1, command: 0, 0x100 | UInt64(input[inputIndex]), memory: memory)
                inputIndex += 1
            }
            return .handled
        default:
            return .fault("tohost holds HTIF device \(device) command \(code), which the host does not know "
                          + "(device 0 is system calls, device 1 the console)", address: toHost)
        }
    }

    private func respond(device: UInt64, command: UInt64, _ value: UInt64, memory: PhysicalMemory) {
        guard let fromHost else { return }
        memory.writeInteger(device << 56 | command << 48 | value, at: fromHost, size: 8)
    }

    /// The proxied system call in the eight words at `block`.
    private func systemCall(at block: UInt64, memory: PhysicalMemory) -> Outcome {
        guard let words = memory.read(at: block, count: 64) else {
            return .fault("the HTIF system call's block of eight words at tohost's address is outside RAM", address: block)
        }
        func word(_ index: Int) -> UInt64 {
            var value: UInt64 = 0
            for byte in 0..<8 { value |= UInt64(words[index * 8 + byte]) << UInt64(8 * byte) }
            return value
        }
        let number = word(0), fd = word(1), buffer = word(2), length = word(3)
        var result: Int64
        switch number {
        case Self.exitCall, Self.exitGroupCall:
            return .exit(Int32(truncatingIfNeeded: fd))
        case Self.writeCall:
            if fd != 1 && fd != 2 {
                result = Self.badDescriptor
            } else if let bytes = memory.read(at: buffer, count: Int(clamping: min(length, UInt64(Int32.max)))), length <= UInt64(Int32.max) {
                if fd == 1 { output.append(contentsOf: bytes) } else { errorOutput.append(contentsOf: bytes) }
                result = Int64(bytes.count)
            } else {
                result = Self.badAddress
            }
        case Self.readCall:
            if fd != 0 {
                result = Self.badDescriptor
            } else {
                let count = Int(min(length, UInt64(input.count - inputIndex)))
                if memory.write(input[inputIndex ..< inputIndex + count], at: buffer) {
                    inputIndex += count
                    result = Int64(count)
                } else {
                    result = Self.badAddress
                }
            }
        default:
            unsupportedCalls[number, default: 0] += 1
            result = Self.notImplemented
        }
        memory.writeInteger(UInt64(bitPattern: result), at: block, size: 8)
        respond(device: 0, command: 0, 1, memory: memory)
        return .handled
    }
}
