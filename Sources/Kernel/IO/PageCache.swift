// File contents and the simulated disk. A file's bytes live in 4 KiB pages, the page
// cache; a page never written is a hole and reads as zeros. A mounted file's pages start
// on the host, which stands for the disk: reading one that is not cached yet costs
// `diskLatencyCycles` (`--disk-latency`; 100 µs by default, an SSD's random read) — the
// read answers `.waitUntil(arrival)`, so the thread blocks and frees its hart, and the
// call, run again when the time has passed, finds the page cached. Files made in the
// guest live only in the cache (tmpfs) and never wait.
//
// Every page a file holds counts against the file system's byte limit (the run's
// memory limit): ENOSPC past it.

import Machine

extension FileSystem {
    /// Reads at most `count` bytes at `offset` (empty: end of file).
    func read(_ inode: Inode, at offset: UInt64, count: Int, _ context: IOContext) -> IOOutcome<[UInt8]> {
        guard offset < inode.size, count > 0 else { return .done([]) }
        let end = offset + min(UInt64(count), inode.size - offset)
        if inode.isHostBacked, let waiting = bringIn(inode, pages: offset / FileSystem.pageSize ... (end - 1) / FileSystem.pageSize, context) {
            return waiting
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(end - offset))
        var position = offset
        while position < end {
            let index = position / FileSystem.pageSize, within = Int(position % FileSystem.pageSize)
            let chunk = min(Int(FileSystem.pageSize) - within, Int(end - position))
            if let page = inode.pages[index] {
                bytes += page[within..<within + chunk]
            } else {
                bytes += repeatElement(0, count: chunk)
            }
            position += UInt64(chunk)
        }
        return .done(bytes)
    }

    /// Writes `bytes` at `offset`: all of them, or as many as the byte limit leaves room
    /// for (ENOSPC when none). A writable mount's host file gets them first.
    func write(_ inode: Inode, _ bytes: [UInt8], at offset: UInt64, nanoseconds: UInt64) -> IOOutcome<Int> {
        guard !bytes.isEmpty else { return .done(0) }
        guard offset <= UInt64(Int64.max) - UInt64(bytes.count) else { return .failed(.EFBIG) }
        let end = offset + UInt64(bytes.count)
        let firstPage = offset / FileSystem.pageSize, lastPage = (end - 1) / FileSystem.pageSize
        // A partly written page of a mounted file is read first (without waiting: the
        // write goes on at once, as a write to a cached page would).
        if inode.isHostBacked {
            for index in [firstPage, lastPage] where inode.pages[index] == nil && index * FileSystem.pageSize < inode.size {
                if let errno = load(inode, page: index) { return .failed(errno) }
            }
        }
        // As many bytes as the limit leaves pages for.
        var writable = bytes.count
        var index = firstPage
        while index <= lastPage {
            if inode.pages[index] == nil, !charge(FileSystem.pageSize) {
                writable = index == firstPage ? 0 : Int(index * FileSystem.pageSize - offset)
                break
            }
            if inode.pages[index] == nil { inode.pages[index] = [UInt8](repeating: 0, count: Int(FileSystem.pageSize)) }
            index += 1
        }
        guard writable > 0 else { return .failed(.ENOSPC) }
        if inode.isHostBacked, inode.isWritable, let mount = inode.mount, let path = hostPath(of: inode) {
            if let errno = mount.write(path, bytes: bytes[0..<writable], at: offset) { return .failed(errno) }
        }
        var position = offset, taken = 0
        while taken < writable {
            let index = position / FileSystem.pageSize, within = Int(position % FileSystem.pageSize)
            let chunk = min(Int(FileSystem.pageSize) - within, writable - taken)
            inode.pages[index]?.replaceSubrange(within..<within + chunk, with: bytes[taken..<taken + chunk])
            position += UInt64(chunk)
            taken += chunk
        }
        inode.size = max(inode.size, offset + UInt64(writable))
        inode.modified = nanoseconds
        return .done(writable)
    }

    /// ftruncate and O_TRUNC: a shorter file frees its pages past the end; a longer one
    /// gains a hole.
    func truncate(_ inode: Inode, to length: UInt64, nanoseconds: UInt64) -> Errno? {
        if inode.isHostBacked, let mount = inode.mount, let path = hostPath(of: inode) {
            guard inode.isWritable else { return .EROFS }
            if let errno = mount.truncate(path, to: length) { return errno }
        }
        if length < inode.size {
            let keep = (length + FileSystem.pageSize - 1) / FileSystem.pageSize
            let dropped = inode.pages.keys.filter { $0 >= keep }
            for index in dropped { inode.pages[index] = nil }
            refund(UInt64(dropped.count) * FileSystem.pageSize)
            for index in inode.loading.keys.filter({ $0 >= keep }) { inode.loading[index] = nil }
            let within = Int(length % FileSystem.pageSize)
            if within > 0, let last = inode.pages[keep - 1] {
                var page = last
                page.replaceSubrange(within..., with: repeatElement(0, count: page.count - within))
                inode.pages[keep - 1] = page
            }
        }
        inode.size = length
        inode.modified = nanoseconds
        return nil
    }

