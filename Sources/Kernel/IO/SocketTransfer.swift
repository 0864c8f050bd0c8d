// Moving bytes through sockets: a stream's bytes in order and exactly once, bounded by
// the buffer sizes; a datagram whole or not at all. Each operation completes now, fails
// now, or answers "not now" having changed nothing (FileObject.swift), so a blocked call
// that runs again never sends or loses anything twice. read and write on a socket
// descriptor are recv and send without flags.

import Machine

/// Flags of send, sendto and sendmsg (MSG_*).
struct SendFlags: OptionSet {
    let rawValue: UInt32
    static let outOfBand = SendFlags(rawValue: 0x1)      // MSG_OOB
    static let dontWait = SendFlags(rawValue: 0x40)      // MSG_DONTWAIT
    static let noSignal = SendFlags(rawValue: 0x4000)    // MSG_NOSIGNAL
}

/// Flags of recv, recvfrom and recvmsg (MSG_*); `truncate` is also what recvmsg reports.
struct ReceiveFlags: OptionSet {
    let rawValue: UInt32
    static let outOfBand = ReceiveFlags(rawValue: 0x1)   // MSG_OOB
    static let peek = ReceiveFlags(rawValue: 0x2)        // MSG_PEEK
    static let truncate = ReceiveFlags(rawValue: 0x20)   // MSG_TRUNC
    static let dontWait = ReceiveFlags(rawValue: 0x40)   // MSG_DONTWAIT
    static let waitAll = ReceiveFlags(rawValue: 0x100)   // MSG_WAITALL
}

/// What a receive took: the bytes, who sent them (datagrams, and UNIX streams), and a
/// datagram's whole length (more than the bytes when it was cut to fit).
struct Received {
    var bytes: [UInt8]
    var source: SocketAddress? = nil
    var fullLength: Int
    /// Descriptions passed with the bytes (SCM_RIGHTS); each holds a reference the caller
    /// gives to a new descriptor or releases.
    var rights: [OpenFile] = []
}

extension Socket {
    /// The largest UDP payload (65,535 less the IPv4 and UDP headers).
    static let udpPayloadLimit = 65_507

    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> {
        switch receive(count, flags: [], context) {
        case .done(let received):
            // read() has nowhere to put passed descriptors: they are closed, as on Linux.
            for passed in received.rights { context.kernel.releaseFile(passed, context) }
            return .done(received.bytes)
        case .failed(let errno): return .failed(errno)
        case .wouldBlock(let queue): return .wouldBlock(queue)
        case .waitUntil(let cycle): return .waitUntil(cycle)
        }
    }

    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> {
        send(bytes, to: nil, flags: [], context)
    }

    // MARK: Receiving

    func receive(_ count: Int, flags: ReceiveFlags, _ context: IOContext) -> IOOutcome<Received> {
        switch type {
        case .stream: receiveStream(count, flags: flags, context)
        case .datagram: receiveDatagram(count, flags: flags, context)
        }
    }

    private func receiveStream(_ count: Int, flags: ReceiveFlags, _ context: IOContext) -> IOOutcome<Received> {
        if flags.contains(.outOfBand) { return .failed(family == .unix ? .EOPNOTSUPP : .EINVAL) }
        if family == .unix, !isConnected { return .failed(.EINVAL) }
        if isListening { return .failed(.ENOTCONN) }
        if !streamBytes.isEmpty {
            // A read that reaches bytes carrying descriptors takes them and ends with those
            // bytes, as Linux's unix_stream_read_generic stops after the skb with the fds.
            var limit = count
            var rights: [OpenFile] = []
            let passed = streamRights.first
            if let passed { limit = min(limit, passed.end - streamTaken) }
            let bytes = flags.contains(.peek) ? streamBytes.peek(limit) : streamBytes.take(limit)
            if let passed, !flags.contains(.peek), streamTaken + bytes.count > passed.start {
                rights = passed.files
                streamRights.removeFirst()
            }
            if !flags.contains(.peek) {
                streamTaken += bytes.count
                context.kernel.raceLogBytes(&raceStream, context.thread, count: bytes.count, sending: false)
                peer?.wakeAll([.output, .writeNormal], context)
                connection?.applicationRead(context)
            }
            let source = family == .unix ? peerAddress.flatMap { $0 == .unix(nil) ? nil : $0 } : nil
            return .done(Received(bytes: bytes, source: source, fullLength: bytes.count, rights: rights))
        }
        if isTCP, finReceived { return .done(Received(bytes: [], fullLength: 0)) }
        if let error = takeError() { return .failed(error) }
        if shutdownReceive { return .done(Received(bytes: [], fullLength: 0)) }
        if isTCP, !isConnected, !isConnecting { return .failed(.ENOTCONN) }
        return .wouldBlock(waiters)
    }

