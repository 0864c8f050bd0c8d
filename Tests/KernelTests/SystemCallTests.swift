// System calls one by one: memory (brk, mmap, munmap, mprotect), time, bad pointers,
// unknown numbers.

import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: system calls")
struct SystemCallTests {
    @Test("an unknown system call returns -ENOSYS and is noted")
    func unknownCall() throws {
        let elf = UserProgram.elf { asm in
            UserProgram.call(&asm, 4000)
            asm.sub(.a0, .zero, .a0)      // exit(-result) = exit(38)
            UserProgram.exitWithA0(&asm)
        }
        let result = try run(elf)
        #expect(result.ending == .exited(status: 38))
        #expect(result.statistics.unknownSystemCalls == [4000: 1])
    }

    @Test("a bad pointer gives -EFAULT, not a crash")
    func badPointer() throws {
        for address: Int64 in [0, 0x10, 0x3F_FFFF_0000_0, -8, 0x7FFF_FFFF_FFFF] {
            let elf = UserProgram.elf { asm in
                UserProgram.call(&asm, 64, [1, address, 16])
                asm.sub(.a0, .zero, .a0)
                UserProgram.exitWithA0(&asm)
            }
            #expect(try run(elf).ending == .exited(status: 14), "address \(address)")
        }
    }

    @Test("write from read-only text works; read into text gives -EFAULT")
    func permissionsOfCopies() throws {
        let elf = UserProgram.elf { asm in
            UserProgram.call(&asm, 64, [1, Int64(UserProgram.origin), 4])
            UserProgram.call(&asm, 63, [0, 0x3FFF_F000 - 0x1000, 4])   // unmapped
            asm.sub(.a0, .zero, .a0)
            UserProgram.exitWithA0(&asm)
        }
        let result = try run(elf, input: [1, 2, 3, 4])
        #expect(result.output.count == 4)
        #expect(result.ending == .exited(status: 14))
    }

    @Test("brk grows the heap; pages are zero and writable; shrinking works")
    func programBreak() throws {
        let elf = UserProgram.elf { asm in
            UserProgram.call(&asm, 214, [0])          // current break
            asm.mv(.s0, .a0)
            asm.li(.t0, 1 << 20)
            asm.add(.a0, .s0, .t0)
            asm.li(.a7, 214)
            asm.ecall()                                // grow by 1 MiB
            asm.sub(.t1, .a0, .s0)                     // must be 1 MiB
            asm.li(.t0, 1 << 20)
            asm.bne(.t1, .t0, "fail")
            asm.ld(.t2, 4096, .s0)                     // fresh memory reads zero
            asm.bnez(.t2, "fail")
            asm.li(.t2, 42)
            asm.sd(.t2, 8192, .s0)
            asm.ld(.t3, 8192, .s0)
            asm.bne(.t3, .t2, "fail")
            UserProgram.call(&asm, 93, [0])
            asm.label("fail")
            UserProgram.call(&asm, 93, [1])
        }
        let result = try run(elf)
        #expect(result.ending == .exited(status: 0))
        #expect(result.statistics.pageFaults >= 2)
    }

    @Test("mmap gives zeroed anonymous memory; munmap takes it away (a later touch faults)")
    func mapAndUnmap() throws {
        let elf = UserProgram.elf { asm in
            UserProgram.call(&asm, 222, [0, 2 << 20, 3, 0x22, -1, 0])   // PROT_READ|WRITE, PRIVATE|ANONYMOUS
            asm.mv(.s0, .a0)
            asm.li(.t0, 7)
            asm.sd(.t0, 0, .s0)
            asm.li(.t1, (2 << 20) - 8)
            asm.add(.t1, .t1, .s0)
            asm.sd(.t0, 0, .t1)
            asm.mv(.a0, .s0)
            asm.li(.a1, 2 << 20)
            asm.li(.a7, 215)
            asm.ecall()
            asm.bnez(.a0, "fail")
            asm.ld(.t0, 0, .s0)                         // must fault now
            asm.label("fail")
            UserProgram.call(&asm, 93, [1])
        }
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else {
            Issue.record("expected a fault, got \(result.ending)"); return
        }
        #expect(fault.signal == 11)
        #expect(result.ending.status == 139)
        #expect(fault.description.contains("No memory is mapped"))
    }

