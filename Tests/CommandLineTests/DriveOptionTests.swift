// `interleave machine run --drive`: a hand-assembled virtio driver reads sector 0 of the
// disk and writes it to sector 1. Without `,rw` the file is left as it was, with `,rw` the
// write reaches it, with `,ro` the device refuses it; bad drives and the new machine
// options (--ad-bits, --pmp, --pmp-granularity) are refused in the one format.

import Foundation
import Machine
import MachineTools
import Testing

@Suite("Drive options", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"))
struct DriveOptionTests {
    let cli = CommandLineTests()

    func interleave(_ arguments: [String]) throws -> CommandLineTests.Outcome {
        try #require(try cli.interleave(arguments))
    }

    func expectRefused(_ arguments: [String], saying parts: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try interleave(arguments)
        #expect(outcome.status == 2, "\(arguments): status \(outcome.status): \(outcome.error)", sourceLocation: sourceLocation)
        #expect(outcome.error.hasPrefix("interleave machine run: "), "\(outcome.error)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(outcome.error.contains(part), "\(arguments): expected '\(part)' in \(outcome.error)", sourceLocation: sourceLocation)
        }
    }

    /// The driver: virtio-mmio slot 0, queue of 8; request 0 reads sector 0, request 1 writes
    /// it to sector 1; prints "done" and exits with 0, or 10 + the write's status.
    static func driver() throws -> [UInt8] {
        let virtio: Int64 = 0x1000_1000, descriptors: Int64 = 0x8001_0000, available: Int64 = 0x8001_1000
        let used: Int64 = 0x8001_2000, headers: Int64 = 0x8001_3000, statuses: Int64 = 0x8001_3100, buffer: Int64 = 0x8001_4000
        var asm = Assembler(origin: 0x8000_0000)
        func store32(_ address: Int64, _ value: Int64) {
            asm.li(.t0, address)
            asm.li(.t1, value)
            asm.sw(.t1, 0, .t0)
        }
        func store64(_ address: Int64, _ value: Int64) {
            asm.li(.t0, address)
            asm.li(.t1, value)
            asm.sd(.t1, 0, .t0)
        }
        func descriptor(_ index: Int64, _ address: Int64, _ length: Int64, flags: Int64, next: Int64) {
            store64(descriptors + 16 * index, address)
            store32(descriptors + 16 * index + 8, length)
            store32(descriptors + 16 * index + 12, flags | next << 16)
        }
        asm.label("_start")
        for status: Int64 in [0, 1, 3] { store32(virtio + 0x70, status) }
        store32(virtio + 0x24, 1)
        store32(virtio + 0x20, 1)                       // VERSION_1
        store32(virtio + 0x70, 11)
        store32(virtio + 0x38, 8)
        store32(virtio + 0x80, descriptors)
        store32(virtio + 0x90, available)
        store32(virtio + 0xA0, used)
        store32(virtio + 0x44, 1)
        store32(virtio + 0x70, 15)
        store32(headers, 0)                              // IN, sector 0
        store64(headers + 8, 0)
        store32(headers + 16, 1)                         // OUT, sector 1
        store64(headers + 24, 1)
        descriptor(0, headers, 16, flags: 1, next: 1)
        descriptor(1, buffer, 512, flags: 3, next: 2)
        descriptor(2, statuses, 1, flags: 2, next: 0)
        descriptor(3, headers + 16, 16, flags: 1, next: 4)
        descriptor(4, buffer, 512, flags: 1, next: 5)
        descriptor(5, statuses + 1, 1, flags: 2, next: 0)
        store32(available + 4, 0 | 3 << 16)              // ring: request 0, then request 1
        store32(available, 1 << 16)                      // index 1
        store32(virtio + 0x50, 0)
        store32(available, 2 << 16)                      // index 2
        store32(virtio + 0x50, 0)
        for byte in "done\n".utf8 {
            asm.li(.t0, 0x1000_0000)
            asm.li(.t1, Int64(byte))
            asm.sb(.t1, 0, .t0)
        }
        asm.li(.t0, statuses + 1)
        asm.lbu(.t2, 0, .t0)
        asm.li(.t0, 0x10_0000)
        asm.li(.t1, 0x5555)
        asm.beqz(.t2, "exit")
        asm.addi(.t2, .t2, 10)
        asm.slli(.t2, .t2, 16)
        asm.li(.t1, 0x3333)
        asm.or(.t1, .t1, .t2)
        asm.label("exit")
        asm.sw(.t1, 0, .t0)
        asm.label("spin")
        asm.j("spin")
        return ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x20000,
                                    symbols: [("_start", 0x8000_0000)])
    }

    @Test("--drive: the file is written only with ,rw; ,ro refuses the guest's write")
    func modes() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = folder.appendingPathComponent("driver.elf").path
        try Data(Self.driver()).write(to: URL(fileURLWithPath: program))
        let disk = folder.appendingPathComponent("disk.img").path
        var original = [UInt8](repeating: 0, count: 4096)
        original.replaceSubrange(0 ..< 15, with: Array("sector zero 0!\n".utf8))
        try Data(original).write(to: URL(fileURLWithPath: disk))
        func contents() throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: disk))) }

        let snapshot = try interleave(["machine", "run", program, "--drive", disk])
        #expect(snapshot.status == 0 && snapshot.output == "done\n", "\(snapshot.error)")
        #expect(try contents() == original, "without ,rw the file is untouched")

        let readOnly = try interleave(["machine", "run", program, "--drive", disk + ",ro"])
        #expect(readOnly.status == 11, "IOERR for a write to a read-only disk: \(readOnly.error)")
        #expect(try contents() == original)

        let writeBack = try interleave(["machine", "run", program, "--drive", disk + ",rw"])
        #expect(writeBack.status == 0, "\(writeBack.error)")
        var expected = original
        expected.replaceSubrange(512 ..< 1024, with: original[0 ..< 512])
        #expect(try contents() == expected, "with ,rw sector 1 now holds sector 0")
    }

    @Test("bad drives and machine options are refused with the reason")
    func refused() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = folder.appendingPathComponent("driver.elf").path
        try Data(Self.driver()).write(to: URL(fileURLWithPath: program))
        let disk = folder.appendingPathComponent("disk.img").path
        try Data(count: 1024).write(to: URL(fileURLWithPath: disk))
        let tiny = folder.appendingPathComponent("tiny.img").path
        try Data(count: 100).write(to: URL(fileURLWithPath: tiny))
        let run = ["machine", "run", program]
        try expectRefused(run + ["--drive", folder.path + "/missing.img"], saying: ["cannot open drive", "No such file"])
        try expectRefused(run + ["--drive", folder.path], saying: ["not a regular file"])
        try expectRefused(run + ["--drive", tiny], saying: ["at least one 512-byte sector"])
        try expectRefused(run + ["--drive", ",rw"], saying: ["names no file"])
        try expectRefused(run + ["--drive", program + ",rw"], saying: ["is an input", "would destroy it"])
        try expectRefused(run + ["--drive", disk + ",rw", "--drive", disk + ",rw"], saying: ["name the same file"])
        try expectRefused(run + Array(repeating: ["--drive", disk], count: 9).flatMap { $0 }, saying: ["8 virtio-mmio slots"])
        try expectRefused(run + ["--ad-bits", "sometimes"], saying: ["--ad-bits", "hardware", "fault"])
        try expectRefused(run + ["--pmp", "maybe"], saying: ["--pmp", "permissive", "strict", "off"])
        try expectRefused(run + ["--pmp-granularity", "48"], saying: ["--pmp-granularity 48", "power of two"])
        let help = try interleave(["machine", "run", "--help"])
        for option in ["--drive", "--ad-bits", "--pmp", "--pmp-granularity"] {
            #expect(help.output.contains(option), "\(option) not in --help")
        }
    }
}
