// The calls every kind of descriptor shares: read, write, readv, writev, close, dup,
// dup3, fcntl, and the descriptor limit (prlimit64, getrlimit, setrlimit). They find the
// open file description, ask its object (FileObject.swift), and turn "not now" into a
// wait (WaitQueue.swift) or EAGAIN. A blocking write keeps going until every byte is
// taken, as Linux's does on pipes and stream sockets: the bytes taken so far are kept in
// the thread while it waits, and the call, run again, goes on from there.

import Machine

extension Kernel {
    /// Most bytes one read or write moves (a partial transfer is legal; callers loop).
    static let transferLimit: UInt64 = 1 << 20
    /// Most iovecs in one readv or writev (Linux's UIO_MAXIOV).
    static let vectorLimit = 1024

    func read(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), buffer = arguments[1], count = min(arguments[2], Kernel.transferLimit)
        guard let file = thread.process.descriptors.file(fd), file.flags.canRead else { return .error(.EBADF) }
        if file.object.kind == .directory { return .error(.EISDIR) }
        guard count > 0 else { return .value(0) }
        // Check the buffer before taking bytes, so a bad pointer loses nothing.
        guard isWritable(thread.process, buffer, count: Int(count)) else { return .error(.EFAULT) }
        return readInto(file, fd: fd, count: Int(count), hart: hart, thread: thread) { bytes in
            guard case .success = thread.process.addressSpace.copyOut(bytes, to: buffer) else { return false }
            return true
        }
    }

    func readVector(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0)
        guard let file = thread.process.descriptors.file(fd), file.flags.canRead else { return .error(.EBADF) }
        if file.object.kind == .directory { return .error(.EISDIR) }
        let vector: [(base: UInt64, length: UInt64)]
        switch ioVectors(arguments[1], count: arguments.int32(2), process: thread.process, forWriting: true) {
        case .failure(let errno): return .error(errno)
        case .success(let pieces): vector = pieces
        }
        let total = vector.reduce(0) { $0 + $1.length }
        guard total > 0 else { return .value(0) }
        return readInto(file, fd: fd, count: Int(total), hart: hart, thread: thread) { bytes in
            var taken = 0
            for piece in vector where taken < bytes.count {
                let part = Array(bytes[taken..<min(bytes.count, taken + Int(piece.length))])
                guard case .success = thread.process.addressSpace.copyOut(part, to: piece.base) else { return false }
                taken += part.count
            }
            return true
        }
    }

    /// Reads at most `count` bytes from `file` and hands them to `deliver` (false: EFAULT).
    func readInto(_ file: OpenFile, fd: Int32, count: Int, hart: Hart, thread: Thread,
                  deliver: ([UInt8]) -> Bool) -> SystemCallResult {
        completeRead(file.object.read(count, from: file, ioContext(hart, thread)), file: file, fd: fd, hart: hart, thread: thread,
                     deliver: deliver)
    }

    /// What a read's outcome makes of the call: the bytes delivered and counted, an error,
    /// or a wait (EAGAIN on a non-blocking description). pread64 shares it.
    func completeRead(_ outcome: IOOutcome<[UInt8]>, file: OpenFile, fd: Int32, hart: Hart, thread: Thread,
                      deliver: ([UInt8]) -> Bool) -> SystemCallResult {
        switch outcome {
        case .done(let bytes):
            guard deliver(bytes) else { return .error(.EFAULT) }
            traceTransfer(thread, on: hart, fd: fd, file: file, bytes: bytes.count, isWrite: false)
            return .value(Int64(bytes.count))
        case .failed(let errno):
            return .error(errno)
        case .wouldBlock(let queue):
            if file.isNonBlocking { return .error(.EAGAIN) }
            blockForIO(thread, on: hart, queues: [queue], "read from descriptor \(fd)", object: UInt64(UInt32(bitPattern: fd)))
            return .noReturn
        case .waitUntil(let cycle):
            blockForIO(thread, on: hart, queues: [], deadline: cycle, "read from descriptor \(fd) (the disk)",
                       object: UInt64(UInt32(bitPattern: fd)))
            return .noReturn
        }
    }

    func write(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), buffer = arguments[1], count = min(arguments[2], Kernel.transferLimit)
        guard let file = thread.process.descriptors.file(fd), file.flags.canWrite else { return .error(.EBADF) }
        guard count > 0 else { return .value(0) }
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: buffer, count: Int(count)) else {
            return .error(.EFAULT)
        }
        return writeFrom(file, fd: fd, bytes: bytes, hart: hart, thread: thread)
    }

    /// writev(fd, iov, iovcnt): each iovec is {base, length}.
    func writeVector(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0)
        guard let file = thread.process.descriptors.file(fd), file.flags.canWrite else { return .error(.EBADF) }
        let vector: [(base: UInt64, length: UInt64)]
        switch ioVectors(arguments[1], count: arguments.int32(2), process: thread.process, forWriting: false) {
        case .failure(let errno): return .error(errno)
        case .success(let pieces): vector = pieces
        }
        var bytes: [UInt8] = []
        for piece in vector {
            guard case .success(let part) = thread.process.addressSpace.copyIn(from: piece.base, count: Int(piece.length)) else {
                return .error(.EFAULT)
            }
            bytes += part
        }
        guard !bytes.isEmpty else { return .value(0) }
        return writeFrom(file, fd: fd, bytes: bytes, hart: hart, thread: thread)
    }

    /// Writes `bytes` to `file`. Blocking: until all are taken (a wait keeps the progress
    /// in the thread); non-blocking: what fits now, or EAGAIN if nothing does.
    func writeFrom(_ file: OpenFile, fd: Int32, bytes: [UInt8], hart: Hart, thread: Thread) -> SystemCallResult {
        var progress = thread.callRestarted ? min(thread.ioProgress, bytes.count) : 0
        thread.ioProgress = 0
        let context = ioContext(hart, thread)
        while progress < bytes.count {
            let outcome = file.object.write(progress == 0 ? bytes : Array(bytes[progress...]), to: file, context)
            switch outcome {
            case .done(let taken):
                traceTransfer(thread, on: hart, fd: fd, file: file, bytes: taken, isWrite: true)
                progress += max(0, taken)
                // A process stopped by the output limit has left its hart: no result to write.
                if thread.process.hasEnded { return .noReturn }
                if taken <= 0 || file.isNonBlocking { return .value(Int64(progress)) }
            case .failed(let errno):
                if errno == .EPIPE {
                    brokenPipe(thread, file: file)
                    if thread.process.hasEnded { return .noReturn }   // SIGPIPE's default ending
                }
                return progress > 0 ? .value(Int64(progress)) : .error(errno)
            case .wouldBlock(let queue):
                if file.isNonBlocking { return progress > 0 ? .value(Int64(progress)) : .error(.EAGAIN) }
                thread.ioProgress = progress
                blockForIO(thread, on: hart, queues: [queue], "write to descriptor \(fd)", object: UInt64(UInt32(bitPattern: fd)))
                return .noReturn
            case .waitUntil(let cycle):
                thread.ioProgress = progress
                blockForIO(thread, on: hart, queues: [], deadline: cycle, "write to descriptor \(fd) (the disk)",
                           object: UInt64(UInt32(bitPattern: fd)))
                return .noReturn
            }
        }
        return .value(Int64(progress))
    }

    /// The iovec array at `address`: EINVAL for a count outside 0...1024 or a total past
    /// 2^31 - 1... (Linux's MAX_RW_COUNT caps it; we cap at `transferLimit`), EFAULT for an
    /// array or a buffer the process cannot reach.
    func ioVectors(_ address: UInt64, count: Int32, process: Process, forWriting: Bool)
        -> Result<[(base: UInt64, length: UInt64)], Errno> {
        guard count >= 0, Int(count) <= Kernel.vectorLimit else { return .failure(.EINVAL) }
        guard count > 0 else { return .success([]) }
        guard case .success(let table) = process.addressSpace.copyIn(from: address, count: Int(count) * 16) else {
            return .failure(.EFAULT)
        }
        var pieces: [(base: UInt64, length: UInt64)] = []
        var total: UInt64 = 0
        for index in 0..<Int(count) {
            let base = littleEndianWord(table, at: index * 16), length = littleEndianWord(table, at: index * 16 + 8)
            guard length <= UInt64(Int64.max) else { return .failure(.EINVAL) }
            let usable = min(length, Kernel.transferLimit - total)
            if usable > 0 {
                if forWriting, !isWritable(process, base, count: Int(usable)) { return .failure(.EFAULT) }
                pieces.append((base, usable))
            }
            total += usable
        }
        return .success(pieces)
    }

    /// Whether the process may write `count` bytes at `address` (every page reachable).
    func isWritable(_ process: Process, _ address: UInt64, count: Int) -> Bool {
        guard count > 0 else { return true }
        let (last, overflow) = address.addingReportingOverflow(UInt64(count) - 1)
        guard !overflow else { return false }
        var page = address & ~(AddressSpace.pageSize - 1)
        while page <= last {
            guard case .success = process.addressSpace.resolve(max(page, address), for: .write) else { return false }
            let (next, wrapped) = page.addingReportingOverflow(AddressSpace.pageSize)
            if wrapped { break }
            page = next
        }
        return true
    }

    // MARK: close, dup, dup3, fcntl

    func close(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0)
        guard let file = thread.process.descriptors.remove(fd) else { return .error(.EBADF) }
        releaseFile(file, ioContext(hart, thread))
        return .value(0)
    }

    /// One descriptor of `file` is gone: the object is released with the last one.
    func releaseFile(_ file: OpenFile, _ context: IOContext) {
        guard file.release() else { return }
        file.object.waiters.fileReleased(file, context)
        file.object.released(context)
    }

    /// Closes every descriptor of a process that has ended.
    func closeAllDescriptors(of process: Process, cycle: UInt64) {
        let context = IOContext(kernel: self, cycle: cycle, thread: nil, hart: nil)
        for entry in process.descriptors.descriptors {
            _ = process.descriptors.remove(entry.fd)
            releaseFile(entry.file, context)
        }
    }

    /// The descriptors a child started by process_spawn gets: its parent's, except those
    /// marked close-on-exec, each sharing its open file description.
    func inheritedDescriptors(from parent: Process) -> DescriptorTable {
        var table = DescriptorTable(limit: parent.descriptors.softLimit)
        table.hardLimit = parent.descriptors.hardLimit
        for entry in parent.descriptors.descriptors where !entry.closeOnExec {
            _ = table.replace(entry.fd, with: entry.file, closeOnExec: false)
        }
        return table
    }

    func duplicate(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0)
        guard let file = thread.process.descriptors.file(fd) else { return .error(.EBADF) }
        guard let copy = thread.process.descriptors.install(file) else { return .error(.EMFILE) }
        return .value(Int64(copy))
    }

    func duplicate3(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let old = arguments.int32(0), new = arguments.int32(1), flags = arguments.int32(2)
        guard flags & ~Int32(bitPattern: OpenFlags.closeOnExec.rawValue) == 0 else { return .error(.EINVAL) }
        guard let file = thread.process.descriptors.file(old) else { return .error(.EBADF) }
        guard old != new else { return .error(.EINVAL) }
        guard new >= 0, Int(new) < thread.process.descriptors.softLimit else { return .error(.EBADF) }
        let previous = thread.process.descriptors.replace(new, with: file, closeOnExec: flags != 0)
        if let previous { releaseFile(previous, ioContext(hart, thread)) }
        return .value(Int64(new))
    }

    static let F_DUPFD: Int32 = 0, F_GETFD: Int32 = 1, F_SETFD: Int32 = 2, F_GETFL: Int32 = 3, F_SETFL: Int32 = 4
    static let F_DUPFD_CLOEXEC: Int32 = 1030, FD_CLOEXEC: Int32 = 1

    func fileControl(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), command = arguments.int32(1)
        guard let file = thread.process.descriptors.file(fd) else { return .error(.EBADF) }
        switch command {
        case Kernel.F_DUPFD, Kernel.F_DUPFD_CLOEXEC:
            let minimum = arguments.int32(2)
            guard minimum >= 0, Int(minimum) < thread.process.descriptors.softLimit else { return .error(.EINVAL) }
            guard let copy = thread.process.descriptors.install(file, closeOnExec: command == Kernel.F_DUPFD_CLOEXEC,
                                                                atOrAbove: Int(minimum)) else { return .error(.EMFILE) }
            return .value(Int64(copy))
        case Kernel.F_GETFD:
            return .value(thread.process.descriptors.isCloseOnExec(fd) ? Int64(Kernel.FD_CLOEXEC) : 0)
        case Kernel.F_SETFD:
            thread.process.descriptors.setCloseOnExec(fd, arguments.int32(2) & Kernel.FD_CLOEXEC != 0)
            return .value(0)
        case Kernel.F_GETFL:
            return .value(Int64(file.flags.rawValue & ~OpenFlags.closeOnExec.rawValue & ~OpenFlags.create.rawValue
                                & ~OpenFlags.exclusive.rawValue & ~OpenFlags.truncate.rawValue & ~OpenFlags.noControllingTerminal.rawValue))
        case Kernel.F_SETFL:
            let requested = OpenFlags(rawValue: UInt32(truncatingIfNeeded: arguments[2])).intersection(OpenFlags.changeable)
            file.flags = file.flags.subtracting(OpenFlags.changeable).union(requested)
            // A description that turned non-blocking leaves its blocked waiters where they are,
            // as on Linux; nothing to wake.
            return .value(0)
        case Kernel.F_SETPIPE_SZ, Kernel.F_GETPIPE_SZ:   // a pipe's capacity (PipeCalls.swift)
            return pipeSize(command, file: file, argument: arguments[2], ioContext(hart, thread))
        default:
            return .error(.EINVAL)
        }
    }

    // MARK: The descriptor limit (RLIMIT_NOFILE)

    static let resourceStack: Int32 = 3, resourceOpenFiles: Int32 = 7, resourceCount: Int32 = 16
    static let unlimited = UInt64.max

    /// prlimit64(pid, resource, new, old): pid 0 or the caller's own.
    func resourceLimit(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let pid = arguments.int32(0)
        guard pid == 0 || pid == thread.process.pid else { return pid < 0 ? .error(.EINVAL) : .error(.ESRCH) }
        return exchangeLimit(resource: arguments.int32(1), new: arguments[2], old: arguments[3], thread: thread)
    }

    func getResourceLimit(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard arguments[1] != 0 else { return .error(.EFAULT) }
        return exchangeLimit(resource: arguments.int32(0), new: 0, old: arguments[1], thread: thread)
    }

    func setResourceLimit(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard arguments[1] != 0 else { return .error(.EFAULT) }
        return exchangeLimit(resource: arguments.int32(0), new: arguments[1], old: 0, thread: thread)
    }

    /// Reads the new {soft, hard} at `new` (0: none) and writes the old at `old` (0: none).
    private func exchangeLimit(resource: Int32, new: UInt64, old: UInt64, thread: Thread) -> SystemCallResult {
        guard resource >= 0, resource < Kernel.resourceCount else { return .error(.EINVAL) }
        let process = thread.process
        var requested: (soft: UInt64, hard: UInt64)? = nil
        if new != 0 {
            guard case .success(let bytes) = process.addressSpace.copyIn(from: new, count: 16) else { return .error(.EFAULT) }
            let soft = littleEndianWord(bytes, at: 0), hard = littleEndianWord(bytes, at: 8)
            guard soft <= hard else { return .error(.EINVAL) }
            requested = (soft, hard)
        }
        let current: (soft: UInt64, hard: UInt64) = switch resource {
        case Kernel.resourceOpenFiles: (UInt64(process.descriptors.softLimit), UInt64(process.descriptors.hardLimit))
        case Kernel.resourceStack: (configuration.stackLimit, Kernel.unlimited)
        default: (Kernel.unlimited, Kernel.unlimited)
        }
        if let requested {
            switch resource {
            case Kernel.resourceOpenFiles:
                guard requested.hard <= UInt64(DescriptorTable.ceiling) else { return .error(.EPERM) }
                if old != 0, !isWritable(process, old, count: 16) { return .error(.EFAULT) }
                process.descriptors.softLimit = Int(requested.soft)
                process.descriptors.hardLimit = Int(requested.hard)
            default:
                // Other limits are reported, not enforced: a change is refused rather than ignored.
                guard requested == current else { return .error(.EPERM) }
            }
        }
        if old != 0 {
            guard case .success = process.addressSpace.copyOut(littleEndianBytes(current.soft) + littleEndianBytes(current.hard), to: old) else {
                return .error(.EFAULT)
            }
        }
        return .value(0)
    }
}
