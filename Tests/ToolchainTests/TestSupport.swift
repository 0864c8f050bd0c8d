// Shared by the toolchain tests: the toolchain (suites skip, with the reason, without one;
// INTERLEAVE_REQUIRE_TOOLS=1, as CI sets, makes them run and fail instead), a fresh
// temporary folder per test (tests run in parallel, each with its own cache), an ELF
// header reader and a qemu-riscv64 runner.

import Foundation
import Testing
import Toolchain

enum TestToolchain {
    /// The toolchain found the way `interleave` finds it, or nil.
    static let found: Toolchain? = try? Toolchain.locate(explicitPath: nil)

    /// Whether a missing tool must fail the tests that need it rather than skip them (CI).
    static let toolsRequired = ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1"

    /// Whether build tests can run (or must, under CI).
    static let available: Bool = found != nil || toolsRequired

    /// qemu-riscv64 on PATH, if installed.
    static let qemu = QemuReference.locate()
}

extension Trait where Self == ConditionTrait {
    /// For tests that run what they built: skipped, with the reason, without qemu-riscv64.
    static var needsQemu: Self {
        .enabled(if: TestToolchain.qemu != nil || TestToolchain.toolsRequired, "needs qemu-riscv64 (Debian package qemu-user)")
    }
}

/// A temporary folder, removed when the test ends.
final class Scratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "interleave-toolchain-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to a file in the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A builder with its own cache in this folder. Unless `cold`, the cache starts with
    /// the runtime and the Sync module (-O) already built, copied from one build shared by
    /// all tests, so that each test compiles only its own program.
    func builder(cold: Bool = false) throws -> GuestBuilder {
        let toolchain = try #require(TestToolchain.found)
        let cache = path + "/cache"
        if !cold, let seed = SupportSeed.cache, !FileManager.default.fileExists(atPath: cache) {
            try FileManager.default.createDirectory(atPath: cache + "/v1", withIntermediateDirectories: true)
            for kind in ["runtime", "sync"] {
                try FileManager.default.copyItem(atPath: seed + "/v1/" + kind, toPath: cache + "/v1/" + kind)
            }
        }
        return try GuestBuilder(toolchain: toolchain, cacheDirectory: cache)
    }
}

/// A cache holding the runtime and the Sync module, built once per test process.
enum SupportSeed {
    static let cache: String? = {
        guard let toolchain = TestToolchain.found else { return nil }
        let folder = NSTemporaryDirectory() + "interleave-toolchain-seed-\(getpid())"
        let source = folder + "/seed.swift"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try "import Sync\nSystem.exit(0)\n".write(toFile: source, atomically: true, encoding: .utf8)
            _ = try GuestBuilder(toolchain: toolchain, cacheDirectory: folder + "/cache").build(sources: [source])
        } catch {
            print("⚠︎ could not prebuild the runtime and Sync for the tests (each test builds its own): \(error)")
            return nil
        }
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "interleave-toolchain-seed-\(getpid())") }
        return folder + "/cache"
    }()
}

/// The fields of an ELF header the tests check.
struct ELFHeader {
    var isELF64LittleEndian: Bool
    var type: UInt16
    var machine: UInt16
    var entry: UInt64

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(bytes.count >= 64)
        func u16(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
        isELF64LittleEndian = bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46] && bytes[4] == 2 && bytes[5] == 1
        type = u16(16)
        machine = u16(18)
        entry = (0..<8).reduce(0) { $0 | UInt64(bytes[24 + $1]) << (8 * UInt64($1)) }
    }
}

/// Runs an ELF under qemu-riscv64: standard output and exit status.
func runUnderQemu(_ elf: String, arguments: [String] = []) throws -> (output: String, status: Int32) {
    let qemu = try #require(TestToolchain.qemu, "qemu-riscv64 is not installed (Debian package qemu-user)")
    let result = try qemu.run(elfPath: elf, arguments: arguments)
    return (String(decoding: result.output, as: UTF8.self), result.status)
}
