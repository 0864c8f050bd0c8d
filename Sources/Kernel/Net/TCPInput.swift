// A segment arrives for a TCP connection (RFC 9293 §3.10.7, in its order): the handshake,
// the acceptability test against the receive window, resets, the ACK (what it frees in
// the send queue, the RTT sample, the peer's window, duplicate ACKs), the data (in order
// into the socket's receive queue; early segments kept until the gap fills), and the FIN.
// Every header value is the peer's to choose: nothing here traps on any of them.

import Machine

extension TCPConnection {
    func receive(_ packet: Packet, _ context: IOContext) {
        let header = packet.tcp, flags = header.flags
        if state == .synSent { return receiveInSynSent(packet, context) }
        if state == .closed { return }
        var length = packet.payload.count
        if flags.contains(.syn) { length += 1 }
        if flags.contains(.fin) { length += 1 }
        // Our SYN-ACK was lost: the client's SYN comes again; answer it again.
        if state == .synReceived, flags.contains(.syn), !flags.contains(.ack), !flags.contains(.rst),
           header.sequence == initialReceiveSequence {
            stack.transmit(synchronizeSegment(), context)
            return
        }
        guard isAcceptable(sequence: header.sequence, length: length) else {
            if !flags.contains(.rst) { sendAcknowledgement(context) }   // also answers window probes
            if state == .timeWait, flags.contains(.fin) { enterTimeWait(context) }   // its FIN again: wait anew
            return
        }
        if flags.contains(.rst) { return receiveReset(context) }
        if flags.contains(.syn) {
            sendAcknowledgement(context)   // a SYN inside the window: RFC 5961's challenge ACK
            return
        }
        guard flags.contains(.ack) else { return }
        if state == .synReceived {
            let ack = header.acknowledgement
            guard sendUnacknowledged.precedes(ack), ack.precedesOrEquals(sendMaximum) else {
                return stack.sendReset(replyingTo: packet, context)
            }
            guard completePassiveOpen(context) else { return }
            sendWindow = Int(header.window)
            windowUpdateSequence = header.sequence
            windowUpdateAcknowledgement = ack
        }
        guard processAcknowledgement(packet, context), state != .closed else { return }
        switch state {
        case .established, .finWait1, .finWait2:
            guard !packet.payload.isEmpty || flags.contains(.fin) else { return }
            if !packet.payload.isEmpty, !hasOpenSocket {
                // Bytes for a socket the application closed: nobody will read them (Linux resets).
                sendReset(context)
                return close(context)
            }
            acceptSegment(sequence: header.sequence, bytes: packet.payload, fin: flags.contains(.fin), context)
        default:
            break
        }
    }

    /// RFC 9293's acceptability test, with the window we advertised. With a zero window a
    /// segment at RCV.NXT still passes, so its ACK counts (its data is cut to the window).
    func isAcceptable(sequence: UInt32, length: Int) -> Bool {
        let window = max(0, acceptableEdge.distance(from: receiveNext))
        let startInside = receiveNext.precedesOrEquals(sequence) && sequence.distance(from: receiveNext) < window
        if length == 0 { return window == 0 ? sequence == receiveNext : startInside }
        if window == 0 { return sequence == receiveNext }
        let last = sequence.advanced(by: length - 1)
        return startInside || (receiveNext.precedesOrEquals(last) && last.distance(from: receiveNext) < window)
    }

    // MARK: Handshake

    private func receiveInSynSent(_ packet: Packet, _ context: IOContext) {
        let header = packet.tcp, flags = header.flags
        var acknowledged = false
        if flags.contains(.ack) {
            let ack = header.acknowledgement
            guard initialSendSequence.precedes(ack), ack.precedesOrEquals(sendNext) else {
                if !flags.contains(.rst) { stack.sendReset(replyingTo: packet, context) }
                return
            }
            acknowledged = true
        }
        if flags.contains(.rst) {
            if acknowledged { fail(.ECONNREFUSED, context) }   // nobody listens there
            return
        }
        // A SYN without our SYN acknowledged (simultaneous open) is not supported: ignored.
        guard flags.contains(.syn), acknowledged else { return }
        initialReceiveSequence = header.sequence
        receiveNext = header.sequence &+ 1
        advertisedEdge = receiveNext
        takeSegmentSize(header.maximumSegmentSize)
        sendUnacknowledged = header.acknowledgement
        if timedSequence == initialSendSequence { takeRoundTripSample(context.cycle &- timedAt) }
        timedSequence = nil
        retries = 0
        retransmissionTimeout = estimatedTimeout
        stopTimer()
        sendWindow = Int(header.window)
        windowUpdateSequence = header.sequence
        windowUpdateAcknowledgement = header.acknowledgement
        becameEstablished(context)
        sendAcknowledgement(context)
    }

