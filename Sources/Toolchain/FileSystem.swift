// Small POSIX file helpers for the toolchain and the build cache: stat-based checks that
// cost a system call each (the warm path of `interleave run` must stay in milliseconds),
// real paths, whole-file reads, and atomic publication by rename.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum FileSystem {
    /// The kind of thing at a path, following symbolic links.
    enum Kind { case missing, file, directory, other }

    static func kind(_ path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    static func isFile(_ path: String) -> Bool { kind(path) == .file }
    static func isDirectory(_ path: String) -> Bool { kind(path) == .directory }

    static func isExecutableFile(_ path: String) -> Bool {
        kind(path) == .file && access(path, X_OK) == 0
    }

    /// The path with every symbolic link resolved, or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// "real path, size, modification time" of a file: changes whenever the file is replaced.
    static func identity(_ path: String) -> String? {
        guard let real = realPath(path) else { return nil }
        var info = stat()
        guard stat(real, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let seconds = Int64(info.st_mtimespec.tv_sec), nanoseconds = Int64(info.st_mtimespec.tv_nsec)
        #else
        let seconds = Int64(info.st_mtim.tv_sec), nanoseconds = Int64(info.st_mtim.tv_nsec)
        #endif
        return "\(real) \(info.st_size) \(seconds).\(nanoseconds)"
    }

    /// The whole file's bytes.
    static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(path: path, errno: errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc_read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Entries of a directory (names only, no "." or ".."), sorted by byte order so that
    /// every listing of the same folder hashes and links in the same order.
    static func list(_ directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FileSystemError(path: path, message: "cannot create the folder (\(error.localizedDescription))")
        }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Renames `source` to `destination` in one step. Returns false when the destination
    /// already exists as a non-empty folder (another process published it first).
    static func rename(_ source: String, to destination: String) throws -> Bool {
        if Glibc_rename(source, destination) == 0 { return true }
        let error = errno
        if error == ENOTEMPTY || error == EEXIST { return false }
        throw FileSystemError(path: destination, errno: error)
    }

    /// Copies a file to `destination` through a temporary file beside it and a rename, so
    /// nobody ever sees a half-written file there.
    static func copyAtomically(_ source: String, to destination: String, permissions: Int = 0o755) throws {
        let bytes = try read(source)
        let temporary = destination + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(permissions))
        guard descriptor >= 0 else { throw FileSystemError(path: destination, errno: errno) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc_write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = errno
                close(descriptor)
                unlink(temporary)
                throw FileSystemError(path: destination, errno: error)
            }
            written += count
        }
        close(descriptor)
        _ = chmod(temporary, mode_t(permissions))
        if Glibc_rename(temporary, destination) != 0 {
            let error = errno
            unlink(temporary)
            throw FileSystemError(path: destination, errno: error)
        }
    }
}

// The C functions whose Swift names clash with members or locals above.
private func Glibc_read(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

private func Glibc_write(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

private func Glibc_rename(_ source: String, _ destination: String) -> Int32 {
    rename(source, destination)
}

/// A file operation that failed, with the path and the system's reason.
struct FileSystemError: Error, CustomStringConvertible {
    var path: String
    var message: String

    init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    init(path: String, errno code: Int32) {
        self.path = path
        self.message = String(cString: strerror(code))
    }

    var description: String { "'\(path)': \(message)" }
}
