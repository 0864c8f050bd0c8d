// The in-memory file system: inodes (regular files and directories), looking a path up
// one component at a time, and creating, removing and renaming names. The guest sees an
// empty root with /tmp, plus the host folders `--mount` brings in (HostFolder.swift).
// File contents live in 4 KiB pages, the page cache (PageCache.swift): a file made in the
// guest lives only there, as on tmpfs; a mounted file's pages come from the host, through
// the simulated disk, the first time they are read.
//
// Costs never grow with history: a directory is a dictionary keyed by name plus a
// sorted array of names (getdents64's order), so a lookup costs one dictionary probe per
// component; a removed file's pages are freed when its last open description closes.

import Machine

/// A file or directory. There is no link(): each inode has at most one name, in `parent`.
final class Inode {
    let number: UInt64
    let isDirectory: Bool
    var permissions: UInt32
    /// Which file system holds it: 1 the guest's own, 2, 3, ... the mounts (st_dev).
    let device: UInt64
    /// The mount it belongs to (nil: the guest's own file system).
    let mount: HostFolder?
    /// Its directory and its name there (the root is its own parent).
    weak var parent: Inode?
    var name: [UInt8]
    /// False once unlinked or removed: it lives on while descriptors refer to it.
    var isLinked = true
    /// Open file descriptions referring to it.
    var openCount = 0
    /// Simulated nanoseconds of the last change (st_mtime, st_ctime).
    var modified: UInt64 = 0

    // Regular files: the size, the cached pages (PageCache.swift), and pages being read.
    var size: UInt64 = 0
    var pages: [UInt64: [UInt8]] = [:]
    var loading: [UInt64: PendingRead] = [:]
    /// Pages below `size` missing from `pages` are on the host file (not holes).
    var isHostBacked = false

    // Directories: entries by name, and the names sorted (byte order).
    var children: [[UInt8]: Inode] = [:]
    var sortedNames: [[UInt8]] = []
    var subdirectories = 0
    /// Whether a mounted directory's host entries have been read (done on first use).
    var isListed = true

    /// The host path when it is not the parent's plus "/" + name: a mount's root, or the
    /// target of a symbolic link inside the mount.
    var hostTarget: [UInt8]? = nil

    init(number: UInt64, isDirectory: Bool, permissions: UInt32, device: UInt64, mount: HostFolder?, name: [UInt8]) {
        self.number = number
        self.isDirectory = isDirectory
        self.permissions = permissions
        self.device = device
        self.mount = mount
        self.name = name
    }

    /// The pages a read of the disk is bringing in: when they arrive, and who asked.
    struct PendingRead {
        var arrival: UInt64
        var requester: Int32
    }

    var isWritable: Bool { mount?.writable ?? true }

    /// st_nlink: 0 once removed; a directory has 2 plus one per subdirectory.
    var linkCount: UInt32 {
        guard isLinked else { return 0 }
        return isDirectory ? UInt32(clamping: 2 + subdirectories) : 1
    }

    func status() -> FileStatus {
        FileStatus(kind: isDirectory ? .directory : .regular, permissions: permissions, inode: number, device: device,
                   links: linkCount, size: isDirectory ? 4096 : size, blockSize: 4096, modified: modified)
    }
}

/// Where a path leads: the directory that holds (or would hold) its last component, that
/// component, and what is there now.
struct PathLocation {
    let parent: Inode
    /// The last component ("." for the root and for paths ending in "." or "/.").
    let name: [UInt8]
    let existing: Inode?
    /// The path ended with "/": its last component must be a directory.
    let mustBeDirectory: Bool
    /// The path was only slashes: the root itself (Linux's LAST_ROOT).
    var isRoot = false

    var isDotOrDotDot: Bool { name == [0x2E] || name == [0x2E, 0x2E] }
}

final class FileSystem {
    static let pageSize: UInt64 = 4096
    /// PATH_MAX (with the NUL) and NAME_MAX.
    static let pathLimit = 4096
    static let nameLimit = 255
    /// What an inode costs against the byte limit besides its pages (so a million empty
    /// files are refused too).
    static let inodeCost: UInt64 = 256

    let root: Inode
    let mounts: [HostFolder]
    /// Most bytes files may hold (the run's memory limit); ENOSPC past it.
    let byteLimit: UInt64
    private(set) var bytesHeld: UInt64 = 0
    /// Cycles a read of a page not in the cache takes (0: none).
    let diskLatency: UInt64
    /// Reads of the disk (pages brought into the cache), for tests and reports.
    var diskReads: UInt64 = 0
    private var lastInode: UInt64 = 0

