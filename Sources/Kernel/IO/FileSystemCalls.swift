// SKELETON (issue 14): the in-memory file system's calls. The file-system part replaces
// this file: openat, pread64/pwrite64, lseek, fstat/newfstatat, getdents64, mkdirat,
// unlinkat, renameat2, ftruncate, fsync, getcwd/chdir, and the disk with its page cache.

import Machine

/// The run's file system (FileSystem.swift will hold the real one).
final class FileSystem {
    init(configuration: KernelConfiguration) throws(KernelError) {}
}

extension Kernel {
    func openAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func positionalRead(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func positionalWrite(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func seek(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func fileStatus(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func fileStatusAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func directoryEntries(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func makeDirectory(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func unlinkAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func renameAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func truncateFile(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func synchronize(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func workingDirectory(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func changeDirectory(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func accessAt(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
}
