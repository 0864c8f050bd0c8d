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

    /// Sleeps `nanoseconds` (and `seconds` more), then exits 0.
    static func sleeper(_ nanoseconds: UInt64, seconds: UInt64 = 0) -> [UInt8] {
        let spec = littleEndianBytes(nanoseconds / 1_000_000_000 + seconds) + littleEndianBytes(nanoseconds % 1_000_000_000)
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

/// UDP ping-pong over the network (socket 198, bind 200, sendto 206, recvfrom 207).
enum UDPPrograms {
    static let port: UInt16 = 7000
    /// A sockaddr_in: family 2, the port big-endian, the address, 8 zero bytes.
    static func socketAddress(_ address: [UInt8], port: UInt16) -> [UInt8] {
        [2, 0, UInt8(port >> 8), UInt8(port & 0xFF)] + address + [UInt8](repeating: 0, count: 8)
    }

    /// Sends 8 bytes to 10.0.0.`server` and waits for the answer, `rounds` times; writes
    /// the last answer and exits 0.
    static func pinger(server: Int, rounds: Int64) -> [UInt8] {
        let data = TinyProgram.data
        let bytes = socketAddress([10, 0, 0, UInt8(server)], port: port) + [UInt8](repeating: 0, count: 48) + Array("ping....".utf8)
        return TinyProgram.elf(data: bytes) { asm in
            TinyProgram.call(&asm, 198, [2, 2, 0])
            asm.mv(.s1, .a0)
            asm.li(.s2, rounds)
            asm.label("round")
            asm.mv(.a0, .s1); asm.li(.a1, data + 64); asm.li(.a2, 8); asm.li(.a3, 0); asm.li(.a4, data); asm.li(.a5, 16)
            asm.li(.a7, 206); asm.ecall()
            asm.mv(.a0, .s1); asm.li(.a1, data + 64); asm.li(.a2, 8); asm.li(.a3, 0); asm.li(.a4, 0); asm.li(.a5, 0)
            asm.li(.a7, 207); asm.ecall()
            asm.addi(.s2, .s2, -1)
            asm.bnez(.s2, "round")
            TinyProgram.call(&asm, 64, [1, data + 64, 8])
            TinyProgram.call(&asm, 93, [0])
        }
    }

    /// Answers `rounds` datagrams on port 7000, each with "pong" and the round's byte, then exits 0.
    static func ponger(rounds: Int64) -> [UInt8] {
        let data = TinyProgram.data
        let bytes = socketAddress([0, 0, 0, 0], port: port) + [UInt8](repeating: 0, count: 16) + littleEndianBytes(16)
            + [UInt8](repeating: 0, count: 24) + Array("pong....".utf8)
        return TinyProgram.elf(data: bytes) { asm in
            TinyProgram.call(&asm, 198, [2, 2, 0])
            asm.mv(.s1, .a0)
            asm.mv(.a0, .s1); asm.li(.a1, data); asm.li(.a2, 16); asm.li(.a7, 200); asm.ecall()
            asm.li(.s2, rounds)
            asm.label("round")
            asm.li(.t0, 16); asm.li(.t1, data + 32); asm.sd(.t0, 0, .t1)
            asm.mv(.a0, .s1); asm.li(.a1, data + 64); asm.li(.a2, 8); asm.li(.a3, 0); asm.li(.a4, data + 16); asm.li(.a5, data + 32)
            asm.li(.a7, 207); asm.ecall()
            asm.li(.t1, data + 64 + 7); asm.sb(.s2, 0, .t1)
            asm.li(.t1, data + 64); asm.li(.t0, 0x676E_6F70); asm.sw(.t0, 0, .t1)   // "pong"
            asm.mv(.a0, .s1); asm.li(.a1, data + 64); asm.li(.a2, 8); asm.li(.a3, 0); asm.li(.a4, data + 16); asm.li(.a5, 16)
            asm.li(.a7, 206); asm.ecall()
            asm.addi(.s2, .s2, -1)
            asm.bnez(.s2, "round")
            TinyProgram.call(&asm, 93, [0])
        }
    }
}
