// A socket: the object behind a socket descriptor, for UNIX domain and IPv4 sockets,
// stream and datagram. This file holds its state and what poll, epoll and close see;
// SocketTransfer.swift moves bytes, SocketLayer.swift holds the names and ports and the
// transport between sockets, SocketCalls.swift and the files beside it are the calls.
//
// The state follows Linux's two layers: `state` is the connection's (sk_state: closed,
// listening, connecting, connected) and `shutdown` its sk_shutdown bits (a peer's close
// or shutdown sets them here, as Linux does); `connectCall` is the socket layer's
// (sock->state), which only TCP's connect needs (EALREADY, a second connect that
// succeeds). Every change wakes the waiters of each socket whose readiness it changed.

import Machine

/// One datagram in a receive queue, with its sender's address.
struct Datagram {
    var bytes: [UInt8]
    var source: SocketAddress?
    /// A UNIX sender, whose send buffer it is charged to until it is read.
    var sender: Socket? = nil
    /// Open file descriptions passed with it (SCM_RIGHTS), each holding a reference.
    var rights: [OpenFile] = []
    /// What it costs against buffer sizes: Linux counts a buffer's overhead too.
    var charge: Int { bytes.count + Datagram.overhead }
    /// About what Linux's sk_buff adds to a small message (its "truesize" less the data).
    static let overhead = 768
}

/// Received stream bytes: a queue that drops what was read without moving the rest.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: [UInt8]) { storage += bytes }

    func peek(_ limit: Int) -> [UInt8] { Array(storage[head..<head + min(limit, count)]) }

    mutating func take(_ limit: Int) -> [UInt8] {
        let bytes = peek(limit)
        head += bytes.count
        if head >= 4096, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return bytes
    }

    mutating func removeAll() {
        storage = []
        head = 0
    }

    /// `count` bytes starting `offset` bytes in (TCP resends from its send queue).
    func bytes(from offset: Int, count wanted: Int) -> [UInt8] {
        let start = head + max(0, min(offset, count))
        return Array(storage[start..<start + max(0, min(wanted, storage.count - start))])
    }

    /// Drops the first `limit` bytes (TCP: what the peer acknowledged).
    mutating func discard(_ limit: Int) {
        head += max(0, min(limit, count))
        if head >= 4096, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }
}

/// A listening socket's queue: connections made and not yet accepted (each the server's
/// end, already connected), and, for TCP, clients waiting for room (SYN sent).
final class ListenQueue {
    var backlog: Int
    var ready: [Socket] = []
    var readyHead = 0
    var waitingClients: [Socket] = []
    /// TCP from other machines: handshakes under way (SYN_RECEIVED) toward this queue.
    var handshakes = 0

    init(backlog: Int) { self.backlog = backlog }

    var readyCount: Int { ready.count - readyHead }
    /// Linux's sk_acceptq_is_full and unix_recvq_full: full when more than the backlog wait.
    var isFull: Bool { readyCount > backlog }

    func push(_ socket: Socket) { ready.append(socket) }

    func pop() -> Socket? {
        guard readyHead < ready.count else { return nil }
        let socket = ready[readyHead]
        readyHead += 1
        if readyHead >= 64, readyHead * 2 >= ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        return socket
    }

    func drain() -> [Socket] {
        let all = Array(ready[readyHead...])
        ready = []
        readyHead = 0
        return all
    }
}

enum SocketState {
    /// Never connected (TCP_CLOSE), or, with `wasConnected`, a connection that ended.
    case closed
    case listening(ListenQueue)
    /// TCP: a SYN sent to a listener whose queue is full; it goes on when room frees.
    case connecting(listener: Socket)
    case connected
}

/// The socket layer's view of a TCP connect (Linux's sock->state).
enum ConnectCall {
    case none, inProgress, done
}

final class Socket: FileObject {
    let kind = FileKind.socket
    let waiters = WaitQueue()
    let family: SocketFamily
    let type: SocketType

    var state = SocketState.closed
    var connectCall = ConnectCall.none
    /// sk_shutdown: no more receiving (a peer's FIN or shutdown, or our SHUT_RD), no more sending.
    var shutdownReceive = false, shutdownSend = false
    /// The connection ended (reset or both sides closed): TCP's TCP_CLOSE after ESTABLISHED.
    var wasConnected = false
    /// sk_err: reported once by the next call that looks (read, write, connect, SO_ERROR).
    var pendingError: Errno? = nil
    /// Where it is bound (nil: unbound), and its peer's address once connected (a datagram
    /// socket's default destination).
    var localAddress: SocketAddress? = nil
    var peerAddress: SocketAddress? = nil
    /// The other end of a connected stream (or a UNIX datagram socket's connected peer);
    /// nil once that end is gone.
    var peer: Socket? = nil
    /// TCP: the peer's FIN came (Linux's SOCK_DONE): reads end at once, before any error;
    /// with `peer` gone as well, the next write is answered with a reset.
    var finReceived = false
    /// Its last descriptor closed.
    var isReleased = false
    /// An accepted TCP connection: it shares its listener's port (SocketLayer.addChild).
    var isChild = false
    /// TCP to another machine: the connection's control block (Net/TCPConnection.swift).
    var connection: TCPConnection? = nil

