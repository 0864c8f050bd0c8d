// Helpers for cluster tests: tiny Linux programs written with the Assembler (so the
// cluster is tested without a cross toolchain), each machine's output captured, and a
// cluster of such programs built in one call.

import Kernel
import Machine
import MachineTools
import Network

/// What each machine wrote to standard output and error.
final class MachineStreams {
    var outputs: [[UInt8]]
    var errors: [[UInt8]]
    init(count: Int) {
        outputs = Array(repeating: [], count: count)
        errors = Array(repeating: [], count: count)
    }
    func io(_ index: Int) -> KernelIO {
        KernelIO(writeOutput: { [unowned self] in self.outputs[index] += $0 }, writeError: { [unowned self] in self.errors[index] += $0 })
    }
}

enum TinyProgram {
    static let origin: UInt64 = 0x10000
    static let dataOffset: UInt64 = 0x4000
    static var data: Int64 { Int64(origin + dataOffset) }

    /// An ELF whose code `body` writes and whose data (at `data`) is `bytes`.
    static func elf(data bytes: [UInt8] = [], _ body: (inout Assembler) -> Void) -> [UInt8] {
        var asm = Assembler(origin: origin)
        body(&asm)
        var code = (try? asm.assemble()) ?? []
        code += [UInt8](repeating: 0, count: max(0, Int(dataOffset) - code.count))
        code += bytes
        return ELFWriter.executable(contents: code, address: origin, entry: origin, zeroFill: 0x1000, symbols: [("_start", origin)])
    }

    static func call(_ asm: inout Assembler, _ number: Int64, _ arguments: [Int64] = []) {
        let registers: [Register] = [.a0, .a1, .a2, .a3, .a4, .a5]
        for (register, value) in zip(registers, arguments) { asm.li(register, value) }
        asm.li(.a7, number)
        asm.ecall()
    }

    /// Counts `iterations` down in a register, then exits 0.
    static func compute(_ iterations: Int64) -> [UInt8] {
        elf { asm in
            asm.li(.t0, iterations)
            asm.label("loop")
            asm.addi(.t0, .t0, -1)
            asm.bnez(.t0, "loop")
            call(&asm, 93, [0])
        }
    }

    /// Optionally spins `spin` iterations, then writes CLOCK_REALTIME and CLOCK_MONOTONIC
    /// (two timespecs, 32 bytes), sleeps `sleepNanoseconds` (if any), writes 16 bytes of
    /// getrandom, and exits 0.
    static func clocks(spin: Int64 = 0, sleepNanoseconds: UInt64 = 0) -> [UInt8] {
        let sleep = littleEndianBytes(sleepNanoseconds / 1_000_000_000) + littleEndianBytes(sleepNanoseconds % 1_000_000_000)
        return elf(data: [UInt8](repeating: 0, count: 48) + sleep) { asm in
            if spin > 0 {
                asm.li(.t0, spin)
                asm.label("spin")
                asm.addi(.t0, .t0, -1)
                asm.bnez(.t0, "spin")
            }
            call(&asm, 113, [0, data])
            call(&asm, 113, [1, data + 16])
            call(&asm, 64, [1, data, 32])
            if sleepNanoseconds > 0 { call(&asm, 101, [data + 48, 0]) }
            call(&asm, 278, [data, 16, 0])
            call(&asm, 64, [1, data, 16])
            call(&asm, 93, [0])
        }
    }

    /// Sleeps `nanoseconds`, then exits 0.
    static func sleeper(_ nanoseconds: UInt64) -> [UInt8] {
        let spec = littleEndianBytes(nanoseconds / 1_000_000_000) + littleEndianBytes(nanoseconds % 1_000_000_000)
        return elf(data: spec) { asm in
            call(&asm, 101, [data, 0])
            call(&asm, 93, [0])
        }
    }

    /// Waits on a futex word that nobody ever changes: blocked for good.
    static func waitsForever() -> [UInt8] {
        elf(data: [UInt8](repeating: 0, count: 8)) { asm in
            call(&asm, 98, [data, 128, 0, 0])   // FUTEX_WAIT_PRIVATE while the word is 0
            call(&asm, 93, [0])
        }
    }
}

extension MachineSpec {
    /// A machine running one tiny program on `harts` harts.
    static func running(_ name: String, _ executable: [UInt8], harts: Int = 1,
                        configure: (inout KernelConfiguration) -> Void = { _ in }) -> MachineSpec {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        configuration.harts = harts
        configure(&configuration)
        return MachineSpec(name: name, configuration: configuration, programs: [ProgramSpec(name: name, executable: executable)])
    }
}

/// A timespec written by a program at `offset`, in nanoseconds.
func timespecNanoseconds(_ bytes: [UInt8], at offset: Int) -> UInt64 {
    littleEndianWord(bytes, at: offset) &* 1_000_000_000 &+ littleEndianWord(bytes, at: offset + 8)
}
