// The socket calls' side of a TCP connection to another machine: a write queues bytes
// (as many as SO_SNDBUF has room for) and sends what the windows allow; a read that
// opens the receive window tells the peer; shutdown(SHUT_WR) and close send the FIN,
// close with unread bytes a reset (as Linux); a connection nobody accepted is reset when
// its listener closes. IO/Socket*.swift call these where a socket has a `connection`.

import Machine

extension Socket {
    /// send/write on a TCP socket whose connection goes to another machine.
    func sendOverNetwork(_ bytes: [UInt8], _ connection: TCPConnection, _ context: IOContext) -> IOOutcome<Int> {
        guard connection.state == .established || connection.state == .closeWait, !connection.finQueued else {
            return .failed(.EPIPE)
        }
        if bytes.isEmpty { return .done(0) }
        let room = connection.sendRoom
        guard room > 0 else { return .wouldBlock(waiters) }
        let taken = min(room, bytes.count)
        connection.sendQueue.append(taken == bytes.count ? bytes : Array(bytes.prefix(taken)))
        connection.output(context)
        return .done(taken)
    }
}

extension TCPConnection {
    /// The application read: if the window grew by a segment (or half the buffer), the
    /// peer hears of it now (RFC 1122's receiver side of silly-window avoidance).
    func applicationRead(_ context: IOContext) {
        guard isSynchronized, state != .timeWait, let socket else { return }
        let promised = max(0, advertisedEdge.distance(from: receiveNext))
        if receiveWindow - promised >= min(segmentSize, socket.receiveBufferSize / 2) { sendAcknowledgement(context) }
    }

    /// shutdown(SHUT_WR): the FIN follows the bytes already written.
    func shutdownSending(_ context: IOContext) {
        switch state {
        case .established, .closeWait:
            guard !finQueued else { return }
            finQueued = true
            output(context)
        case .synSent:
            fail(nil, context)
        default:
            break
        }
    }

    /// The application closed its last descriptor: a FIN (or a reset, with bytes unread);
    /// the connection finishes on its own and gives the port back when it ends.
    func socketClosed(_ context: IOContext) {
        guard let socket else { return }
        switch state {
        case .synSent, .synReceived:
            close(context)
        case .established, .closeWait:
            if !socket.streamBytes.isEmpty {
                sendReset(context)
                return close(context)
            }
            shutdownSending(context)
            if state == .finWait2 { startTimer(.finWait2, after: stack.cycles(milliseconds: stack.settings.finWait2TimeoutMilliseconds), context) }
        case .finWait2:
            if timerPurpose == nil { startTimer(.finWait2, after: stack.cycles(milliseconds: stack.settings.finWait2TimeoutMilliseconds), context) }
        case .finWait1, .closing, .lastAck, .timeWait, .closed:
            break
        }
    }

    /// A connection nobody will accept (its listener closed): reset.
    func abort(_ context: IOContext) {
        if isSynchronized { sendReset(context) }
        close(context)
    }
}