    private func receiveDatagram(_ count: Int, flags: ReceiveFlags, _ context: IOContext) -> IOOutcome<Received> {
        if flags.contains(.outOfBand) { return .failed(.EOPNOTSUPP) }
        if datagramHead < datagrams.count {
            let datagram = datagrams[datagramHead]
            if !flags.contains(.peek) {
                datagrams[datagramHead] = Datagram(bytes: [], source: nil)
                datagramHead += 1
                if datagramHead >= 64, datagramHead * 2 >= datagrams.count {
                    datagrams.removeFirst(datagramHead)
                    datagramHead = 0
                }
                datagramCharge -= datagram.charge
                if let sender = datagram.sender {
                    sender.sentCharge = max(0, sender.sentCharge - datagram.charge)
                    if sender !== self { sender.wakeAll([.output, .writeNormal], context) }
                }
                // Senders blocked on this full queue may go on.
                wakeAll([.output, .writeNormal], context)
            }
            return .done(Received(bytes: Array(datagram.bytes.prefix(count)), source: datagram.source,
                                  fullLength: datagram.bytes.count, rights: flags.contains(.peek) ? [] : datagram.rights))
        }
        if let error = takeError() { return .failed(error) }
        if shutdownReceive { return .done(Received(bytes: [], fullLength: 0)) }
        return .wouldBlock(waiters)
    }

    // MARK: Sending

    /// Sends `bytes` (to `destination` for an unconnected datagram socket). `.failed(.EPIPE)`
    /// is the caller's cue for SIGPIPE (unless MSG_NOSIGNAL).
    /// `rights` (SCM_RIGHTS, UNIX sockets only) go with these bytes; each gets a reference
    /// when the bytes are taken.
    func send(_ bytes: [UInt8], to destination: SocketAddress?, flags: SendFlags, rights: [OpenFile] = [],
              _ context: IOContext) -> IOOutcome<Int> {
        switch type {
        case .stream: sendStream(bytes, to: destination, flags: flags, rights: rights, context)
        case .datagram: sendDatagram(bytes, to: destination, flags: flags, rights: rights, context)
        }
    }

    private func sendStream(_ bytes: [UInt8], to destination: SocketAddress?, flags: SendFlags, rights: [OpenFile],
                            _ context: IOContext) -> IOOutcome<Int> {
        if flags.contains(.outOfBand) { return .failed(.EOPNOTSUPP) }
        if family == .unix {
            if destination != nil { return .failed(isConnected ? .EISCONN : .EOPNOTSUPP) }
            guard isConnected else { return .failed(.ENOTCONN) }
            if shutdownSend { return .failed(.EPIPE) }
        } else {
            // tcp_sendmsg: a connection still being made is waited for; anything but a
            // connection is a broken pipe (or the error that broke it).
            if isConnecting { return .wouldBlock(waiters) }
            if let error = takeError() { return .failed(error) }
            guard isConnected, !shutdownSend else { return .failed(.EPIPE) }
            if let connection { return sendOverNetwork(bytes, connection, context) }
            if peer == nil {
                // The peer has closed: the bytes go out, its reset comes back, and the
                // connection is gone (the next write fails).
                pendingError = .EPIPE
                resetConnection()
                wakeAll([.input, .output, .error, .hangUp], context)
                return .done(bytes.count)
            }
        }
        guard let other = peer else { return .failed(.EPIPE) }
        if bytes.isEmpty { return .done(0) }
        let room = streamRoom()
        guard room > 0 else { return .wouldBlock(waiters) }
        let taken = min(room, bytes.count)
        if !rights.isEmpty {
            for file in rights { file.retain() }
            other.streamRights.append((other.streamReceived, other.streamReceived + taken, rights))
        }
        other.streamReceived += taken
        other.streamBytes.append(taken == bytes.count ? bytes : Array(bytes.prefix(taken)))
        context.kernel.raceLogBytes(&other.raceStream, context.thread, count: taken, sending: true)
        other.wakeAll([.input, .readNormal], context)
        return .done(taken)
    }

