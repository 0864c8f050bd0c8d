// The build cache on disk. Each entry is a folder named by the SHA-256 of everything that
// went into it (see GuestBuilder for the keys):
//
//   <cache>/v1/runtime/<key>/   the runtime's objects (*.o, linked in name order)
//   <cache>/v1/sync/<key>/      Sync.swiftmodule (programs compile what they use from it)
//   <cache>/v1/programs/<key>/  <stem>.elf
//   <cache>/v1/tmp/<unique>/    builds in progress
//
// An entry is built in its own folder under tmp/ and then renamed into place in one
// step, so a reader never sees half an entry and two processes building the same thing
// at once both succeed: the first rename wins, the other build is thrown away.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where built guest code is kept between runs.
public struct BuildCache: Sendable, Equatable {
    /// The cache folder (entries live in its `v1` subfolder).
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$INTERLEAVE_CACHE`, else `$XDG_CACHE_HOME/interleave`, else `~/.cache/interleave`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["INTERLEAVE_CACHE"], !path.isEmpty { return path }
        if let path = environment["XDG_CACHE_HOME"], !path.isEmpty { return path + "/interleave" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/interleave"
    }

    /// The kinds of entry.
    enum Kind: String {
        case runtime, sync, programs
    }

    var base: String { directory + "/v1" }

    func entryPath(_ kind: Kind, key: String) -> String {
        base + "/" + kind.rawValue + "/" + key
    }

    /// The entry's folder if it exists and holds every file in `required`.
    func lookup(_ kind: Kind, key: String, required: [String]) -> String? {
        let path = entryPath(kind, key: key)
        for name in required where !FileSystem.isFile(path + "/" + name) { return nil }
        return path
    }

    /// A fresh folder to build an entry in, on the same file system as the entries.
    func makeWorkDirectory() throws -> String {
        let path = base + "/tmp/\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        do {
            try FileSystem.createDirectory(path)
        } catch {
            throw BuildError.cannotWrite(path: directory, reason: "the build cache folder cannot be created (\(error))")
        }
        return path
    }

    /// Moves a finished build folder into place as the entry for `key` and returns the
    /// entry's path. If another process published the same entry first, ours is dropped
    /// and theirs (identical in content) is used; an incomplete leftover is replaced.
    func publish(_ work: String, as kind: Kind, key: String, required: [String]) throws -> String {
        let destination = entryPath(kind, key: key)
        do {
            try FileSystem.createDirectory(base + "/" + kind.rawValue)
            for _ in 0..<2 {
                if try FileSystem.rename(work, to: destination) { return destination }
                if lookup(kind, key: key, required: required) != nil {
                    FileSystem.remove(work)
                    return destination
                }
                // A broken entry (files deleted by hand): move it aside, then try again.
                let aside = base + "/tmp/broken-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
                _ = try? FileSystem.rename(destination, to: aside)
                FileSystem.remove(aside)
            }
        } catch let error as FileSystemError {
            throw BuildError.cannotWrite(path: error.path, reason: error.message)
        }
        throw BuildError.cannotWrite(path: destination, reason: "another process keeps replacing this cache entry")
    }

    /// Removes build folders left by builds that were interrupted more than an hour ago.
    func removeAbandonedWork(olderThan seconds: Double = 3600) {
        let folder = base + "/tmp"
        let now = Date().timeIntervalSince1970
        for name in FileSystem.list(folder) {
            let path = folder + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            #if canImport(Darwin)
            let modified = Double(info.st_mtimespec.tv_sec)
            #else
            let modified = Double(info.st_mtim.tv_sec)
            #endif
            if now - modified > seconds { FileSystem.remove(path) }
        }
    }
}