    init(configuration: KernelConfiguration) throws(KernelError) {
        byteLimit = configuration.memoryLimit
        diskLatency = configuration.diskLatencyCycles
        lastInode = 1
        root = Inode(number: 1, isDirectory: true, permissions: 0o755, device: 1, mount: nil, name: [0x2F])
        root.parent = root
        bytesHeld = FileSystem.inodeCost
        var mounts: [HostFolder] = []
        for (index, mountPoint) in configuration.mounts.sorted(by: { $0.guestPath < $1.guestPath }).enumerated() {
            mounts.append(try HostFolder(mountPoint, device: UInt64(index) + 2))
        }
        self.mounts = mounts
        if !mounts.contains(where: { $0.guestPath == "/tmp" }) {
            guard case .success = makeDirectory(in: root, name: Array("tmp".utf8), permissions: 0o1777, cycle: 0) else {
                throw KernelError("the file system could not make /tmp")
            }
        }
        for folder in mounts { try attach(folder) }
    }

    // MARK: Looking paths up

    /// Finds where `path` leads, starting at `start` for a relative path.
    func locate(_ path: [UInt8], from start: Inode) -> Result<PathLocation, Errno> {
        guard !path.isEmpty else { return .failure(.ENOENT) }
        guard path.count < FileSystem.pathLimit else { return .failure(.ENAMETOOLONG) }
        let components = path.split(separator: 0x2F, omittingEmptySubsequences: true).map(Array.init)
        var directory = path.first == 0x2F ? root : start
        guard let last = components.last else {
            return .success(PathLocation(parent: directory, name: [0x2E], existing: directory, mustBeDirectory: true, isRoot: true))
        }
        for component in components.dropLast() {
            switch step(from: directory, component) {
            case .failure(let errno): return .failure(errno)
            case .success(let next): directory = next
            }
        }
        guard directory.isDirectory else { return .failure(.ENOTDIR) }
        let existing: Inode?
        switch step(from: directory, last) {
        case .success(let found): existing = found
        case .failure(.ENOENT): existing = nil
        case .failure(let errno): return .failure(errno)
        }
        return .success(PathLocation(parent: directory, name: last, existing: existing,
                                     mustBeDirectory: path.last == 0x2F))
    }

    /// The inode `path` names (ENOENT when nothing is there).
    func lookup(_ path: [UInt8], from start: Inode) -> Result<Inode, Errno> {
        switch locate(path, from: start) {
        case .failure(let errno): return .failure(errno)
        case .success(let location):
            guard let inode = location.existing else { return .failure(.ENOENT) }
            if location.mustBeDirectory, !inode.isDirectory { return .failure(.ENOTDIR) }
            return .success(inode)
        }
    }

    /// One component from `directory`: ".", "..", or an entry.
    private func step(from directory: Inode, _ component: [UInt8]) -> Result<Inode, Errno> {
        guard directory.isDirectory else { return .failure(.ENOTDIR) }
        guard component.count <= FileSystem.nameLimit else { return .failure(.ENAMETOOLONG) }
        if component == [0x2E] { return .success(directory) }
        if component == [0x2E, 0x2E] { return .success(directory.parent ?? root) }
        guard directory.isLinked else { return .failure(.ENOENT) }
        if let errno = list(directory) { return .failure(errno) }
        guard let child = directory.children[component] else { return .failure(.ENOENT) }
        return .success(child)
    }

    /// Reads a mounted directory's host entries the first time it is used.
    func list(_ directory: Inode) -> Errno? {
        guard !directory.isListed, let mount = directory.mount, let path = hostPath(of: directory) else { return nil }
        switch mount.entries(of: path) {
        case .failure(let errno): return errno
        case .success(let entries):
            directory.isListed = true
            for entry in entries where directory.children[entry.name] == nil {
                guard charge(FileSystem.inodeCost) else { return .ENOSPC }
                let inode = newInode(isDirectory: entry.isDirectory, permissions: entry.permissions, device: mount.device,
                                     mount: mount, name: entry.name)
                inode.size = entry.size
                inode.isHostBacked = !entry.isDirectory
                inode.isListed = !entry.isDirectory
                inode.hostTarget = entry.target
                insert(inode, into: directory)
            }
            return nil
        }
    }

