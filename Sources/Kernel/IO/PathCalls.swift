// The calls on names: mkdirat, unlinkat, renameat2, getcwd, chdir, faccessat, and how
// every *at call reads its path (PATH_MAX 4096 with the NUL, NAME_MAX 255) and where a
// relative one starts: the directory dirfd names, or the working directory for AT_FDCWD.
// Errno order follows Linux's (fs/namei.c), checked against qemu-riscv64.

import Machine

extension Kernel {
    /// A path argument: EFAULT for a bad pointer, ENAMETOOLONG at PATH_MAX or more.
    func pathArgument(_ address: UInt64, thread: Thread) -> Result<[UInt8], Errno> {
        switch thread.process.addressSpace.copyInString(from: address, limit: FileSystem.pathLimit) {
        case .failure: return .failure(.EFAULT)
        case .success(let bytes): return bytes.count >= FileSystem.pathLimit ? .failure(.ENAMETOOLONG) : .success(bytes)
        }
    }

    /// The process's working directory (ENOENT once it was removed).
    func workingInode(_ process: Process) -> Result<Inode, Errno> {
        fileSystem.lookup(Array(process.workingDirectory.utf8), from: fileSystem.root)
    }

    /// Where a relative path starts: EBADF for a dirfd not open, ENOTDIR for one that is
    /// not a directory.
    func startDirectory(_ dirfd: Int32, path: [UInt8], thread: Thread) -> Result<Inode, Errno> {
        if path.first == 0x2F { return .success(fileSystem.root) }
        if dirfd == Kernel.AT_FDCWD { return workingInode(thread.process) }
        guard let file = thread.process.descriptors.file(dirfd) else { return .failure(.EBADF) }
        guard let directory = file.object as? DirectoryFile else { return .failure(.ENOTDIR) }
        return .success(directory.inode)
    }

    func locate(_ dirfd: Int32, path: [UInt8], thread: Thread) -> Result<PathLocation, Errno> {
        guard !path.isEmpty else { return .failure(.ENOENT) }
        switch startDirectory(dirfd, path: path, thread: thread) {
        case .failure(let errno): return .failure(errno)
        case .success(let start): return fileSystem.locate(path, from: start)
        }
    }

    func locate(_ dirfd: Int32, _ pathAddress: UInt64, thread: Thread) -> Result<PathLocation, Errno> {
        switch pathArgument(pathAddress, thread: thread) {
        case .failure(let errno): return .failure(errno)
        case .success(let path): return locate(dirfd, path: path, thread: thread)
        }
    }

    // MARK: mkdirat, unlinkat, renameat2

