// Test support: C programs built against a real riscv64 Linux libc (Debian's glibc cross
// packages: gcc-riscv64-linux-gnu and libc6-dev-riscv64-cross), static, with frame
// pointers and line information, cached in .build/interleave-test-cache/glibc by the
// source's hash. Tests that need the compiler carry `.needsGlibcToolchain`.
// (Issue 16's skeleton: part F moves the build into the Toolchain module behind
// `interleave build`; tests keep calling `GlibcPrograms.build`.)

import Foundation
import Testing
import Toolchain

enum GlibcPrograms {
    static let compiler = "/usr/bin/riscv64-linux-gnu-gcc"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: compiler) }

    /// Builds one C source text (the program's whole text) and returns the ELF's bytes.
    static func build(source text: String, name: String = "program") throws -> [UInt8] {
        let flags = ["-static", "-O1", "-g", "-fno-omit-frame-pointer", "-pthread"]
        let key = SHA256.hex(SHA256.hash(Array((flags.joined(separator: " ") + "\n" + text).utf8)))
        let folder = GuestPrograms.packageRoot + "/.build/interleave-test-cache/glibc/" + key
        let elf = folder + "/" + name
        if !FileManager.default.fileExists(atPath: elf) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let source = folder + "/" + name + ".c"
            try text.write(toFile: source, atomically: true, encoding: .utf8)
            // Tests build in parallel: each build writes its own partial file, and the first
            // to finish gives the cache its copy.
            let partial = elf + ".partial-" + UUID().uuidString
            let process = Process()
            process.executableURL = URL(fileURLWithPath: compiler)
            process.arguments = flags + ["-o", partial, source]
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw GlibcBuildError(message: String(decoding: message, as: UTF8.self))
            }
            do {
                try FileManager.default.moveItem(atPath: partial, toPath: elf)
            } catch {
                try? FileManager.default.removeItem(atPath: partial)
                guard FileManager.default.fileExists(atPath: elf) else { throw error }
            }
        }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: elf)))
    }

    /// Builds a C file of the package (relative to Guest/Programs).
    static func build(_ relativePath: String) throws -> [UInt8] {
        let text = try String(contentsOfFile: GuestPrograms.source(relativePath), encoding: .utf8)
        return try build(source: text, name: URL(fileURLWithPath: relativePath).deletingPathExtension().lastPathComponent)
    }
}

struct GlibcBuildError: Error, CustomStringConvertible {
    let message: String
    var description: String { "riscv64-linux-gnu-gcc failed:\n" + message }
}

extension Trait where Self == ConditionTrait {
    /// For tests that build C against glibc: skipped, with the reason, without the compiler.
    static var needsGlibcToolchain: Self {
        .enabled(if: GlibcPrograms.available || GuestPrograms.toolsRequired,
                 "needs riscv64-linux-gnu-gcc and riscv64 glibc (Debian packages gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)")
    }
}
