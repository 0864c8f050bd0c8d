// A TCP connection to another machine: RFC 9293's transmission control block. The socket
// (IO/Socket.swift) keeps what the calls see — received bytes, the error to report, the
// shutdown bits, connected or not — and this object keeps the rest: the state, both
// sequence spaces, the bytes sent and not yet acknowledged, segments that came early,
// the peer's window, the RTT estimate and the one timer. Input is in TCPInput.swift,
// output in TCPOutput.swift, timers in TCPTimers.swift, the socket's side in TCPSocket.swift.
//
// Simplifications, each a choice: no window scaling (65,535 bytes at most in flight), no
// SACK, no timestamps, no urgent data, no Nagle (TCP_NODELAY behaviour always), no delayed
// ACKs (every data segment is acknowledged at once). Congestion control is Reno's slow
// start and congestion avoidance with fast retransmit after three duplicate ACKs.

import Machine

final class TCPConnection {
    enum State: Equatable {
        case synSent, synReceived, established, finWait1, finWait2, closeWait, closing, lastAck, timeWait, closed
    }

    unowned let stack: NetworkStack
    /// Orders connections made by this stack (timers due at one cycle fire in this order).
    let serial: UInt64
    let endpoints: TCPEndpoints
    var state: State
    /// The socket it serves; nil once the connection is closed (which breaks the cycle).
    var socket: Socket?
    /// A passive open still in SYN_RECEIVED: the listener whose queue it joins, and that
    /// queue (its `handshakes` counts it until the handshake ends one way or another).
    var listener: Socket?
    var listenQueue: ListenQueue?

    // MARK: Send sequence space

    let initialSendSequence: UInt32
    /// Oldest unacknowledged, next to send, and highest ever sent (after a timeout
    /// `sendNext` goes back to `sendUnacknowledged`; ACKs up to `sendMaximum` are valid).
    var sendUnacknowledged: UInt32
    var sendNext: UInt32
    var sendMaximum: UInt32
    /// The peer's window and the segment that last set it (RFC 9293's SND.WL1 and SND.WL2).
    var sendWindow = 0
    var windowUpdateSequence: UInt32 = 0
    var windowUpdateAcknowledgement: UInt32 = 0
    /// Bytes written and not yet acknowledged; the first is sequence number `queueStart`.
    var sendQueue = ByteQueue()
    var queueStart: UInt32
    /// The application will send no more: a FIN follows the queued bytes. `finSequence`:
    /// the FIN's number once it has been sent.
    var finQueued = false
    var finSequence: UInt32? = nil
    /// The peer's MSS option (536 without one, RFC 9293), capped by ours.
    var segmentSize: Int
    /// Reno: the congestion window and slow-start threshold, in bytes; duplicate ACKs counted.
    var congestionWindow: Int
    var slowStartThreshold = Int.max
    var duplicateAcknowledgements = 0

    // MARK: Receive sequence space

    var initialReceiveSequence: UInt32 = 0
    var receiveNext: UInt32 = 0
    /// The right edge of the last window advertised: a segment up to it is accepted even
    /// if the buffer has filled since (the window never shrinks, RFC 9293 §3.8.6).
    var advertisedEdge: UInt32 = 0
    /// Segments that came before the gap filled, in sequence order; their bytes.
    var outOfOrder: [(sequence: UInt32, bytes: [UInt8], fin: Bool)] = []
    var outOfOrderBytes = 0

    // MARK: Timing

    /// The one timer: what it is for and when it runs out (TCPTimers.swift).
    enum TimerPurpose: Equatable { case retransmit, persist, timeWait, finWait2 }
    var timerPurpose: TimerPurpose? = nil
    var timerDeadline: UInt64? = nil
    /// Bumped whenever the timer changes, so the stack's heap can tell stale entries.
    var timerGeneration: UInt64 = 0
    /// Timeouts in a row without progress (retransmissions, or unanswered window probes).
    var retries = 0
    /// RFC 6298: the retransmission timeout, smoothed RTT and its variation, in cycles.
    var retransmissionTimeout: UInt64
    /// The RTO the estimate gives, without back-off (what a new ACK goes back to).
    var estimatedTimeout: UInt64
    var smoothedRoundTrip: UInt64? = nil
    var roundTripVariation: UInt64 = 0
    /// The segment being timed for an RTT sample (Karn: none once anything is resent).
    var timedSequence: UInt32? = nil
    var timedAt: UInt64 = 0