    /// The client's ACK of our SYN-ACK: the connection joins the listener's accept queue.
    /// False when the ACK is dropped (a full queue: the SYN-ACK goes again later, as Linux
    /// does on listen overflow) or the listener is gone (the connection is reset).
    private func completePassiveOpen(_ context: IOContext) -> Bool {
        guard let listener, let queue = listenQueue, !listener.isReleased, listener.listenQueue === queue,
              let socket else {
            sendReset(context)
            close(context)
            return false
        }
        if queue.isFull { return false }
        leaveListenQueue()
        retries = 0
        stopTimer()
        becameEstablished(context)
        socket.connectCall = .done
        context.kernel.sockets.addChild(socket, port: endpoints.localPort)
        queue.push(socket)
        listener.wakeAll([.input, .readNormal], context)
        return true
    }

    // MARK: Reset

    private func receiveReset(_ context: IOContext) {
        switch state {
        case .synReceived:
            close(context)
        case .established, .finWait1, .finWait2:
            fail(.ECONNRESET, context)
        case .closeWait:
            fail(.EPIPE, context)   // Linux: the peer had finished; writing is what broke
        case .closing, .lastAck, .timeWait:
            fail(nil, context)
        case .synSent, .closed:
            break
        }
    }

    // MARK: Acknowledgements

    /// What an ACK frees and tells; false when the segment is to be dropped.
    private func processAcknowledgement(_ packet: Packet, _ context: IOContext) -> Bool {
        let header = packet.tcp, ack = header.acknowledgement
        if sendMaximum.precedes(ack) {
            sendAcknowledgement(context)   // acknowledges what was never sent
            return false
        }
        var windowChanged = false
        if !ack.precedes(sendUnacknowledged),
           windowUpdateSequence.precedes(header.sequence)
            || (windowUpdateSequence == header.sequence && windowUpdateAcknowledgement.precedesOrEquals(ack)) {
            windowChanged = sendWindow != Int(header.window)
            sendWindow = Int(header.window)
            windowUpdateSequence = header.sequence
            windowUpdateAcknowledgement = ack
        }
        if timerPurpose == .persist {
            retries = 0   // the peer answers: probing goes on for as long as it does
            if sendWindow > 0 { stopTimer() }
        }
        if ack == sendUnacknowledged {
            if inFlight > 0, packet.payload.isEmpty, !header.flags.contains(.fin), !windowChanged {
                duplicateAcknowledgements += 1
                if duplicateAcknowledgements == 3 { fastRetransmit(context) }
            }
        } else if sendUnacknowledged.precedes(ack) {
            acknowledge(upTo: ack, context)
            if state == .closed { return false }
        }
        output(context)
        return true
    }

    /// New data (or our SYN or FIN) acknowledged up to `ack`.
    private func acknowledge(upTo ack: UInt32, _ context: IOContext) {
        let acknowledged = ack.distance(from: sendUnacknowledged)
        if let timed = timedSequence, timed.precedes(ack) {
            takeRoundTripSample(context.cycle &- timedAt)
            timedSequence = nil
        }
        let bytes = max(0, min(ack.distance(from: queueStart), sendQueue.count))
        sendQueue.discard(bytes)
        queueStart = queueStart.advanced(by: bytes)
        sendUnacknowledged = ack
        if sendNext.precedes(ack) { sendNext = ack }
        retries = 0
        duplicateAcknowledgements = 0
        retransmissionTimeout = estimatedTimeout
        // Reno: slow start below the threshold, then about one segment per round trip.
        if congestionWindow < slowStartThreshold {
            congestionWindow += min(acknowledged, segmentSize)
        } else {
            congestionWindow += max(1, segmentSize * segmentSize / max(1, congestionWindow))
        }
        congestionWindow = min(congestionWindow, 1 << 20)
        if inFlight > 0 {
            startTimer(.retransmit, after: retransmissionTimeout, context)
        } else if timerPurpose == .retransmit {
            stopTimer()
        }
        if bytes > 0 { socket?.wakeAll([.output, .writeNormal], context) }
        if let fin = finSequence, fin.precedes(ack) { ourFINAcknowledged(context) }
    }

    /// Three duplicate ACKs: the segment they ask for is resent now (RFC 5681's fast
    /// retransmit; the window halves instead of falling to one segment).
    private func fastRetransmit(_ context: IOContext) {
        timedSequence = nil
        slowStartThreshold = max(inFlight / 2, 2 * segmentSize)
        congestionWindow = slowStartThreshold
        stack.statistics.retransmissions &+= 1
        if let packet = resendOldest(context) { context.kernel.traceRetransmission(packet, attempt: 1, context) }
    }

