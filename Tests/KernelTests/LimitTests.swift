// What hostile or broken programs get: a report and a status, never a hung or crashed host.

import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: faults and limits")
struct LimitTests {
    @Test("a null-pointer store is a segmentation fault with PC, instruction and address")
    func nullPointer() throws {
        let elf = UserProgram.elf { asm in
            asm.li(.t0, 42)
            asm.sd(.t0, 8, .zero)
        }
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 139)
        #expect(fault.address == 8)
        #expect(fault.pc >= UserProgram.origin)
        #expect(fault.instruction == "sd      t0, 8(zero)")
        #expect(fault.symbol?.hasPrefix("_start") == true)
        #expect(fault.description.contains("null pointer"))
    }

    @Test("unimp (Swift's trap) is an illegal instruction, explained")
    func swiftTrap() throws {
        let elf = UserProgram.elf { asm in asm.emit(0xC000_1073) }
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 132)
        #expect(fault.explanation.contains("Swift"))
    }

    @Test("endless recursion is reported as a stack overflow")
    func stackOverflow() throws {
        let elf = UserProgram.elf { asm in
            asm.label("recurse")
            asm.addi(.sp, .sp, -64)
            asm.sd(.ra, 0, .sp)
            asm.call("recurse")
        }
        let result = try run(elf) { $0.stackLimit = 256 << 10 }
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.explanation.contains("Stack overflow"))
    }

    @Test("touching memory without bound ends with the memory-limit report (status 137)")
    func memoryLimit() throws {
        // mmap 1 GiB (allowed: demand paging) and touch every page.
        let elf = UserProgram.elf { asm in
            UserProgram.call(&asm, 222, [0, 1 << 30, 3, 0x22, -1, 0])
            asm.mv(.s0, .a0)
            asm.li(.t1, 4096)
            asm.label("touch")
            asm.sd(.t1, 0, .s0)
            asm.add(.s0, .s0, .t1)
            asm.j("touch")
        }
        let result = try run(elf) { $0.memoryLimit = 4 << 20 }
        guard case .outOfMemory(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 137)
        #expect(report.contains("--memory-mib"))
        #expect(result.statistics.peakMemory <= 4 << 20)
    }

    @Test("output past the limit is cut at the limit and the program is stopped (status 153)")
    func outputLimit() throws {
        let elf = UserProgram.elf(data: [UInt8](repeating: 0x41, count: 4096)) { asm in
            asm.label("again")
            UserProgram.call(&asm, 64, [1, UserProgram.data, 4096])
            asm.j("again")
        }
        let result = try run(elf) { $0.outputLimit = 10_000 }
        guard case .outputLimit(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.output.count == 10_000)
        #expect(result.ending.status == 153)
        #expect(report.contains("output limit"))
    }

    @Test("an endless loop stops at the instruction limit (status 152) with its PC")
    func instructionLimit() throws {
        let elf = UserProgram.elf { asm in
            asm.label("spin")
            asm.addi(.t0, .t0, 1)
            asm.j("spin")
        }
        let result = try run(elf) { $0.instructionLimit = 100_000 }
        guard case .instructionLimit(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 152)
        #expect(result.statistics.instructions == 100_000)
        #expect(report.contains("--max-instructions"))
    }

    @Test("a file that is not an ELF, or an ELF that does not fit user memory, is refused with a reason")
    func badExecutables() throws {
        #expect(throws: KernelError.self) { try run(Array("#!/bin/sh\necho hi\n".utf8)) }
        let kernelSpace = ELFWriter.executable(contents: [0x73, 0, 0, 0], address: 0x80_0000_0000, entry: 0x80_0000_0000)
        do {
            _ = try run(kernelSpace)
            Issue.record("loaded a program above user memory")
        } catch let error as KernelError {
            #expect(error.message.contains("outside user memory"))
        }
        let nullPage = ELFWriter.executable(contents: [0x73, 0, 0, 0], address: 0, entry: 0)
        #expect(throws: KernelError.self) { try run(nullPage) }
    }
}
