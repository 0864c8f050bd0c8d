// Test support: builds the project's own Swift guest programs with the Toolchain module
// (cached in .build/interleave-test-cache, keyed on sources and toolchain, so a rerun
// compiles nothing), runs them under the kernel, and under qemu-riscv64 when installed.

import Foundation
import Kernel
import Testing
import Toolchain

enum GuestPrograms {
    /// The package's root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func source(_ relativePath: String) -> String { packageRoot + "/Guest/Programs/" + relativePath }

    /// The builder, or nil (with the reason printed once) when no toolchain is usable.
    static let builder: GuestBuilder? = {
        do {
            let toolchain = try Toolchain.locate(explicitPath: nil)
            return try GuestBuilder(toolchain: toolchain, guestRoot: packageRoot + "/Guest",
                                    cacheDirectory: packageRoot + "/.build/interleave-test-cache")
        } catch {
            print("note: skipping tests that build Swift guests: \(error)")
            return nil
        }
    }()

    /// qemu-riscv64's path, or nil (with the reason printed once).
    static let qemu: String? = {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        for directory in path where FileManager.default.isExecutableFile(atPath: directory + "/qemu-riscv64") {
            return directory + "/qemu-riscv64"
        }
        print("note: skipping comparisons with qemu-riscv64: it is not installed (Debian package qemu-user)")
        return nil
    }()

    static func build(_ relativePath: String, optimization: GuestOptimization = .speed) throws -> [UInt8]? {
        guard let builder else { return nil }
        let result = try builder.build(sources: [source(relativePath)], optimization: optimization)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
    }

    /// Runs an ELF under qemu-riscv64: standard output and exit status.
    static func runUnderQemu(_ elf: [UInt8], arguments: [String] = []) throws -> (output: [UInt8], status: Int32)? {
        guard let qemu else { return nil }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-qemu-\(UUID().uuidString).elf")
        try Data(elf).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)   // qemu insists
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: qemu)
        process.arguments = [file.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return ([UInt8](output), status)
    }
}