    /// The absolute path of a directory, for getcwd (nil once it was removed).
    func path(of inode: Inode) -> [UInt8]? {
        var parts: [[UInt8]] = []
        var current = inode
        while current !== root {
            guard current.isLinked, let parent = current.parent else { return nil }
            parts.append(current.name)
            current = parent
        }
        if parts.isEmpty { return [0x2F] }
        return parts.reversed().reduce(into: []) { $0 += [0x2F] + $1 }
    }

    /// Where a mounted inode's bytes are on the host (nil: not mounted, or removed).
    func hostPath(of inode: Inode) -> [UInt8]? {
        guard inode.mount != nil else { return nil }
        if let target = inode.hostTarget { return target }
        guard inode.isLinked, let parent = inode.parent, parent !== inode, let base = hostPath(of: parent) else { return nil }
        return base + [0x2F] + inode.name
    }

    /// The host path of the name itself (a symbolic link's own path, not its target's).
    func hostNamePath(of inode: Inode) -> [UInt8]? {
        guard inode.mount != nil, let parent = inode.parent, parent.mount === inode.mount, let base = hostPath(of: parent) else {
            return nil
        }
        return base + [0x2F] + inode.name
    }

    // MARK: Making and removing names

    /// A new empty regular file `name` in `directory` (the caller checked it is free).
    func makeFile(in directory: Inode, name: [UInt8], permissions: UInt32, cycle nanoseconds: UInt64) -> Result<Inode, Errno> {
        guard directory.isLinked else { return .failure(.ENOENT) }
        guard directory.isWritable else { return .failure(.EROFS) }
        guard charge(FileSystem.inodeCost) else { return .failure(.ENOSPC) }
        if let mount = directory.mount, let base = hostPath(of: directory) {
            if let errno = mount.createFile(base + [0x2F] + name, permissions: permissions) {
                refund(FileSystem.inodeCost)
                return .failure(errno)
            }
        }
        let inode = newInode(isDirectory: false, permissions: permissions, device: directory.device, mount: directory.mount, name: name)
        inode.isHostBacked = directory.mount != nil
        inode.modified = nanoseconds
        insert(inode, into: directory)
        directory.modified = nanoseconds
        return .success(inode)
    }

    func makeDirectory(in directory: Inode, name: [UInt8], permissions: UInt32, cycle nanoseconds: UInt64) -> Result<Inode, Errno> {
        guard directory.isLinked else { return .failure(.ENOENT) }
        guard directory.isWritable else { return .failure(.EROFS) }
        guard charge(FileSystem.inodeCost) else { return .failure(.ENOSPC) }
        if let mount = directory.mount, let base = hostPath(of: directory) {
            if let errno = mount.makeDirectory(base + [0x2F] + name, permissions: permissions) {
                refund(FileSystem.inodeCost)
                return .failure(errno)
            }
        }
        let inode = newInode(isDirectory: true, permissions: permissions, device: directory.device, mount: directory.mount, name: name)
        inode.modified = nanoseconds
        insert(inode, into: directory)
        directory.modified = nanoseconds
        return .success(inode)
    }

    /// Removes `inode`'s name (unlink or rmdir; the caller checked the kind and emptiness).
    /// A file still open keeps its pages until its last open description closes.
    func remove(_ inode: Inode, cycle nanoseconds: UInt64) -> Errno? {
        guard let parent = inode.parent else { return .EINVAL }
        guard parent.isWritable else { return .EROFS }
        if let mount = inode.mount, let path = hostNamePath(of: inode) {
            // A file open here must stay readable: bring its pages in before the host loses it.
            if !inode.isDirectory, inode.openCount > 0, let errno = loadEverything(inode) { return errno }
            if let errno = mount.remove(path, isDirectory: inode.isDirectory) { return errno }
            inode.isHostBacked = false
        }
        detach(inode, from: parent)
        parent.modified = nanoseconds
        inode.isLinked = false
        releaseIfUnused(inode)
        return nil
    }

    /// Moves `inode` to `name` in `directory`, replacing `replaced` (checked by the caller).
    func rename(_ inode: Inode, to directory: Inode, name: [UInt8], replacing replaced: Inode?, cycle nanoseconds: UInt64) -> Errno? {
        guard let oldParent = inode.parent else { return .EINVAL }
        guard oldParent.isWritable, directory.isWritable else { return .EROFS }
        if let replaced, replaced === inode { return nil }
        if let mount = inode.mount, let from = hostNamePath(of: inode), let base = hostPath(of: directory) {
            if let replaced, !replaced.isDirectory, replaced.openCount > 0, let errno = loadEverything(replaced) { return errno }
            if let errno = mount.rename(from, to: base + [0x2F] + name) { return errno }
        }
        if let replaced {
            replaced.isHostBacked = false
            detach(replaced, from: directory)
            replaced.isLinked = false
            releaseIfUnused(replaced)
        }
        detach(inode, from: oldParent)
        inode.name = name
        insert(inode, into: directory)
        oldParent.modified = nanoseconds
        directory.modified = nanoseconds
        return nil
    }

