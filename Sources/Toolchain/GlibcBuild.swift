// Builds C written against the standard headers into a static riscv64 Linux program:
// one riscv64-linux-gnu-gcc run compiles and links every file with Debian's glibc, with
// line information and frame pointers (so fault reports name functions and walk callers),
// and the ELF is kept in the same build cache as Swift programs, keyed by the compiler's
// identity, the flags, and each source with the headers it includes from its own folder
// and the -I folders. A warm build starts no process.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The flags of a glibc build (part of its cache key).
enum GlibcRecipe {
    /// Bump when the way glibc programs are built changes in a way the flags do not show.
    static let builderVersion = "interleave-glibc-builder 1"

    /// Before the sources: a static lp64d program (the ABI Debian's glibc is built for),
    /// with threads, debugging information and frame pointers.
    static func flags(_ optimization: GuestOptimization) -> [String] {
        ["-static", "-pthread", "-march=rv64gc", "-mabi=lp64d", "-g", "-fno-omit-frame-pointer", cFlag(optimization)]
    }

    /// After the sources: the maths library, which static glibc keeps apart from libc.
    static let libraries = ["-lm"]

    /// gcc's level for the build's optimisation: -O2, -Os or -O0.
    static func cFlag(_ optimization: GuestOptimization) -> String {
        switch optimization {
        case .speed: return "-O2"
        case .size: return "-Os"
        case .none: return "-O0"
        }
    }
}

extension GuestBuilder {
    /// Builds `sources` (C and assembly) against glibc; see `build(sources:...)`.
    func buildAgainstGlibc(
        _ sources: [ProgramSource], options: CBuildOptions, optimization: GuestOptimization, output: String?,
        progress: (String) -> Void
    ) throws -> BuildResult {
        let compiler = try linuxCToolchain ?? LinuxCToolchain.locate()
        let flags = GlibcRecipe.flags(optimization) + options.compilerFlags
        var hasher = SHA256()
        hasher.update(field: "glibc-program")
        hasher.update(field: GlibcRecipe.builderVersion)
        hasher.update(field: (flags + ["|"] + GlibcRecipe.libraries).joined(separator: " "))
        hasher.update(field: compiler.identity)
        for source in sources {
            hasher.update(field: source.name)
            hasher.update(field: source.contents)
            for header in source.localIncludes(searching: options.includeFolders) {
                hasher.update(field: (header.path as NSString).lastPathComponent)
                hasher.update(field: header.contents)
            }
        }
        let key = hasher.hexDigest()
        let elfName = sources[0].stem + ".elf"
        if let entry = cache.lookup(.programs, key: key, required: [elfName]) {
            return BuildResult(elfPath: try deliver(entry + "/" + elfName, to: output), cached: true, toolRuns: 0)
        }

        cache.removeAbandonedWork()
        let work = try cache.makeWorkDirectory()
        defer { FileSystem.remove(work) }
        let temporary = work + "/tmp"
        let package = work + "/package"
        do {
            try FileSystem.createDirectory(temporary)
            try FileSystem.createDirectory(package)
        } catch let error as FileSystemError {
            throw BuildError.cannotWrite(path: error.path, reason: error.message)
        }
        var invocation = ToolInvocation(
            name: LinuxCToolchain.compilerName, executable: compiler.compiler,
            arguments: flags + sources.map(\.path) + GlibcRecipe.libraries + ["-o", package + "/" + elfName],
            logPath: work + "/gcc.log")
        invocation.temporaryDirectory = temporary
        let names = sources.map(\.name).joined(separator: ", ")
        let started = try withoutActuallyEscaping(progress) { progress in
            let session = ToolSession(progress: progress)
            try session.run([Job(invocation: invocation,
                                 announcement: "compiling \(names) against glibc (\(LinuxCToolchain.compilerName) \(GlibcRecipe.cFlag(optimization)))…")],
                            parallel: 1)
            return session.started
        }
        let entry = try cache.publish(package, as: .programs, key: key, required: [elfName])
        return BuildResult(elfPath: try deliver(entry + "/" + elfName, to: output), cached: false, toolRuns: started)
    }
}