    /// Brings a mounted file's missing pages in `pages` into the cache: at once without a
    /// disk latency, else by a disk read that ends at `arrival` (nil when all are cached).
    private func bringIn(_ inode: Inode, pages: ClosedRange<UInt64>, _ context: IOContext) -> IOOutcome<[UInt8]>? {
        var latest: UInt64? = nil
        let thread = context.thread
        for index in pages where inode.pages[index] == nil && index * FileSystem.pageSize < inode.size {
            guard diskLatency > 0 else {
                if let errno = load(inode, page: index) { return .failed(errno) }
                continue
            }
            if let pending = inode.loading[index] {
                // Arrived: its time has passed, or this is the reader that asked, woken
                // when it had (its hart's clock may be a little behind another's).
                if pending.arrival <= context.cycle || (thread?.callRestarted == true && pending.requester == thread?.tid) {
                    inode.loading[index] = nil
                    if let errno = load(inode, page: index) { return .failed(errno) }
                } else {
                    latest = max(latest ?? 0, pending.arrival)
                }
            } else {
                let arrival = (SimulatedTime(cycles: context.cycle) + SimulatedTime(cycles: diskLatency)).cycles
                inode.loading[index] = Inode.PendingRead(arrival: arrival, requester: thread?.tid ?? 0)
                latest = max(latest ?? 0, arrival)
            }
        }
        return latest.map { .waitUntil($0) }
    }

    /// Reads page `index` of a mounted file from the host into the cache.
    func load(_ inode: Inode, page index: UInt64) -> Errno? {
        guard inode.pages[index] == nil else { return nil }
        guard let mount = inode.mount, let path = hostPath(of: inode) else { return nil }
        guard charge(FileSystem.pageSize) else { return .ENOMEM }
        switch mount.readPage(path, index: index) {
        case .failure(let errno):
            refund(FileSystem.pageSize)
            // The host file went away or broke under us: to the guest, the disk failed.
            return errno == .EACCES ? .EACCES : .EIO
        case .success(var page):
            // Past the end the guest knows of, a page reads as zeros whatever the host has.
            let end = inode.size > index * FileSystem.pageSize ? inode.size - index * FileSystem.pageSize : 0
            if end < FileSystem.pageSize { page.replaceSubrange(Int(end)..., with: repeatElement(0, count: page.count - Int(end))) }
            inode.pages[index] = page
            diskReads &+= 1
            return nil
        }
    }

    /// Reads every page of a mounted file that is not cached (before the host loses it).
    func loadEverything(_ inode: Inode) -> Errno? {
        guard inode.isHostBacked, inode.size > 0 else { return nil }
        for index in 0...((inode.size - 1) / FileSystem.pageSize) where inode.pages[index] == nil {
            if let errno = load(inode, page: index) { return errno }
        }
        return nil
    }
}

/// A regular file open in some process: the open file description's object. Its offset
/// lives in the OpenFile (shared by dup and by inheritance).
final class RegularFile: FileObject {
    let kind = FileKind.regular
    let waiters = WaitQueue()
    let inode: Inode

    init(_ inode: Inode) {
        self.inode = inode
        inode.openCount += 1
    }

    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> {
        let outcome = context.kernel.fileSystem.read(inode, at: file.offset, count: count, context)
        if case .done(let bytes) = outcome { file.offset += UInt64(bytes.count) }
        return outcome
    }

    /// write: at the offset, or at the end with O_APPEND.
    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> {
        let offset = file.flags.contains(.append) ? inode.size : file.offset
        let outcome = context.kernel.fileSystem.write(inode, bytes, at: offset, nanoseconds: context.kernel.nanoseconds(atCycle: context.cycle))
        if case .done(let taken) = outcome { file.offset = offset + UInt64(taken) }
        return outcome
    }

    /// A regular file is always ready (Linux's DEFAULT_POLLMASK).
    func readiness(for file: OpenFile) -> PollEvents { [.input, .output, .readNormal, .writeNormal] }

    func released(_ context: IOContext) {
        inode.openCount -= 1
        context.kernel.fileSystem.releaseIfUnused(inode)
    }

    func status() -> FileStatus { inode.status() }
}

/// A directory open in some process (for getdents64, fstat, and as a dirfd).
final class DirectoryFile: FileObject {
    let kind = FileKind.directory
    let waiters = WaitQueue()
    let inode: Inode
    /// Where the last getdents64 stopped: the last name it returned and the offset after it,
    /// so entries removed meanwhile do not make it skip others.
    var cursor: (name: [UInt8], offset: UInt64)? = nil

    init(_ inode: Inode) {
        self.inode = inode
        inode.openCount += 1
    }

    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> { .failed(.EISDIR) }
    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> { .failed(.EISDIR) }
    func readiness(for file: OpenFile) -> PollEvents { [.input, .output, .readNormal, .writeNormal] }

    func released(_ context: IOContext) {
        inode.openCount -= 1
        context.kernel.fileSystem.releaseIfUnused(inode)
    }

    func status() -> FileStatus { inode.status() }
}

extension Kernel {
    /// Simulated nanoseconds at `cycle` (file times).
    func nanoseconds(atCycle cycle: UInt64) -> UInt64 {
        SimulatedTime(cycles: cycle).nanoseconds(clockFrequency: configuration.clockFrequency)
    }
}
