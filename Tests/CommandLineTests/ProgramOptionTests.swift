// `interleave run --program FILE`: a program the run's processes may execve without it
// starting on its own; refused with a reason for several machines. The programs are
// hand-assembled, so no toolchain is needed.

import Foundation
import Machine
import MachineTools
import Testing

@Suite("Command line: --program")
struct ProgramOptionTests {
    /// An ELF in `folder`: with `execute`, it execve's "/bin/child" (exit 99 if that fails);
    /// without, it writes "child ran\n" and exits with 7.
    static func program(named name: String, execute: Bool, in folder: URL) throws -> String {
        let origin: UInt64 = 0x10000, data: UInt64 = 0x11000
        var asm = Assembler(origin: origin)
        if execute {
            asm.li(.a0, Int64(data))           // "/bin/child"
            asm.li(.a1, 0)
            asm.li(.a2, 0)
            asm.li(.a7, 221)
            asm.ecall()
            asm.li(.a0, 99)
        } else {
            asm.li(.a0, 1)
            asm.li(.a1, Int64(data))           // "child ran\n"
            asm.li(.a2, 10)
            asm.li(.a7, 64)
            asm.ecall()
            asm.li(.a0, 7)
        }
        asm.li(.a7, 93)
        asm.ecall()
        var code = try asm.assemble()
        code += [UInt8](repeating: 0, count: Int(data - origin) - code.count)
        code += Array((execute ? "/bin/child\0" : "child ran\n").utf8)
        let elf = ELFWriter.executable(contents: code, address: origin, entry: origin, zeroFill: 0x1000, symbols: [("_start", origin)])
        let path = folder.appendingPathComponent(name + ".elf").path
        try Data(elf).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a --program is not started, and execve finds it as /bin/NAME")
    func execTheProgram() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let parent = try Self.program(named: "parent", execute: true, in: folder)
        let child = try Self.program(named: "child", execute: false, in: folder)
        let cli = CommandLineTests()
        let outcome = try cli.interleave(["run", parent, "--program", child, "--stats"])
        #expect(outcome.status == 7, "\(outcome.error)")
        #expect(outcome.output == "child ran\n")
        #expect(outcome.error.contains("3 system calls"), "execve, write, exit: \(outcome.error)")
        let without = try cli.interleave(["run", parent])
        #expect(without.status == 99, "without --program execve fails: \(without.error)")
    }

    @Test("--program with several machines is refused with the reason")
    func refusedForSeveralMachines() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let parent = try Self.program(named: "parent", execute: true, in: folder)
        let child = try Self.program(named: "child", execute: false, in: folder)
        let outcome = try CommandLineTests().interleave(["run", parent + "@1", parent + "@2", "--program", child])
        #expect(outcome.status == 2)
        #expect(outcome.error.contains("--program works on one machine"), "\(outcome.error)")
    }
}
