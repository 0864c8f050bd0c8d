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
        case .speed: return "Optimise guest Swift code for speed (the default)."
        case .size: return "Optimise guest Swift code for size."
        case .none: return "Do not optimise guest Swift code."
        }
    }
}

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Compile a guest program for RISC-V (Embedded Swift, C, assembly) into an ELF.",
        discussion: """
        Uses the toolchain beside the `swift` on PATH, or the one named by --toolchain or \
        INTERLEAVE_TOOLCHAIN. Results are cached (INTERLEAVE_CACHE, else \
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
            result = try builder.build(sources: files, optimization: optimization.level, output: destination,
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
