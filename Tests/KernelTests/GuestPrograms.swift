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

    /// qemu-riscv64, or nil (with the reason printed once).
    static let qemu: QemuReference? = {
        let qemu = QemuReference.locate()
        if qemu == nil { print("note: skipping comparisons with qemu-riscv64: it is not installed (Debian package qemu-user)") }
        return qemu
    }()

    static func build(_ relativePath: String, optimization: GuestOptimization = .speed) throws -> [UInt8]? {
        guard let builder else { return nil }
        let result = try builder.build(sources: [source(relativePath)], optimization: optimization)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
    }

    /// Runs an ELF under qemu-riscv64: standard output and exit status.
    static func runUnderQemu(_ elf: [UInt8], arguments: [String] = []) throws -> (output: [UInt8], status: Int32)? {
        guard let qemu else { return nil }
        let result = try qemu.run(elf: elf, arguments: arguments)
        return (result.output, result.status)
    }
}
