// Building C against glibc: standard headers and pthreads build into a static riscv64
// Linux program that runs under qemu-riscv64; the build is cached (a warm build starts
// nothing) and rebuilds when a header in an -I folder changes; -I and -D reach the
// compiler; the C library is chosen from the sources (interleave.h: the small runtime)
// or by --libc; the compiler's errors keep file and line; and a missing compiler or
// library is named by its Debian package.

import Foundation
import Testing
import Toolchain

extension TestToolchain {
    /// riscv64-linux-gnu-gcc and Debian's riscv64 glibc, if installed.
    static let glibc: LinuxCToolchain? = try? LinuxCToolchain.locate()
}

extension Trait where Self == ConditionTrait {
    static var needsGlibc: Self {
        .enabled(if: TestToolchain.glibc != nil || TestToolchain.toolsRequired,
                 "needs riscv64-linux-gnu-gcc and riscv64 glibc (Debian packages \(LinuxCToolchain.packages))")
    }
}

@Suite(.enabled(if: TestToolchain.available, "no Swift toolchain with Embedded Swift for riscv64 was found"))
struct GlibcBuildTests {
    static let threads = """
        #include <pthread.h>
        #include <stdio.h>
        #include <stdlib.h>

        static void *square(void *argument) {
            long n = (long)argument;
            return (void *)(n * n);
        }

        int main(void) {
            pthread_t thread;
            void *result;
            pthread_create(&thread, NULL, square, (void *)7L);
            pthread_join(thread, &result);
            printf("7 squared is %ld\\n", (long)result);
            return EXIT_SUCCESS;
        }

        """

    @Test(.needsGlibc, .needsQemu) func standardCBuildsAgainstGlibcAndIsCached() throws {
        let scratch = try Scratch()
        let source = try scratch.write("square.c", Self.threads)
        let builder = try scratch.builder()
        let log = ProgressLog()
        let first = try builder.build(sources: [source], progress: log.add)
        #expect(log.lines == ["compiling square.c against glibc (riscv64-linux-gnu-gcc -O2)…"])
        #expect(!first.cached && first.toolRuns == 1)
        let header = try ELFHeader(path: first.elfPath)
        #expect(header.machine == 0xF3 && header.type == 2, "a static riscv64 executable")
        let run = try runUnderQemu(first.elfPath)
        #expect(run.output == "7 squared is 49\n")
        #expect(run.status == 0)
        let quiet = ProgressLog()
        let second = try builder.build(sources: [source], progress: quiet.add)
        #expect(second.cached && second.toolRuns == 0 && second.elfPath == first.elfPath)
        #expect(quiet.lines.isEmpty)
        let unoptimised = try builder.build(sources: [source], optimization: .none, progress: quiet.add)
        #expect(!unoptimised.cached)
        #expect(quiet.lines == ["compiling square.c against glibc (riscv64-linux-gnu-gcc -O0)…"])
    }

