// The run's socket namespace: bound UNIX names, the TCP and UDP ports in use and the
// ephemeral ports handed out, and the transport that carries connection requests and
// datagrams between IPv4 sockets. The transport is a seam: `LoopbackTransport` delivers
// inside this kernel today; the next issue's network adds a transport that turns the
// same requests into packets between machines, leaving the socket calls as they are.
//
// UNIX path names live here until the file system offers socket inodes: a bound path
// stays taken after its socket closes (as the file Linux leaves does) until
// `removeUnixPath` is called, which is what unlinkat should call for such a path.

import Machine

/// The sockets bound to one port.
struct PortUsers {
    var sockets: [Socket] = []
    /// Accepted TCP connections on the port (they share their listener's), and how many
    /// of them lack SO_REUSEADDR.
    var children = 0
    var childrenWithoutReuse = 0

    var isEmpty: Bool { sockets.isEmpty && children == 0 }
}

/// What a connection request to an IPv4 address and port found.
enum ConnectionAttempt {
    case connected
    /// Nobody listens there (a reset came back).
    case refused
    /// The listener's queue is full: the request stays pending until it has room.
    case waiting
    /// No route to that address.
    case unreachable
    /// The network's answer at once (ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL).
    case failed(Errno)
}

enum DatagramDelivery: Equatable {
    case delivered
    /// The receiver's buffer was full: UDP drops it without telling the sender.
    case dropped
    /// No socket has that port (a connected sender learns it as ECONNREFUSED).
    case noReceiver
    case unreachable
    /// Another machine's address that does not answer (EHOSTUNREACH).
    case hostUnreachable
    /// Larger than one packet on the link carries (EMSGSIZE).
    case tooBig
}

/// How IPv4 sockets reach each other.
protocol SocketTransport: AnyObject {
    /// Whether `address` belongs to this machine (bind's EADDRNOTAVAIL).
    func isLocal(_ address: IPv4Address) -> Bool
    /// The address a socket bound to INADDR_ANY sends from toward `destination`.
    func sourceAddress(toward destination: IPv4Address) -> IPv4Address
    /// Connects `client` (bound, with its local address set) to a listener.
    func connect(_ client: Socket, to address: IPv4Address, port: UInt16, _ context: IOContext) -> ConnectionAttempt
    func deliver(_ datagram: Datagram, to address: IPv4Address, port: UInt16, _ context: IOContext) -> DatagramDelivery
    /// Why `address` cannot be reached (connect of a UDP socket), or nil.
    func route(to address: IPv4Address) -> Errno?
}

extension SocketTransport {
    func route(to address: IPv4Address) -> Errno? { isLocal(address) ? nil : .ENETUNREACH }
}

final class SocketLayer {
    private var unixNames: [UnixName: Socket] = [:]
    /// Paths whose socket closed: still taken, as Linux's socket file stays, until unlinked.
    private var leftoverPaths: Set<String> = []
    private var tcpPorts: [UInt16: PortUsers] = [:]
    private var udpPorts: [UInt16: PortUsers] = [:]
    /// Listening TCP sockets by port (a connect looks only at these).
    private var listeners: [UInt16: [Socket]] = [:]
    /// Linux's ip_local_port_range, handed out in turn from its start.
    static let ephemeralPorts: ClosedRange<UInt16> = 32768...60999
    private var nextEphemeral = SocketLayer.ephemeralPorts.lowerBound
    /// The next autobound abstract UNIX name (Linux's five hex digits).
    private var nextAutobind: UInt32 = 0
    /// Loopback alone, or the network's (Net/NetworkTransport.swift) once a network is attached.
    lazy var transport: SocketTransport = LoopbackTransport(layer: self)

    init() {}

    // MARK: UNIX names

    /// Binds a UNIX socket to `name` (the caller has checked the socket is unbound).
    func bindUnix(_ socket: Socket, _ name: UnixName) -> Errno? {
        if unixNames[name] != nil { return .EADDRINUSE }
        if case .path(let key, _) = name, leftoverPaths.contains(key) { return .EADDRINUSE }
        unixNames[name] = socket
        socket.localAddress = .unix(name)
        return nil
    }

    /// Whether a path is taken (bind checks it before "already bound", as Linux does).
    func isTaken(_ name: UnixName) -> Bool {
        if unixNames[name] != nil { return true }
        if case .path(let key, _) = name { return leftoverPaths.contains(key) }
        return false
    }

    /// Binds to a fresh abstract name (bind with just the family; Linux's autobind).
    func autobindUnix(_ socket: Socket) -> Errno? {
        for _ in 0..<0x10_0000 {
            let digits = String(nextAutobind & 0xF_FFFF, radix: 16)
            let name = UnixName.abstract(Array((String(repeating: "0", count: 5 - digits.count) + digits).utf8))
            nextAutobind &+= 1
            if unixNames[name] == nil { return bindUnix(socket, name) }
        }
        return .ENOSPC
    }

