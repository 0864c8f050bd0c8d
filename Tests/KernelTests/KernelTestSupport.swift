// Helpers for kernel tests: tiny Linux user programs written with the Assembler (so
// the kernel can be tested without a cross toolchain), and a run that captures output.

import Kernel
import Machine
import MachineTools

/// Output captured from a run.
final class CapturedStreams {
    var output: [UInt8] = []
    var error: [UInt8] = []
    var input: [UInt8]

    init(input: [UInt8] = []) { self.input = input }

    var text: String { String(decoding: output, as: UTF8.self) }

    var io: KernelIO {
        KernelIO(readInput: { [unowned self] count in
            let taken = Array(self.input.prefix(count))
            self.input.removeFirst(taken.count)
            return taken
        }, writeOutput: { [unowned self] in self.output += $0 }, writeError: { [unowned self] in self.error += $0 })
    }
}

struct RunResult {
    var ending: ProcessEnding
    var output: [UInt8]
    var statistics: KernelStatistics
    var text: String { String(decoding: output, as: UTF8.self) }
}

enum UserProgram {
    static let origin: UInt64 = 0x10000
    /// Data (strings, buffers) sits at this offset from the origin, after the code.
    static let dataOffset: UInt64 = 0x4000
    static var data: Int64 { Int64(origin + dataOffset) }

    /// An ELF whose code is written by `body` and whose data starts at `data`.
    static func elf(data bytes: [UInt8] = [], zeroFill: UInt64 = 0x1000, _ body: (inout Assembler) -> Void) -> [UInt8] {
        var asm = Assembler(origin: origin)
        body(&asm)
        var code = (try? asm.assemble()) ?? []
        code += [UInt8](repeating: 0, count: max(0, Int(dataOffset) - code.count))
        code += bytes
        return ELFWriter.executable(contents: code, address: origin, entry: origin, zeroFill: zeroFill,
                                    symbols: [("_start", origin)])
    }

    /// Emits a system call: number in a7, arguments in a0...
    static func call(_ asm: inout Assembler, _ number: Int64, _ arguments: [Int64] = []) {
        let registers: [Register] = [.a0, .a1, .a2, .a3, .a4, .a5]
        for (register, value) in zip(registers, arguments) { asm.li(register, value) }
        asm.li(.a7, number)
        asm.ecall()
    }

    /// exit(a0) with the current a0.
    static func exitWithA0(_ asm: inout Assembler) {
        asm.li(.a7, 93)
        asm.ecall()
    }
}

func run(_ elf: [UInt8], arguments: [String] = [], input: [UInt8] = [],
         configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> RunResult {
    var configuration = KernelConfiguration()
    configuration.memoryLimit = 16 << 20
    configure(&configuration)
    let streams = CapturedStreams(input: input)
    let kernel = try Kernel(executable: elf, name: "test", arguments: arguments, configuration: configuration, io: streams.io)
    let ending = kernel.run()
    return RunResult(ending: ending, output: streams.output + streams.error, statistics: kernel.statistics)
}
