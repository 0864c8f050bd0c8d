// Listener.swift: a socket that waits for connections — bind, listen, accept.
//
// A server binds an address (a TCP port on 127.0.0.1, a UNIX path or abstract name),
// listens with a backlog (how many connections the kernel completes and queues before
// anyone accepts them), then accepts: each accept takes the oldest queued connection
// and returns a new socket for it, while the listener keeps listening. A listener
// is readable in an EventLoop when a connection is waiting.

/// A listening stream socket.
public struct Listener: Equatable, Hashable, Sendable {
    public let socket: Socket

    /// The listening socket's descriptor (to register in an EventLoop).
    public var descriptor: FileDescriptor { socket.descriptor }

    /// Wraps a socket that already listens.
    public init(listening socket: Socket) {
        self.socket = socket
    }

    /// Binds `address` and listens (socket, bind, listen). TCP listeners set
    /// SO_REUSEADDR first unless told not to, as servers do. Port 0 takes a free port:
    /// `port()` tells which. EADDRINUSE when the address is taken.
    public static func listening(on address: SocketAddress, backlog: Int = 128, reuseAddress: Bool = true,
                                 nonBlocking: Bool = false, closeOnExec: Bool = false) throws(SystemError) -> Listener {
        let socket = try Socket.make(address.family, .stream, nonBlocking: nonBlocking, closeOnExec: closeOnExec)
        do {
            if reuseAddress && address.family == .inet { try socket.setReuseAddress() }
            try socket.bind(to: address)
            try System.checkedSyscall(SystemCallNumber.listen, socket.descriptor.argument, max(0, min(backlog, 65535)))
        } catch {
            try? socket.close()
            throw error
        }
        return Listener(listening: socket)
    }

    /// A TCP listener on 127.0.0.1 (`port` 0: any free port).
    public static func tcp(port: UInt16 = 0, backlog: Int = 128, nonBlocking: Bool = false,
                           closeOnExec: Bool = false) throws(SystemError) -> Listener {
        try listening(on: .loopback(port: port), backlog: backlog, nonBlocking: nonBlocking, closeOnExec: closeOnExec)
    }

    /// Takes the oldest waiting connection (accept4), waiting for one on a blocking
    /// listener; EINTR and ECONNABORTED (a connection reset before it was taken) are
    /// answered by trying again. A non-blocking listener with none waiting throws
    /// `.wouldBlock`; `acceptIfReady` returns nil instead.
    public func accept(nonBlocking: Bool = false, closeOnExec: Bool = false) throws(SystemError) -> Socket {
        let flags = FileControl.creationFlags(nonBlocking: nonBlocking, closeOnExec: closeOnExec)
        while true {
            let result = System.syscall(SystemCallNumber.accept4, descriptor.argument, 0, 0, flags)
            if result == -SystemError.interrupted.code || result == -SystemError.connectionAborted.code { continue }
            return Socket(descriptor: FileDescriptor(Int32(truncatingIfNeeded: try System.check(result))))
        }
    }

    /// Like `accept`, but nil when no connection is waiting (EAGAIN on a non-blocking
    /// listener): how an event loop drains its listener.
    public func acceptIfReady(nonBlocking: Bool = true, closeOnExec: Bool = false) throws(SystemError) -> Socket? {
        do {
            return try accept(nonBlocking: nonBlocking, closeOnExec: closeOnExec)
        } catch {
            if error == .wouldBlock { return nil }
            throw error
        }
    }

    /// The address it listens on (getsockname).
    public func address() throws(SystemError) -> SocketAddress {
        try socket.localAddress()
    }

    /// The TCP port it listens on; 0 for a UNIX listener.
    public func port() throws(SystemError) -> UInt16 {
        try address().port ?? 0
    }

    /// Stops listening; connections queued and not accepted are reset.
    public func close() throws(SystemError) {
        try socket.close()
    }
}