    private func sendDatagram(_ bytes: [UInt8], to destination: SocketAddress?, flags: SendFlags, rights: [OpenFile],
                              _ context: IOContext) -> IOOutcome<Int> {
        if flags.contains(.outOfBand) { return .failed(.EOPNOTSUPP) }
        let sockets = context.kernel.sockets
        if isUDP {
            guard bytes.count <= Socket.udpPayloadLimit else { return .failed(.EMSGSIZE) }
            guard case .inet(let address, let port)? = destination ?? peerAddress else { return .failed(.EDESTADDRREQ) }
            if let error = takeError() { return .failed(error) }
            if shutdownSend { return .failed(.EPIPE) }
            if localAddress == nil, let failure = sockets.bindEphemeral(self) { return .failed(failure) }
            guard case .inet(let bound, let sourcePort)? = localAddress else { return .failed(.EINVAL) }
            let source = SocketAddress.inet(bound.isAny ? sockets.transport.sourceAddress(toward: address) : bound, port: sourcePort)
            let delivery = sockets.transport.deliver(Datagram(bytes: bytes, source: source), to: address, port: port, context)
            if delivery == .unreachable { return .failed(.ENETUNREACH) }
            if delivery == .hostUnreachable { return .failed(.EHOSTUNREACH) }
            if delivery == .tooBig { return .failed(.EMSGSIZE) }
            if delivery == .noReceiver, peerAddress != nil {
                // The ICMP "port unreachable" reaches a connected socket as an error.
                pendingError = .ECONNREFUSED
                wakeAll([.error], context)
            }
            return .done(bytes.count)
        }
        // UNIX datagrams.
        guard bytes.count <= sendBufferSize - 32 else { return .failed(.EMSGSIZE) }
        let target: Socket
        if case .unix(let name?)? = destination {
            switch sockets.findUnix(name, type: .datagram) {
            case .failure(let errno): return .failed(errno)
            case .success(let found): target = found
            }
        } else {
            guard let connected = peer else { return .failed(.ENOTCONN) }
            target = connected
        }
        if target.isReleased {
            if target === peer {
                peer = nil
                peerAddress = nil
            }
            return .failed(.ECONNREFUSED)
        }
        if let other = target.peer, other !== self { return .failed(.EPERM) }
        if target.shutdownReceive { return .failed(.EPIPE) }
        if target.peer !== self, target.datagramQueueIsFull { return .wouldBlock(target.waiters) }
        let datagram = Datagram(bytes: bytes, source: localAddress.flatMap { $0 == .unix(nil) ? nil : $0 }, sender: self,
                                rights: rights)
        if sentCharge > 0, sentCharge + datagram.charge > sendBufferSize { return .wouldBlock(waiters) }
        for file in rights { file.retain() }
        sentCharge += datagram.charge
        target.enqueue(datagram, context)
        return .done(bytes.count)
    }

    /// A datagram arrives (from this kernel's sockets now; from the network in the next issue).
    func enqueue(_ datagram: Datagram, _ context: IOContext) {
        datagrams.append(datagram)
        datagramCharge += datagram.charge
        wakeAll([.input, .readNormal], context)
    }
}