    /// Received stream bytes not yet read.
    var streamBytes = ByteQueue()
    /// Its byte stream's name in the race log (0: not named yet; RaceLogHooks.swift).
    var raceStream: UInt64 = 0
    /// Its received stream's bytes as the trace numbers them (IOTracing.swift).
    let traceCount = ByteStreamCount()
    /// Received datagrams, and what they cost against the receive buffer.
    var datagrams: [Datagram] = []
    var datagramHead = 0
    var datagramCharge = 0
    /// A UNIX datagram socket's messages sitting in peers' queues (Linux's sk_wmem_alloc).
    var sentCharge = 0
    /// Open file descriptions passed along the received stream (SCM_RIGHTS): each rides
    /// with the bytes of one send, from stream offset `start` to `end` (offsets count every
    /// byte ever received: `streamReceived` of them, `streamTaken` read).
    var streamRights: [(start: Int, end: Int, files: [OpenFile])] = []
    var streamReceived = 0, streamTaken = 0

    /// Options (SocketOptions.swift): the buffer sizes as getsockopt reports them (Linux
    /// doubles what setsockopt gives), SO_REUSEADDR, TCP_NODELAY.
    var sendBufferSize: Int
    var receiveBufferSize: Int
    var reuseAddress = false
    var noDelay = false
    var keepAlive = false
    var broadcast = false

    init(family: SocketFamily, type: SocketType) {
        self.family = family
        self.type = type
        if family == .inet, type == .stream {
            sendBufferSize = Socket.tcpSendBufferDefault
            receiveBufferSize = Socket.tcpReceiveBufferDefault
        } else {
            sendBufferSize = Socket.bufferDefault
            receiveBufferSize = Socket.bufferDefault
        }
    }

    /// Linux's defaults: net.core.wmem_default and rmem_default, and tcp_wmem[1], tcp_rmem[1].
    static let bufferDefault = 212_992
    static let tcpSendBufferDefault = 16_384, tcpReceiveBufferDefault = 131_072
    /// The most `setsockopt` accepts before doubling (net.core.wmem_max, rmem_max) and the
    /// least a buffer may be (SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF).
    static let bufferMaximum = 212_992
    static let sendBufferMinimum = 4608, receiveBufferMinimum = 2304
    /// net.unix.max_dgram_qlen: a UNIX datagram socket's queue holds this many and one more.
    static let datagramQueueLimit = 10

    var isTCP: Bool { family == .inet && type == .stream }
    var isUDP: Bool { family == .inet && type == .datagram }

    var isListening: Bool { if case .listening = state { true } else { false } }
    var isConnected: Bool { if case .connected = state { true } else { false } }
    var listenQueue: ListenQueue? { if case .listening(let queue) = state { queue } else { nil } }

    var queuedDatagrams: Int { datagrams.count - datagramHead }

    /// Takes the pending error (sock_error): it is reported once.
    func takeError() -> Errno? {
        defer { pendingError = nil }
        return pendingError
    }

    func status() -> FileStatus { FileStatus(kind: .socket, permissions: 0o777, blockSize: 4096) }

    // MARK: Readiness (unix_poll, unix_dgram_poll, tcp_poll, datagram_poll)

    static let writeBand = PollEvents(rawValue: 0x200)   // POLLWRBAND

    func readiness(for file: OpenFile) -> PollEvents {
        var events: PollEvents = []
        let readable: PollEvents = [.input, .readNormal]
        if isTCP {
            if let queue = listenQueue { return queue.readyCount > 0 ? readable : [] }
            if shutdownReceive && shutdownSend || !isConnected && !isConnecting { events.insert(.hangUp) }
            if shutdownReceive { events.formUnion([.input, .readNormal, .readHangUp]) }
            if !isConnecting {
                if !streamBytes.isEmpty { events.formUnion(readable) }
                if shutdownSend || streamRoom() > 0 { events.formUnion([.output, .writeNormal]) }
            }
            if pendingError != nil { events.insert(.error) }
            return events
        }
        if pendingError != nil { events.insert(.error) }
        if shutdownReceive && shutdownSend { events.insert(.hangUp) }
        if shutdownReceive { events.formUnion([.input, .readNormal, .readHangUp]) }
        switch type {
        case .stream:
            if let queue = listenQueue {
                if queue.readyCount > 0 { events.formUnion(readable) }
                return events
            }
            if !streamBytes.isEmpty { events.formUnion(readable) }
            if !isConnected { events.insert(.hangUp) }
            // unix_writable: what it has in flight at most a quarter of its send buffer.
            if inFlight * 4 <= sendBufferSize { events.formUnion([.output, .writeNormal, Socket.writeBand]) }
        case .datagram:
            if queuedDatagrams > 0 { events.formUnion(readable) }
            var writable = isUDP || sentCharge * 4 <= sendBufferSize
            if family == .unix, let other = peer, !other.isReleased, other.peer !== self, other.datagramQueueIsFull {
                writable = false
            }
            if writable { events.formUnion([.output, .writeNormal, Socket.writeBand]) }
        }
        return events
    }