    /// mkdirat(dirfd, path, mode).
    func makeDirectory(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let mode = UInt32(truncatingIfNeeded: arguments[2])
        switch locate(arguments.int32(0), arguments[1], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let location):
            if location.existing != nil { return .error(.EEXIST) }
            guard location.parent.isWritable else { return .error(.EROFS) }
            switch fileSystem.makeDirectory(in: location.parent, name: location.name,
                                            permissions: mode & 0o1777 & ~thread.process.attributes.fileCreationMask, cycle: nanoseconds(hart)) {
            case .failure(let errno): return .error(errno)
            case .success: return .value(0)
            }
        }
    }

    /// unlinkat(dirfd, path, flags): unlink, or rmdir with AT_REMOVEDIR.
    func unlinkAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let flags = arguments.int32(2)
        guard flags & ~Kernel.AT_REMOVEDIR == 0 else { return .error(.EINVAL) }
        let removingDirectory = flags != 0
        let location: PathLocation
        switch locate(arguments.int32(0), arguments[1], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): location = found
        }
        if removingDirectory {
            if location.isRoot { return .error(.EBUSY) }
            if location.name == [0x2E] { return .error(.EINVAL) }
            if location.name == [0x2E, 0x2E] { return .error(.ENOTEMPTY) }
        } else if location.isDotOrDotDot {
            return .error(.EISDIR)
        }
        guard location.parent.isWritable else { return .error(.EROFS) }
        guard let inode = location.existing else {
            // A bound UNIX socket's path lives in the socket layer (SocketLayer.swift), not here.
            if !removingDirectory, arguments.int32(0) == Kernel.AT_FDCWD || isAbsolutePath(arguments[1], thread: thread),
               case .success(let path) = thread.process.addressSpace.copyInString(from: arguments[1], limit: 4096),
               sockets.removeUnixPath(SocketAddress.unixPathKey(path, workingDirectory: thread.process.workingDirectory)) {
                return .value(0)
            }
            return .error(.ENOENT)
        }
        if removingDirectory {
            guard inode.isDirectory else { return .error(.ENOTDIR) }
            if isMountRoot(inode) { return .error(.EBUSY) }
            if let errno = fileSystem.list(inode) { return .error(errno) }
            guard inode.children.isEmpty else { return .error(.ENOTEMPTY) }
        } else {
            if inode.isDirectory { return .error(.EISDIR) }
            if location.mustBeDirectory { return .error(.ENOTDIR) }
        }
        if let errno = fileSystem.remove(inode, cycle: nanoseconds(hart)) { return .error(errno) }
        return .value(0)
    }

    /// Whether the path at `address` starts with "/".
    private func isAbsolutePath(_ address: UInt64, thread: Thread) -> Bool {
        guard case .success(let first) = thread.process.addressSpace.copyIn(from: address, count: 1) else { return false }
        return first.first == 0x2F
    }

    static let RENAME_NOREPLACE: Int32 = 1

    /// renameat2(olddirfd, oldpath, newdirfd, newpath, flags): flags 0 or RENAME_NOREPLACE.
    func renameAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let flags = arguments.int32(4)
        guard flags & ~Kernel.RENAME_NOREPLACE == 0 else { return .error(.EINVAL) }
        let noReplace = flags != 0
        let from: PathLocation, to: PathLocation
        switch locate(arguments.int32(0), arguments[1], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): from = found
        }
        switch locate(arguments.int32(2), arguments[3], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): to = found
        }
        if from.isDotOrDotDot { return .error(.EBUSY) }
        if to.isDotOrDotDot { return .error(noReplace ? .EEXIST : .EBUSY) }
        guard from.parent.device == to.parent.device else { return .error(.EXDEV) }
        guard from.parent.isWritable, to.parent.isWritable else { return .error(.EROFS) }
        guard let inode = from.existing else { return .error(.ENOENT) }
        if noReplace, to.existing != nil { return .error(.EEXIST) }
        if !inode.isDirectory, from.mustBeDirectory || to.mustBeDirectory { return .error(.ENOTDIR) }
        if let replaced = to.existing, replaced !== inode {
            if inode.isDirectory {
                guard replaced.isDirectory else { return .error(.ENOTDIR) }
            } else if replaced.isDirectory {
                return .error(.EISDIR)
            }
        }
        if isMountRoot(inode) || to.existing.map(isMountRoot) == true { return .error(.EBUSY) }
        if inode.isDirectory, fileSystem.isAncestor(inode, of: to.parent) { return .error(.EINVAL) }
        if let replaced = to.existing, replaced !== inode, replaced.isDirectory {
            if fileSystem.isAncestor(replaced, of: from.parent) { return .error(.ENOTEMPTY) }
            if let errno = fileSystem.list(replaced) { return .error(errno) }
            guard replaced.children.isEmpty else { return .error(.ENOTEMPTY) }
        }
        guard to.parent.isLinked else { return .error(.ENOENT) }
        let oldPath = inode.isDirectory ? fileSystem.path(of: inode) : nil
        if let errno = fileSystem.rename(inode, to: to.parent, name: to.name, replacing: to.existing, cycle: nanoseconds(hart)) {
            return .error(errno)
        }
        if let oldPath, let newPath = fileSystem.path(of: inode) { followRenamedDirectory(from: oldPath, to: newPath) }
        return .value(0)
    }

    /// A working directory is a path here (Process.workingDirectory), where Linux keeps a
    /// reference: a process whose working directory was inside a renamed folder follows it.
    /// A scan over the live processes (at most the process limit).
    private func followRenamedDirectory(from oldPath: [UInt8], to newPath: [UInt8]) {
        let old = String(decoding: oldPath, as: UTF8.self), new = String(decoding: newPath, as: UTF8.self)
        for process in liveProcesses where !process.hasEnded {
            let current = process.workingDirectory
            if current == old {
                process.workingDirectory = new
            } else if current.hasPrefix(old + "/") {
                process.workingDirectory = new + current.dropFirst(old.count)
            }
        }
    }

    /// A mount's root folder (it cannot be removed or renamed: EBUSY).
    func isMountRoot(_ inode: Inode) -> Bool {
        inode.mount != nil && inode.parent?.mount !== inode.mount
    }

    // MARK: getcwd, chdir, faccessat

    /// getcwd(buffer, size): the length with the NUL; ERANGE when it does not fit.
    func workingDirectory(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard case .success(let directory) = workingInode(thread.process),
              let path = fileSystem.path(of: directory) else { return .error(.ENOENT) }
        let bytes = path + [0]
        guard arguments[1] >= UInt64(bytes.count) else { return .error(.ERANGE) }
        guard case .success = thread.process.addressSpace.copyOut(bytes, to: arguments[0]) else { return .error(.EFAULT) }
        return .value(Int64(bytes.count))
    }

    /// chdir(path).
    func changeDirectory(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        switch pathArgument(arguments[0], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let path):
            guard !path.isEmpty else { return .error(.ENOENT) }
            let start: Inode
            switch startDirectory(Kernel.AT_FDCWD, path: path, thread: thread) {
            case .failure(let errno): return .error(errno)
            case .success(let found): start = found
            }
            switch fileSystem.lookup(path, from: start) {
            case .failure(let errno): return .error(errno)
            case .success(let inode):
                guard inode.isDirectory else { return .error(.ENOTDIR) }
                guard let absolute = fileSystem.path(of: inode) else { return .error(.ENOENT) }
                thread.process.workingDirectory = String(decoding: absolute, as: UTF8.self)
                return .value(0)
            }
        }
    }

    static let F_OK: Int32 = 0, X_OK: Int32 = 1, W_OK: Int32 = 2, R_OK: Int32 = 4

    /// faccessat(dirfd, path, mode). Every process is root here, as the kernel's getuid
    /// says: reading and writing are allowed (EROFS on a read-only mount), executing needs
    /// an x bit on a regular file.
    func accessAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let mode = arguments.int32(2)
        guard mode & ~(Kernel.R_OK | Kernel.W_OK | Kernel.X_OK) == 0 else { return .error(.EINVAL) }
        switch locate(arguments.int32(0), arguments[1], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let location):
            guard let inode = location.existing else { return .error(.ENOENT) }
            if location.mustBeDirectory, !inode.isDirectory { return .error(.ENOTDIR) }
            if mode & Kernel.W_OK != 0, !inode.isWritable { return .error(.EROFS) }
            if mode & Kernel.X_OK != 0, !inode.isDirectory, inode.permissions & 0o111 == 0 { return .error(.EACCES) }
            if let mount = inode.mount, let path = fileSystem.hostPath(of: inode),
               let errno = mount.checkAccess(path, read: mode & Kernel.R_OK != 0, write: mode & Kernel.W_OK != 0) {
                return .error(errno)
            }
            return .value(0)
        }
    }
}
