// The socket calls that make, name and connect sockets: socket, socketpair, bind, listen,
// accept and accept4, connect, shutdown, getsockname and getpeername — with Linux's
// argument checks and errnos in Linux's order (qemu-riscv64 passing them to the host's
// Linux is the reference). Sending and receiving are in SocketMessages.swift, options in
// SocketOptions.swift, the objects in Socket.swift and SocketLayer.swift.

import Machine

extension Kernel {
    /// SOCK_NONBLOCK and SOCK_CLOEXEC (O_NONBLOCK and O_CLOEXEC), in socket's type and accept4's flags.
    static let socketNonBlocking: Int32 = 0o4000, socketCloseOnExec: Int32 = 0o2000000
    static let protocolTCP: Int32 = 6, protocolUDP: Int32 = 17

    /// The socket behind `fd`: EBADF for no descriptor, ENOTSOCK for another kind.
    func socketFile(_ fd: Int32, _ thread: Thread) -> Result<(file: OpenFile, socket: Socket), Errno> {
        guard let file = thread.process.descriptors.file(fd) else { return .failure(.EBADF) }
        guard let socket = file.object as? Socket else { return .failure(.ENOTSOCK) }
        return .success((file, socket))
    }

    /// Checks socket's domain, type and protocol as Linux does; the new socket's family and type.
    private func socketKind(domain: Int32, type rawType: Int32, protocol number: Int32) -> Result<(SocketFamily, SocketType), Errno> {
        let flags = rawType & ~0xF
        guard flags & ~(Kernel.socketNonBlocking | Kernel.socketCloseOnExec) == 0 else { return .failure(.EINVAL) }
        let base = rawType & 0xF
        guard domain >= 0, domain < 46 else { return .failure(.EAFNOSUPPORT) }
        guard base < 11 else { return .failure(.EINVAL) }
        switch domain {
        case Int32(SocketFamily.unix.rawValue):
            guard number == 0 || number == 1 else { return .failure(.EPROTONOSUPPORT) }
            switch base {
            case 1: return .success((.unix, .stream))
            case 2, 3: return .success((.unix, .datagram))   // SOCK_RAW is a datagram socket for UNIX
            default: return .failure(.ESOCKTNOSUPPORT)
            }
        case Int32(SocketFamily.inet.rawValue):
            guard number >= 0, number < 263 else { return .failure(.EINVAL) }
            switch base {
            case 1:
                guard number == 0 || number == Kernel.protocolTCP else { return .failure(.EPROTONOSUPPORT) }
                return .success((.inet, .stream))
            case 2:
                guard number == 0 || number == Kernel.protocolUDP else { return .failure(.EPROTONOSUPPORT) }
                return .success((.inet, .datagram))
            default:
                return .failure(.ESOCKTNOSUPPORT)
            }
        default:
            return .failure(.EAFNOSUPPORT)
        }
    }

    /// An open file description for a new socket, with SOCK_NONBLOCK's flag.
    private func socketDescription(_ socket: Socket, flags: Int32) -> OpenFile {
        var openFlags: OpenFlags = .readWrite
        if flags & Kernel.socketNonBlocking != 0 { openFlags.insert(.nonBlocking) }
        return OpenFile(socket, flags: openFlags, serial: nextFileSerial())
    }

    /// socket(domain, type, protocol)
    func socket(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let rawType = arguments.int32(1)
        let family: SocketFamily, type: SocketType
        switch socketKind(domain: arguments.int32(0), type: rawType, protocol: arguments.int32(2)) {
        case .failure(let errno): return .error(errno)
        case .success(let kind): (family, type) = kind
        }
        let file = socketDescription(Socket(family: family, type: type), flags: rawType)
        guard let fd = thread.process.descriptors.install(file, closeOnExec: rawType & Kernel.socketCloseOnExec != 0) else {
            return .error(.EMFILE)
        }
        return .value(Int64(fd))
    }

