// The one check of the files a command will write (--trace, --svg, --json, --switch-log),
// made before anything runs: none may be one of the inputs (`--trace prog.elf` would
// overwrite the program) or another output, compared by resolved real path, and each must
// be writable, or the message gives the system's reason.

import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file a command will write, with the option that named it.
struct OutputPath {
    var option: String          // "--trace"
    var path: String
    var what: String            // "the trace", for "cannot write the trace to …"
}

enum OutputPaths {
    /// Throws, naming the option, for an output that is an input or another output, or
    /// that cannot be written. `-` (a standard stream) is never a file and is skipped.
    static func check(_ outputs: [OutputPath], inputs: [String]) throws {
        let inputs = inputs.map { (path: $0, real: realPath($0)) }
        var seen: [(output: OutputPath, real: String)] = []
        for output in outputs where output.path != "-" {
            let real = realPath(output.path)
            if let input = inputs.first(where: { $0.real == real }) {
                throw ValidationError("\(output.option) \(output.path) is an input (\(input.path)); writing \(output.what) there would destroy it: name another file")
            }
            if let other = seen.first(where: { $0.real == real }) {
                throw ValidationError("\(other.output.option) and \(output.option) name the same file, \(output.path)")
            }
            if let problem = unwritable(output.path) {
                throw ValidationError("cannot write \(output.what) to \(output.path): \(problem)")
            }
            seen.append((output, real))
        }
    }

    /// Why `path` cannot be written, in the system's words, or nil if it can.
    static func unwritable(_ path: String) -> String? {
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { return "it is a folder" }
        let folder = folderOf(path)
        guard stat(folder, &status) == 0 else { return "\(folder): \(systemReason())" }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { return "\(folder) is not a folder" }
        guard access(folder, W_OK) == 0 else { return "\(folder): \(systemReason())" }
        if access(path, F_OK) == 0, access(path, W_OK) != 0 { return systemReason() }
        return nil
    }

    /// The path with links, `.` and `..` resolved; for a file not yet made, its folder's
    /// real path and its name.
    static func realPath(_ path: String) -> String {
        if let resolved = resolved(path) { return resolved }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return (resolved(folderOf(path)) ?? folderOf(path)) + "/" + name
    }

    private static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    private static func folderOf(_ path: String) -> String {
        let slash = path.lastIndex(of: "/")
        return slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    }

    /// The last system call's error as a phrase: "no such file or directory".
    static func systemReason() -> String {
        let text = String(cString: strerror(errno))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
