// Socket.swift: a socket — one end of a conversation with another thread, process or
// (later) machine: UNIX stream and datagram sockets by path or abstract name, TCP
// and UDP on 127.0.0.1 with ports.
//
// A socket is a file descriptor, so everything FileDescriptor does works on it (read,
// write, close, non-blocking, an EventLoop); this type adds what only sockets have:
// addresses (bind, connect, getsockname, getpeername), send and receive with flags
// and with addresses (datagrams), shutdown of one direction, and options.
// `send` passes MSG_NOSIGNAL, so a peer that has gone makes it throw `.brokenPipe`
// (EPIPE) rather than end the process with SIGPIPE. Listener.swift accepts.

/// SOCK_STREAM (TCP, UNIX stream: a byte stream) or SOCK_DGRAM (UDP, UNIX datagram:
/// messages, each kept whole).
public enum SocketType: Int, Sendable {
    case stream = 1
    case datagram = 2
}

/// shutdown's directions (SHUT_RD, SHUT_WR, SHUT_RDWR).
public enum ShutdownDirection: Int, Sendable {
    case reading = 0
    case writing = 1
    case both = 2
}

/// Flags for send and receive (MSG_*).
public struct MessageFlags: OptionSet, Sendable {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// Look at the data without taking it (MSG_PEEK).
    public static let peek = MessageFlags(rawValue: 0x2)
    /// Do not wait, for this call only (MSG_DONTWAIT).
    public static let dontWait = MessageFlags(rawValue: 0x40)
    /// Wait until the whole buffer is filled (MSG_WAITALL).
    public static let waitAll = MessageFlags(rawValue: 0x100)
    /// EPIPE without SIGPIPE when the peer has gone (MSG_NOSIGNAL).
    public static let noSignal = MessageFlags(rawValue: 0x4000)
}

/// socket option levels and names (SOL_SOCKET's, and TCP_NODELAY).
public enum SocketOption {
    public static let socketLevel = 1         // SOL_SOCKET
    public static let reuseAddress = 2        // SO_REUSEADDR
    public static let type = 3                // SO_TYPE
    public static let error = 4               // SO_ERROR
    public static let sendBuffer = 7          // SO_SNDBUF
    public static let receiveBuffer = 8       // SO_RCVBUF
    public static let keepAlive = 9           // SO_KEEPALIVE
    public static let reusePort = 15          // SO_REUSEPORT
    public static let acceptConnections = 30  // SO_ACCEPTCONN
    public static let tcpLevel = 6            // IPPROTO_TCP
    public static let tcpNoDelay = 1          // TCP_NODELAY
}

/// One socket (a file descriptor). A value: copying it does not duplicate or close
/// anything; `close()` does, once.
public struct Socket: Equatable, Hashable, Sendable {
    public let descriptor: FileDescriptor

    public init(descriptor: FileDescriptor) {
        self.descriptor = descriptor
    }

    /// A new socket (socket): not bound, not connected. `nonBlocking` sets O_NONBLOCK,
    /// `closeOnExec` keeps it from children.
    public static func make(_ family: SocketFamily, _ type: SocketType,
                            nonBlocking: Bool = false, closeOnExec: Bool = false) throws(SystemError) -> Socket {
        let flags = FileControl.creationFlags(nonBlocking: nonBlocking, closeOnExec: closeOnExec)
        let result = try System.checkedSyscall(SystemCallNumber.socket, family.rawValue, type.rawValue | flags, 0)
        return Socket(descriptor: FileDescriptor(Int32(truncatingIfNeeded: result)))
    }