    /// socketpair(domain, type, protocol, sv): two connected UNIX sockets.
    func socketPair(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let rawType = arguments.int32(1), pair = arguments[3]
        let family: SocketFamily, type: SocketType
        switch socketKind(domain: arguments.int32(0), type: rawType, protocol: arguments.int32(2)) {
        case .failure(let errno): return .error(errno)
        case .success(let kind): (family, type) = kind
        }
        guard family == .unix else { return .error(.EOPNOTSUPP) }
        let process = thread.process
        guard let first = process.descriptors.lowestFree(),
              process.descriptors.lowestFree(atOrAbove: first + 1) != nil else { return .error(.EMFILE) }
        guard isWritable(process, pair, count: 8) else { return .error(.EFAULT) }
        let one = Socket(family: .unix, type: type), two = Socket(family: .unix, type: type)
        for (socket, other) in [(one, two), (two, one)] {
            socket.peer = other
            socket.peerAddress = .unix(nil)
            socket.state = type == .stream ? .connected : .closed
            socket.connectCall = .done
        }
        let closeOnExec = rawType & Kernel.socketCloseOnExec != 0
        guard let fd0 = process.descriptors.install(socketDescription(one, flags: rawType), closeOnExec: closeOnExec),
              let fd1 = process.descriptors.install(socketDescription(two, flags: rawType), closeOnExec: closeOnExec) else {
            return .error(.EMFILE)
        }
        let bytes = littleEndianBytes(UInt64(UInt32(bitPattern: fd0)), count: 4) + littleEndianBytes(UInt64(UInt32(bitPattern: fd1)), count: 4)
        guard case .success = process.addressSpace.copyOut(bytes, to: pair) else { return .error(.EFAULT) }
        return .value(0)
    }

