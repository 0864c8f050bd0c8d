// The first kernel end to end with hand-assembled programs: exit status, output, the
// initial stack, determinism, and the benchmark programs under the kernel.

import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: processes")
struct ProcessTests {
    @Test("exit status is the program's, masked to 8 bits as Linux does")
    func exitStatus() throws {
        let elf = UserProgram.elf { asm in UserProgram.call(&asm, 93, [300]) }
        let result = try run(elf)
        #expect(result.ending == .exited(status: 300))
        #expect(result.ending.status == 300 & 0xFF)
    }

    @Test("write to fd 1 reaches the output; the return value is the count")
    func writeOutput() throws {
        let message = Array("hello, kernel\n".utf8)
        let elf = UserProgram.elf(data: message) { asm in
            UserProgram.call(&asm, 64, [1, UserProgram.data, Int64(message.count)])
            UserProgram.exitWithA0(&asm)   // exit(count written)
        }
        let result = try run(elf)
        #expect(result.text == "hello, kernel\n")
        #expect(result.ending == .exited(status: Int32(message.count)))
    }

    @Test("argc and argv follow the Linux initial stack layout")
    func argumentsOnTheStack() throws {
        // write(1, argv[2], strlen(argv[2])) with strlen done in a loop; exit(argc).
        let elf = UserProgram.elf { asm in
            asm.ld(.s0, 0, .sp)            // argc
            asm.ld(.s1, 24, .sp)           // argv[2]
            asm.mv(.t0, .s1)
            asm.label("scan")
            asm.lbu(.t1, 0, .t0)
            asm.beqz(.t1, "found")
            asm.addi(.t0, .t0, 1)
            asm.j("scan")
            asm.label("found")
            asm.sub(.a2, .t0, .s1)
            asm.mv(.a1, .s1)
            asm.li(.a0, 1)
            asm.li(.a7, 64)
            asm.ecall()
            asm.mv(.a0, .s0)
            UserProgram.exitWithA0(&asm)
        }
        let result = try run(elf, arguments: ["first", "second argument"])
        #expect(result.text == "second argument")
        #expect(result.ending == .exited(status: 3))
    }

    @Test("the stack pointer starts 16-byte aligned with argv terminated by NULL")
    func stackAlignment() throws {
        let elf = UserProgram.elf { asm in
            asm.andi(.a0, .sp, 15)                 // 0 if aligned
            asm.ld(.t0, 16, .sp)                   // argv[1] must be NULL with no arguments
            asm.or(.a0, .a0, .t0)
            UserProgram.exitWithA0(&asm)
        }
        #expect(try run(elf).ending == .exited(status: 0))
    }

    @Test("read takes bytes from standard input; 0 at the end")
    func readInput() throws {
        // Echo stdin to stdout 4 bytes at a time until read returns 0.
        let elf = UserProgram.elf { asm in
            asm.label("loop")
            UserProgram.call(&asm, 63, [0, UserProgram.data, 4])
            asm.beqz(.a0, "done")
            asm.mv(.a2, .a0)
            asm.li(.a0, 1)
            asm.li(.a1, UserProgram.data)
            asm.li(.a7, 64)
            asm.ecall()
            asm.j("loop")
            asm.label("done")
            UserProgram.call(&asm, 93, [0])
        }
        let result = try run(elf, input: Array("typed at the keyboard".utf8))
        #expect(result.text == "typed at the keyboard")
    }

    @Test("a benchmark program runs under the kernel and prints the checksum its model predicts")
    func benchmarkUnderKernel() throws {
        for benchmark in ComputeBenchmark.allCases {
            let iterations: Int64 = benchmark == .calls ? 12 : 50
            let result = try run(benchmark.elf(iterations: iterations)) { $0.memoryLimit = 8 << 20 }
            #expect(result.ending == .exited(status: 0), "\(benchmark)")
            let expected = benchmark.expectedChecksum(iterations: iterations)
            #expect(result.output == (0..<8).map { UInt8(truncatingIfNeeded: expected >> (8 * UInt64($0))) }, "\(benchmark)")
        }
    }

    @Test("the same program and seed give byte-identical runs; another seed changes getrandom")
    func determinism() throws {
        let elf = UserProgram.elf { asm in
            UserProgram.call(&asm, 278, [UserProgram.data, 32, 0])
            UserProgram.call(&asm, 64, [1, UserProgram.data, 32])
            UserProgram.call(&asm, 93, [0])
        }
        let first = try run(elf) { $0.seed = 7 }
        let second = try run(elf) { $0.seed = 7 }
        let other = try run(elf) { $0.seed = 8 }
        #expect(first.output.count == 32)
        #expect(first.output == second.output)
        #expect(first.statistics == second.statistics)
        #expect(first.output != other.output)
    }
}
