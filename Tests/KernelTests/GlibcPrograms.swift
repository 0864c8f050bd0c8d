// Test support: C programs built against a real riscv64 Linux libc (Debian's glibc cross
// packages: gcc-riscv64-linux-gnu and libc6-dev-riscv64-cross) by the Toolchain module, as
// `interleave build` builds them: static, with frame pointers and line information, cached
// in .build/interleave-test-cache. Tests that need the compiler carry `.needsGlibcToolchain`;
// `runSeparately` keeps the program's standard output apart from its standard error, so
// it can be compared with qemu-riscv64's.

import Foundation
import Kernel
import Testing
import Toolchain
import Trace

enum GlibcPrograms {
    /// The cross compiler and glibc, or why there are none.
    static let located: Result<LinuxCToolchain, any Error> = Result { try LinuxCToolchain.locate() }
    static var available: Bool { (try? located.get()) != nil && GuestPrograms.builder != nil }

    /// Builds one C source text (the program's whole text) and returns the ELF's bytes.
    static func build(source text: String, name: String = "program", optimization: GuestOptimization = .speed) throws -> [UInt8] {
        let folder = GuestPrograms.packageRoot + "/.build/interleave-test-cache/glibc-sources/"
            + SHA256.hex(SHA256.hash(Array(text.utf8)))
        let path = folder + "/" + name + ".c"
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return try buildFile(path, optimization: optimization)
    }

    /// Builds a C file of the package (relative to Guest/Programs).
    static func build(_ relativePath: String, optimization: GuestOptimization = .speed) throws -> [UInt8] {
        try buildFile(GuestPrograms.source(relativePath), optimization: optimization)
    }

    private static func buildFile(_ path: String, optimization: GuestOptimization) throws -> [UInt8] {
        let builder = try GuestPrograms.located.get()
        let result = try builder.build(sources: [path], optimization: optimization, c: CBuildOptions(library: .glibc))
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
    }

    /// A run's standard output and error kept apart, its ending and statistics, and its trace
    /// when one was asked for.
    struct SeparateRun {
        var ending: ProcessEnding
        var output: String
        var error: String
        var statistics: KernelStatistics
        var trace: TraceLog?
        var status: Int32? { if case .exited(let status) = ending { status } else { nil } }
    }

    /// Runs `elf` under the kernel as `name` (so execve(argv[0]) finds it among the run's
    /// programs), with 64 MiB of memory unless `configure` says otherwise.
    static func runSeparately(_ elf: [UInt8], name: String, arguments: [String] = [], traced: Bool = false,
                              configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> SeparateRun {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 64 << 20
        configure(&configuration)
        let recorder = traced ? TraceRecorder(clockFrequency: configuration.clockFrequency, harts: configuration.harts) : nil
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: name, arguments: arguments, configuration: configuration,
                                io: streams.io, programs: [name: elf], trace: recorder)
        let ending = kernel.run()
        return SeparateRun(ending: ending, output: String(decoding: streams.output, as: UTF8.self),
                           error: String(decoding: streams.error, as: UTF8.self), statistics: kernel.statistics,
                           trace: recorder?.log)
    }
}

extension Trait where Self == ConditionTrait {
    /// For tests that build C against glibc: skipped, with the reason, without the compiler.
    static var needsGlibcToolchain: Self {
        .enabled(if: GlibcPrograms.available || GuestPrograms.toolsRequired,
                 "needs riscv64-linux-gnu-gcc and riscv64 glibc (Debian packages \(LinuxCToolchain.packages)) and a Swift toolchain")
    }
}