    /// Two connected UNIX sockets (socketpair): what one sends the other receives.
    /// The simplest channel between two threads, or a parent and the child it spawns.
    public static func pair(_ type: SocketType = .stream, nonBlocking: Bool = false,
                            closeOnExec: Bool = false) throws(SystemError) -> (Socket, Socket) {
        var ends: (Int32, Int32) = (-1, -1)
        let flags = FileControl.creationFlags(nonBlocking: nonBlocking, closeOnExec: closeOnExec)
        let result = withUnsafeMutablePointer(to: &ends) { pointer in
            System.syscall(SystemCallNumber.socketpair, SocketFamily.unix.rawValue, type.rawValue | flags, 0,
                           Int(bitPattern: pointer))
        }
        try System.check(result)
        return (Socket(descriptor: FileDescriptor(ends.0)), Socket(descriptor: FileDescriptor(ends.1)))
    }

    /// A new socket connected to `address` (socket, then connect): a TCP or UNIX
    /// stream client. ECONNREFUSED when nobody listens there.
    public static func connected(to address: SocketAddress, _ type: SocketType = .stream,
                                 closeOnExec: Bool = false) throws(SystemError) -> Socket {
        let socket = try make(address.family, type, closeOnExec: closeOnExec)
        do {
            try socket.connect(to: address)
        } catch {
            try? socket.close()
            throw error
        }
        return socket
    }

    /// A new datagram socket bound to `address` (socket, then bind): a UDP or UNIX
    /// datagram endpoint others send to. Port 0 picks a free port.
    public static func datagram(boundTo address: SocketAddress, closeOnExec: Bool = false) throws(SystemError) -> Socket {
        let socket = try make(address.family, .datagram, closeOnExec: closeOnExec)
        do {
            try socket.bind(to: address)
        } catch {
            try? socket.close()
            throw error
        }
        return socket
    }

    /// Gives the socket its address (bind). EADDRINUSE when another socket has it.
    public func bind(to address: SocketAddress) throws(SystemError) {
        let result = try address.withEncoded { pointer, length in
            System.syscall(SystemCallNumber.bind, descriptor.argument, pointer, length)
        }
        try System.check(result)
    }

    /// Connects to `address` (connect); for a datagram socket, sets where `send` goes
    /// and whom `receive` hears. A blocking connect interrupted by a signal goes on in
    /// the kernel, so EINTR is answered by waiting for it to finish, not by calling
    /// again. On a non-blocking stream socket this throws `.inProgress` (EINPROGRESS):
    /// wait until it is writable, then `pendingError()` says how it went.
    public func connect(to address: SocketAddress) throws(SystemError) {
        let result = try address.withEncoded { pointer, length in
            System.syscall(SystemCallNumber.connect, descriptor.argument, pointer, length)
        }
        if result == -SystemError.interrupted.code {
            _ = try descriptor.wait(for: .writable)
            if let error = try pendingError() { throw error }
            return
        }
        try System.check(result)
    }

    /// Sends with one call (sendto without an address) and returns how many bytes the
    /// kernel took; MSG_NOSIGNAL is always added. EINTR is retried.
    public func send(_ bytes: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SystemError) -> Int {
        let start = Int(bitPattern: bytes.baseAddress)
        return try System.retryingInterrupts(SystemCallNumber.sendto, descriptor.argument, start, bytes.count,
                                             flags.union(.noSignal).rawValue, 0, 0)
    }

