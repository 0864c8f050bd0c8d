// The compute-bound programs `interleave bench` measures: integer arithmetic, loads and
// stores, data-dependent branches, and calls. Each is generated with the Assembler as a
// Linux-ABI user program (write + exit system calls) so the same ELF runs on this machine
// and under `qemu-riscv64`; each prints an 8-byte checksum that a Swift model predicts.

import Machine

public enum ComputeBenchmark: String, CaseIterable, Sendable {
    case integer, memory, branches, calls

    public static let origin: UInt64 = 0x8000_0000
    static let dataOffset: UInt64 = 0x1_0000
    static let dataSize: UInt64 = 1 << 20

    public var summary: String {
        switch self {
        case .integer: "add/xor/shift/sub loop in registers"
        case .memory: "load, add and store over a 8 KiB array"
        case .branches: "Collatz steps: data-dependent branches"
        case .calls: "recursive Fibonacci: calls, returns, stack traffic"
        }
    }

    /// The loop count for a given scale (scale 1 is about 100 million instructions).
    func iterations(scale: Int) -> Int64 {
        let s = Int64(max(1, scale))
        switch self {
        case .integer: return 16_000_000 * s
        case .memory: return 12_000 * s   // outer rounds over 1,024 elements
        case .branches: return 90_000 * s
        case .calls: return Int64(32 + (s > 1 ? Int64(log2Floor(s)) : 0))
        }
    }

    /// The program as an ELF file.
    public func elf(scale: Int) -> [UInt8] { elf(iterations: iterations(scale: scale)) }

    /// The program for an explicit loop count (tests use small ones).
    public func elf(iterations n: Int64) -> [UInt8] {
        var asm = Assembler(origin: Self.origin)
        let data = Int64(Self.origin + Self.dataOffset)
        asm.li(.sp, data + Int64(Self.dataSize))
        switch self {
        case .integer:
            asm.li(.t0, n); asm.li(.a0, 1); asm.li(.a1, 3)
            asm.label("loop")
            asm.add(.a0, .a0, .a1); asm.xor(.a1, .a1, .a0); asm.slli(.a2, .a0, 3); asm.sub(.a1, .a1, .a2)
            asm.addi(.t0, .t0, -1); asm.bnez(.t0, "loop")
            asm.xor(.a0, .a0, .a1)
        case .memory:
            asm.li(.s0, data); asm.li(.t0, n); asm.li(.a0, 0); asm.li(.t2, 8192)
            asm.label("outer")
            asm.li(.t1, 0); asm.mv(.t3, .s0)
            asm.label("inner")
            asm.ld(.a1, 0, .t3); asm.add(.a1, .a1, .t0); asm.add(.a1, .a1, .t1); asm.sd(.a1, 0, .t3)
            asm.add(.a0, .a0, .a1); asm.addi(.t3, .t3, 8); asm.addi(.t1, .t1, 8); asm.bltu(.t1, .t2, "inner")
            asm.addi(.t0, .t0, -1); asm.bnez(.t0, "outer")
        case .branches:
            asm.li(.s1, 1); asm.li(.s2, n); asm.li(.s3, 1); asm.li(.a0, 0)
            asm.label("outer")
            asm.mv(.t0, .s1)
            asm.label("step")
            asm.beq(.t0, .s3, "next")
            asm.andi(.t2, .t0, 1); asm.beqz(.t2, "even")
            asm.slli(.t3, .t0, 1); asm.add(.t0, .t0, .t3); asm.addi(.t0, .t0, 1); asm.j("counted")
            asm.label("even")
            asm.srli(.t0, .t0, 1)
            asm.label("counted")
            asm.addi(.a0, .a0, 1); asm.j("step")
            asm.label("next")
            asm.addi(.s1, .s1, 1); asm.bgeu(.s2, .s1, "outer")
        case .calls:
            asm.li(.a0, n); asm.call("fib"); asm.j("done")
            asm.label("fib")
            asm.li(.t0, 2); asm.blt(.a0, .t0, "base")
            asm.addi(.sp, .sp, -32); asm.sd(.ra, 24, .sp); asm.sd(.s0, 16, .sp); asm.sd(.s1, 8, .sp)
            asm.mv(.s0, .a0)
            asm.addi(.a0, .s0, -1); asm.call("fib"); asm.mv(.s1, .a0)
            asm.addi(.a0, .s0, -2); asm.call("fib")
            asm.add(.a0, .a0, .s1)
            asm.ld(.ra, 24, .sp); asm.ld(.s0, 16, .sp); asm.ld(.s1, 8, .sp); asm.addi(.sp, .sp, 32)
            asm.label("base")
            asm.ret()
            asm.label("done")
        }
        // write(1, result, 8); exit(0)
        asm.li(.a3, data - 64); asm.sd(.a0, 0, .a3)
        asm.li(.a0, 1); asm.mv(.a1, .a3); asm.li(.a2, 8); asm.li(.a7, 64); asm.ecall()
        asm.li(.a0, 0); asm.li(.a7, 93); asm.ecall()
        // Every label above is defined in this function, so assembling cannot fail.
        var code = (try? asm.assemble()) ?? []
        code += [UInt8](repeating: 0, count: Int(Self.dataOffset) - code.count)
        return ELFWriter.executable(contents: code, address: Self.origin, entry: Self.origin, zeroFill: Self.dataSize,
                                    symbols: [("_start", Self.origin)])
    }