    /// The socket bound to `name`: ENOENT for a path nothing is at, ECONNREFUSED for a
    /// name with no socket (or one of the wrong type: EPROTOTYPE).
    func findUnix(_ name: UnixName, type: SocketType) -> Result<Socket, Errno> {
        guard let socket = unixNames[name] else {
            if case .path(let key, _) = name, !leftoverPaths.contains(key) { return .failure(.ENOENT) }
            return .failure(.ECONNREFUSED)
        }
        guard socket.type == type else { return .failure(.EPROTOTYPE) }
        return .success(socket)
    }

    /// unlinkat of a path (its key from `SocketAddress.unixPathKey`): true if it named a
    /// socket, bound or left over; the name is free again.
    @discardableResult
    func removeUnixPath(_ key: String) -> Bool {
        let name = UnixName.path(key: key, given: [])
        if unixNames.removeValue(forKey: name) != nil { return true }
        return leftoverPaths.remove(key) != nil
    }

    // MARK: Ports

    private func users(_ socket: Socket, _ port: UInt16) -> PortUsers {
        (socket.isTCP ? tcpPorts[port] : udpPorts[port]) ?? PortUsers()
    }

    private func setUsers(_ users: PortUsers, _ socket: Socket, _ port: UInt16) {
        let value: PortUsers? = users.isEmpty ? nil : users
        if socket.isTCP { tcpPorts[port] = value } else { udpPorts[port] = value }
    }

    /// Whether `socket` may hold `address:port` beside those already there (Linux's
    /// bind-conflict rules: overlapping addresses conflict unless both sockets set
    /// SO_REUSEADDR and, for TCP, the other is not listening).
    func conflicts(_ socket: Socket, _ address: IPv4Address, _ port: UInt16, listening: Bool = false) -> Bool {
        let present = users(socket, port)
        for other in present.sockets where other !== socket {
            guard case .inet(let held, _)? = other.localAddress else { continue }
            guard held.isAny || address.isAny || held == address else { continue }
            let allowed = socket.reuseAddress && other.reuseAddress && (!socket.isTCP || (!other.isListening && !listening))
            if !allowed { return true }
        }
        if present.children > 0, !socket.reuseAddress || present.childrenWithoutReuse > 0 { return true }
        return false
    }

    /// Binds an IPv4 socket; port 0 takes an ephemeral port.
    func bindInet(_ socket: Socket, _ address: IPv4Address, _ port: UInt16) -> Errno? {
        var chosen = port
        if port == 0 {
            guard let free = freeEphemeralPort(for: socket, address) else { return .EADDRINUSE }
            chosen = free
        } else if conflicts(socket, address, port) {
            return .EADDRINUSE
        }
        var present = users(socket, chosen)
        present.sockets.append(socket)
        setUsers(present, socket, chosen)
        socket.localAddress = .inet(address, port: chosen)
        return nil
    }

    /// Binds to INADDR_ANY and an ephemeral port (a send or connect from an unbound socket).
    func bindEphemeral(_ socket: Socket) -> Errno? {
        guard let port = freeEphemeralPort(for: socket, .any) else { return .EAGAIN }
        var present = users(socket, port)
        present.sockets.append(socket)
        setUsers(present, socket, port)
        socket.localAddress = .inet(.any, port: port)
        return nil
    }

    private func freeEphemeralPort(for socket: Socket, _ address: IPv4Address) -> UInt16? {
        let range = SocketLayer.ephemeralPorts
        for _ in 0...Int(range.upperBound - range.lowerBound) {
            let port = nextEphemeral
            nextEphemeral = port == range.upperBound ? range.lowerBound : port + 1
            if users(socket, port).isEmpty { return port }
        }
        return nil
    }

    /// Registers an accepted TCP connection on its listener's port.
    func addChild(_ child: Socket, port: UInt16) {
        var present = users(child, port)
        present.children += 1
        if !child.reuseAddress { present.childrenWithoutReuse += 1 }
        setUsers(present, child, port)
        child.isChild = true
    }

    func startListening(_ socket: Socket, port: UInt16) {
        if !(listeners[port]?.contains { $0 === socket } ?? false) { listeners[port, default: []].append(socket) }
    }

    /// A listening TCP socket for `address:port`: one bound to that address before one bound to any.
    func listener(for address: IPv4Address, port: UInt16) -> Socket? {
        guard let candidates = listeners[port] else { return nil }
        var fallback: Socket? = nil
        for socket in candidates where socket.isListening && !socket.isReleased {
            guard case .inet(let held, _)? = socket.localAddress else { continue }
            if held == address { return socket }
            if held.isAny, fallback == nil { fallback = socket }
        }
        return fallback
    }

