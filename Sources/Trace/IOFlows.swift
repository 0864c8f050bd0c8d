// I/O in the Chrome trace: reads, writes, accepts and connects as instants on the thread's
// lane with their byte counts and descriptors, waits for I/O and the wakes that end them,
// and arrows (flow events): from a write to the read that took its first byte, from a
// connect to the accept that took the connection, and from the thread whose I/O woke a
// waiter to the waiter when it next runs.
//
// A read is joined to its write by stream positions (IOTransfer): per stream the encoder
// keeps the writes whose bytes are not all read yet, oldest first, and drops each one as
// soon as reads have passed its end, so what it keeps is bounded by the bytes in flight.

/// A write whose bytes are not all read yet.
struct PendingWrite {
    var tid: Int32
    var cycle: UInt64
    var range: Range<UInt64>
}

extension ChromeTraceEncoder {
    /// Most unread writes kept per stream; past it the oldest lose their arrows.
    static let pendingWriteLimit = 4096
    /// Most streams with unread writes, and connects not yet accepted, kept at once (a
    /// stream closed with bytes unread stays until then): past it all are forgotten, so
    /// a long trace's writer stays bounded and its output stays a function of the events.
    static let pendingStreamLimit = 1 << 16

    mutating func encodeIO<Names: TraceNames>(_ event: TraceEvent, names: Names) {
        let cycle = event.cycle
        switch event.kind {
        case .ioWrite(let transfer):
            instant("write", lane: threadLane(transfer.tid, names), cycle, Self.transferArgs(transfer), category: "io")
            guard transfer.stream != 0, transfer.bytes > 0 else { return }
            if streamWrites[transfer.stream] == nil, streamWrites.count >= Self.pendingStreamLimit { streamWrites = [:] }
            var writes = streamWrites[transfer.stream] ?? []
            if writes.count >= Self.pendingWriteLimit { writes.removeFirst(writes.count / 2) }
            writes.append(PendingWrite(tid: transfer.tid, cycle: cycle, range: transfer.range))
            streamWrites[transfer.stream] = writes
        case .ioRead(let transfer):
            let lane = threadLane(transfer.tid, names)
            instant("read", lane: lane, cycle, Self.transferArgs(transfer), category: "io")
            guard transfer.stream != 0, transfer.bytes > 0, var writes = streamWrites[transfer.stream] else { return }
            // Writes wholly read before this read's first byte.
            var passed = 0
            while passed < writes.count, writes[passed].range.upperBound <= transfer.start { passed += 1 }
            if passed < writes.count, writes[passed].range.contains(transfer.start) {
                let source = writes[passed]
                arrow("bytes", category: "io", from: threadLane(source.tid, names), at: source.cycle, to: lane, at: cycle)
            }
            // And those this read finished.
            let end = transfer.range.upperBound
            while passed < writes.count, writes[passed].range.upperBound <= end { passed += 1 }
            writes.removeFirst(passed)
            streamWrites[transfer.stream] = writes.isEmpty ? nil : writes
        case .connect(let tid, let fd, let result, let connection):
            instant("connect", lane: threadLane(tid, names), cycle, ["fd": .int(Int64(fd)), "result": .int(Int64(result))], category: "io")
            // 0, or EINPROGRESS: a non-blocking connect that completes without the caller.
            if connection != 0, result == 0 || result == -115 {
                if pendingConnects.count >= Self.pendingStreamLimit { pendingConnects = [:] }
                pendingConnects[connection] = (tid, cycle)
            }
        case .accept(let tid, let listener, let fd, let connection):
            let lane = threadLane(tid, names)
            instant("accept", lane: lane, cycle, ["listener": .int(Int64(listener)), "fd": .int(Int64(fd))], category: "io")
            if connection != 0, let connect = pendingConnects.removeValue(forKey: connection) {
                arrow("connection", category: "io", from: threadLane(connect.tid, names), at: connect.cycle, to: lane, at: cycle)
            }
        case .ioWait(let tid, let call, let object):
            instant("waits in " + Self.systemCallName(call), lane: threadLane(tid, names), cycle,
                    ["object": .int(Int64(clamping: object))], category: "io")
        case .ioWake(let tid, let woken, let events):
            instant("I/O wake", lane: threadLane(tid, names), cycle, ["woken": .int(Int64(woken)), "events": .hex(UInt64(events))],
                    category: "io")
            if woken > 0 { pendingFlows[woken] = (tid, cycle, nextFlow, "I/O wake", "io"); nextFlow += 1 }
        default:
            break
        }
    }

    /// A flow arrow between two instants (Perfetto draws it between the enclosing slices).
    private mutating func arrow(_ name: String, category: String, from source: (pid: Int32, tid: Int32), at start: UInt64,
                                to target: (pid: Int32, tid: Int32), at end: UInt64) {
        let id = nextFlow
        nextFlow += 1
        emit("s", name, lane: source, start, ",\"cat\":\"\(category)\",\"id\":\(id)")
        emit("f", name, lane: target, end, ",\"cat\":\"\(category)\",\"id\":\(id),\"bp\":\"e\"")
    }

    private static func transferArgs(_ transfer: IOTransfer) -> [String: JSONArg] {
        var args: [String: JSONArg] = ["fd": .int(Int64(transfer.fd)), "bytes": .int(Int64(transfer.bytes))]
        if transfer.stream != 0 {
            args["stream"] = .int(Int64(transfer.stream))
            args["start"] = .int(Int64(clamping: transfer.start))
        }
        return args
    }
}
