// Spike's host-target interface (tohost/fromhost): the console device's putchar, the
// system-call proxy's write to fd 1 and 2, read from fd 0, the errors a bad descriptor or
// buffer gets, -ENOSYS for calls the host does not serve, exit through the proxy, and
// the run ending with a report for a command the host cannot serve.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct HTIFTests {
    /// A program with `tohost`/`fromhost` and `putchar`/`syscall` helpers, then `body`.
    static func program(_ body: String) -> String {
        """
            .option norelax
            .section .text.start, "ax"
            .globl _start
        _start:
            la sp, stack_top
            la s11, results
        \(body)
        1:  j 1b

        putchar:                          # a0: the byte; the console device (1), command 1
            li t0, 0x0101000000000000
            or t0, t0, a0
            la t1, tohost
            sd t0, 0(t1)
            la t1, fromhost
        2:  ld t2, 0(t1)
            beqz t2, 2b
            sd zero, 0(t1)
            mv a0, t2
            ret

        syscall:                          # a0: the number, a1-a3: arguments
            la t0, magic
            sd a0, 0(t0)
            sd a1, 8(t0)
            sd a2, 16(t0)
            sd a3, 24(t0)
            fence
            la t1, tohost
            sd t0, 0(t1)
            la t1, fromhost
        2:  ld t2, 0(t1)
            beqz t2, 2b
            sd zero, 0(t1)
            ld a0, 0(t0)
            ret

            .data
        message: .ascii "hello\\n"
        oops:    .ascii "oops"
            .section .tohost, "aw", @progbits
            .p2align 6
            .globl tohost
        tohost: .dword 0
            .p2align 6
            .globl fromhost
        fromhost: .dword 0
            .bss
            .p2align 6
        magic:   .zero 64
        results: .zero 128
        buffer:  .zero 16
        stack:   .zero 4096
        stack_top:
        """
    }

    static func run(_ body: String, input: [UInt8] = []) throws -> ProgramRun {
        let image = try ELFImage(bytes: try BareMetal.build(program(body)))
        var configuration = MachineConfiguration()
        configuration.ramSize = 16 << 20
        let machine = try Machine(configuration: configuration)
        try machine.load(image)
        machine.htif?.input = input
        let stop = machine.run(budget: 1_000_000)
        return ProgramRun(machine: machine, stop: stop, image: image)
    }

    func values(_ run: ProgramRun, count: Int) -> [Int64] {
        let base = run.address("results")
        return (0..<count).map { Int64(bitPattern: run.machine.memory.readInteger(at: base + UInt64($0) * 8, size: 8) ?? 0) }
    }

    @Test func consoleAndSystemCalls() throws {
        let run = try Self.run("""
            li a0, 'h'
            call putchar
            sd a0, 0(s11)
            li a0, 'i'
            call putchar
            li a0, 64
            li a1, 1
            la a2, message
            li a3, 6
            call syscall              # write(1, "hello\\n", 6)
            sd a0, 8(s11)
            li a0, 64
            li a1, 2
            la a2, oops
            li a3, 4
            call syscall              # write(2, "oops", 4)
            sd a0, 16(s11)
            li a0, 64
            li a1, 7
            la a2, message
            li a3, 1
            call syscall              # a descriptor the host does not have
            sd a0, 24(s11)
            li a0, 64
            li a1, 1
            li a2, 0x1000
            li a3, 8
            call syscall              # a buffer outside RAM
            sd a0, 32(s11)
            li a0, 57
            li a1, 3
            call syscall              # close: not served
            sd a0, 40(s11)
            li a0, 63
            li a1, 0
            la a2, buffer
            li a3, 16
            call syscall              # read(0, buffer, 16)
            sd a0, 48(s11)
            li a0, 93
            li a1, 5
            call syscall              # exit(5)
            """, input: Array("abc".utf8))
        #expect(run.stop == .toHost(exitCode: 5))
        let htif = try #require(run.machine.htif)
        let (output, errors) = htif.takeOutput()
        #expect(String(decoding: output, as: UTF8.self) == "hihello\n")
        #expect(String(decoding: errors, as: UTF8.self) == "oops")
        #expect(values(run, count: 7) == [0x0101_0000_0000_0168, 6, 4, -9, -14, -38, 3])
        #expect(run.machine.memory.read(at: run.address("buffer"), count: 3) == Array("abc".utf8))
        #expect(htif.unsupportedCalls == [57: 1])
        #expect(run.machine.memory.readInteger(at: run.address("tohost"), size: 8) == 0, "the host clears tohost")
    }

    @Test func exitCodesTheRiscvTestsWay() throws {
        let run = try Self.run("""
            li t0, (42 << 1) | 1
            la t1, tohost
            sd t0, 0(t1)
            """)
        #expect(run.stop == .toHost(exitCode: 42))
    }

    @Test func requestsTheHostCannotServeEndTheRun() throws {
        let outside = try Self.run("""
            li t0, 0x1000             # an even payload: the address of a block that is not in RAM
            la t1, tohost
            sd t0, 0(t1)
            """)
        guard case .fatal(let report) = outside.stop else {
            Issue.record("expected a fatal stop, got \(outside.stop)")
            return
        }
        #expect(report.reason.contains("outside RAM") && report.value == 0x1000, "\(report)")
        let device = try Self.run("""
            li t0, 5 << 56
            la t1, tohost
            sd t0, 0(t1)
            """)
        guard case .fatal(let unknown) = device.stop else {
            Issue.record("expected a fatal stop, got \(device.stop)")
            return
        }
        #expect(unknown.reason.contains("device 5"), "\(unknown)")
    }
}
