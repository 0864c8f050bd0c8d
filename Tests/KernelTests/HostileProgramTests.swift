// Hostile programs: system calls with random numbers and arguments, and random
// instruction words in user mode. Whatever they do, the kernel must end them cleanly,
// within the limits, and the host must not crash or hang.

import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: hostile programs")
struct HostileProgramTests {
    /// Argument values that tend to find bugs: zero, small, page-aligned, near the top of
    /// user memory, negative, huge, and pointers into the program's own data and stack.
    static func interestingValue(_ random: inout SplitMix64) -> Int64 {
        let choices: [Int64] = [0, 1, 2, 3, 4096, 4095, 1 << 20, 1 << 30, 1 << 38, (1 << 38) - 4096, -1, -4096,
                                Int64.max, Int64.min, 0x10000, Int64(UserProgram.data), Int64(UserProgram.data) + 4000,
                                0x3F_FFFF_E000, 0x3F_FF80_0000, 0x7FFF_FFFF]
        let pick = random.next()
        return pick % 4 == 0 ? Int64(bitPattern: random.next() >> (random.next() % 64)) : choices[Int(pick >> 8) % choices.count]
    }

    @Test("random system calls with hostile arguments end cleanly", arguments: 0..<8)
    func randomSystemCalls(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let known: [Int64] = [63, 64, 66, 93, 94, 96, 101, 113, 114, 115, 124, 160, 172, 178, 214, 215, 222, 226, 278, 29]
        let elf = UserProgram.elf(zeroFill: 1 << 16) { asm in
            for _ in 0..<300 {
                var number = known[Int(random.next() % UInt64(known.count))]
                if number == 93 || number == 94 { number = 124 }     // keep going: exit only at the end
                if random.next() % 10 == 0 { number = Int64(random.next() % 600) }
                if number == 93 || number == 94 { number = 124 }
                let arguments = (0..<6).map { _ in Self.interestingValue(&random) }
                UserProgram.call(&asm, number, arguments)
            }
            UserProgram.call(&asm, 93, [0])
        }
        let result = try run(elf, input: Array(repeating: 0x41, count: 64)) {
            $0.memoryLimit = 8 << 20
            $0.outputLimit = 1 << 20
            $0.instructionLimit = 10_000_000
            $0.seed = seed
        }
        // Any ending is acceptable as long as it is one of the defined ones and within limits.
        #expect(result.statistics.peakMemory <= 8 << 20)
        #expect(result.output.count <= 1 << 20)
        if case .exited(let status) = result.ending { #expect(status == 0) }
    }

    @Test("random instruction words in user mode end with a report, never a host crash", arguments: 0..<8)
    func randomInstructions(seed: UInt64) throws {
        var random = SplitMix64(seed: seed &* 7919)
        let elf = UserProgram.elf { asm in
            for _ in 0..<2048 {
                let word = UInt32(truncatingIfNeeded: random.next())
                // Mostly valid-looking 32-bit instructions, some ecalls, some compressed pairs.
                switch random.next() % 8 {
                case 0: asm.ecall()
                case 1: asm.emit(word & ~3)
                default: asm.emit(word | 3)
                }
            }
        }
        let result = try run(elf) {
            $0.memoryLimit = 8 << 20
            $0.outputLimit = 1 << 20
            $0.instructionLimit = 1_000_000
        }
        #expect(result.statistics.instructions <= 1_000_000)
        _ = result.ending.description   // every ending can be described
    }
}