    /// Frees a removed inode's pages once nothing refers to it.
    func releaseIfUnused(_ inode: Inode) {
        guard !inode.isLinked, inode.openCount == 0 else { return }
        refund(UInt64(inode.pages.count) * FileSystem.pageSize + FileSystem.inodeCost)
        inode.pages = [:]
        inode.loading = [:]
        inode.size = 0
    }

    /// Whether `ancestor` is `inode` or holds it (rename may not move a directory into itself).
    func isAncestor(_ ancestor: Inode, of inode: Inode) -> Bool {
        var current = inode
        while true {
            if current === ancestor { return true }
            guard let parent = current.parent, parent !== current else { return false }
            current = parent
        }
    }

    // MARK: The byte limit

    /// Takes `bytes` from what files may hold; false when that would pass the limit.
    func charge(_ bytes: UInt64) -> Bool {
        guard bytes <= byteLimit, bytesHeld <= byteLimit - bytes else { return false }
        bytesHeld += bytes
        return true
    }

    func refund(_ bytes: UInt64) {
        bytesHeld -= min(bytes, bytesHeld)
    }

    // MARK: Helpers

    private func newInode(isDirectory: Bool, permissions: UInt32, device: UInt64, mount: HostFolder?, name: [UInt8]) -> Inode {
        lastInode += 1
        return Inode(number: lastInode, isDirectory: isDirectory, permissions: permissions & 0o7777, device: device,
                     mount: mount, name: name)
    }

    private func insert(_ inode: Inode, into directory: Inode) {
        inode.parent = directory
        directory.children[inode.name] = inode
        var low = 0, high = directory.sortedNames.count
        while low < high {
            let middle = (low + high) / 2
            if directory.sortedNames[middle].lexicographicallyPrecedes(inode.name) { low = middle + 1 } else { high = middle }
        }
        directory.sortedNames.insert(inode.name, at: low)
        if inode.isDirectory { directory.subdirectories += 1 }
    }

    private func detach(_ inode: Inode, from directory: Inode) {
        guard directory.children.removeValue(forKey: inode.name) != nil else { return }
        var low = 0, high = directory.sortedNames.count
        while low < high {
            let middle = (low + high) / 2
            if directory.sortedNames[middle].lexicographicallyPrecedes(inode.name) { low = middle + 1 } else { high = middle }
        }
        if low < directory.sortedNames.count, directory.sortedNames[low] == inode.name { directory.sortedNames.remove(at: low) }
        if inode.isDirectory { directory.subdirectories -= 1 }
    }

    /// Puts a mount's root at its guest path, making the folders above it.
    private func attach(_ folder: HostFolder) throws(KernelError) {
        let components = folder.guestPath.split(separator: "/").map { Array($0.utf8) }
        guard let last = components.last else { throw KernelError("--mount: cannot mount over /") }
        var directory = root
        for component in components.dropLast() {
            if let next = directory.children[component] {
                guard next.isDirectory, next.mount == nil else {
                    throw KernelError("--mount: \(folder.guestPath) lies inside another mount; mounts cannot nest")
                }
                directory = next
            } else {
                guard case .success(let made) = makeDirectory(in: directory, name: component, permissions: 0o755, cycle: 0) else {
                    throw KernelError("--mount: cannot make the folder for \(folder.guestPath)")
                }
                directory = made
            }
        }
        if let existing = directory.children[last] {
            guard existing.mount == nil, existing.isDirectory, existing.children.isEmpty else {
                throw KernelError("--mount: \(folder.guestPath) is mounted twice, or lies inside another mount")
            }
            detach(existing, from: directory)
            refund(FileSystem.inodeCost)
        }
        guard charge(FileSystem.inodeCost) else { throw KernelError("--mount: no room for \(folder.guestPath)") }
        let mountRoot = newInode(isDirectory: true, permissions: folder.rootPermissions, device: folder.device, mount: folder, name: last)
        mountRoot.hostTarget = folder.hostRoot
        mountRoot.isListed = false
        insert(mountRoot, into: directory)
    }
}
