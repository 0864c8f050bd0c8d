// What a TCP connection sends: its SYN or SYN-ACK, data as far as the peer's window and
// the congestion window allow (cut to the MSS, sent at once: no Nagle), the FIN after the
// last byte, ACKs, resets, window probes, and what a timeout sends again.

import Machine

extension TCPConnection {
    /// A segment from this connection; with ACK it carries the current acknowledgement and
    /// advertises the receive window.
    func segment(sequence: UInt32, flags: TCPFlags, payload: [UInt8] = [], withSegmentSize: Bool = false) -> Packet {
        let window = receiveWindow
        if flags.contains(.ack) {
            let edge = receiveNext.advanced(by: window)
            if advertisedEdge.precedes(edge) { advertisedEdge = edge }
        }
        let header = TCPHeader(sequence: sequence, acknowledgement: flags.contains(.ack) ? receiveNext : 0, flags: flags,
                               window: UInt16(window),
                               maximumSegmentSize: withSegmentSize ? UInt16(stack.settings.maximumSegmentSize) : nil)
        return Packet(source: endpoints.localAddress, destination: endpoints.remoteAddress, sourcePort: endpoints.localPort,
                      destinationPort: endpoints.remotePort, transport: .tcp, tcp: header, payload: payload)
    }

    /// The SYN (active open) or SYN-ACK (passive open), sent the first time.
    func sendSynchronize(_ context: IOContext) {
        stack.transmit(synchronizeSegment(), context)
        sendNext = initialSendSequence &+ 1
        sendMaximum = sendNext
        timedSequence = initialSendSequence
        timedAt = context.cycle
        startTimer(.retransmit, after: retransmissionTimeout, context)
    }

    func synchronizeSegment() -> Packet {
        segment(sequence: initialSendSequence, flags: state == .synSent ? [.syn] : [.syn, .ack], withSegmentSize: true)
    }

    /// An ACK with nothing else (for data, a FIN, or a segment that was not acceptable).
    func sendAcknowledgement(_ context: IOContext) {
        stack.transmit(segment(sequence: sendNext, flags: [.ack]), context)
    }

    /// A reset that ends this connection from our side (abort, close with unread bytes).
    func sendReset(_ context: IOContext) {
        stack.statistics.resetsSent &+= 1
        stack.transmit(segment(sequence: sendNext, flags: [.rst, .ack]), context)
    }

    /// Where the FIN goes (or went): right after the last byte written.
    var finPosition: UInt32 { queueStart.advanced(by: sendQueue.count) }

    /// Sends what the windows allow: new data, then the FIN once every byte has gone.
    func output(_ context: IOContext) {
        switch state {
        case .established, .closeWait, .finWait1, .closing, .lastAck: break
        default: return
        }
        while true {
            let offset = max(0, sendNext.distance(from: queueStart))
            let unsent = sendQueue.count - offset
            guard unsent > 0 else { break }
            let usable = min(sendWindow, congestionWindow) - inFlight
            guard usable > 0 else { break }
            let count = min(unsent, usable, segmentSize)
            let bytes = sendQueue.bytes(from: offset, count: count)
            let withFIN = count == unsent && finQueued
            sendData(bytes, at: sendNext, flags: withFIN ? [.ack, .psh, .fin] : [.ack, .psh], context)
        }
        // Every byte sent: the FIN alone (it needs no window).
        if finQueued, sendNext == finPosition { sendData([], at: sendNext, flags: [.ack, .fin], context) }
        // Nothing in flight, bytes waiting, a closed window: probe it (the persist timer).
        if inFlight == 0, unsentCount > 0, sendWindow == 0, timerPurpose == nil {
            startTimer(.persist, after: retransmissionTimeout, context)
        }
    }

    /// Puts one segment of bytes (and maybe a FIN) on the wire at `sequence`.
    func sendData(_ bytes: [UInt8], at sequence: UInt32, flags: TCPFlags, _ context: IOContext) {
        stack.transmit(segment(sequence: sequence, flags: flags, payload: bytes), context)
        var end = sequence.advanced(by: bytes.count)
        if flags.contains(.fin) {
            finSequence = end
            end = end &+ 1
            if state == .established { state = .finWait1 } else if state == .closeWait { state = .lastAck }
        }
        let isNew = sendMaximum.precedesOrEquals(sequence)
        if sendNext.precedes(end) { sendNext = end }
        if sendMaximum.precedes(sendNext) { sendMaximum = sendNext }
        if isNew, timedSequence == nil {
            timedSequence = sequence
            timedAt = context.cycle
        }
        if timerPurpose != .retransmit { startTimer(.retransmit, after: retransmissionTimeout, context) }
    }

    /// A timeout: the oldest unacknowledged segment goes again, and the rest follow as the
    /// congestion window (one segment now, RFC 5681) opens again.
    func retransmitOnTimeout(_ context: IOContext) {
        timedSequence = nil   // Karn's rule: no RTT sample from anything sent twice
        slowStartThreshold = max(inFlight / 2, 2 * segmentSize)
        congestionWindow = segmentSize
        duplicateAcknowledgements = 0
        stack.statistics.retransmissions &+= 1
        let packet: Packet?
        if state == .synSent || state == .synReceived {
            packet = synchronizeSegment()
            stack.transmit(packet!, context)
        } else {
            sendNext = sendUnacknowledged
            packet = resendOldest(context)
        }
        if let packet { context.kernel.traceRetransmission(packet, attempt: retries, context) }
        startTimer(.retransmit, after: retransmissionTimeout, context)
    }

    /// Sends the segment at `sendUnacknowledged` again (fast retransmit and timeouts).
    @discardableResult
    func resendOldest(_ context: IOContext) -> Packet? {
        let offset = max(0, sendUnacknowledged.distance(from: queueStart))
        let count = min(max(0, sendQueue.count - offset), segmentSize)
        let withFIN = finSequence != nil && offset + count == sendQueue.count
        guard count > 0 || withFIN else { return nil }
        let bytes = sendQueue.bytes(from: offset, count: count)
        let packet = segment(sequence: sendUnacknowledged, flags: withFIN ? [.ack, .psh, .fin] : [.ack, .psh], payload: bytes)
        stack.transmit(packet, context)
        var end = sendUnacknowledged.advanced(by: count)
        if withFIN { end = end &+ 1 }
        if sendNext.precedes(end) { sendNext = end }
        return packet
    }

    /// The persist timer: a segment the peer must answer (Linux's zero-window probe: one
    /// sequence number too old, no data), whose ACK says whether the window opened.
    func probeWindow(_ context: IOContext) {
        stack.transmit(segment(sequence: sendUnacknowledged &- 1, flags: [.ack]), context)
        startTimer(.persist, after: retransmissionTimeout, context)
    }
}
