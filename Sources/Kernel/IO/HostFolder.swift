// A host folder shown in the guest's file system (`--mount HOSTDIR:GUESTDIR[:rw]`). Its
// entries are read when the guest first looks into a folder, and a file's bytes page by
// page when the guest first reads them (through the simulated disk, PageCache.swift) —
// nothing of the host is read while options are parsed. Read-only unless `:rw`: then every
// change the guest makes (write, truncate, create, mkdir, unlink, rename) goes straight
// to the host file, as it is made.
//
// The guest cannot leave the folder: a path is looked up in the guest's own tree, whose
// ".." above the mount is the guest's parent folder, never the host's, and names come
// from the host's own listing (no "/" in them); a symbolic link is followed only when its
// target, fully resolved, lies inside the folder — others are left out of the listing.
// Host errors come back as the guest's errno (EACCES for a file the host will not let us
// read, EIO for anything unexpected), never as a crash.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class HostFolder {
    let guestPath: String
    /// The folder's real path on the host (symbolic links resolved).
    let hostRoot: [UInt8]
    let writable: Bool
    let device: UInt64
    let rootPermissions: UInt32

    init(_ mountPoint: MountPoint, device: UInt64) throws(KernelError) {
        let guestComponents = mountPoint.guestPath.split(separator: "/", omittingEmptySubsequences: true)
        guard mountPoint.guestPath.hasPrefix("/"), !guestComponents.isEmpty,
              !guestComponents.contains(where: { $0 == "." || $0 == ".." }) else {
            throw KernelError("--mount: the guest folder must be an absolute path below / without . or .. (like /data), not '\(mountPoint.guestPath)'")
        }
        guard !mountPoint.hostPath.split(separator: "/").contains("..") else {
            throw KernelError("--mount: the host folder may not contain '..' ('\(mountPoint.hostPath)'); name it directly")
        }
        guard let real = HostFolder.realPath(Array(mountPoint.hostPath.utf8)),
              let status = HostFolder.status(real, followLinks: true), status.isDirectory else {
            throw KernelError("--mount: '\(mountPoint.hostPath)' is not a folder on this computer")
        }
        guestPath = "/" + guestComponents.joined(separator: "/")
        hostRoot = real
        writable = mountPoint.writable
        self.device = device
        rootPermissions = status.permissions
    }

    struct Entry {
        let name: [UInt8]
        let isDirectory: Bool
        let permissions: UInt32
        let size: UInt64
        /// The resolved target of a symbolic link (inside the folder).
        let target: [UInt8]?
    }

    /// The regular files and folders in the host folder at `path`, sorted by name.
    func entries(of path: [UInt8]) -> Result<[Entry], Errno> {
        guard let directory = HostFolder.withCString(path, { opendir($0) }) else { return .failure(HostFolder.errnoNow()) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name.isEmpty || name == [0x2E] || name == [0x2E, 0x2E] || name.count > FileSystem.nameLimit { continue }
            names.append(name)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        var result: [Entry] = []
        for name in names {
            let full = path + [0x2F] + name
            guard let own = HostFolder.status(full, followLinks: false) else { continue }
            var target: [UInt8]? = nil
            var status = own
            if own.isLink {
                guard let resolved = HostFolder.realPath(full), isInside(resolved),
                      let followed = HostFolder.status(resolved, followLinks: true) else { continue }
                target = resolved
                status = followed
            }
            guard status.isDirectory || status.isRegular else { continue }
            result.append(Entry(name: name, isDirectory: status.isDirectory, permissions: status.permissions,
                                size: status.size, target: target))
        }
        return .success(result)
    }

    func isInside(_ path: [UInt8]) -> Bool {
        path == hostRoot || (path.count > hostRoot.count && path.starts(with: hostRoot) && path[hostRoot.count] == 0x2F)
    }

    /// Page `index` of the host file at `path` (4 KiB, zeros past the host file's end).
    func readPage(_ path: [UInt8], index: UInt64) -> Result<[UInt8], Errno> {
        let fd = HostFolder.withCString(path) { open($0, O_RDONLY) }
        guard fd >= 0 else { return .failure(HostFolder.errnoNow()) }
        defer { hostClose(fd) }
        var page = [UInt8](repeating: 0, count: Int(FileSystem.pageSize))
        var filled = 0
        while filled < page.count {
            let count = page.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pread(fd, base + filled, raw.count - filled, off_t(index * FileSystem.pageSize) + off_t(filled))
            }
            if count < 0 { return .failure(HostFolder.errnoNow()) }
            if count == 0 { break }
            filled += count
        }
        return .success(page)
    }

    /// EACCES when the host will not let us read (or write) the file at `path`.
    func checkAccess(_ path: [UInt8], read: Bool, write: Bool) -> Errno? {
        let mode = (read ? R_OK : 0) | (write ? W_OK : 0)
        guard mode != 0 else { return nil }
        return HostFolder.withCString(path) { access($0, mode) } == 0 ? nil : HostFolder.errnoNow()
    }

    // MARK: Changes (a writable mount only; the callers check)

    func write(_ path: [UInt8], bytes: ArraySlice<UInt8>, at offset: UInt64) -> Errno? {
        let fd = HostFolder.withCString(path) { open($0, O_WRONLY) }
        guard fd >= 0 else { return HostFolder.errnoNow() }
        defer { hostClose(fd) }
        var done = 0
        let copy = Array(bytes)
        while done < copy.count {
            let count = copy.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pwrite(fd, base + done, raw.count - done, off_t(offset) + off_t(done))
            }
            if count <= 0 { return HostFolder.errnoNow() }
            done += count
        }
        return nil
    }

    func truncate(_ path: [UInt8], to length: UInt64) -> Errno? {
        HostFolder.withCString(path) { hostTruncate($0, off_t(length)) } == 0 ? nil : HostFolder.errnoNow()
    }

    func createFile(_ path: [UInt8], permissions: UInt32) -> Errno? {
        let fd = HostFolder.withCString(path) { open($0, O_WRONLY | O_CREAT | O_EXCL, mode_t(permissions & 0o777)) }
        guard fd >= 0 else { return HostFolder.errnoNow() }
        hostClose(fd)
        return nil
    }

    func makeDirectory(_ path: [UInt8], permissions: UInt32) -> Errno? {
        HostFolder.withCString(path) { mkdir($0, mode_t(permissions & 0o777)) } == 0 ? nil : HostFolder.errnoNow()
    }

    func remove(_ path: [UInt8], isDirectory: Bool) -> Errno? {
        HostFolder.withCString(path) { isDirectory ? rmdir($0) : unlink($0) } == 0 ? nil : HostFolder.errnoNow()
    }

    func rename(_ from: [UInt8], to: [UInt8]) -> Errno? {
        HostFolder.withCString(from) { old in HostFolder.withCString(to) { new in hostRename(old, new) } } == 0
            ? nil : HostFolder.errnoNow()
    }

    // MARK: Host calls

    struct Status {
        var isDirectory: Bool
        var isRegular: Bool
        var isLink: Bool
        var permissions: UInt32
        var size: UInt64
    }

    static func status(_ path: [UInt8], followLinks: Bool) -> Status? {
        var buffer = stat()
        let result = withCString(path) { followLinks ? stat($0, &buffer) : lstat($0, &buffer) }
        guard result == 0 else { return nil }
        let type = UInt32(buffer.st_mode) & UInt32(S_IFMT)
        return Status(isDirectory: type == UInt32(S_IFDIR), isRegular: type == UInt32(S_IFREG), isLink: type == UInt32(S_IFLNK),
                      permissions: UInt32(buffer.st_mode) & 0o7777, size: UInt64(max(0, buffer.st_size)))
    }

    static func realPath(_ path: [UInt8]) -> [UInt8]? {
        guard let resolved = withCString(path, { realpath($0, nil) }) else { return nil }
        defer { free(resolved) }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(resolved).assumingMemoryBound(to: UInt8.self), count: strlen(resolved)))
    }

    static func withCString<Result>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> Result) -> Result {
        let terminated = path.map { CChar(bitPattern: $0) } + [0]
        return terminated.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return body("") }
            return body(base)
        }
    }

    /// The host's errno as the guest's: the ones a guest can act on kept, the rest EIO.
    static func errnoNow() -> Errno {
        switch errno {
        case EACCES, EPERM: .EACCES
        case ENOENT: .ENOENT
        case EEXIST: .EEXIST
        case ENOTDIR: .ENOTDIR
        case EISDIR: .EISDIR
        case ENOTEMPTY: .ENOTEMPTY
        case ENOSPC, EDQUOT: .ENOSPC
        case EROFS: .EROFS
        case ENAMETOOLONG: .ENAMETOOLONG
        case EXDEV: .EXDEV
        default: .EIO
        }
    }
}

// The C library's functions whose names HostFolder's methods reuse.
private func hostClose(_ fd: Int32) { _ = close(fd) }
private func hostTruncate(_ path: UnsafePointer<CChar>, _ length: off_t) -> Int32 { truncate(path, length) }
private func hostRename(_ from: UnsafePointer<CChar>, _ to: UnsafePointer<CChar>) -> Int32 { rename(from, to) }