    @Test("mmap rejects bad arguments with the errors Linux gives")
    func mapErrors() throws {
        let cases: [([Int64], Int32)] = [
            ([0, 0, 3, 0x22, -1, 0], 22),              // length 0: EINVAL
            ([0, 4096, 3, 0x20, -1, 0], 22),           // neither shared nor private: EINVAL
            ([0, 4096, 3, 0x02, 5, 0], 9),             // a file that is not open: EBADF
            ([0, 4096, 3, 0x02, 1, 0], 19),            // mapping the terminal: ENODEV
            ([0x1001, 4096, 3, 0x32, -1, 0], 22),      // MAP_FIXED at an unaligned address: EINVAL
            ([0, -4096, 3, 0x22, -1, 0], 12),          // absurd length: ENOMEM
        ]
        for (arguments, errno) in cases {
            let elf = UserProgram.elf { asm in
                UserProgram.call(&asm, 222, arguments)
                asm.sub(.a0, .zero, .a0)
                UserProgram.exitWithA0(&asm)
            }
            #expect(try run(elf).ending == .exited(status: errno), "mmap\(arguments)")
        }
    }

    @Test("mprotect to read-only makes a later store fault with a report naming the permission")
    func protect() throws {
        let elf = UserProgram.elf { asm in
            UserProgram.call(&asm, 222, [0, 4096, 3, 0x22, -1, 0])
            asm.mv(.s0, .a0)
            asm.sd(.s0, 0, .s0)
            asm.mv(.a0, .s0)
            asm.li(.a1, 4096)
            asm.li(.a2, 1)
            asm.li(.a7, 226)
            asm.ecall()
            asm.ld(.t0, 0, .s0)                          // reading still works
            asm.sd(.t0, 0, .s0)                          // writing faults
            UserProgram.call(&asm, 93, [0])
        }
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else {
            Issue.record("expected a fault, got \(result.ending)"); return
        }
        #expect(fault.cause == 15)
        #expect(fault.description.contains("allows only: read"))
        #expect(fault.instruction?.hasPrefix("sd") == true)
    }

    @Test("nanosleep moves simulated time forward by the request; clock_gettime sees it")
    func sleepAndClock() throws {
        // clock_gettime(MONOTONIC) → t0; nanosleep(1.5 s); clock_gettime → t1; exit((t1-t0) in 100 ms units)
        let timespec = UserProgram.data, sleepRequest = UserProgram.data + 64
        var request: [UInt8] = []
        for value: UInt64 in [1, 500_000_000] { for shift in stride(from: 0, to: 64, by: 8) { request.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
        let elf = UserProgram.elf(data: [UInt8](repeating: 0, count: 64) + request) { asm in
            UserProgram.call(&asm, 113, [1, timespec])
            asm.li(.t0, timespec); asm.ld(.s0, 0, .t0); asm.ld(.s1, 8, .t0)
            UserProgram.call(&asm, 101, [sleepRequest, 0])
            UserProgram.call(&asm, 113, [1, timespec])
            asm.li(.t0, timespec); asm.ld(.s2, 0, .t0); asm.ld(.s3, 8, .t0)
            // elapsed ns = (s2 - s0) * 1e9 + (s3 - s1)
            asm.sub(.t1, .s2, .s0); asm.li(.t2, 1_000_000_000); asm.mul(.t1, .t1, .t2)
            asm.sub(.t3, .s3, .s1); asm.add(.t1, .t1, .t3)
            asm.li(.t2, 100_000_000); asm.divu(.a0, .t1, .t2)
            UserProgram.exitWithA0(&asm)
        }
        #expect(try run(elf).ending == .exited(status: 15))
    }

    @Test("uname says riscv64")
    func unameMachine() throws {
        let elf = UserProgram.elf(zeroFill: 0x1000) { asm in
            UserProgram.call(&asm, 160, [UserProgram.data])
            UserProgram.call(&asm, 64, [1, UserProgram.data + 65 * 4, 7])
            UserProgram.call(&asm, 93, [0])
        }
        #expect(try run(elf).text == "riscv64")
    }
}