    var isConnecting: Bool { if case .connecting = state { true } else { connection?.state == .synSent } }

    /// Bytes this stream socket has sent that its peer has not read.
    var inFlight: Int { peer?.streamBytes.count ?? 0 }

    /// How many more bytes a stream write may hand the peer now: UNIX counts them against
    /// the sender's buffer, TCP against the sender's and the receiver's together.
    func streamRoom() -> Int {
        if let connection { return connection.sendRoom }
        guard let other = peer else { return isTCP ? 1 : 0 }
        let capacity = isTCP ? sendBufferSize + other.receiveBufferSize : sendBufferSize
        return max(0, capacity - other.streamBytes.count)
    }

    /// A UNIX datagram socket's queue is full past max_dgram_qlen (unix_recvq_full).
    var datagramQueueIsFull: Bool { queuedDatagrams > Socket.datagramQueueLimit }

    func wakeAll(_ events: PollEvents, _ context: IOContext) { waiters.wake(events, context) }

    // MARK: Release (the last descriptor closed)

    func released(_ context: IOContext) {
        isReleased = true
        let sockets = context.kernel.sockets
        if let connection {
            // To another machine: the connection finishes (FIN, or a reset) and gives the
            // port back when it ends; one already over gives it back now.
            if connection.socket == nil { sockets.unbind(self) } else { connection.socketClosed(context) }
            state = .closed
            streamBytes.removeAll()
            return
        }
        sockets.unbind(self)
        switch state {
        case .listening(let queue):
            // Connections nobody accepted are reset; clients still waiting are refused.
            for child in queue.drain() { child.abandon(context, reset: true) }
            for client in queue.waitingClients where client.isConnecting {
                client.state = .closed
                client.wasConnected = false
                client.shutdownReceive = true
                client.shutdownSend = true
                client.pendingError = .ECONNREFUSED
                client.wakeAll([.output, .error, .hangUp], context)
            }
            queue.waitingClients = []
            // UNIX clients blocked in connect run it again and are refused.
            wakeAll([.input, .output, .hangUp], context)
        case .connecting(let listener):
            listener.listenQueue?.waitingClients.removeAll { $0 === self }
        case .connected, .closed:
            abandon(context, reset: type == .stream && !streamBytes.isEmpty)
        }
        state = .closed
        streamBytes.removeAll()
        // Descriptions in flight to it go away with it.
        for entry in streamRights { for file in entry.files { context.kernel.releaseFile(file, context) } }
        streamRights = []
        for datagram in datagrams[datagramHead...] { for file in datagram.rights { context.kernel.releaseFile(file, context) } }
        // Unread datagrams no longer count against their senders' buffers.
        for datagram in datagrams[datagramHead...] {
            guard let sender = datagram.sender, sender !== self else { continue }
            sender.sentCharge = max(0, sender.sentCharge - datagram.charge)
            sender.wakeAll([.output, .writeNormal], context)
        }
        datagrams = []
        datagramHead = 0
        datagramCharge = 0
        peer = nil
    }

    /// This end goes away: its peer sees the end of the stream, or a reset (`reset`: it had
    /// unread bytes, or it was a connection nobody accepted).
    func abandon(_ context: IOContext, reset: Bool) {
        isReleased = true
        if let connection {
            // Accepted from another machine, never taken by accept: reset, port given back.
            if connection.socket == nil { context.kernel.sockets.unbind(self) } else { connection.abort(context) }
            return
        }
        guard let other = peer else { return }
        peer = nil
        switch type {
        case .datagram:
            if other.peer === self { other.sentCharge = 0 }
            if family == .unix { other.wakeAll([.output], context) }
        case .stream:
            if other.peer === self { other.peer = nil }
            if family == .unix {
                // unix_release_sock: the peer can neither send nor receive any more.
                other.shutdownReceive = true
                other.shutdownSend = true
                if reset { other.pendingError = .ECONNRESET }
            } else if reset {
                // TCP sends a reset: the connection is gone at once.
                other.pendingError = .ECONNRESET
                other.resetConnection()
            } else {
                // TCP sends a FIN: the peer reads to the end; its next write draws a reset.
                // A peer that had sent its own FIN is done with the connection.
                other.shutdownReceive = true
                other.finReceived = true
                if other.shutdownSend { other.resetConnection() }
            }
            other.wakeAll([.input, .readNormal, .output, .hangUp, .readHangUp, .error], context)
        }
    }

    /// TCP's tcp_done: the connection is closed in both directions (what was received stays readable).
    func resetConnection() {
        state = .closed
        wasConnected = true
        shutdownReceive = true
        shutdownSend = true
        peer = nil
    }
}
