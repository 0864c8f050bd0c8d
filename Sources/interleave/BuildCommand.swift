// `interleave build`: cross-compiles a guest program (Swift, C and assembly files in any
// mix) into a RISC-V ELF with the Swift toolchain's own swiftc, clang and ld.lld, linked
// with the guest runtime and the Sync module. Progress goes to standard error, the ELF's
// path to standard output; compiler errors are shown exactly as the compiler printed them.

import ArgumentParser
import Foundation
import Toolchain

/// `-O`, `-Osize`, `-Onone`, spelled as swiftc spells them (shared by `build` and `run`).
enum OptimizationFlag: String, EnumerableFlag {
    case speed, size, none

    var level: GuestOptimization {
        switch self {
        case .speed: return .speed
        case .size: return .size
        case .none: return .none
        }
    }

    static func name(for value: OptimizationFlag) -> NameSpecification {
        switch value {
        case .speed: return .customShort("O")
        case .size: return .customLong("Osize", withSingleDash: true)
        case .none: return .customLong("Onone", withSingleDash: true)
        }
    }

    static func help(for value: OptimizationFlag) -> ArgumentHelp? {
        switch value {
        case .speed: return "Optimise for speed (swiftc -O; gcc -O2 for glibc C; the default)."
        case .size: return "Optimise for size (swiftc -Osize; gcc -Os for glibc C)."
        case .none: return "Do not optimise (swiftc -Onone; gcc -O0 for glibc C)."
        }
    }
}

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Compile a guest program for RISC-V (Embedded Swift, C with glibc or the small runtime, assembly) into an ELF.",
        discussion: """
        Swift, assembly, and C that includes "interleave.h" are built with the toolchain beside the \
        `swift` on PATH, or the one named by --toolchain or INTERLEAVE_TOOLCHAIN, and linked with \
        Interleave's small runtime. C written against the standard headers (stdio.h, pthread.h, \
        unistd.h, ...) is built with riscv64-linux-gnu-gcc into a static Linux program with Debian's \
        glibc (packages gcc-riscv64-linux-gnu and libc6-dev-riscv64-cross; INTERLEAVE_RISCV_GCC names \
        another compiler); --libc chooses instead. C is built with -g and frame pointers; -O, -Osize \
        and -Onone give gcc -O2, -Os and -O0. Results are cached (INTERLEAVE_CACHE, else \
        $XDG_CACHE_HOME/interleave, else ~/.cache/interleave), so building the same program \
        twice compiles it once. A single Swift file may be an ordinary script (top-level code); \
        with several, the top-level code goes in main.swift, or one type is marked @main.
        """
    )

    @Argument(help: ArgumentHelp("Source files: .swift, .c, .S or .s, in any mix.", valueName: "file"))
    var files: [String] = []

    @Option(name: .customShort("o"), help: ArgumentHelp("The ELF to write (default: <first file's name>.elf here).", valueName: "out.elf"))
    var output: String?

    @Flag var optimization: OptimizationFlag = .speed

    @OptionGroup(title: "Building C") var compileOptions: CompileOptions

    @Option(help: ArgumentHelp("The Swift toolchain: its root or its bin folder.", valueName: "dir"))
    var toolchain: String?

    func run() throws {
        guard let first = files.first else {
            throw ValidationError("name the source files to build: .swift, .c, .S or .s")
        }
        let destination = output ?? (((first as NSString).lastPathComponent as NSString).deletingPathExtension + ".elf")
        try OutputPaths.check([OutputPath(option: "-o", path: destination, what: "the program")], inputs: files)
        let result: BuildResult
        do {
            let located = try Toolchain.locate(explicitPath: toolchain)
            let builder = try GuestBuilder(toolchain: located)
            result = try builder.build(sources: files, optimization: optimization.level, c: compileOptions.settings,
                                       output: destination,
                                       progress: { printError($0) })
        } catch let error as BuildError {
            if let compilerOutput = error.compilerOutput {
                printError(compilerOutput.hasSuffix("\n") ? String(compilerOutput.dropLast()) : compilerOutput)
                throw ExitCode.failure
            }
            throw fail(error.description)
        } catch {
            throw fail("\(error)")
        }
        print(result.elfPath)
    }
}