    /// The checksum the program must print, computed by a Swift model of the same loop.
    public func expectedChecksum(scale: Int) -> UInt64 { expectedChecksum(iterations: iterations(scale: scale)) }

    public func expectedChecksum(iterations n: Int64) -> UInt64 {
        switch self {
        case .integer:
            var a: UInt64 = 1, b: UInt64 = 3
            for _ in 0..<n {
                a = a &+ b; b ^= a; b = b &- (a << 3)
            }
            return a ^ b
        case .memory:
            var array = [UInt64](repeating: 0, count: 1024)
            var sum: UInt64 = 0
            var round = UInt64(n)
            while round > 0 {
                for i in 0..<1024 {
                    array[i] = array[i] &+ round &+ UInt64(i * 8)
                    sum = sum &+ array[i]
                }
                round -= 1
            }
            return sum
        case .branches:
            var steps: UInt64 = 0
            for start in 1...UInt64(n) {
                var value = start
                while value != 1 {
                    value = value & 1 == 0 ? value >> 1 : value &* 3 &+ 1
                    steps &+= 1
                }
            }
            return steps
        case .calls:
            var (a, b): (UInt64, UInt64) = (0, 1)
            for _ in 0..<n { (a, b) = (b, a &+ b) }
            return a
        }
    }
}

func log2Floor(_ value: Int64) -> Int {
    var result = 0, v = value
    while v > 1 { v >>= 1; result += 1 }
    return result
}

/// Runs a Linux-ABI user program directly on the machine in U-mode, with just enough
/// of a host-side system-call layer for the benchmarks and fuzzing: write to fd 1/2 and
/// exit/exit_group. The real kernel (Sources/Kernel) replaces this for everything else.
public final class MinimalUserRuntime {
    public let machine: Machine
    public private(set) var output: [UInt8] = []
    public private(set) var exitCode: Int32? = nil
    public private(set) var unhandledTrap: TrapRecord? = nil

    /// With `paging`, the program runs under Sv39 with its 2 MiB at 0x8000_0000 identity-mapped
    /// in 4 KiB pages (page tables at the top of RAM), so the TLB is on every access.
    public init(elf: [UInt8], configuration: MachineConfiguration = MachineConfiguration(), paging: Bool = false) throws {
        machine = try Machine(configuration: configuration)
        try machine.load(try ELFImage(bytes: elf))
        if paging {
            let memory = machine.memory
            let root = memory.base + memory.size - 3 * 4096, middle = root + 4096, leaves = root + 8192
            let base = memory.base
            func pointer(_ table: UInt64) -> UInt64 { (table >> 12) << 10 | PTE.valid }
            memory.writeInteger(pointer(middle), at: root + ((base >> 30) & 0x1FF) * 8, size: 8)
            memory.writeInteger(pointer(leaves), at: middle + ((base >> 21) & 0x1FF) * 8, size: 8)
            let leafBits = PTE.valid | PTE.read | PTE.write | PTE.execute | PTE.user | PTE.accessed | PTE.dirty
            for page in UInt64(0)..<512 {
                memory.writeInteger(((base >> 12) + page) << 10 | leafBits, at: leaves + page * 8, size: 8)
            }
            for hart in machine.harts {
                hart.setAddressTranslation(8 << 60 | root >> 12)
            }
        }
        for hart in machine.harts { hart.setPrivilege(.user) }
        machine.attachHostTrapHandler { [unowned self] hart, trap in self.handle(hart, trap) }
    }

    func handle(_ hart: Hart, _ trap: TrapRecord) {
        guard trap.cause == ExceptionCause.environmentCallFromU.rawValue else {
            unhandledTrap = trap
            machine.stopRequested = true
            return
        }
        let number = hart.register(17)
        switch number {
        case 64:
            let length = min(hart.register(12), 1 << 20)
            if let bytes = machine.memory.read(at: hart.register(11), count: Int(length)) {
                output += bytes
                hart.setRegister(10, length)
            } else {
                hart.setRegister(10, UInt64(bitPattern: -14))   // -EFAULT
            }
        case 93, 94:
            exitCode = Int32(truncatingIfNeeded: hart.register(10))
            machine.stopRequested = true
        default:
            hart.setRegister(10, UInt64(bitPattern: -38))       // -ENOSYS
        }
        hart.setPC(trap.pc &+ 4)
    }

    /// Runs to exit or `budget` instructions; returns the stop reason.
    public func run(budget: UInt64) -> StopReason { machine.run(budget: budget) }

    /// Runs until the program exits, traps unhandled, or the machine stops for another reason.
    public func runToExit() -> StopReason {
        while true {
            let stop = machine.run(budget: 1 << 32)
            if exitCode != nil || unhandledTrap != nil || (stop != .budgetExhausted && stop != .hostRequest) { return stop }
        }
    }
}