    @Test(.needsGlibc, .needsQemu) func includeFoldersAndMacrosPassThrough() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/include", withIntermediateDirectories: true)
        try scratch.write("include/settings.h", "#define BASE 40\n")
        let source = try scratch.write("sum.c", """
            #include <stdio.h>
            #include <settings.h>
            int main(void) { printf("%s %d\\n", WORD, BASE + EXTRA); return 0; }

            """)
        let builder = try scratch.builder()
        let options = CBuildOptions(includeFolders: [scratch.path + "/include"], definitions: ["EXTRA=2", "WORD=\"sum\""])
        let first = try builder.build(sources: [source], c: options)
        #expect(try runUnderQemu(first.elfPath).output == "sum 42\n")
        // The header in the -I folder is part of the cache key.
        try scratch.write("include/settings.h", "#define BASE 50\n")
        let second = try builder.build(sources: [source], c: options)
        #expect(!second.cached)
        #expect(try runUnderQemu(second.elfPath).output == "sum 52\n")
        // So are the macros.
        var other = options
        other.definitions = ["EXTRA=3", "WORD=\"sum\""]
        #expect(try runUnderQemu(try builder.build(sources: [source], c: other).elfPath).output == "sum 53\n")
    }

    @Test(.needsGlibc) func theSourcesChooseTheLibrary() throws {
        let scratch = try Scratch()
        let runtime = try scratch.write("small.c", "#include \"interleave.h\"\nint main(void) { return 3; }\n")
        let plain = try scratch.write("plain.c", "int main(void) { return 4; }\n")
        let builder = try scratch.builder()
        let log = ProgressLog()
        _ = try builder.build(sources: [runtime], progress: log.add)
        #expect(log.lines.contains("compiling small.c (clang -O2)…"), "\(log.lines)")
        let glibc = ProgressLog()
        _ = try builder.build(sources: [plain], progress: glibc.add)
        #expect(glibc.lines == ["compiling plain.c against glibc (riscv64-linux-gnu-gcc -O2)…"])
        let named = ProgressLog()
        _ = try builder.build(sources: [plain], c: CBuildOptions(library: .interleave), progress: named.add)
        #expect(named.lines.contains("compiling plain.c (clang -O2)…"), "\(named.lines)")
    }

    @Test(.needsGlibc) func gccErrorsKeepFileAndLine() throws {
        let scratch = try Scratch()
        let source = try scratch.write("broken.c", "#include <stdio.h>\nint main(void) {\n    return undeclared;\n}\n")
        let error = try #require(throws: BuildError.self) { try scratch.builder().build(sources: [source]) }
        #expect(error.compilerOutput?.contains("broken.c:3:") == true, "\(error)")
    }

    @Test func badOptionsSayWhatIsAccepted() throws {
        let scratch = try Scratch()
        let source = try scratch.write("plain.c", "int main(void) { return 0; }\n")
        let swift = try scratch.write("main.swift", "print(1)\n")
        let builder = try scratch.builder()
        let badMacro = try #require(throws: BuildError.self) {
            try builder.build(sources: [source], c: CBuildOptions(definitions: ["1X=2"]))
        }
        #expect(badMacro.description.contains("-D 1X=2: not a macro definition (-D takes NAME or NAME=VALUE"))
        let badFolder = try #require(throws: BuildError.self) {
            try builder.build(sources: [source], c: CBuildOptions(includeFolders: [scratch.path + "/nowhere"]))
        }
        #expect(badFolder.description.contains("no such folder"))
        let swiftWithGlibc = try #require(throws: BuildError.self) {
            try builder.build(sources: [swift], c: CBuildOptions(library: .glibc))
        }
        #expect(swiftWithGlibc.description.contains("--libc glibc builds C and assembly only"))
    }

    @Test func aMissingCompilerOrLibraryIsNamedByItsPackage() throws {
        let noCompiler = try #require(throws: BuildError.self) {
            try LinuxCToolchain.locate(environment: ["PATH": "/nonexistent"])
        }
        #expect(noCompiler.description.contains("apt-get install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross"))
        let named = try #require(throws: BuildError.self) {
            try LinuxCToolchain.locate(environment: ["INTERLEAVE_RISCV_GCC": "/nonexistent/gcc"])
        }
        #expect(named.description.contains("INTERLEAVE_RISCV_GCC=/nonexistent/gcc is not an executable file"))
        // A compiler without the library beside it (and which cannot name one either).
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/bin", withIntermediateDirectories: true)
        let fake = try scratch.write("bin/riscv64-linux-gnu-gcc", "#!/bin/sh\necho libc.a\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        let noLibrary = try #require(throws: BuildError.self) {
            try LinuxCToolchain.locate(environment: ["PATH": scratch.path + "/bin"])
        }
        #expect(noLibrary.description.contains("apt-get install libc6-dev-riscv64-cross"), "\(noLibrary)")
    }
}