    /// bind(fd, addr, addrlen)
    func bind(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let socket: Socket
        switch socketFile(arguments.int32(0), thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): socket = found.socket
        }
        let raw: [UInt8]
        switch socketAddressBytes(arguments[1], length: arguments.int32(2), process: thread.process) {
        case .failure(let errno): return .error(errno)
        case .success(let bytes): raw = bytes
        }
        if socket.family == .unix {
            if raw.count == SocketAddress.unixPathOffset, SocketAddress.family(of: raw) == SocketFamily.unix.rawValue {
                guard socket.localAddress == nil else { return .value(0) }
                return sockets.autobindUnix(socket).map { .error($0) } ?? .value(0)
            }
            let name: UnixName
            switch SocketAddress.parseUnix(raw, workingDirectory: thread.process.workingDirectory) {
            case .failure(let errno): return .error(errno)
            case .success(let parsed): name = parsed
            }
            if case .path = name, sockets.isTaken(name) { return .error(.EADDRINUSE) }
            guard socket.localAddress == nil else { return .error(.EINVAL) }
            return sockets.bindUnix(socket, name).map { .error($0) } ?? .value(0)
        }
        guard case .success(let parsed) = SocketAddress.parseInet(raw) else { return .error(.EINVAL) }
        if parsed.family != SocketFamily.inet.rawValue,
           parsed.family != SocketFamily.unspecified.rawValue || !parsed.address.isAny { return .error(.EAFNOSUPPORT) }
        guard sockets.transport.isLocal(parsed.address) else { return .error(.EADDRNOTAVAIL) }
        guard socket.localAddress == nil, case .closed = socket.state, !socket.wasConnected else { return .error(.EINVAL) }
        return sockets.bindInet(socket, parsed.address, parsed.port).map { .error($0) } ?? .value(0)
    }

    /// SOMAXCONN: listen's backlog is clamped to it.
    static let listenBacklogLimit = 4096

    /// listen(fd, backlog)
    func listen(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let socket: Socket
        switch socketFile(arguments.int32(0), thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): socket = found.socket
        }
        // Linux compares the backlog as unsigned: a negative one is the limit.
        let requested = UInt32(bitPattern: arguments.int32(1))
        let backlog = Int(min(requested, UInt32(Kernel.listenBacklogLimit)))
        guard socket.type == .stream else { return .error(.EOPNOTSUPP) }
        if let queue = socket.listenQueue {
            let grew = backlog > queue.backlog
            queue.backlog = backlog
            if grew { socket.wakeAll([.output], ioContext(hart, thread)) }
            return .value(0)
        }
        guard case .closed = socket.state, !socket.wasConnected, socket.connectCall == .none else { return .error(.EINVAL) }
        if socket.family == .unix {
            guard socket.localAddress != nil else { return .error(.EINVAL) }
        } else {
            if socket.localAddress == nil, let failure = sockets.bindEphemeral(socket) { return .error(failure) }
            guard case .inet(let address, let port)? = socket.localAddress else { return .error(.EINVAL) }
            if sockets.conflicts(socket, address, port, listening: true) { return .error(.EADDRINUSE) }
            sockets.startListening(socket, port: port)
        }
        socket.state = .listening(ListenQueue(backlog: backlog))
        return .value(0)
    }

    /// accept(fd, addr, addrlen) and accept4(fd, addr, addrlen, flags)
    func accept(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, withFlags: Bool) -> SystemCallResult {
        let fd = arguments.int32(0), address = arguments[1], lengthAddress = arguments[2]
        let flags = withFlags ? arguments.int32(3) : 0
        guard flags & ~(Kernel.socketNonBlocking | Kernel.socketCloseOnExec) == 0 else { return .error(.EINVAL) }
        let file: OpenFile, socket: Socket
        switch socketFile(fd, thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): (file, socket) = found
        }
        let process = thread.process
        guard process.descriptors.lowestFree() != nil else { return .error(.EMFILE) }
        guard socket.type == .stream else { return .error(.EOPNOTSUPP) }
        guard let queue = socket.listenQueue else { return .error(.EINVAL) }
        if address != 0, !canStoreSocketAddress(at: address, lengthAddress: lengthAddress, process: process) {
            return .error(.EFAULT)
        }
        let context = ioContext(hart, thread)
        guard let child = queue.pop() else {
            if file.isNonBlocking { return .error(.EAGAIN) }
            blockForIO(thread, on: hart, queues: [socket.waiters], "accept on descriptor \(fd)", object: UInt64(UInt32(bitPattern: fd)))
            return .noReturn
        }
        // Room in the queue: a TCP client kept waiting gets its connection now, and UNIX
        // clients blocked in connect try again.
        if !queue.isFull, !queue.waitingClients.isEmpty {
            let client = queue.waitingClients.removeFirst()
            if case .inet(let serverAddress, let port)? = socket.localAddress, case .connecting = client.state {
                let target = serverAddress.isAny ? IPv4Address.loopback : serverAddress
                sockets.establish(client, with: socket, serverAddress: .inet(target, port: port), context)
            }
        }
        socket.wakeAll([.output], context)
        let newFile = socketDescription(child, flags: flags)
        guard let newFD = process.descriptors.install(newFile, closeOnExec: flags & Kernel.socketCloseOnExec != 0) else {
            releaseFile(newFile, context)
            return .error(.EMFILE)
        }
        if address != 0, let failure = storeSocketAddress(child.peerAddress ?? .unix(nil), at: address, lengthAddress: lengthAddress, process: process) {
            return .error(failure)
        }
        return .value(Int64(newFD))
    }

    /// connect(fd, addr, addrlen)
    func connect(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0)
        let file: OpenFile, socket: Socket
        switch socketFile(fd, thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): (file, socket) = found
        }
        let raw: [UInt8]
        switch socketAddressBytes(arguments[1], length: arguments.int32(2), process: thread.process) {
        case .failure(let errno): return .error(errno)
        case .success(let bytes): raw = bytes
        }
        let context = ioContext(hart, thread)
        let result: IOOutcome<Int64>
        switch (socket.family, socket.type) {
        case (.unix, .stream): result = connectUnixStream(socket, raw, thread: thread, context)
        case (.unix, .datagram): result = connectUnixDatagram(socket, raw, thread: thread)
        case (.inet, .stream): result = connectTCP(socket, raw, nonBlocking: file.isNonBlocking, context)
        case (.inet, .datagram): result = connectUDP(socket, raw)
        case (.unspecified, _): result = .failed(.EINVAL)
        }
        switch result {
        case .done(let value): return .value(value)
        case .failed(let errno): return .error(errno)
        case .wouldBlock(let queue):
            if file.isNonBlocking { return .error(.EAGAIN) }
            blockForIO(thread, on: hart, queues: [queue], "connect on descriptor \(fd)", object: UInt64(UInt32(bitPattern: fd)))
            return .noReturn
        case .waitUntil: return .error(.EINVAL)
        }
    }

    private func connectUnixStream(_ socket: Socket, _ raw: [UInt8], thread: Thread, _ context: IOContext) -> IOOutcome<Int64> {
        let name: UnixName
        switch SocketAddress.parseUnix(raw, workingDirectory: thread.process.workingDirectory) {
        case .failure(let errno): return .failed(errno)
        case .success(let parsed): name = parsed
        }
        let listener: Socket
        switch sockets.findUnix(name, type: .stream) {
        case .failure(let errno): return .failed(errno)
        case .success(let found): listener = found
        }
        // unix_stream_connect's order: a listener, room in its queue, then our own state.
        guard let queue = listener.listenQueue, !listener.shutdownReceive else { return .failed(.ECONNREFUSED) }
        if queue.isFull { return .wouldBlock(listener.waiters) }
        if socket.isConnected { return .failed(.EISCONN) }
        if socket.isListening { return .failed(.EINVAL) }
        sockets.establish(socket, with: listener, serverAddress: listener.localAddress ?? .unix(nil), context)
        return .done(0)
    }

    private func connectUnixDatagram(_ socket: Socket, _ raw: [UInt8], thread: Thread) -> IOOutcome<Int64> {
        if raw.count >= 2, SocketAddress.family(of: raw) == SocketFamily.unspecified.rawValue {
            socket.peer = nil
            socket.peerAddress = nil
            return .done(0)
        }
        let name: UnixName
        switch SocketAddress.parseUnix(raw, workingDirectory: thread.process.workingDirectory) {
        case .failure(let errno): return .failed(errno)
        case .success(let parsed): name = parsed
        }
        switch sockets.findUnix(name, type: .datagram) {
        case .failure(let errno): return .failed(errno)
        case .success(let target):
            socket.peer = target
            socket.peerAddress = target.localAddress
            return .done(0)
        }
    }

    private func connectTCP(_ socket: Socket, _ raw: [UInt8], nonBlocking: Bool, _ context: IOContext) -> IOOutcome<Int64> {
        guard raw.count >= 2 else { return .failed(.EINVAL) }
        switch socket.connectCall {
        case .done:
            return .failed(.EISCONN)
        case .inProgress:
            if socket.isConnecting { return nonBlocking ? .failed(.EALREADY) : .wouldBlock(socket.waiters) }
            if socket.isConnected {
                socket.connectCall = .done
                return .done(0)
            }
            socket.connectCall = .none
            return .failed(socket.takeError() ?? .ECONNABORTED)
        case .none:
            break
        }
        if SocketAddress.family(of: raw) == SocketFamily.unspecified.rawValue { return .done(0) }
        if socket.isListening || socket.isConnected { return .failed(.EISCONN) }
        guard case .success(let parsed) = SocketAddress.parseInet(raw) else { return .failed(.EINVAL) }
        guard parsed.family == SocketFamily.inet.rawValue else { return .failed(.EAFNOSUPPORT) }
        let boundByConnect = socket.localAddress == nil
        if boundByConnect, let failure = sockets.bindEphemeral(socket) { return .failed(failure) }
        guard case .inet(let local, let localPort)? = socket.localAddress else { return .failed(.EINVAL) }
        if local.isAny { socket.localAddress = .inet(sockets.transport.sourceAddress(toward: parsed.address), port: localPort) }
        socket.wasConnected = false
        socket.pendingError = nil
        socket.shutdownReceive = false
        socket.shutdownSend = false
        socket.finReceived = false
        let attempt = sockets.transport.connect(socket, to: parsed.address, port: parsed.port, context)
        switch attempt {
        case .connected:
            socket.connectCall = nonBlocking ? .inProgress : .done
            return nonBlocking ? .failed(.EINPROGRESS) : .done(0)
        case .waiting:
            socket.connectCall = .inProgress
            return nonBlocking ? .failed(.EINPROGRESS) : .wouldBlock(socket.waiters)
        case .refused, .unreachable, .failed:
            // The reset comes back at once on loopback; an autobound port is given back.
            // The network may say at once that there is no route (Net/NetworkStack.swift).
            var failure = Errno.ECONNREFUSED
            if case .failed(let errno) = attempt { failure = errno }
            if boundByConnect {
                sockets.unbind(socket)
                socket.localAddress = nil
            } else if case .inet(_, let port)? = socket.localAddress, local.isAny {
                socket.localAddress = .inet(.any, port: port)
            }
            socket.state = .closed
            // tcp_done: the socket is shut both ways until it connects again.
            socket.shutdownReceive = true
            socket.shutdownSend = true
            if nonBlocking, failure == .ECONNREFUSED {
                socket.connectCall = .inProgress
                socket.pendingError = .ECONNREFUSED
                socket.wakeAll([.output, .error, .hangUp], context)
                return .failed(.EINPROGRESS)
            }
            return .failed(failure)
        }
    }

    private func connectUDP(_ socket: Socket, _ raw: [UInt8]) -> IOOutcome<Int64> {
        guard raw.count >= 2 else { return .failed(.EINVAL) }
        if SocketAddress.family(of: raw) == SocketFamily.unspecified.rawValue {
            socket.peerAddress = nil
            return .done(0)
        }
        guard case .success(let parsed) = SocketAddress.parseInet(raw) else { return .failed(.EINVAL) }
        guard parsed.family == SocketFamily.inet.rawValue else { return .failed(.EAFNOSUPPORT) }
        if let failure = sockets.transport.route(to: parsed.address) { return .failed(failure) }
        if socket.localAddress == nil, let failure = sockets.bindEphemeral(socket) { return .failed(failure) }
        if case .inet(let local, let port)? = socket.localAddress, local.isAny {
            socket.localAddress = .inet(sockets.transport.sourceAddress(toward: parsed.address), port: port)
        }
        let target = parsed.address.isAny ? IPv4Address.loopback : parsed.address
        socket.peerAddress = .inet(target, port: parsed.port)
        socket.pendingError = nil
        return .done(0)
    }

    /// shutdown(fd, how): SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2.
    func shutdown(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let socket: Socket
        switch socketFile(arguments.int32(0), thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): socket = found.socket
        }
        let how = arguments.int32(1)
        guard how >= 0, how <= 2 else { return .error(.EINVAL) }
        let receive = how != 1, send = how != 0
        let context = ioContext(hart, thread)
        var result: SystemCallResult = .value(0)
        if socket.family == .unix {
            socket.shutdownReceive = socket.shutdownReceive || receive
            socket.shutdownSend = socket.shutdownSend || send
            if socket.type == .stream, let other = socket.peer {
                other.shutdownReceive = other.shutdownReceive || send
                other.shutdownSend = other.shutdownSend || receive
                other.wakeAll([.input, .output, .hangUp, .readHangUp], context)
            }
        } else if let queue = socket.listenQueue {
            if receive {
                // Stops listening: connections not yet accepted are reset.
                for child in queue.drain() { child.abandon(context, reset: true) }
                socket.state = .closed
            }
        } else if socket.isConnecting {
            socket.connection?.close(context)   // a SYN to another machine: given up
            if case .connecting(let listener) = socket.state {
                listener.listenQueue?.waitingClients.removeAll { $0 === socket }
            }
            socket.state = .closed
            socket.connectCall = .none
        } else {
            let connected = socket.isTCP ? socket.isConnected : socket.peerAddress != nil
            if !connected { result = .error(.ENOTCONN) }
            let sendsFIN = socket.isTCP && connected && send && !socket.shutdownSend
            socket.shutdownReceive = socket.shutdownReceive || receive
            socket.shutdownSend = socket.shutdownSend || send
            if sendsFIN, let connection = socket.connection {
                connection.shutdownSending(context)   // to another machine: the FIN goes as a segment
            } else if sendsFIN {
                // Both FINs sent: the connection is over for both ends (TIME_WAIT, then closed).
                if let other = socket.peer {
                    other.shutdownReceive = true
                    other.finReceived = true
                    if other.shutdownSend {
                        other.resetConnection()
                        socket.resetConnection()
                    }
                    other.wakeAll([.input, .readNormal, .readHangUp, .hangUp], context)
                } else if socket.finReceived {
                    socket.resetConnection()
                }
            }
        }
        socket.wakeAll([.input, .output, .hangUp, .readHangUp], context)
        return result
    }

    /// getsockname (peer false) and getpeername (peer true): (fd, addr, addrlen).
    func socketName(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, peer: Bool) -> SystemCallResult {
        let socket: Socket
        switch socketFile(arguments.int32(0), thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): socket = found.socket
        }
        let address: SocketAddress
        if peer {
            let connected: Bool = switch (socket.family, socket.type) {
            case (.inet, .stream): socket.isConnected
            case (_, .stream): socket.isConnected
            default: socket.peerAddress != nil && (socket.family == .inet || socket.peer != nil)
            }
            guard connected, let known = socket.peerAddress ?? (socket.family == .unix ? .unix(nil) : nil) else {
                return .error(.ENOTCONN)
            }
            address = known
        } else {
            address = socket.localAddress ?? (socket.family == .unix ? .unix(nil) : .inet(.any, port: 0))
        }
        if let failure = storeSocketAddress(address, at: arguments[1], lengthAddress: arguments[2], process: thread.process) {
            return .error(failure)
        }
        return .value(0)
    }
}