    /// The UDP socket a datagram from `source` to `address:port` is for: a socket
    /// connected to that source first, then one bound to the address, then to any.
    func udpReceiver(for address: IPv4Address, port: UInt16, from source: SocketAddress?) -> Socket? {
        guard let candidates = udpPorts[port]?.sockets else { return nil }
        var best: Socket? = nil, bestScore = -1
        for socket in candidates where !socket.isReleased {
            guard case .inet(let held, _)? = socket.localAddress, held.isAny || held == address else { continue }
            var score = held.isAny ? 0 : 2
            if let peer = socket.peerAddress {
                guard peer == source else { continue }
                score += 4
            }
            if score > bestScore { best = socket; bestScore = score }
        }
        return best
    }

    /// Gives up what `socket` holds: its name or port.
    func unbind(_ socket: Socket) {
        switch socket.localAddress {
        case .unix(let name?)?:
            guard unixNames[name] === socket else { return }
            unixNames[name] = nil
            if case .path(let key, _) = name { leftoverPaths.insert(key) }
        case .inet(_, let port)?:
            if socket.isChild {
                var present = users(socket, port)
                present.children = max(0, present.children - 1)
                if !socket.reuseAddress { present.childrenWithoutReuse = max(0, present.childrenWithoutReuse - 1) }
                setUsers(present, socket, port)
                socket.isChild = false
                return
            }
            var present = users(socket, port)
            present.sockets.removeAll { $0 === socket }
            setUsers(present, socket, port)
            if socket.isTCP, var waiting = listeners[port] {
                waiting.removeAll { $0 === socket }
                listeners[port] = waiting.isEmpty ? nil : waiting
            }
        default:
            break
        }
    }

    // MARK: Connections

    /// Makes the server's end of a connection from `client` to `listener`, puts it in the
    /// listener's queue and connects both (UNIX and TCP alike).
    func establish(_ client: Socket, with listener: Socket, serverAddress: SocketAddress, _ context: IOContext) {
        guard let queue = listener.listenQueue else { return }
        let server = Socket(family: listener.family, type: .stream)
        server.sendBufferSize = listener.sendBufferSize
        server.receiveBufferSize = listener.receiveBufferSize
        server.reuseAddress = listener.reuseAddress
        server.noDelay = listener.noDelay
        server.localAddress = serverAddress
        server.peerAddress = client.localAddress ?? .unix(nil)
        server.state = .connected
        server.connectCall = .done
        server.peer = client
        if case .inet(_, let port) = serverAddress { addChild(server, port: port) }
        client.peer = server
        client.peerAddress = serverAddress
        client.state = .connected
        queue.push(server)
        listener.wakeAll([.input, .readNormal], context)
        client.wakeAll([.output, .writeNormal], context)
    }
}

/// Delivery inside one kernel: every IPv4 address of 127.0.0.0/8 is this machine's.
final class LoopbackTransport: SocketTransport {
    unowned let layer: SocketLayer
    /// This machine's address on a network (Net/NetworkStack.swift): it is local too.
    var machineAddress: IPv4Address? = nil

    init(layer: SocketLayer) { self.layer = layer }

    func isLocal(_ address: IPv4Address) -> Bool { address.isLoopback || address.isAny || address == machineAddress }

    func sourceAddress(toward destination: IPv4Address) -> IPv4Address {
        destination.isLoopback ? destination : .loopback
    }

    func connect(_ client: Socket, to address: IPv4Address, port: UInt16, _ context: IOContext) -> ConnectionAttempt {
        guard isLocal(address) else { return .unreachable }
        let target = address.isAny ? IPv4Address.loopback : address
        guard let listener = layer.listener(for: target, port: port), let queue = listener.listenQueue else { return .refused }
        if queue.isFull {
            client.state = .connecting(listener: listener)
            queue.waitingClients.append(client)
            return .waiting
        }
        layer.establish(client, with: listener, serverAddress: .inet(target, port: port), context)
        return .connected
    }

    func deliver(_ datagram: Datagram, to address: IPv4Address, port: UInt16, _ context: IOContext) -> DatagramDelivery {
        guard isLocal(address) else { return .unreachable }
        let target = address.isAny ? IPv4Address.loopback : address
        guard let receiver = layer.udpReceiver(for: target, port: port, from: datagram.source) else { return .noReceiver }
        if receiver.datagramCharge > receiver.receiveBufferSize { return .dropped }
        receiver.enqueue(datagram, context)
        return .delivered
    }
}
