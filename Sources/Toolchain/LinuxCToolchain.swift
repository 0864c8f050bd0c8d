// The C compiler and C library for programs written against the standard headers: Debian's
// riscv64 cross gcc (gcc-riscv64-linux-gnu) with its static glibc (libc6-dev-riscv64-cross).
// Found on PATH (or where $INTERLEAVE_RISCV_GCC says), checked without starting it, and
// fingerprinted for the build cache; when a package is missing the error names it.
//
// Why gcc rather than the Swift toolchain's clang with --sysroot: clang still needs the
// cross gcc's crtbegin.o and libgcc.a (gcc-riscv64-linux-gnu's dependencies) and a linker
// that knows riscv64 Linux, so it would save no package and add flags that differ from
// one Debian release to the next; gcc is what Debian builds its glibc with.

import Foundation

/// riscv64-linux-gnu-gcc and the static glibc beside it.
public struct LinuxCToolchain: Sendable, Equatable {
    /// The gcc driver.
    public let compiler: String
    /// The static C library it links (`<prefix>/riscv64-linux-gnu/lib/libc.a`).
    public let library: String
    /// Real paths, sizes and modification times of the driver, its compilers, the library
    /// and a header: part of every cache key, so an upgraded package rebuilds.
    public let identity: String

    /// The Debian packages that provide it, as `apt-get install` takes them.
    public static let packages = "gcc-riscv64-linux-gnu libc6-dev-riscv64-cross"
    /// The driver's name on PATH.
    public static let compilerName = "riscv64-linux-gnu-gcc"
    /// The target triple: the folder names of the library and of gcc's own files.
    static let triple = "riscv64-linux-gnu"

    /// Finds the compiler: `$INTERLEAVE_RISCV_GCC` (a path to the driver), else
    /// riscv64-linux-gnu-gcc on PATH; then checks for the static glibc.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LinuxCToolchain {
        if let named = environment["INTERLEAVE_RISCV_GCC"], !named.isEmpty {
            let expanded = (named as NSString).expandingTildeInPath
            guard FileSystem.isExecutableFile(expanded) else {
                throw BuildError.libcMissing("INTERLEAVE_RISCV_GCC=\(named) is not an executable file; point it at a "
                    + "riscv64-linux-gnu-gcc, or unset it to use the one on PATH (Debian: apt-get install \(packages))")
            }
            return try LinuxCToolchain(compiler: expanded)
        }
        let folders = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for folder in folders where !folder.isEmpty && FileSystem.isExecutableFile(folder + "/" + compilerName) {
            return try LinuxCToolchain(compiler: folder + "/" + compilerName)
        }
        throw BuildError.libcMissing(
            "C that includes the standard headers is built with \(compilerName) against Debian's riscv64 glibc, "
                + "and \(compilerName) is not installed: run `sudo apt-get install \(packages)` "
                + "(or set INTERLEAVE_RISCV_GCC to such a compiler); C that includes \"interleave.h\" needs only the Swift toolchain")
    }

    /// Checks the compiler at `compiler` and the library it would link.
    init(compiler: String) throws {
        let real = FileSystem.realPath(compiler) ?? compiler
        // Debian: /usr/bin/riscv64-linux-gnu-gcc-12 → /usr, with the library in
        // /usr/riscv64-linux-gnu/lib and cc1 in /usr/lib/gcc-cross/riscv64-linux-gnu/12.
        let prefix = ((real as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let expected = prefix + "/" + LinuxCToolchain.triple + "/lib/libc.a"
        let library = FileSystem.isFile(expected) ? expected : LinuxCToolchain.askForLibrary(compiler)
        guard let library else {
            throw BuildError.libcMissing(
                "\(compiler) has no static riscv64 glibc to link (looked for \(expected)): "
                    + "run `sudo apt-get install libc6-dev-riscv64-cross`")
        }
        var parts = [real, library]
        let libraryFolder = (library as NSString).deletingLastPathComponent
        parts.append(((libraryFolder as NSString).deletingLastPathComponent) + "/include/stdio.h")
        for folder in [prefix + "/lib/gcc-cross/" + LinuxCToolchain.triple, prefix + "/libexec/gcc-cross/" + LinuxCToolchain.triple] {
            for version in FileSystem.list(folder) {
                parts += ["cc1", "libgcc.a", "collect2"].map { folder + "/" + version + "/" + $0 }
            }
        }
        self.compiler = compiler
        self.library = library
        self.identity = parts.compactMap { FileSystem.identity($0) }.joined(separator: "\n")
    }

    /// Where gcc itself finds libc.a, for installations laid out unlike Debian's; nil when
    /// it finds none (gcc then prints the bare name back).
    private static func askForLibrary(_ compiler: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: compiler)
        process.arguments = ["-print-file-name=libc.a"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") && FileSystem.isFile(path) ? path : nil
    }
}
