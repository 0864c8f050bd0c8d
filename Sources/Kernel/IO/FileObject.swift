// What a file descriptor refers to. As on Linux there are three layers: a descriptor (a
// slot in the process's table, DescriptorTable.swift) points to an open file description
// (`OpenFile`: the flags and, for regular files, the offset, shared by dup and by children
// that inherit it), which points to the object itself (`FileObject`: a regular file or
// directory, a pipe end, an eventfd, a socket, an epoll instance, a standard stream).
//
// Every object answers the same few questions — read, write, how ready it is, where its
// waiters wait, what happens when the last description closes — so read, write, poll and
// epoll work on every kind without knowing which it is. An operation that cannot go on
// now answers `.wouldBlock(queue)`: the calling thread waits on that queue (or gets
// EAGAIN with O_NONBLOCK) and runs the call again when woken (WaitQueue.swift).

import Machine

/// The kinds of object, for fstat's mode and for calls that need one kind (ENOTSOCK, ESPIPE).
enum FileKind: Equatable {
    case regular, directory, pipe, eventfd, socket, epoll, terminal

    /// The file-type bits of `st_mode` (S_IFREG, S_IFDIR, S_IFIFO, S_IFSOCK, S_IFCHR;
    /// eventfd and epoll are anonymous inodes, which Linux reports with a zero type).
    var modeBits: UInt32 {
        switch self {
        case .regular: 0o100000
        case .directory: 0o040000
        case .pipe: 0o010000
        case .socket: 0o140000
        case .terminal: 0o020000
        case .eventfd, .epoll: 0
        }
    }
}

/// Linux's poll bits (the same values in poll's `events` and epoll's).
struct PollEvents: OptionSet, Equatable {
    let rawValue: UInt32
    static let input = PollEvents(rawValue: 0x001)          // POLLIN / EPOLLIN
    static let priority = PollEvents(rawValue: 0x002)       // POLLPRI
    static let output = PollEvents(rawValue: 0x004)         // POLLOUT / EPOLLOUT
    static let error = PollEvents(rawValue: 0x008)          // POLLERR
    static let hangUp = PollEvents(rawValue: 0x010)         // POLLHUP
    static let invalid = PollEvents(rawValue: 0x020)        // POLLNVAL
    static let readNormal = PollEvents(rawValue: 0x040)     // POLLRDNORM
    static let writeNormal = PollEvents(rawValue: 0x100)    // POLLWRNORM
    static let readHangUp = PollEvents(rawValue: 0x2000)    // POLLRDHUP / EPOLLRDHUP
}

/// Flags of an open file description (the O_ values of Linux riscv64, asm-generic).
struct OpenFlags: OptionSet, Equatable {
    let rawValue: UInt32
    static let writeOnly = OpenFlags(rawValue: 0o1)
    static let readWrite = OpenFlags(rawValue: 0o2)
    static let create = OpenFlags(rawValue: 0o100)
    static let exclusive = OpenFlags(rawValue: 0o200)
    static let noControllingTerminal = OpenFlags(rawValue: 0o400)
    static let truncate = OpenFlags(rawValue: 0o1000)
    static let append = OpenFlags(rawValue: 0o2000)
    static let nonBlocking = OpenFlags(rawValue: 0o4000)
    static let directory = OpenFlags(rawValue: 0o200000)
    static let noFollow = OpenFlags(rawValue: 0o400000)
    static let closeOnExec = OpenFlags(rawValue: 0o2000000)
    /// The access mode: the low two bits (0 read-only, 1 write-only, 2 read-write).
    static let accessMask: UInt32 = 3
    /// What F_SETFL may change (the rest of the argument is ignored, as on Linux).
    static let changeable: OpenFlags = [.append, .nonBlocking]

    var canRead: Bool { rawValue & OpenFlags.accessMask != 1 }
    var canWrite: Bool { rawValue & OpenFlags.accessMask != 0 }
}

/// What `fstat` reports about an object (the fields of riscv64's `struct stat` that matter here).
struct FileStatus: Equatable {
    var kind: FileKind
    /// Permission bits (0o644 ...); the type bits come from `kind`.
    var permissions: UInt32 = 0o600
    var inode: UInt64 = 0
    var device: UInt64 = 0
    var links: UInt32 = 1
    var size: UInt64 = 0
    var blockSize: UInt32 = 4096
    /// Simulated nanoseconds since the machine started.
    var modified: UInt64 = 0
}

/// What an operation on an object did.
enum IOOutcome<Value> {
    case done(Value)
    case failed(Errno)
    /// Not now: the thread waits on this queue (EAGAIN on a non-blocking description).
    case wouldBlock(WaitQueue)
    /// The simulated disk: the data arrives at this cycle; the thread sleeps until then
    /// and the call runs again (O_NONBLOCK does not apply to disk files, as on Linux).
    case waitUntil(UInt64)
}

/// Where an object's operation runs: the kernel (to wake threads, end a process with
/// SIGPIPE, trace), the current cycle, and the calling thread (nil when a process's
/// descriptors are closed as it ends).
struct IOContext {
    unowned let kernel: Kernel
    let cycle: UInt64
    let thread: Thread?
    let hart: Hart?
}

/// An object a descriptor can refer to. Defaults (below) answer what a kind that does
/// not support an operation answers on Linux.
protocol FileObject: AnyObject {
    var kind: FileKind { get }
    /// Reads at most `count` bytes (count > 0); an empty array is end of file.
    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]>
    /// Writes some of `bytes` (not empty); the number taken.
    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int>
    /// How ready it is now, for poll, select and epoll (level-triggered truth).
    func readiness(for file: OpenFile) -> PollEvents
    /// Threads blocked on this object and epoll instances watching it wait here.
    var waiters: WaitQueue { get }
    /// The last open file description that refers to it was closed.
    func released(_ context: IOContext)
    func status() -> FileStatus
}

extension FileObject {
    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> { .failed(.EINVAL) }
    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> { .failed(.EINVAL) }
    func readiness(for file: OpenFile) -> PollEvents { [.input, .output] }
    func released(_ context: IOContext) {}
    func status() -> FileStatus { FileStatus(kind: kind) }
}

/// An open file description: what `open`, `pipe2`, `socket` and `accept` create, and
/// what `dup` and inheritance share. Counts the descriptors (in every process) that
/// refer to it; the object is released when the last one closes.
final class OpenFile {
    let object: FileObject
    var flags: OpenFlags
    /// The file position (regular files and directories).
    var offset: UInt64 = 0
    /// Descriptors referring to it, in all processes.
    private(set) var references = 0
    /// Its number, unique in the run, for the trace and for epoll's interest keys.
    let serial: UInt64

    init(_ object: FileObject, flags: OpenFlags, serial: UInt64) {
        self.object = object
        self.flags = flags
        self.serial = serial
    }

    var isNonBlocking: Bool { flags.contains(.nonBlocking) }

    func retain() { references += 1 }

    /// One descriptor less; true when it was the last (the caller releases the object).
    func release() -> Bool {
        references -= 1
        return references == 0
    }
}
