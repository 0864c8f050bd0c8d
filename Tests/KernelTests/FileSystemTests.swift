// The file system beyond what qemu can check: host folders mounted read-only and
// writable (and that the guest cannot leave them), the simulated disk's latency
// blocking a reader and freeing the hart for another thread, files unlinked while
// open, and the byte limit (ENOSPC).

import Foundation
import Kernel
import Testing

@Suite("Files: mounts, the disk, limits")
struct FileSystemTests {
    /// A fresh host folder: hello.txt, sub/inner.txt, gone.txt, disk.bin (64 KiB), a link
    /// to hello.txt and one to a file outside. Removed by the caller.
    static func hostFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-mount-\(UUID().uuidString)").path
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try Data("hello from the host".utf8).write(to: URL(fileURLWithPath: folder + "/hello.txt"))
        try Data("inner".utf8).write(to: URL(fileURLWithPath: folder + "/sub/inner.txt"))
        try Data("soon gone".utf8).write(to: URL(fileURLWithPath: folder + "/gone.txt"))
        try Data((0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: folder + "/disk.bin"))
        try manager.createSymbolicLink(atPath: folder + "/link-in", withDestinationPath: "hello.txt")
        try manager.createSymbolicLink(atPath: folder + "/link-out", withDestinationPath: "/etc/passwd")
        return folder
    }

    static func text(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("a read-only mount: reads work, every change is EROFS, and neither .. nor a link leads out", .needsGuestToolchain)
    func readOnlyMount() throws {
        let folder = try Self.hostFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let elf = try GuestPrograms.build("Files/mounts.c")
        let result = try run(elf, arguments: ["ro"]) { $0.mounts = [MountPoint(hostPath: folder, guestPath: "/data")] }
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        #expect(result.text == """
            list /data: ./ ../ disk.bin gone.txt hello.txt link-in sub/
            hello.txt: "hello from the host"
            sub/inner.txt: "inner"
            link-in: "hello from the host"
            link-out: -2
            dotdot out of the mount: -2
            dotdot back in: "hello from the host"
            stat hello.txt: 0
            size 19 mode 644
            open for writing: -30
            open with O_TRUNC: -30
            create: -30
            mkdir: -30
            unlink: -30
            rename: -30
            rename out of the mount: -18
            access W_OK: -30
            access R_OK: 0
            rmdir the mount: -16
            chdir /data/sub: 0
            relative ../hello.txt: "hello from the host"
            cwd /data/sub

            """)
        // The host folder is as it was.
        #expect(Self.text(folder + "/hello.txt") == "hello from the host")
        #expect(!FileManager.default.fileExists(atPath: folder + "/new.txt"))
    }

    @Test("a writable mount: the guest's writes, new files, folders, renames and removals reach the host folder", .needsGuestToolchain)
    func writableMount() throws {
        let folder = try Self.hostFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let elf = try GuestPrograms.build("Files/mounts.c")
        let result = try run(elf, arguments: ["rw"]) { $0.mounts = [MountPoint(hostPath: folder, guestPath: "/data", writable: true)] }
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        #expect(result.text == """
            append: 9
            hello.txt: "hello from the host and more"
            write made.txt: 17
            ftruncate: 0
            mkdir: 0
            rename: 0
            unlink inner: 0
            unlink while open: 0
            read after unlink: 9
            "soon gone"
            rename across mounts: -18
            list /data: ./ ../ disk.bin hello.txt link-in newdir/ sub/

            """)
        #expect(Self.text(folder + "/hello.txt") == "hello from the host and more")
        #expect(Self.text(folder + "/newdir/moved.txt") == "made")
        #expect(!FileManager.default.fileExists(atPath: folder + "/sub/inner.txt"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/gone.txt"))
    }

    @Test("a mounted file the host removes under the guest: its next read is EIO, not a crash", .needsGuestToolchain)
    func hostFileGone() throws {
        let folder = try Self.hostFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let elf = try GuestPrograms.build("Files/mounts.c")
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        configuration.mounts = [MountPoint(hostPath: folder, guestPath: "/data")]
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "mounts", arguments: ["gone"], configuration: configuration, io: streams.io)
        #expect(kernel.run(slice: 500_000) == nil)
        #expect(streams.text == "open: 1\n")
        try FileManager.default.removeItem(atPath: folder + "/hello.txt")
        let ending = kernel.run()
        #expect(ending == .exited(status: 0))
        #expect(streams.text == "open: 1\nread after the host file went: -5\n")
    }

    @Test("a mount of a folder that is not there is refused with the reason, before the program runs")
    func missingHostFolder() throws {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        configuration.mounts = [MountPoint(hostPath: "/no/such/folder/here", guestPath: "/data")]
        let elf = UserProgram.elf { UserProgram.call(&$0, 93, [0]) }
        #expect(throws: KernelError.self) {
            _ = try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration, io: CapturedStreams().io)
        }
        configuration.mounts = [MountPoint(hostPath: "/tmp", guestPath: "/a/../b")]
        #expect(throws: KernelError.self) {
            _ = try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration, io: CapturedStreams().io)
        }
    }

    @Test("files count against the memory limit: ENOSPC past it, room again once an unlinked file's last descriptor closes",
          .needsGuestToolchain)
    func byteLimit() throws {
        let elf = try GuestPrograms.build("Files/mounts.c")
        let result = try run(elf, arguments: ["full"]) { $0.memoryLimit = 8 << 20 }
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        let lines = result.text.split(separator: "\n").map(String.init)
        let wrote = lines.first?.split(separator: " ")
        let kibibytes = wrote.flatMap { $0.count > 1 ? Int($0[1]) : nil } ?? 0
        #expect(kibibytes > 4 << 10 && kibibytes <= 8 << 10, "\(result.text)")
        #expect(lines.first?.hasSuffix("then -28") == true)
        #expect(Array(lines.dropFirst()) == [
            "another file: 1",
            "ftruncate to 1 GiB (a hole): 0",
            "unlink while open: 0",
            "write while the unlinked file is open: -28",
            "write after the last close: 4096",
        ])
    }

    struct DiskRun {
        var text: String
        var cycles: UInt64
        var idleCycles: UInt64
        var diskReads: UInt64
    }

    static func diskRun(_ mode: String, folder: String, latency: UInt64) throws -> DiskRun {
        let elf = try GuestPrograms.build("Files/disk-wait.swift")
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 32 << 20
        configuration.mounts = [MountPoint(hostPath: folder, guestPath: "/data")]
        configuration.diskLatencyCycles = latency
        configuration.scheduling = .roundRobin(sliceCycles: 100_000, tickCycles: nil)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "disk-wait", arguments: ["/data/disk.bin", mode], configuration: configuration,
                                io: streams.io)
        let ending = kernel.run()
        #expect(ending == .exited(status: 0), "\(streams.text)")
        let statistics = kernel.statistics
        let idle = statistics.harts.reduce(0) { $0 + $1.idleCycles }
        return DiskRun(text: streams.text, cycles: statistics.cycles, idleCycles: idle, diskReads: statistics.diskReads)
    }

    @Test("waiting for the disk: a reader blocks on each uncached page and frees the hart; a computing thread fills the wait",
          .needsGuestToolchain)
    func diskLatencyOverlaps() throws {
        let folder = try Self.hostFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let latency: UInt64 = 20_000   // 200 µs at 100 MHz; 16 pages: 320,000 cycles of waiting
        let expectedSum = (0..<65536).reduce(0) { $0 + Int(UInt8(truncatingIfNeeded: $1 &* 7)) }
        let readAlone = try Self.diskRun("read", folder: folder, latency: latency)
        let readFast = try Self.diskRun("read", folder: folder, latency: 0)
        let computeAlone = try Self.diskRun("compute", folder: folder, latency: latency)
        let both = try Self.diskRun("both", folder: folder, latency: latency)
        #expect(readAlone.text == "sum \(expectedSum)\n")
        #expect(readFast.text == readAlone.text)
        #expect(both.text.contains("sum \(expectedSum)\n"))
        #expect(readAlone.diskReads == 16 && both.diskReads == 16 && computeAlone.diskReads == 0)
        // Alone, the reader's hart idles through 16 disk reads.
        #expect(readAlone.idleCycles >= 16 * latency, "idle \(readAlone.idleCycles)")
        #expect(readAlone.cycles >= readFast.cycles + 16 * latency)
        // Together, the computation runs while the reader waits: less than the sum.
        let sum = readAlone.cycles + computeAlone.cycles
        #expect(both.cycles < sum - 12 * latency, "both \(both.cycles), alone \(readAlone.cycles) + \(computeAlone.cycles)")
        #expect(both.idleCycles < readAlone.idleCycles / 2, "idle \(both.idleCycles) against \(readAlone.idleCycles)")
        // A second read of the same file finds the pages cached: the same run is deterministic.
        let again = try Self.diskRun("both", folder: folder, latency: latency)
        #expect(again.cycles == both.cycles)
    }
}
