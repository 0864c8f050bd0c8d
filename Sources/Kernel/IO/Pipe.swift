// A pipe: a bounded byte queue with a read end and a write end, each its own object (and
// its own open file description, made by pipe2). As on Linux it holds 64 KiB by default
// (F_SETPIPE_SZ changes that); a read takes what is there and waits only while it is empty
// and a writer remains (0 — end of file — once every write end has closed); a write of at
// most PIPE_BUF (4096) bytes goes in whole or waits, a larger one takes what fits; a write
// with no read end left fails with EPIPE (and SIGPIPE, SignalCalls.swift).
//
// Linux keeps a pipe's bytes in page-sized slots, so how many bytes fit can depend on
// the sizes of the writes; this pipe counts bytes, which is the same whenever writes are
// page multiples or single bytes, and never less.
//
// Every change wakes the other end's waiters with what may have become true: bytes in
// (POLLIN for readers, on every write, as Linux does since 5.16 for edge-triggered epoll),
// PIPE_BUF bytes free again (POLLOUT for writers), an end closed (POLLHUP for readers,
// POLLERR for writers). Epoll watchers hear the same wakes (WaitQueue.swift).

import Machine

/// What both ends of one pipe share: the bytes, whether each end is still open, and the
/// two wait queues.
final class PipeBuffer {
    /// Linux's default capacity, its PIPE_BUF, and the most an unprivileged F_SETPIPE_SZ
    /// may ask for (/proc/sys/fs/pipe-max-size).
    static let defaultCapacity = 1 << 16
    static let atomicLimit = 4096
    static let maximumCapacity = 1 << 20

    private(set) var capacity = PipeBuffer.defaultCapacity
    /// The bytes waiting, oldest first: `storage[head...]` then `storage[..<head]` when
    /// wrapped; storage grows on demand up to `capacity` so 10,000 idle pipes cost little.
    private var storage: [UInt8] = []
    private var head = 0
    private(set) var count = 0
    /// Whether a read end and a write end are still open (each end is one object with
    /// one open file description; it is released when its last descriptor closes).
    var readerOpen = true
    var writerOpen = true
    /// Readers wait on the first, writers on the second.
    let readWaiters = WaitQueue()
    let writeWaiters = WaitQueue()
    /// Its bytes as the trace numbers them (IOTracing.swift).
    let traceCount = ByteStreamCount()
    /// Its name in the race log (0: not named yet; RaceLogHooks.swift).
    var raceStream: UInt64 = 0

    var room: Int { capacity - count }

    /// Appends up to `room` bytes of `bytes`; the number taken.
    func append(_ bytes: ArraySlice<UInt8>) -> Int {
        let taken = min(bytes.count, room)
        guard taken > 0 else { return 0 }
        reserve(count + taken)
        let tail = (head + count) % storage.count
        let first = min(taken, storage.count - tail)
        let start = bytes.startIndex
        storage.replaceSubrange(tail..<tail + first, with: bytes[start..<start + first])
        if first < taken { storage.replaceSubrange(0..<taken - first, with: bytes[start + first..<start + taken]) }
        count += taken
        return taken
    }

    /// Takes up to `limit` bytes from the front.
    func take(_ limit: Int) -> [UInt8] {
        let taken = min(limit, count)
        guard taken > 0 else { return [] }
        let first = min(taken, storage.count - head)
        var bytes = Array(storage[head..<head + first])
        if first < taken { bytes += storage[0..<taken - first] }
        head = (head + taken) % storage.count
        count -= taken
        if count == 0 { head = 0 }
        return bytes
    }

    /// F_SETPIPE_SZ: the new capacity (already rounded), or EBUSY when the bytes waiting
    /// would not fit.
    func resize(to newCapacity: Int) -> Errno? {
        guard newCapacity >= count else { return .EBUSY }
        capacity = newCapacity
        if storage.count > capacity { compact(size: capacity) }
        return nil
    }

    /// Makes storage at least `needed` long (doubling, at most `capacity`), oldest byte first.
    private func reserve(_ needed: Int) {
        guard needed > storage.count else { return }
        compact(size: min(capacity, max(needed, storage.count * 2, 512)))
    }

    private func compact(size: Int) {
        var fresh = [UInt8](repeating: 0, count: size)
        if count > 0 {
            let first = min(count, storage.count - head)
            fresh.replaceSubrange(0..<first, with: storage[head..<head + first])
            if first < count { fresh.replaceSubrange(first..<count, with: storage[0..<count - first]) }
        }
        storage = fresh
        head = 0
    }
}

/// One end of a pipe.
final class PipeEnd: FileObject {
    let kind = FileKind.pipe
    let buffer: PipeBuffer
    let isReadEnd: Bool

    init(_ buffer: PipeBuffer, isReadEnd: Bool) {
        self.buffer = buffer
        self.isReadEnd = isReadEnd
    }

    var waiters: WaitQueue { isReadEnd ? buffer.readWaiters : buffer.writeWaiters }

    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> {
        guard isReadEnd else { return .failed(.EBADF) }
        if buffer.count == 0 { return buffer.writerOpen ? .wouldBlock(buffer.readWaiters) : .done([]) }
        let wasFull = buffer.room < PipeBuffer.atomicLimit
        let bytes = buffer.take(count)
        context.kernel.raceLogPipe(buffer, context.thread, count: bytes.count, sending: false)
        // As Linux wakes writers when a full pipe frees a page: only once PIPE_BUF bytes are
        // free, so a writer waiting with a large write is not rerun for every byte read.
        if wasFull, buffer.room >= PipeBuffer.atomicLimit { buffer.writeWaiters.wake([.output, .writeNormal], context) }
        return .done(bytes)
    }

    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> {
        guard !isReadEnd else { return .failed(.EBADF) }
        guard buffer.readerOpen else { return .failed(.EPIPE) }
        // Up to PIPE_BUF bytes go in whole or not at all (POSIX's atomic write).
        if bytes.count <= PipeBuffer.atomicLimit, buffer.room < bytes.count { return .wouldBlock(buffer.writeWaiters) }
        let taken = buffer.append(bytes[...])
        guard taken > 0 else { return .wouldBlock(buffer.writeWaiters) }
        context.kernel.raceLogPipe(buffer, context.thread, count: taken, sending: true)
        buffer.readWaiters.wake([.input, .readNormal], context)
        return .done(taken)
    }

    func readiness(for file: OpenFile) -> PollEvents {
        if isReadEnd {
            var events: PollEvents = []
            if buffer.count > 0 { events.formUnion([.input, .readNormal]) }
            if !buffer.writerOpen { events.insert(.hangUp) }
            return events
        }
        var events: PollEvents = []
        if buffer.room >= PipeBuffer.atomicLimit {
            events.formUnion([.output, .writeNormal])
        }
        if !buffer.readerOpen { events.insert(.error) }
        return events
    }

    /// The last descriptor of this end closed: the other end learns it (end of file for
    /// readers, EPIPE for writers), and its waiters run their calls again.
    func released(_ context: IOContext) {
        if isReadEnd {
            buffer.readerOpen = false
            buffer.writeWaiters.wake([.error], context)
        } else {
            buffer.writerOpen = false
            buffer.readWaiters.wake([.input, .hangUp], context)
        }
    }

    func status() -> FileStatus {
        FileStatus(kind: .pipe, permissions: 0o600, size: 0)
    }
}