    init(stack: NetworkStack, serial: UInt64, endpoints: TCPEndpoints, state: State, socket: Socket, initialSequence: UInt32) {
        self.stack = stack
        self.serial = serial
        self.endpoints = endpoints
        self.state = state
        self.socket = socket
        initialSendSequence = initialSequence
        sendUnacknowledged = initialSequence
        sendNext = initialSequence
        sendMaximum = initialSequence
        queueStart = initialSequence &+ 1
        segmentSize = 536
        congestionWindow = 10 * stack.settings.maximumSegmentSize
        retransmissionTimeout = stack.cycles(milliseconds: stack.settings.initialRetransmissionMilliseconds)
        estimatedTimeout = retransmissionTimeout
    }

    /// The peer's MSS option, kept within what this link carries and Linux's TCP_MIN_MSS.
    func takeSegmentSize(_ option: UInt16?) {
        let offered = option.map { Int($0) } ?? 536
        segmentSize = max(88, min(offered, stack.settings.maximumSegmentSize))
        congestionWindow = 10 * segmentSize
    }

    var isSynchronized: Bool { state != .synSent && state != .synReceived && state != .closed }

    /// Whether the application's socket is still open (not an orphan finishing its close).
    var hasOpenSocket: Bool { socket.map { !$0.isReleased } ?? false }

    // MARK: Receive buffer and window

    /// Bytes the receive buffer can still take: SO_RCVBUF less what waits to be read and
    /// what came early.
    var receiveSpace: Int {
        guard let socket else { return 0 }
        return max(0, socket.receiveBufferSize - socket.streamBytes.count - outOfOrderBytes)
    }

    /// The window to advertise now (no window scaling: at most 65,535).
    var receiveWindow: Int { min(65_535, receiveSpace) }

    /// The edge a segment may reach: the last advertised one, or further if room grew.
    var acceptableEdge: UInt32 {
        let now = receiveNext.advanced(by: receiveWindow)
        return advertisedEdge.precedes(now) ? now : advertisedEdge
    }

    // MARK: Send buffer

    /// Bytes queued but not sent yet.
    var unsentCount: Int { max(0, sendQueue.count - sendNext.distance(from: queueStart)) }
    /// Sequence space sent and not acknowledged.
    var inFlight: Int { max(0, sendNext.distance(from: sendUnacknowledged)) }

    /// Room left in the send buffer (SO_SNDBUF counts bytes not yet acknowledged).
    var sendRoom: Int {
        guard let socket else { return 0 }
        return max(0, socket.sendBufferSize - sendQueue.count)
    }

    // MARK: Telling the socket

    /// The handshake completed: the socket is connected.
    func becameEstablished(_ context: IOContext) {
        state = .established
        guard let socket else { return }
        socket.state = .connected
        socket.wakeAll([.output, .writeNormal], context)
    }

    /// The connection failed or was reset: the socket reports `error` once (nil: none, as
    /// for a connection that ended normally), and the connection leaves the stack.
    func fail(_ error: Errno?, _ context: IOContext) {
        let wasSynchronized = state != .synSent
        if let socket, !socket.isReleased {
            if let error { socket.pendingError = error }
            if wasSynchronized {
                socket.resetConnection()
            } else {
                // A connect that failed (tcp_done in SYN_SENT): closed, and may connect again.
                socket.state = .closed
                socket.shutdownReceive = true
                socket.shutdownSend = true
            }
            socket.wakeAll([.input, .readNormal, .output, .writeNormal, .hangUp, .readHangUp, .error], context)
        }
        close(context)
    }

    /// The connection is over: out of the stack's tables, its timer stopped, and a socket
    /// already closed by the application gives its port back.
    func close(_ context: IOContext) {
        guard state != .closed else { return }
        let wasConnecting = state == .synSent
        state = .closed
        leaveListenQueue()
        stopTimer()
        stack.forget(self)
        sendQueue.removeAll()
        outOfOrder = []
        outOfOrderBytes = 0
        if let socket {
            if socket.isReleased {
                context.kernel.sockets.unbind(socket)
            } else if wasConnecting, socket.connection === self {
                socket.connection = nil   // a connect that failed: the socket may connect again, or listen
            }
        }
        socket = nil
    }

    /// A half-open connection no longer counts against its listener's backlog.
    func leaveListenQueue() {
        if let queue = listenQueue { queue.handshakes = max(0, queue.handshakes - 1) }
        listenQueue = nil
        listener = nil
    }
}