    /// Sends every byte (stream sockets): loops over short sends, and waits for room
    /// on a non-blocking socket. EPIPE (`.brokenPipe`) when the peer has gone.
    public func send(all bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { raw -> Int in
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                return System.syscall(SystemCallNumber.sendto, descriptor.argument, Int(bitPattern: rest.baseAddress),
                                      rest.count, MessageFlags.noSignal.rawValue, 0, 0)
            }
            if result == -SystemError.interrupted.code { continue }
            if result == -SystemError.wouldBlock.code {
                _ = try descriptor.wait(for: .writable)
                continue
            }
            let sent = try System.check(result)
            if sent <= 0 { throw SystemError.invalidArgument }
            offset += sent
        }
    }

    /// Sends the string's UTF-8 bytes, all of them.
    public func send(all string: String) throws(SystemError) {
        try send(all: Array(string.utf8))
    }

    /// Sends one datagram to `address` (sendto) and returns its size.
    @discardableResult
    public func send(_ bytes: [UInt8], to address: SocketAddress) throws(SystemError) -> Int {
        guard let encoded = address.encoded() else { throw SystemError.invalidArgument }
        while true {
            let result = bytes.withUnsafeBytes { raw in
                encoded.withUnsafeBytes { name in
                    System.syscall(SystemCallNumber.sendto, descriptor.argument, Int(bitPattern: raw.baseAddress),
                                   raw.count, MessageFlags.noSignal.rawValue, Int(bitPattern: name.baseAddress),
                                   encoded.count)
                }
            }
            if result != -SystemError.interrupted.code { return try System.check(result) }
        }
    }

    /// Receives at most `buffer.count` bytes with one call (recvfrom); 0 means the
    /// peer shut down its writing side (stream) or an empty datagram arrived.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SystemError) -> Int {
        try System.retryingInterrupts(SystemCallNumber.recvfrom, descriptor.argument, Int(bitPattern: buffer.baseAddress),
                                      buffer.count, flags.rawValue, 0, 0)
    }

    /// Receives at most `maxCount` bytes (one call); empty means the end of the stream.
    public func receive(maxCount: Int, flags: MessageFlags = []) throws(SystemError) -> [UInt8] {
        var result = 0
        // Uninitialised: the kernel fills what it returns, and only that is kept.
        let bytes = [UInt8](unsafeUninitializedCapacity: max(0, maxCount)) { buffer, initialized in
            repeat {
                result = System.syscall(SystemCallNumber.recvfrom, descriptor.argument, Int(bitPattern: buffer.baseAddress),
                                        buffer.count, flags.rawValue, 0, 0)
            } while result == -SystemError.interrupted.code
            initialized = result > 0 ? min(result, buffer.count) : 0
        }
        try System.check(result)
        return bytes
    }

    /// Receives one datagram of at most `maxCount` bytes (the rest of a longer one is
    /// lost, as on Linux) and the address it came from (nil when the kernel gave none).
    public func receiveWithAddress(maxCount: Int, flags: MessageFlags = []) throws(SystemError)
        -> (bytes: [UInt8], from: SocketAddress?) {
        try receiveMessage(maxCount: maxCount, flags: flags, wantAddress: true)
    }

    func receiveMessage(maxCount: Int, flags: MessageFlags, wantAddress: Bool) throws(SystemError)
        -> (bytes: [UInt8], from: SocketAddress?) {
        let count = max(0, maxCount)
        var bytes = [UInt8](repeating: 0, count: count)
        var name = [UInt8](repeating: 0, count: SocketAddress.largestSize)
        var nameLength = UInt32(SocketAddress.largestSize)
        var result = 0
        repeat {
            nameLength = UInt32(SocketAddress.largestSize)
            result = bytes.withUnsafeMutableBytes { raw in
                name.withUnsafeMutableBytes { nameBytes in
                    withUnsafeMutablePointer(to: &nameLength) { lengthPointer in
                        System.syscall(SystemCallNumber.recvfrom, descriptor.argument, Int(bitPattern: raw.baseAddress),
                                       count, flags.rawValue, wantAddress ? Int(bitPattern: nameBytes.baseAddress) : 0,
                                       wantAddress ? Int(bitPattern: lengthPointer) : 0)
                    }
                }
            }
        } while result == -SystemError.interrupted.code
        let received = try System.check(result)
        bytes.removeSubrange(min(received, count)...)
        guard wantAddress else { return (bytes, nil) }
        let address = name.withUnsafeBytes { raw in SocketAddress(decoding: raw, length: Int(nameLength)) }
        return (bytes, address)
    }

    /// Ends one direction or both (shutdown): after `.writing` the peer reads the end
    /// of the stream, while this end can still receive.
    public func shutdown(_ direction: ShutdownDirection) throws(SystemError) {
        try System.checkedSyscall(SystemCallNumber.shutdown, descriptor.argument, direction.rawValue)
    }

    /// The socket's own address (getsockname): the port bind picked for port 0.
    public func localAddress() throws(SystemError) -> SocketAddress {
        try address(SystemCallNumber.getsockname)
    }

    /// The address of the connected peer (getpeername); ENOTCONN when none.
    public func peerAddress() throws(SystemError) -> SocketAddress {
        try address(SystemCallNumber.getpeername)
    }

    func address(_ call: Int) throws(SystemError) -> SocketAddress {
        var name = [UInt8](repeating: 0, count: SocketAddress.largestSize)
        var length = UInt32(SocketAddress.largestSize)
        let result = name.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &length) { lengthPointer in
                System.syscall(call, descriptor.argument, Int(bitPattern: raw.baseAddress), Int(bitPattern: lengthPointer))
            }
        }
        try System.check(result)
        let decoded = name.withUnsafeBytes { raw in SocketAddress(decoding: raw, length: Int(length)) }
        guard let decoded else { throw SystemError.familyUnsupported }
        return decoded
    }

    /// Sets an integer option (setsockopt).
    public func setOption(level: Int = SocketOption.socketLevel, _ name: Int, _ value: Int32) throws(SystemError) {
        var word = value
        let result = withUnsafeMutablePointer(to: &word) { pointer in
            System.syscall(SystemCallNumber.setsockopt, descriptor.argument, level, name, Int(bitPattern: pointer), 4)
        }
        try System.check(result)
    }

    /// Reads an integer option (getsockopt).
    public func option(level: Int = SocketOption.socketLevel, _ name: Int) throws(SystemError) -> Int32 {
        var word: Int32 = 0
        var length: UInt32 = 4
        let result = withUnsafeMutablePointer(to: &word) { pointer in
            withUnsafeMutablePointer(to: &length) { lengthPointer in
                System.syscall(SystemCallNumber.getsockopt, descriptor.argument, level, name,
                               Int(bitPattern: pointer), Int(bitPattern: lengthPointer))
            }
        }
        try System.check(result)
        return word
    }

    /// Asks for a receive buffer of `bytes` (SO_RCVBUF); Linux doubles what it is asked
    /// for and clamps it, so read `receiveBufferSize()` for what it is.
    public func setReceiveBufferSize(_ bytes: Int) throws(SystemError) {
        try setOption(SocketOption.receiveBuffer, Int32(clamping: bytes))
    }

    /// The receive buffer's size in bytes (SO_RCVBUF).
    public func receiveBufferSize() throws(SystemError) -> Int {
        Int(try option(SocketOption.receiveBuffer))
    }

    /// Asks for a send buffer of `bytes` (SO_SNDBUF; doubled and clamped as SO_RCVBUF is).
    public func setSendBufferSize(_ bytes: Int) throws(SystemError) {
        try setOption(SocketOption.sendBuffer, Int32(clamping: bytes))
    }

    /// The send buffer's size in bytes (SO_SNDBUF).
    public func sendBufferSize() throws(SystemError) -> Int {
        Int(try option(SocketOption.sendBuffer))
    }

    /// SO_REUSEADDR: a listener may bind a port that connections closed a moment ago
    /// still hold (TIME_WAIT).
    public func setReuseAddress(_ on: Bool = true) throws(SystemError) {
        try setOption(SocketOption.reuseAddress, on ? 1 : 0)
    }

    /// The error a non-blocking connect ended with, taken (SO_ERROR); nil for none.
    public func pendingError() throws(SystemError) -> SystemError? {
        let code = try option(SocketOption.error)
        return code == 0 ? nil : SystemError(code: Int(code))
    }

    /// Sets or clears O_NONBLOCK.
    public func setNonBlocking(_ on: Bool = true) throws(SystemError) {
        try descriptor.setNonBlocking(on)
    }

    /// Closes the socket; the peer reads the end of the stream once every descriptor
    /// for this end is closed.
    public func close() throws(SystemError) {
        try descriptor.close()
    }
}
