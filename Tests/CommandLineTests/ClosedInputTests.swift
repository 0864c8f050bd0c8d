// Standard input closed by the shell (`interleave run prog <&-`): the guest's read of fd 0
// gives EBADF, as on Linux, and qemu-riscv64 (Linux's user-mode emulator) agrees; an open
// but empty input still reads end of file. The program is hand-assembled, so no guest
// toolchain is needed.

import Foundation
import Machine
import MachineTools
import Testing

@Suite("Command line: closed standard input")
struct ClosedInputTests {
    static let qemu: String? = ["/usr/bin/qemu-riscv64", "/usr/local/bin/qemu-riscv64"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// read(0, buffer, 16), then exit with -errno for an error and 100 + the count otherwise.
    static func readingProgram(in folder: URL) throws -> String {
        var asm = Assembler(origin: 0x10000)
        asm.li(.a0, 0)
        asm.li(.a1, 0x10000 + 0x1000)
        asm.li(.a2, 16)
        asm.li(.a7, 63)
        asm.ecall()
        asm.blt(.a0, .zero, "failed")
        asm.addi(.a0, .a0, 100)
        asm.j("exit")
        asm.label("failed")
        asm.sub(.a0, .zero, .a0)
        asm.label("exit")
        asm.li(.a7, 93)
        asm.ecall()
        let code = try asm.assemble()
        let elf = ELFWriter.executable(contents: code, address: 0x10000, entry: 0x10000, zeroFill: 0x2000,
                                       symbols: [("_start", 0x10000)])
        let path = folder.appendingPathComponent("read-stdin.elf").path
        try Data(elf).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)   // qemu runs only executables
        return path
    }

    /// Runs `command` through /bin/sh with `arguments` as $0, $1, …; returns its status.
    static func shell(_ command: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("`<&-`: the guest's read gives EBADF (status 9 here); /dev/null gives end of file (100)",
          .enabled(if: CommandLineTests.tool != nil, "no interleave executable beside the tests"))
    func closedInput() throws {
        let tool = try #require(CommandLineTests.tool)
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try Self.readingProgram(in: folder)
        #expect(try Self.shell(#"exec "$0" run "$1" <&-"#, [tool, program]) == 9)
        #expect(try Self.shell(#"exec "$0" run "$1" </dev/null"#, [tool, program]) == 100)
        #expect(try Self.shell(#"printf abc | exec "$0" run "$1""#, [tool, program]) == 103)
    }

    @Test("qemu-riscv64 gives the same statuses for the same program", .enabled(if: qemu != nil, "qemu-riscv64 is not installed"))
    func qemuAgrees() throws {
        let qemu = try #require(Self.qemu)
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try Self.readingProgram(in: folder)
        #expect(try Self.shell(#"exec "$0" "$1" <&-"#, [qemu, program]) == 9)
        #expect(try Self.shell(#"exec "$0" "$1" </dev/null"#, [qemu, program]) == 100)
        #expect(try Self.shell(#"printf abc | exec "$0" "$1""#, [qemu, program]) == 103)
    }
}
