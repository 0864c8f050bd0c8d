// The file calls on descriptors: openat, pread64/pwrite64, lseek, fstat/newfstatat,
// getdents64, ftruncate, fsync/fdatasync — Linux riscv64's numbers, semantics and errno
// order (qemu-riscv64 is the reference: Tests/KernelTests/FileSystemReferenceTests.swift).
// Calls on names (mkdirat, unlinkat, renameat2, getcwd, chdir, faccessat) and the path
// arguments are in PathCalls.swift; the tree in FileSystem.swift; contents and the disk
// in PageCache.swift.

import Machine

extension Kernel {
    static let AT_FDCWD: Int32 = -100
    static let AT_SYMLINK_NOFOLLOW: Int32 = 0x100, AT_REMOVEDIR: Int32 = 0x200, AT_NO_AUTOMOUNT: Int32 = 0x800
    static let AT_EMPTY_PATH: Int32 = 0x1000
    /// O_LARGEFILE: Linux sets it on every file a 64-bit process opens (F_GETFL shows it).
    static let largeFile = OpenFlags(rawValue: 0o100000)
    /// __O_TMPFILE's own bit.
    static let temporaryFileBit: UInt32 = 0o20000000

    /// openat(dirfd, path, flags, mode).
    func openAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let flags = OpenFlags(rawValue: UInt32(truncatingIfNeeded: arguments[2]))
        let mode = UInt32(truncatingIfNeeded: arguments[3])
        // O_TMPFILE (unnamed files) is not supported; O_CREAT with O_DIRECTORY is EINVAL (Linux 6.4 on).
        if flags.rawValue & Kernel.temporaryFileBit != 0 { return .error(.EOPNOTSUPP) }
        if flags.contains(.create), flags.contains(.directory) { return .error(.EINVAL) }
        let process = thread.process
        let path: [UInt8]
        switch pathArgument(arguments[1], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let bytes): path = bytes
        }
        guard !path.isEmpty else { return .error(.ENOENT) }
        // Linux takes the descriptor before it looks the path up: EMFILE comes first.
        guard process.descriptors.lowestFree() != nil else { return .error(.EMFILE) }
        let location: PathLocation
        switch locate(arguments.int32(0), path: path, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): location = found
        }
        let wantsWrite = flags.canWrite || flags.contains(.truncate)
        let inode: Inode
        if let existing = location.existing {
            if flags.contains(.create), flags.contains(.exclusive) { return .error(.EEXIST) }
            if existing.isDirectory {
                if flags.contains(.create) || flags.canWrite { return .error(.EISDIR) }
            } else {
                if flags.contains(.directory) || location.mustBeDirectory { return .error(.ENOTDIR) }
                if wantsWrite, !existing.isWritable { return .error(.EROFS) }
            }
            if let mount = existing.mount, let path = fileSystem.hostPath(of: existing),
               let errno = mount.checkAccess(path, read: flags.canRead, write: wantsWrite && !existing.isDirectory) {
                return .error(errno)
            }
            if flags.contains(.truncate), !existing.isDirectory, existing.size > 0,
               let errno = fileSystem.truncate(existing, to: 0, nanoseconds: nanoseconds(hart)) {
                return .error(errno)
            }
            inode = existing
        } else {
            guard flags.contains(.create) else { return .error(.ENOENT) }
            if location.mustBeDirectory { return .error(.EISDIR) }
            switch fileSystem.makeFile(in: location.parent, name: location.name, permissions: mode & 0o7777 & ~thread.process.attributes.fileCreationMask,
                                       cycle: nanoseconds(hart)) {
            case .failure(let errno): return .error(errno)
            case .success(let made): inode = made
            }
        }
        let object: FileObject = inode.isDirectory ? DirectoryFile(inode) : RegularFile(inode)
        let kept = flags.subtracting([.create, .exclusive, .truncate, .noControllingTerminal, .closeOnExec]).union(Kernel.largeFile)
        let file = OpenFile(object, flags: kept, serial: nextFileSerial())
        guard let fd = process.descriptors.install(file, closeOnExec: flags.contains(.closeOnExec)) else {
            releaseFile(file, ioContext(hart, thread))
            return .error(.EMFILE)
        }
        return .value(Int64(fd))
    }

    // MARK: pread64, pwrite64, lseek

    /// The object behind a descriptor for pread/pwrite: EBADF, ESPIPE for anything but a file.
    private func positionalFile(_ fd: Int32, thread: Thread) -> Result<OpenFile, Errno> {
        guard let file = thread.process.descriptors.file(fd) else { return .failure(.EBADF) }
        guard file.object.kind == .regular || file.object.kind == .directory else { return .failure(.ESPIPE) }
        return .success(file)
    }

    /// pread64(fd, buffer, count, offset): reads at `offset`, leaving the file's offset alone.
    func positionalRead(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), buffer = arguments[1], count = min(arguments[2], Kernel.transferLimit)
        let offset = arguments.signed(3)
        guard offset >= 0 else { return .error(.EINVAL) }
        let file: OpenFile
        switch positionalFile(fd, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): file = found
        }
        guard file.flags.canRead else { return .error(.EBADF) }
        guard let regular = file.object as? RegularFile else { return .error(.EISDIR) }
        guard count > 0 else { return .value(0) }
        guard isWritable(thread.process, buffer, count: Int(count)) else { return .error(.EFAULT) }
        let outcome = fileSystem.read(regular.inode, at: UInt64(offset), count: Int(count), ioContext(hart, thread))
        return completeRead(outcome, file: file, fd: fd, hart: hart, thread: thread) { bytes in
            guard case .success = thread.process.addressSpace.copyOut(bytes, to: buffer) else { return false }
            return true
        }
    }

    /// pwrite64(fd, buffer, count, offset). With O_APPEND Linux writes at the end anyway.
    func positionalWrite(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), buffer = arguments[1], count = min(arguments[2], Kernel.transferLimit)
        let offset = arguments.signed(3)
        guard offset >= 0 else { return .error(.EINVAL) }
        let file: OpenFile
        switch positionalFile(fd, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): file = found
        }
        guard file.flags.canWrite, let regular = file.object as? RegularFile else { return .error(.EBADF) }
        guard count > 0 else { return .value(0) }
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: buffer, count: Int(count)) else {
            return .error(.EFAULT)
        }
        let at = file.flags.contains(.append) ? regular.inode.size : UInt64(offset)
        switch fileSystem.write(regular.inode, bytes, at: at, nanoseconds: nanoseconds(hart)) {
        case .done(let taken):
            traceTransfer(thread, on: hart, fd: fd, file: file, bytes: taken, isWrite: true)
            return .value(Int64(taken))
        case .failed(let errno): return .error(errno)
        case .wouldBlock, .waitUntil: return .error(.EAGAIN)
        }
    }

    static let SEEK_SET: Int32 = 0, SEEK_CUR: Int32 = 1, SEEK_END: Int32 = 2, SEEK_DATA: Int32 = 3, SEEK_HOLE: Int32 = 4

    /// lseek(fd, offset, whence): EINVAL for a position below 0, ESPIPE on pipes and sockets.
    func seek(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), offset = arguments.signed(1), whence = arguments.int32(2)
        let file: OpenFile
        switch positionalFile(fd, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): file = found
        }
        let size: Int64 = (file.object as? RegularFile).map { Int64(clamping: $0.inode.size) } ?? 0
        let current = Int64(clamping: file.offset)
        let target: (Int64, Bool)
        switch whence {
        case Kernel.SEEK_SET: target = (offset, false)
        case Kernel.SEEK_CUR: target = current.addingReportingOverflow(offset)
        case Kernel.SEEK_END:
            guard file.object.kind == .regular else { return .error(.EINVAL) }
            target = size.addingReportingOverflow(offset)
        case Kernel.SEEK_DATA, Kernel.SEEK_HOLE:
            guard file.object.kind == .regular else { return .error(.EINVAL) }
            guard offset >= 0, offset < size else { return .error(.ENXIO) }
            target = (whence == Kernel.SEEK_DATA ? offset : size, false)
        default: return .error(.EINVAL)
        }
        guard !target.1, target.0 >= 0 else { return .error(.EINVAL) }
        file.offset = UInt64(target.0)
        return .value(target.0)
    }

    // MARK: fstat, newfstatat

    func fileStatus(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard let file = thread.process.descriptors.file(arguments.int32(0)) else { return .error(.EBADF) }
        return writeStatus(file.object.status(), to: arguments[1], thread: thread)
    }

    /// newfstatat(dirfd, path, statbuf, flags): AT_EMPTY_PATH stats dirfd itself; there
    /// are no symbolic links in the guest's tree, so AT_SYMLINK_NOFOLLOW changes nothing.
    func fileStatusAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let dirfd = arguments.int32(0), flags = arguments.int32(3)
        guard flags & ~(Kernel.AT_SYMLINK_NOFOLLOW | Kernel.AT_NO_AUTOMOUNT | Kernel.AT_EMPTY_PATH) == 0 else { return .error(.EINVAL) }
        let path: [UInt8]
        switch pathArgument(arguments[1], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let bytes): path = bytes
        }
        if path.isEmpty, flags & Kernel.AT_EMPTY_PATH != 0 {
            if dirfd == Kernel.AT_FDCWD {
                guard case .success(let directory) = workingInode(thread.process) else { return .error(.ENOENT) }
                return writeStatus(directory.status(), to: arguments[2], thread: thread)
            }
            guard let file = thread.process.descriptors.file(dirfd) else { return .error(.EBADF) }
            return writeStatus(file.object.status(), to: arguments[2], thread: thread)
        }
        switch locate(dirfd, path: path, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let location):
            guard let inode = location.existing else { return .error(.ENOENT) }
            if location.mustBeDirectory, !inode.isDirectory { return .error(.ENOTDIR) }
            return writeStatus(inode.status(), to: arguments[2], thread: thread)
        }
    }

    /// riscv64's `struct stat` (asm-generic, 128 bytes).
    static func statBytes(_ status: FileStatus, clockFrequency: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        func word(_ value: UInt64) { bytes += littleEndianBytes(value) }
        func half(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
        let blocks = status.kind == .regular ? (status.size + 4095) / 4096 * 8 : 0
        word(status.device)                          // st_dev
        word(status.inode)                           // st_ino
        half(status.kind.modeBits | status.permissions)  // st_mode
        half(status.links)                           // st_nlink
        half(0); half(0)                             // st_uid, st_gid
        word(0); word(0)                             // st_rdev, __pad1
        word(status.size)                            // st_size
        half(status.blockSize); half(0)              // st_blksize, __pad2
        word(blocks)                                 // st_blocks (512-byte units)
        for _ in 0..<3 {                             // st_atime, st_mtime, st_ctime with their nanoseconds
            word(status.modified / 1_000_000_000)
            word(status.modified % 1_000_000_000)
        }
        half(0); half(0)                             // __unused4, __unused5
        return bytes
    }

    private func writeStatus(_ status: FileStatus, to address: UInt64, thread: Thread) -> SystemCallResult {
        let bytes = Kernel.statBytes(status, clockFrequency: configuration.clockFrequency)
        guard case .success = thread.process.addressSpace.copyOut(bytes, to: address) else { return .error(.EFAULT) }
        return .value(0)
    }

    // MARK: getdents64

    /// getdents64(fd, buffer, size): linux_dirent64 records {d_ino, d_off, d_reclen,
    /// d_type, d_name}, "." and ".." first, then the names in byte order.
    func directoryEntries(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), buffer = arguments[1], size = Int(min(arguments[2], UInt64(Kernel.transferLimit)))
        guard let file = thread.process.descriptors.file(fd) else { return .error(.EBADF) }
        guard let directory = file.object as? DirectoryFile else { return .error(.ENOTDIR) }
        let inode = directory.inode
        guard inode.isLinked else { return .error(.ENOENT) }
        if let errno = fileSystem.list(inode) { return .error(errno) }
        // Where to go on: after the last name returned, if nothing moved the offset since.
        var position = file.offset
        var nameIndex: Int
        if let cursor = directory.cursor, cursor.offset == file.offset, position >= 2 {
            nameIndex = firstIndex(after: cursor.name, in: inode.sortedNames)
        } else {
            nameIndex = Int(min(UInt64(inode.sortedNames.count), position >= 2 ? position - 2 : 0))
        }
        var bytes: [UInt8] = []
        var lastName: [UInt8]? = nil
        while true {
            let name: [UInt8], number: UInt64, isDirectory: Bool
            if position == 0 {
                (name, number, isDirectory) = ([0x2E], inode.number, true)
            } else if position == 1 {
                (name, number, isDirectory) = ([0x2E, 0x2E], (inode.parent ?? inode).number, true)
            } else if nameIndex < inode.sortedNames.count, let child = inode.children[inode.sortedNames[nameIndex]] {
                (name, number, isDirectory) = (child.name, child.number, child.isDirectory)
            } else {
                break
            }
            let length = (19 + name.count + 1 + 7) & ~7
            if bytes.count + length > size {
                if bytes.isEmpty { return .error(.EINVAL) }
                break
            }
            let next = position + 1
            bytes += littleEndianBytes(number) + littleEndianBytes(next)
            bytes += [UInt8(truncatingIfNeeded: length), UInt8(truncatingIfNeeded: length >> 8), isDirectory ? 4 : 8]
            bytes += name
            bytes += [UInt8](repeating: 0, count: length - 19 - name.count)
            if position >= 2 {
                lastName = name
                nameIndex += 1
            }
            position = next
        }
        guard bytes.isEmpty || thread.process.addressSpace.copyOut(bytes, to: buffer).isSuccess else { return .error(.EFAULT) }
        file.offset = position
        if let lastName { directory.cursor = (lastName, position) }
        return .value(Int64(bytes.count))
    }

    /// The index of the first name after `name` in sorted `names`.
    private func firstIndex(after name: [UInt8], in names: [[UInt8]]) -> Int {
        var low = 0, high = names.count
        while low < high {
            let middle = (low + high) / 2
            if names[middle] == name || names[middle].lexicographicallyPrecedes(name) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    // MARK: ftruncate, fsync

    /// ftruncate(fd, length): EINVAL for a negative length or a descriptor that is not a
    /// regular file open for writing.
    func truncateFile(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let length = arguments.signed(1)
        guard length >= 0 else { return .error(.EINVAL) }
        guard let file = thread.process.descriptors.file(arguments.int32(0)) else { return .error(.EBADF) }
        guard let regular = file.object as? RegularFile, file.flags.canWrite else { return .error(.EINVAL) }
        let inode = regular.inode
        // Growing makes a hole (no pages); the limit counts pages when they are written.
        if let errno = fileSystem.truncate(inode, to: UInt64(length), nanoseconds: nanoseconds(hart)) { return .error(errno) }
        return .value(0)
    }

    /// fsync and fdatasync: everything is already where it goes (a writable mount's host
    /// file got each write as it was made); EINVAL on pipes, sockets and terminals.
    func synchronize(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard let file = thread.process.descriptors.file(arguments.int32(0)) else { return .error(.EBADF) }
        guard file.object.kind == .regular || file.object.kind == .directory else { return .error(.EINVAL) }
        return .value(0)
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
