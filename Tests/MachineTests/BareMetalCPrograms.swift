// Test support: builds the bare-metal programs in Guest/BareMetal/ — every .c and .S of a
// folder, linked with the folder's one linker script — with the Swift toolchain's clang
// and ld.lld (freestanding, medany, frame pointers), once per test process; and QEMU's
// full-system emulator, the reference those written for its virt board are compared with.

import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

enum BareMetalC {
    /// The package's root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    private static let cache = Mutex<[String: [UInt8]]>([:])

    /// Builds `Guest/BareMetal/<folder>` and returns the ELF's bytes.
    static func build(_ folder: String) throws -> [UInt8] {
        if let cached = cache.withLock({ $0[folder] }) { return cached }
        guard let tools = CrossTools.tools else { throw BuildError(description: "no clang/ld.lld") }
        let source = packageRoot + "/Guest/BareMetal/" + folder
        let names = try FileManager.default.contentsOfDirectory(atPath: source).sorted()
        guard let script = names.first(where: { $0.hasSuffix(".ld") }) else {
            throw BuildError(description: "\(source) has no linker script")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-bare-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var objects: [String] = []
        for name in names where name.hasSuffix(".c") || name.hasSuffix(".S") {
            let object = scratch + "/" + name + ".o"
            try BareMetal.runTool(tools.clang, ["--target=riscv64-unknown-elf", "-march=rv64gc", "-mabi=lp64", "-mcmodel=medany",
                                  "-ffreestanding", "-fno-builtin", "-nostdlib", "-O2", "-g", "-fno-omit-frame-pointer",
                                  "-Wall", "-Werror", "-c", source + "/" + name, "-o", object])
            objects.append(object)
        }
        let program = scratch + "/program.elf"
        try BareMetal.runTool(tools.lld, ["-T", source + "/" + script, "-nostdlib", "-static"] + objects + ["-o", program])
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: program)))
        cache.withLock { $0[folder] = bytes }
        return bytes
    }
}

/// QEMU's full-system emulator, the reference for bare-metal programs written for its
/// `virt` board: the teaching kernel must print the same and leave the same disk.
enum QemuSystem {
    static let path: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        return folders.map { $0 + "/qemu-system-riscv64" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Host seconds a boot may take before it is killed (a kernel that never powers off).
    static let hostTimeLimit: Double = 120

    /// Boots `kernel` with -bios none and `disk` on virtio-mmio slot 0; the UART's output,
    /// QEMU's exit status (the test device's code), and the disk afterwards.
    static func boot(kernel: [UInt8], disk: [UInt8]) throws -> (output: String, status: Int32, disk: [UInt8]) {
        let qemu = try #require(path, "qemu-system-riscv64 is not installed (Debian package qemu-system-misc)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-qemu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let kernelPath = folder.appendingPathComponent("kernel.elf").path, diskPath = folder.appendingPathComponent("disk.img").path
        try Data(kernel).write(to: URL(fileURLWithPath: kernelPath))
        try Data(disk).write(to: URL(fileURLWithPath: diskPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: qemu)
        process.arguments = ["-machine", "virt", "-bios", "none", "-m", "128M", "-smp", "1", "-display", "none", "-monitor", "none",
                             "-serial", "stdio", "-kernel", kernelPath, "-global", "virtio-mmio.force-legacy=false",
                             "-drive", "file=\(diskPath),if=none,format=raw,id=x0", "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + hostTimeLimit, execute: watchdog)
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        let after = try [UInt8](Data(contentsOf: URL(fileURLWithPath: diskPath)))
        return (String(decoding: output, as: UTF8.self), process.terminationStatus, after)
    }
}

extension Trait where Self == ConditionTrait {
    /// For tests that compare with QEMU's virt board: skipped, with the reason, without it.
    static var needsQemuSystem: Self {
        .enabled(if: QemuSystem.path != nil || ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1",
                 "needs qemu-system-riscv64 (Debian package qemu-system-misc)")
    }
}
