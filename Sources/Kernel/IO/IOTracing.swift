// I/O in the trace: every read and write with its byte count (and, on a byte stream, the
// stream positions of its bytes, so a view can draw an arrow from a write to the read
// that took its first byte), accepts and connects (with the connection they share, for
// an arrow from one to the other), each wait for I/O with the call that waits, and each
// wake that ends one with the thread whose I/O caused it. With no recorder every hook is
// one test of an optional.

import Machine
import Trace

/// One direction of a byte stream (a pipe, one way of a stream socket) as the trace sees
/// it: a number and the bytes that went in and came out so far, so each transfer gets
/// its [start, end) in the stream. The stream's object keeps it (`TracedByteStream`).
final class ByteStreamCount {
    /// The stream's number in the trace; 0 until its first traced transfer.
    var serial: UInt32 = 0
    var written: UInt64 = 0
    var read: UInt64 = 0

    init() {}
}

/// An object whose bytes flow in order from writers to readers: pipes and stream sockets.
protocol TracedByteStream: FileObject {
    /// The direction a write through `file` feeds (`writing`) or a read through it drains;
    /// nil when there is none (a datagram socket, an unconnected one).
    func byteStream(for file: OpenFile, writing: Bool) -> ByteStreamCount?
}

extension Kernel {
    /// `bytes` moved through descriptor `fd` by a read or a write (recv, send, and their
    /// vector forms too): an ioRead or ioWrite event with the stream positions it covered.
    /// A read that leaves the bytes where they were (recv with MSG_PEEK: `consumes` false)
    /// gets no stream position, so no arrow and no count.
    func traceTransfer(_ thread: Thread, on hart: Hart, fd: Int32, file: OpenFile, bytes: Int, isWrite: Bool,
                       consumes: Bool = true) {
        guard trace != nil, bytes > 0 else { return }
        var transfer = IOTransfer(tid: thread.tid, fd: fd, bytes: UInt32(clamping: bytes))
        if consumes || isWrite, let stream = byteStream(of: file, writing: isWrite) {
            transfer.stream = stream.serial
            transfer.start = isWrite ? stream.written : stream.read
            if isWrite { stream.written &+= UInt64(bytes) } else { stream.read &+= UInt64(bytes) }
        }
        traceEvent(isWrite ? .ioWrite(transfer) : .ioRead(transfer), on: hart)
    }

    /// The stream a transfer through `file` goes through, numbered on first use: the number
    /// comes from the description that first used it and the direction, so it is unique
    /// in the run and the same in every run of the same program.
    func byteStream(of file: OpenFile, writing: Bool) -> ByteStreamCount? {
        guard let stream = (file.object as? TracedByteStream)?.byteStream(for: file, writing: writing) else { return nil }
        if stream.serial == 0 {
            stream.serial = UInt32(truncatingIfNeeded: file.serial &* 2 &+ (writing ? 1 : 0) &+ 1)
            if stream.serial == 0 { stream.serial = 1 }
        }
        return stream
    }

    /// After a system call returned: accept and connect events (the dispatcher calls this
    /// for every call while a trace is recorded; it picks out the ones it draws).
    func traceIOCall(_ number: UInt64, _ arguments: SystemCallArguments, result: SystemCallResult, thread: Thread, hart: Hart) {
        guard trace != nil else { return }
        switch SystemCall(rawValue: number) {
        case .accept?, .accept4?:
            guard case .value(let fd) = result, let file = thread.process.descriptors.file(Int32(truncatingIfNeeded: fd)) else { return }
            // The accepted socket reads what the connecting one writes: their stream is the connection.
            let connection = byteStream(of: file, writing: false)?.serial ?? 0
            traceEvent(.accept(tid: thread.tid, listener: arguments.int32(0), fd: Int32(truncatingIfNeeded: fd), connection: connection), on: hart)
        case .connect?:
            let fd = arguments.int32(0)
            let value: Int32
            switch result {
            case .value(let result): value = Int32(truncatingIfNeeded: result)
            case .error(let errno): value = -Int32(truncatingIfNeeded: errno.rawValue)
            case .noReturn: return   // it waits; the rerun that completes is traced
            }
            let connection = value == 0 || value == -Int32(Kernel.inProgress)
                ? thread.process.descriptors.file(fd).flatMap { byteStream(of: $0, writing: true)?.serial } ?? 0 : 0
            traceEvent(.connect(tid: thread.tid, fd: fd, result: value, connection: connection), on: hart)
        default:
            return
        }
    }

    /// EINPROGRESS: a non-blocking connect that goes on without the caller.
    static let inProgress: Int64 = 115

    /// The thread blocks for I/O in the call it is making (a7 still holds its number).
    func traceIOWait(_ thread: Thread, on hart: Hart, object: UInt64) {
        guard trace != nil else { return }
        traceEvent(.ioWait(tid: thread.tid, call: UInt32(truncatingIfNeeded: hart.register(17)), object: object), on: hart)
    }

    /// A wait queue is about to make `thread` ready: an ioWake event from the thread whose
    /// I/O did it (the context's), if `thread` is still blocked for I/O.
    func traceIOWake(_ thread: Thread, _ events: PollEvents, _ context: IOContext) {
        guard trace != nil, case .blocked(.io) = thread.state else { return }
        let kind = TraceEventKind.ioWake(tid: context.thread?.tid ?? 0, woken: thread.tid, events: events.rawValue)
        if let hart = context.hart { traceEvent(kind, on: hart) } else { traceEvent(kind, cycle: context.cycle) }
    }
}

extension PipeEnd: TracedByteStream {
    /// Both ends share the pipe's one stream.
    func byteStream(for file: OpenFile, writing: Bool) -> ByteStreamCount? { buffer.traceCount }
}

extension Socket: TracedByteStream {
    /// A stream socket reads its own received stream and writes its peer's.
    func byteStream(for file: OpenFile, writing: Bool) -> ByteStreamCount? {
        guard type == .stream else { return nil }
        return writing ? peer?.traceCount : traceCount
    }
}
