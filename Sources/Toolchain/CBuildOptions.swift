// What a user says about building C: the C library to link (glibc through Debian's
// riscv64 cross gcc, or Interleave's small runtime), and the -I folders and -D macros
// passed through to the C compiler. The library is chosen from the sources unless named:
// C that includes "interleave.h", and every program with Swift in it, use the small
// runtime; other C uses glibc, so a textbook program with <stdio.h> and <pthread.h> builds.

import Foundation

/// The C library a program is linked with.
public enum CLibrary: String, Sendable, CaseIterable, Equatable {
    /// Chosen from the sources (see `CBuildOptions.library(for:)`).
    case automatic = "auto"
    /// Debian's riscv64 glibc, built with riscv64-linux-gnu-gcc: a static Linux program.
    case glibc
    /// Interleave's small runtime (Guest/Runtime), built with the Swift toolchain's clang.
    case interleave
}

/// -I, -D and the C library, for `interleave build` and `run`.
public struct CBuildOptions: Sendable, Equatable {
    /// Folders searched for headers (`-I`), in order, as given.
    public var includeFolders: [String]
    /// Macros (`-D NAME` or `-D NAME=VALUE`), in order.
    public var definitions: [String]
    public var library: CLibrary

    public init(includeFolders: [String] = [], definitions: [String] = [], library: CLibrary = .automatic) {
        self.includeFolders = includeFolders
        self.definitions = definitions
        self.library = library
    }

    /// The compiler flags for the folders and macros.
    var compilerFlags: [String] {
        includeFolders.flatMap { ["-I", $0] } + definitions.flatMap { ["-D", $0] }
    }

    /// Checks what a user typed: every -I folder exists, every -D names a C identifier.
    /// The message says which was wrong and what is accepted.
    public func validate() throws {
        for folder in includeFolders where !FileSystem.isDirectory(folder) {
            throw BuildError.badCOption("-I \(folder): no such folder (-I takes a folder of headers)")
        }
        for definition in definitions {
            let name = definition.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let isIdentifier = !name.isEmpty && !name.first!.isNumber
                && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            if !isIdentifier {
                throw BuildError.badCOption("-D \(definition): not a macro definition (-D takes NAME or NAME=VALUE, "
                    + "NAME made of letters, digits and _)")
            }
        }
    }

    /// The library `sources` are linked with: the one named, or, automatically, glibc for
    /// programs of C (and assembly) files none of which includes "interleave.h".
    func library(for sources: [ProgramSource]) throws -> CLibrary {
        let hasSwift = sources.contains { $0.kind == .swift }
        switch library {
        case .interleave:
            return .interleave
        case .glibc:
            if hasSwift {
                throw BuildError.badCOption("--libc glibc builds C and assembly only; Swift programs link the small runtime "
                    + "(leave out --libc, or use --libc interleave)")
            }
            return .glibc
        case .automatic:
            guard !hasSwift, sources.contains(where: { $0.kind == .c }) else { return .interleave }
            let folders = includeFolders
            return sources.contains { $0.includesRuntimeHeader(searching: folders) } ? .interleave : .glibc
        }
    }
}