    private func ourFINAcknowledged(_ context: IOContext) {
        switch state {
        case .finWait1:
            state = .finWait2
            if !hasOpenSocket { startTimer(.finWait2, after: stack.cycles(milliseconds: stack.settings.finWait2TimeoutMilliseconds), context) }
        case .closing:
            enterTimeWait(context)
        case .lastAck:
            fail(nil, context)
        default:
            break
        }
    }

    // MARK: Data and FIN

    /// Takes a segment's bytes (and FIN): in order into the socket, early ones kept.
    private func acceptSegment(sequence: UInt32, bytes: [UInt8], fin: Bool, _ context: IOContext) {
        var sequence = sequence, bytes = bytes, fin = fin
        // What came before is already here.
        let old = receiveNext.distance(from: sequence)
        if old > 0 {
            let dropped = min(old, bytes.count)
            bytes.removeFirst(dropped)
            sequence = sequence.advanced(by: dropped)
            if old > dropped { fin = false }
        }
        // What lies past the window is not taken (nor a FIN after it).
        let room = max(0, acceptableEdge.distance(from: sequence))
        if bytes.count > room {
            bytes.removeLast(bytes.count - room)
            fin = false
        }
        if sequence == receiveNext {
            deliver(bytes, context)
            if fin { finArrived(context) }
            takeOutOfOrder(context)
        } else if !bytes.isEmpty || fin {
            keepOutOfOrder(sequence: sequence, bytes: bytes, fin: fin)
        }
        if state != .closed { sendAcknowledgement(context) }
    }

    private func deliver(_ bytes: [UInt8], _ context: IOContext) {
        guard !bytes.isEmpty, let socket else { return }
        receiveNext = receiveNext.advanced(by: bytes.count)
        socket.streamReceived += bytes.count
        socket.streamBytes.append(bytes)
        socket.wakeAll([.input, .readNormal], context)
    }

    /// An early segment waits, in order, for the gap before it to fill. Their bytes count
    /// against the receive buffer; at most `outOfOrderLimit` wait (a flood of tiny ones is dropped).
    private func keepOutOfOrder(sequence: UInt32, bytes: [UInt8], fin: Bool) {
        guard outOfOrder.count < TCPConnection.outOfOrderLimit,
              outOfOrderBytes + bytes.count <= (socket?.receiveBufferSize ?? 0) else { return }
        let offset = sequence.distance(from: receiveNext)
        var index = outOfOrder.count
        while index > 0, outOfOrder[index - 1].sequence.distance(from: receiveNext) > offset { index -= 1 }
        if index > 0, outOfOrder[index - 1].sequence == sequence {
            guard outOfOrder[index - 1].bytes.count < bytes.count else { return }
            outOfOrderBytes -= outOfOrder[index - 1].bytes.count
            outOfOrder.remove(at: index - 1)
            index -= 1
        }
        outOfOrder.insert((sequence, bytes, fin), at: index)
        outOfOrderBytes += bytes.count
    }

    static let outOfOrderLimit = 256

    /// The gap filled: early segments that now follow on are taken.
    private func takeOutOfOrder(_ context: IOContext) {
        while let first = outOfOrder.first, first.sequence.precedesOrEquals(receiveNext), state != .closed {
            outOfOrder.removeFirst()
            outOfOrderBytes -= first.bytes.count
            let old = receiveNext.distance(from: first.sequence)
            guard old <= first.bytes.count else { continue }
            deliver(Array(first.bytes.dropFirst(old)), context)
            if first.fin { finArrived(context) }
        }
    }

    /// The peer's FIN, in order: it sends no more; reads end once the bytes are taken.
    private func finArrived(_ context: IOContext) {
        receiveNext = receiveNext &+ 1
        outOfOrder = []
        outOfOrderBytes = 0
        if let socket {
            socket.shutdownReceive = true
            socket.finReceived = true
            socket.wakeAll([.input, .readNormal, .readHangUp, .hangUp], context)
        }
        switch state {
        case .established: state = .closeWait
        case .finWait1: state = .closing
        case .finWait2: enterTimeWait(context)
        default: break
        }
    }

    /// Both FINs sent and acknowledged: TIME_WAIT holds the port for 2·MSL, then closes.
    func enterTimeWait(_ context: IOContext) {
        state = .timeWait
        if let socket, !socket.isReleased {
            socket.resetConnection()
            socket.wakeAll([.input, .output, .hangUp, .readHangUp], context)
        }
        startTimer(.timeWait, after: stack.cycles(milliseconds: stack.settings.maximumSegmentLifetimeMilliseconds).multipliedSaturated(by: 2), context)
    }
}
