// The file system's options: --mount shows a host folder to a program (read-only unless
// :rw), --disk-latency and --max-fds take their values; bad values get one sentence
// saying what is accepted. The program is hand-assembled, so no toolchain is needed.

import Foundation
import Machine
import MachineTools
import Testing

@Suite("File options", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"))
struct FileOptionTests {
    let cli = CommandLineTests()

    /// A program that opens /data/hello.txt, copies up to 256 bytes of it to standard
    /// output, tries to open it for writing, and exits with that call's result negated.
    static func catProgram(in folder: URL) throws -> String {
        let data: Int64 = 0x14000, buffer: Int64 = 0x15000
        var asm = Assembler(origin: 0x10000)
        for (register, value) in [(Register.a0, Int64(-100)), (.a1, data), (.a2, 0), (.a3, 0)] { asm.li(register, value) }
        asm.li(.a7, 56)          // openat(AT_FDCWD, "/data/hello.txt", O_RDONLY)
        asm.ecall()
        asm.mv(.s0, .a0)
        asm.li(.a1, buffer)
        asm.li(.a2, 256)
        asm.li(.a7, 63)          // read
        asm.ecall()
        asm.mv(.a2, .a0)
        asm.li(.a0, 1)
        asm.li(.a1, buffer)
        asm.li(.a7, 64)          // write(1, buffer, count)
        asm.ecall()
        for (register, value) in [(Register.a0, Int64(-100)), (.a1, data), (.a2, 1), (.a3, 0)] { asm.li(register, value) }
        asm.li(.a7, 56)          // openat(..., O_WRONLY): EROFS on a read-only mount
        asm.ecall()
        asm.sub(.a0, .zero, .a0)
        asm.li(.a7, 93)
        asm.ecall()
        var contents = try asm.assemble()
        contents += [UInt8](repeating: 0, count: 0x4000 - contents.count) + Array("/data/hello.txt".utf8) + [0]
        let elf = ELFWriter.executable(contents: contents, address: 0x10000, entry: 0x10000, zeroFill: 0x2000,
                                       symbols: [("_start", 0x10000)])
        let path = folder.appendingPathComponent("cat.elf").path
        try Data(elf).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("--mount shows a host folder read-only (EROFS for writing), and writable with :rw")
    func mount() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let host = folder.appendingPathComponent("host")
        try FileManager.default.createDirectory(at: host, withIntermediateDirectories: true)
        try Data("from the host\n".utf8).write(to: host.appendingPathComponent("hello.txt"))
        let program = try Self.catProgram(in: folder)
        let readOnly = try #require(try cli.interleave(["run", program, "--mount", host.path + ":/data"]))
        #expect(readOnly.output == "from the host\n")
        #expect(readOnly.status == 30, "\(readOnly.error)")   // EROFS
        let writable = try #require(try cli.interleave(["run", program, "--mount", host.path + ":/data:rw", "--disk-latency", "0"]))
        #expect(writable.output == "from the host\n")
        #expect(writable.status == 252, "\(writable.error)")   // descriptor 4, negated: the open worked
        let missing = try #require(try cli.interleave(["run", program]))
        #expect(missing.output.isEmpty)
    }

    @Test("bad --mount, --disk-latency and --max-fds values say what is accepted")
    func badValues() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try Self.catProgram(in: folder)
        let cases: [([String], String)] = [
            (["--mount", "/tmp"], "HOSTDIR:GUESTDIR"),
            (["--mount", "/tmp:data"], "absolute path"),
            (["--mount", "/tmp:/a/../b"], "without . or .."),
            (["--mount", "/tmp/../etc:/data"], "may not contain '..'"),
            (["--mount", folder.path + "/nothing:/data"], "is not a folder"),
            (["--disk-latency", "fast"], "--disk-latency must be a time"),
            (["--disk-latency", "20s"], "at most 10s"),
            (["--max-fds", "2"], "--max-fds must be between 3 and 1048576"),
        ]
        for (options, part) in cases {
            let outcome = try #require(try cli.interleave(["run", program] + options))
            #expect(outcome.status != 0 && outcome.status != 30, "\(options): \(outcome.status)")
            #expect(outcome.error.contains(part), "\(options): \(outcome.error)")
        }
    }
}
