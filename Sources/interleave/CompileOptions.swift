// The C options `interleave build` and `run` share: -I folders and -D macros passed through
// to the C compiler, and --libc to name the C library instead of letting the sources
// choose (glibc for standard C, the small runtime for C that includes "interleave.h").

import ArgumentParser
import Toolchain

extension CLibrary: ExpressibleByArgument {}

struct CompileOptions: ParsableArguments {
    @Option(name: .customShort("I", allowingJoined: true),
            help: ArgumentHelp("A folder of C headers to search (repeatable; -Idir works too).", valueName: "dir"))
    var includeFolders: [String] = []

    @Option(name: .customShort("D", allowingJoined: true),
            help: ArgumentHelp("A C macro: NAME or NAME=VALUE (repeatable; -DNAME works too).", valueName: "macro"))
    var definitions: [String] = []

    @Option(help: ArgumentHelp(
        "The C library: auto (glibc for C with the standard headers, the small runtime for C that includes "
            + "\"interleave.h\" and for Swift), glibc, or interleave.", valueName: "auto|glibc|interleave"))
    var libc: CLibrary?

    var settings: CBuildOptions {
        CBuildOptions(includeFolders: includeFolders, definitions: definitions, library: libc ?? .automatic)
    }

    func validate() throws {
        do {
            try settings.validate()
        } catch let error as BuildError {
            throw ValidationError(error.description)
        }
    }
}
