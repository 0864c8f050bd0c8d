// The guest sources linked into every program: Guest/Runtime (start-up, allocator, C
// library pieces, link.ld, include/) and Guest/Sync (the Swift module guests import).
// They ship as a folder found at run time, so `interleave` works from any directory
// and from a release build: $INTERLEAVE_GUEST, else the first folder above the running
// executable that holds Guest/Runtime/link.ld, else the checkout this file was built from.

import Foundation

/// The located Guest folder and what it holds.
public struct GuestSources: Sendable, Equatable {
    /// The Guest folder (holding Runtime/ and Sync/).
    public let root: String

    public var runtimeDirectory: String { root + "/Runtime" }
    public var syncDirectory: String { root + "/Sync" }
    public var linkerScript: String { runtimeDirectory + "/link.ld" }
    /// Headers the runtime offers to C guests (`#include "interleave.h"`).
    public var includeDirectory: String { runtimeDirectory + "/include" }

    /// A Guest folder given by path: either the Guest folder itself or a folder holding one.
    public init(root: String) throws {
        let expanded = (root as NSString).expandingTildeInPath
        for candidate in [expanded, expanded + "/Guest"] where FileSystem.isFile(candidate + "/Runtime/link.ld") {
            self.root = FileSystem.realPath(candidate) ?? candidate
            return
        }
        throw BuildError.guestSourcesNotFound(lookedIn: [expanded + "/Runtime/link.ld", expanded + "/Guest/Runtime/link.ld"])
    }

    private init(verified root: String) {
        self.root = FileSystem.realPath(root) ?? root
    }

    /// Finds the Guest folder: `$INTERLEAVE_GUEST` (which must then be right), else above
    /// the executable's real path, else beside the sources this module was compiled from.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        sourceFile: String = #filePath
    ) throws -> GuestSources {
        if let variable = environment["INTERLEAVE_GUEST"], !variable.isEmpty {
            do {
                return try GuestSources(root: variable)
            } catch {
                throw BuildError.guestSourcesNotFound(lookedIn: ["INTERLEAVE_GUEST=\(variable)"])
            }
        }
        var looked: [String] = []
        if let executable = executablePath() {
            var folder = (executable as NSString).deletingLastPathComponent
            while true {
                let candidate = folder == "/" ? "/Guest" : folder + "/Guest"
                if FileSystem.isFile(candidate + "/Runtime/link.ld") { return GuestSources(verified: candidate) }
                if folder == "/" || folder.isEmpty { break }
                folder = (folder as NSString).deletingLastPathComponent
            }
            looked.append("the folders above \(executable)")
        }
        // Sources/Toolchain/GuestSources.swift → the checkout's Guest folder.
        let checkout = ((sourceFile as NSString).deletingLastPathComponent as NSString)
            .deletingLastPathComponent
        let fromSources = (checkout as NSString).deletingLastPathComponent + "/Guest"
        if FileSystem.isFile(fromSources + "/Runtime/link.ld") { return GuestSources(verified: fromSources) }
        looked.append(fromSources)
        throw BuildError.guestSourcesNotFound(lookedIn: looked)
    }

    /// The running executable's real path.
    static func executablePath() -> String? {
        if let path = FileSystem.realPath("/proc/self/exe") { return path }
        if let path = Bundle.main.executablePath { return FileSystem.realPath(path) ?? path }
        return CommandLine.arguments.first.flatMap { FileSystem.realPath($0) }
    }

    /// The runtime's C and assembly files (relative to Runtime/, in link order), found
    /// anywhere under Runtime/ except include/.
    func runtimeSources() -> [String] {
        files(under: runtimeDirectory).filter { path in
            !path.hasPrefix("include/") && SourceKind(path: path).map { $0 != .swift } == true
        }
    }

    /// The Sync module's Swift files (relative to Sync/).
    func syncSources() -> [String] {
        files(under: syncDirectory).filter { $0.hasSuffix(".swift") }
    }

    /// Every file of Runtime/ (or Sync/): relative path and contents go into the cache
    /// keys, so editing any of them — a header included — rebuilds what depends on it.
    func digest(of directory: String, into hasher: inout SHA256) throws {
        for path in files(under: directory) {
            hasher.update(field: path)
            do {
                hasher.update(field: try FileSystem.read(directory + "/" + path))
            } catch {
                throw BuildError.unreadable(path: directory + "/" + path, reason: "\(error)")
            }
        }
    }

    /// Files below `directory` as sorted relative paths, skipping hidden ones (editor and
    /// Finder droppings) and build products.
    func files(under directory: String, prefix: String = "") -> [String] {
        var result: [String] = []
        for name in FileSystem.list(directory) where !name.hasPrefix(".") && !name.hasSuffix(".o") {
            let path = directory + "/" + name
            switch FileSystem.kind(path) {
            case .directory: result += files(under: path, prefix: prefix + name + "/")
            case .file: result.append(prefix + name)
            default: continue
            }
        }
        return result
    }
}
