// Test support: builds the project's own Swift guest programs with the Toolchain module
// (cached in .build/interleave-test-cache, keyed on sources and toolchain, so a rerun
// compiles nothing), runs them under the kernel, and under qemu-riscv64. Tests that need
// a tool carry `.needsGuestToolchain` or `.needsQemu`, so a missing tool shows as a
// skipped test with the reason; with INTERLEAVE_REQUIRE_TOOLS=1 (as CI sets) they run
// and fail instead.

import Foundation
import Kernel
import Testing
import Toolchain

enum GuestPrograms {
    /// The package's root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func source(_ relativePath: String) -> String { packageRoot + "/Guest/Programs/" + relativePath }

    /// The builder, or why there is none.
    static let located: Result<GuestBuilder, any Error> = Result {
        let toolchain = try Toolchain.locate(explicitPath: nil)
        return try GuestBuilder(toolchain: toolchain, guestRoot: packageRoot + "/Guest",
                                cacheDirectory: packageRoot + "/.build/interleave-test-cache")
    }

    /// The builder, or nil when no toolchain is usable.
    static let builder: GuestBuilder? = try? located.get()

    /// qemu-riscv64, if installed.
    static let qemu: QemuReference? = QemuReference.locate()

    /// Whether a missing tool must fail the tests that need it rather than skip them (CI).
    static let toolsRequired = ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1"

    static func build(_ relativePath: String, optimization: GuestOptimization = .speed) throws -> [UInt8] {
        let result = try located.get().build(sources: [source(relativePath)], optimization: optimization)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
    }

    /// Runs an ELF under qemu-riscv64: standard output and exit status.
    static func runUnderQemu(_ elf: [UInt8], arguments: [String] = []) throws -> (output: [UInt8], status: Int32) {
        let qemu = try #require(qemu, "qemu-riscv64 is not installed (Debian package qemu-user)")
        let result = try qemu.run(elf: elf, arguments: arguments)
        return (result.output, result.status)
    }
}

extension Trait where Self == ConditionTrait {
    /// For tests that build guest programs: skipped, with the reason, without a toolchain.
    static var needsGuestToolchain: Self {
        .enabled(if: GuestPrograms.builder != nil || GuestPrograms.toolsRequired,
                 "needs a Swift toolchain with Embedded Swift for riscv64 (set INTERLEAVE_TOOLCHAIN)")
    }

    /// For tests that compare with qemu-riscv64: skipped, with the reason, without it.
    static var needsQemu: Self {
        .enabled(if: GuestPrograms.qemu != nil || GuestPrograms.toolsRequired,
                 "needs qemu-riscv64 (Debian package qemu-user)")
    }
}
