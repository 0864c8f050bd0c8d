// Everything that can stop a guest build, each told so a person can act on it: the file
// that is missing, the extensions that are accepted, or the compiler's own messages
// (which carry file:line:column) exactly as it printed them.

/// Why a guest program could not be built.
public enum BuildError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No source files were given.
    case noSources
    /// A named source file does not exist.
    case missingFile(String)
    /// A named source is a folder or a device, not a file.
    case notAFile(String)
    /// A source file exists but cannot be read.
    case unreadable(path: String, reason: String)
    /// The file's extension is not one the builder compiles.
    case unsupportedExtension(String)
    /// Several Swift files and no way to tell which holds the program's entry point.
    case noEntryPoint(swiftFiles: [String])
    /// The guest runtime and Sync sources (the Guest folder) were not found.
    case guestSourcesNotFound(lookedIn: [String])
    /// The Guest folder lacks something the build needs.
    case guestSourcesIncomplete(String)
    /// A compiler or linker could not be started at all.
    case toolDidNotStart(tool: String, path: String, reason: String)
    /// A compiler or linker ran and failed; `output` is what it printed, verbatim.
    case compilerFailed(tool: String, output: String, exitStatus: Int32?, signal: Int32?)
    /// The build cache or the output file could not be written.
    case cannotWrite(path: String, reason: String)
    /// The riscv64 cross compiler or C library for standard C is not installed; the
    /// message names the packages.
    case libcMissing(String)
    /// A -I, -D or --libc value that cannot be used; the message says what is accepted.
    case badCOption(String)

    /// The accepted source extensions, as shown in messages.
    public static let acceptedExtensions = [".swift", ".c", ".S", ".s"]

    /// For a compiler failure, the compiler's own messages, to be printed as they are
    /// (without a prefix, so file:line:column stays at the start of each line).
    public var compilerOutput: String? {
        if case .compilerFailed(_, let output, _, _) = self, !output.isEmpty { return output }
        return nil
    }

    public var description: String {
        switch self {
        case .noSources:
            return "no source files given: name one or more .swift, .c, .S or .s files"
        case .missingFile(let path):
            return "no such file: '\(path)'"
        case .notAFile(let path):
            return "'\(path)' is a folder or a device, not a source file"
        case .unreadable(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .unsupportedExtension(let path):
            if path.hasSuffix(".elf") {
                return "'\(path)' is already an executable: `interleave run` runs .elf files; "
                    + "`interleave build` compiles .swift, .c, .S and .s files"
            }
            return "'\(path)' is not a source file the builder knows: it compiles .swift, .c, .S and .s files "
                + "(and `interleave run` also takes .elf executables)"
        case .noEntryPoint(let files):
            return "cannot tell where the program starts among \(files.joined(separator: ", ")): "
                + "put the top-level code in a file named main.swift, or mark one type @main"
        case .guestSourcesNotFound(let places):
            return "cannot find the guest runtime (Guest/Runtime/link.ld); looked in \(places.joined(separator: ", ")); "
                + "set INTERLEAVE_GUEST to the Guest folder of an Interleave checkout"
        case .guestSourcesIncomplete(let reason):
            return "the guest sources are incomplete: \(reason)"
        case .toolDidNotStart(let tool, let path, let reason):
            return "cannot start \(tool) (\(path)): \(reason)"
        case .compilerFailed(let tool, let output, let exitStatus, let signal):
            let text = output.hasSuffix("\n") ? String(output.dropLast()) : output
            if let signal {
                return (text.isEmpty ? "" : text + "\n") + "\(tool) crashed (signal \(signal))"
            }
            if text.isEmpty { return "\(tool) failed with status \(exitStatus ?? -1) and printed nothing" }
            return text
        case .cannotWrite(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        case .libcMissing(let message), .badCOption(let message):
            return message
        }
    }
}
