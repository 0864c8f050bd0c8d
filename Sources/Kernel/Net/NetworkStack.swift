// The kernel's network stack: TCP and UDP between this machine and others (DESIGN
// decision 9). Sockets reach it through `NetworkTransport`; packets leave through
// `Kernel.transmit` and come in through `receive`, on hart 0's interrupt
// (NetworkInterface.swift). It owns the table of TCP connections by their four numbers,
// the heap of their timers, the seeded generator of initial sequence numbers, and what
// it counted. A connection that ends leaves the table at once (TIME_WAIT ends after
// 2·MSL), so nothing here grows with what guests did before.
//
// Routing: this machine's own addresses stay on loopback (LoopbackTransport); 10.0.0.0/24
// is the network; any other address has no route (ENETUNREACH). Without a neighbour
// list every 10.0.0.x is tried, and a machine that does not answer is a timeout, as a
// silent host is on Linux; with one (`setNetworkNeighbours`) an address outside it is
// EHOSTUNREACH at once, as Linux reports a neighbour that does not answer ARP.
//
// Part C (TCP and UDP) owns this file and the files of Net/ it adds.

import Machine

/// What one machine's stack counted.
public struct NetworkStackStatistics: Sendable, Equatable {
    public var packetsSent: UInt64 = 0
    public var packetsReceived: UInt64 = 0
    /// Payload bytes (TCP data, UDP datagrams) sent and received.
    public var bytesSent: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    /// TCP segments sent again after a timeout or three duplicate ACKs.
    public var retransmissions: UInt64 = 0
    /// Resets sent (to a segment for no connection, or on abort).
    public var resetsSent: UInt64 = 0
    /// Resets received that ended a connection or refused a connect.
    public var resetsReceived: UInt64 = 0
    /// SYNs dropped because a listener's queue was full.
    public var synsDropped: UInt64 = 0
    /// Packets that arrived for no socket (UDP to a closed port, TCP answered by a reset).
    public var packetsUnclaimed: UInt64 = 0
    /// UDP datagrams dropped because the receiving socket's buffer was full.
    public var datagramsDropped: UInt64 = 0
    /// Round-trip samples (Karn's rule: none from retransmitted segments), in cycles.
    public var roundTripSamples: UInt64 = 0
    public var roundTripTotal: UInt64 = 0
    public var roundTripMinimum: UInt64 = .max
    public var roundTripMaximum: UInt64 = 0
    /// Connections opened (connect) and accepted (the handshake completed).
    public var connectionsOpened: UInt64 = 0
    public var connectionsAccepted: UInt64 = 0
    public init() {}

    /// The mean round trip in cycles, or nil without samples.
    public var roundTripMean: UInt64? { roundTripSamples == 0 ? nil : roundTripTotal / roundTripSamples }
}

final class NetworkStack {
    unowned let kernel: Kernel
    let interface: NetworkInterface
    var statistics = NetworkStackStatistics()
    var settings: NetworkStackSettings
    /// Machines known to be on the network (nil: every 10.0.0.x is tried).
    var neighbours: Set<IPv4Address>? = nil

    /// Live TCP connections by their four numbers (looked up, never iterated for order).
    private var connections: [TCPEndpoints: TCPConnection] = [:]
    private var nextSerial: UInt64 = 0
    private var timers = TimerHeap()
    private var liveTimers = 0
    /// Initial sequence numbers: seeded by the kernel's seed, this machine's address and
    /// the cycle it booted at (a machine restarted after a crash does not repeat the
    /// numbers of its first life, as Linux's clock-driven ones do not).
    private var random: SplitMix64

    init(kernel: Kernel, interface: NetworkInterface) {
        self.kernel = kernel
        self.interface = interface
        settings = kernel.configuration.networkStack
        let boot = kernel.machine.harts.first?.cycle ?? 0
        random = SplitMix64(seed: kernel.configuration.seed ^ 0x7463_7000_0000_0000 ^ UInt64(interface.address.value)
                                  ^ boot &* 0x9E37_79B9_7F4A_7C15)
    }

    /// `milliseconds` as cycles of this machine's clock.
    func cycles(milliseconds: UInt64) -> UInt64 {
        SimulatedTime.milliseconds(milliseconds, clockFrequency: kernel.configuration.clockFrequency).cycles
    }

    var connectionCount: Int { connections.count }

    // MARK: Packets

    /// Puts a packet on the wire and counts it.
    func transmit(_ packet: Packet, _ context: IOContext) {
        statistics.packetsSent &+= 1
        statistics.bytesSent &+= UInt64(packet.payload.count)
        kernel.transmit(packet, context)
    }

    /// A packet arrived for this machine now.
    func receive(_ packet: Packet, _ context: IOContext) {
        statistics.packetsReceived &+= 1
        statistics.bytesReceived &+= UInt64(packet.payload.count)
        guard packet.destination == interface.address else { return }
        switch packet.transport {
        case .tcp: receiveSegment(packet, context)
        case .udp: receiveDatagram(packet, context)
        }
    }

    private func receiveSegment(_ packet: Packet, _ context: IOContext) {
        let key = TCPEndpoints(localAddress: packet.destination, localPort: packet.destinationPort,
                               remoteAddress: packet.source, remotePort: packet.sourcePort)
        let flags = packet.tcp.flags
        if let connection = connections[key] {
            if flags.contains(.rst) { statistics.resetsReceived &+= 1 }
            connection.receive(packet, context)
            return
        }
        if flags.contains(.rst) { return }
        if flags.contains(.syn), !flags.contains(.ack),
           let listener = kernel.sockets.listener(for: packet.destination, port: packet.destinationPort) {
            return acceptSynchronize(packet, key: key, listener: listener, context)
        }
        statistics.packetsUnclaimed &+= 1
        sendReset(replyingTo: packet, context)
    }

    /// A reset for a segment no connection wants (RFC 9293 §3.10.7.1); never for a reset.
    func sendReset(replyingTo packet: Packet, _ context: IOContext) {
        let header = packet.tcp
        guard !header.flags.contains(.rst) else { return }
        var reply: TCPHeader
        if header.flags.contains(.ack) {
            reply = TCPHeader(sequence: header.acknowledgement, flags: [.rst])
        } else {
            var length = packet.payload.count
            if header.flags.contains(.syn) { length += 1 }
            if header.flags.contains(.fin) { length += 1 }
            reply = TCPHeader(sequence: 0, acknowledgement: header.sequence.advanced(by: length), flags: [.rst, .ack])
        }
        reply.window = 0
        statistics.resetsSent &+= 1
        transmit(Packet(source: packet.destination, destination: packet.source, sourcePort: packet.destinationPort,
                        destinationPort: packet.sourcePort, transport: .tcp, tcp: reply), context)
    }

    // MARK: Opening connections

    /// Tests set this to start every connection just before the sequence space wraps.
    var fixedInitialSequence: UInt32? = nil

    private func initialSequence() -> UInt32 { fixedInitialSequence ?? UInt32(truncatingIfNeeded: random.next()) }

    private func makeConnection(_ key: TCPEndpoints, state: TCPConnection.State, socket: Socket) -> TCPConnection {
        nextSerial &+= 1
        let connection = TCPConnection(stack: self, serial: nextSerial, endpoints: key, state: state, socket: socket,
                                       initialSequence: initialSequence())
        socket.connection = connection
        connections[key] = connection
        return connection
    }

    /// connect() to another machine: the SYN goes out; the socket waits in SYN_SENT.
    func connect(_ socket: Socket, to address: IPv4Address, port: UInt16, _ context: IOContext) -> ConnectionAttempt {
        if let failure = routeFailure(to: address) { return .failed(failure) }
        guard case .inet(let local, let localPort)? = socket.localAddress else { return .failed(.EINVAL) }
        let key = TCPEndpoints(localAddress: local, localPort: localPort, remoteAddress: address, remotePort: port)
        if let existing = connections[key] {
            guard existing.state == .timeWait else { return .failed(.EADDRNOTAVAIL) }
            existing.close(context)
        }
        let connection = makeConnection(key, state: .synSent, socket: socket)
        socket.peerAddress = .inet(address, port: port)
        connection.takeSegmentSize(nil)
        statistics.connectionsOpened &+= 1
        connection.sendSynchronize(context)
        return .waiting
    }

    /// A SYN for a listener: a connection in SYN_RECEIVED answers with a SYN-ACK, unless
    /// the listener's queue (or the handshakes under way) already fill its backlog — then
    /// the SYN is dropped and the client sends it again, as Linux does.
    private func acceptSynchronize(_ packet: Packet, key: TCPEndpoints, listener: Socket, _ context: IOContext) {
        guard let queue = listener.listenQueue else { return }
        if queue.isFull || queue.handshakes > queue.backlog {
            statistics.synsDropped &+= 1
            return
        }
        let child = Socket(family: .inet, type: .stream)
        child.sendBufferSize = listener.sendBufferSize
        child.receiveBufferSize = listener.receiveBufferSize
        child.reuseAddress = listener.reuseAddress
        child.noDelay = listener.noDelay
        child.localAddress = .inet(key.localAddress, port: key.localPort)
        child.peerAddress = .inet(key.remoteAddress, port: key.remotePort)
        let connection = makeConnection(key, state: .synReceived, socket: child)
        connection.initialReceiveSequence = packet.tcp.sequence
        connection.receiveNext = packet.tcp.sequence &+ 1
        connection.advertisedEdge = connection.receiveNext
        connection.takeSegmentSize(packet.tcp.maximumSegmentSize)
        connection.sendWindow = Int(packet.tcp.window)
        connection.windowUpdateSequence = packet.tcp.sequence
        connection.listener = listener
        connection.listenQueue = queue
        queue.handshakes += 1
        statistics.connectionsAccepted &+= 1
        connection.sendSynchronize(context)
    }

    /// Why `address` cannot be reached from here, or nil.
    func routeFailure(to address: IPv4Address) -> Errno? {
        guard address.value >> 8 == interface.address.value >> 8, address.value & 0xFF != 0, address.value & 0xFF != 0xFF else {
            return .ENETUNREACH
        }
        if let neighbours, !neighbours.contains(address) { return .EHOSTUNREACH }
        return nil
    }

    /// A connection is over: it leaves the table.
    func forget(_ connection: TCPConnection) {
        if connections[connection.endpoints] === connection { connections[connection.endpoints] = nil }
    }

    // MARK: Timers

    func armed(_ connection: TCPConnection, deadline: UInt64, wasArmed: Bool) {
        if !wasArmed { liveTimers += 1 }
        let earlier = deadline < (timers.first?.deadline ?? .max)
        timers.push(TimerHeap.Entry(deadline: deadline, serial: connection.serial, generation: connection.timerGeneration,
                                    connection: connection))
        if timers.entries.count > 64, timers.entries.count > 4 * liveTimers {
            timers.rebuild { $0.generation == $0.connection.timerGeneration && $0.connection.timerDeadline != nil }
        }
        if earlier { kernel.networkScheduleChanged() }
    }

    func disarmed() { liveTimers = max(0, liveTimers - 1) }

    /// The earliest cycle a TCP timer (retransmission, persist, TIME_WAIT, FIN_WAIT_2) runs out.
    var nextTimer: UInt64? {
        while let first = timers.first {
            if first.generation == first.connection.timerGeneration, first.connection.timerDeadline != nil {
                return first.deadline
            }
            timers.popFirst()
        }
        return nil
    }

    /// Runs every timer due by `context.cycle`, earliest first.
    func fireTimers(_ context: IOContext) {
        while let due = nextTimer, due <= context.cycle, let entry = timers.popFirst() {
            entry.connection.timerFired(context)
        }
    }

    /// The machine lost power: every connection is forgotten without a packet sent (its
    /// peers learn of it from the reset their next segment draws, or from a timeout).
    func crash() {
        for connection in connections.values {
            connection.state = .closed
            connection.timerDeadline = nil
            connection.timerPurpose = nil
            connection.socket = nil
            connection.listener = nil
            connection.listenQueue = nil
        }
        connections = [:]
        timers = TimerHeap()
        liveTimers = 0
    }
}

extension Kernel {
    /// What this machine's network stack counted (nil without a network).
    public var networkStatistics: NetworkStackStatistics? { networkStack?.statistics }

    /// Tells the stack which machines are on the network: a connect or send to another
    /// 10.0.0.x then fails at once with EHOSTUNREACH (a neighbour that does not answer).
    public func setNetworkNeighbours(_ addresses: [IPv4Address]) {
        networkStack?.neighbours = Set(addresses)
    }

    /// The MTU of this machine's link (TCP's MSS is MTU − 40); by default the
    /// configuration's `networkStack.mtu`.
    public func setNetworkMTU(_ mtu: Int) {
        networkStack?.settings.mtu = max(NetworkStackSettings.mtuRange.lowerBound, min(mtu, NetworkStackSettings.mtuRange.upperBound))
    }

    /// The machine lost power: the stack forgets every connection without a packet.
    public func crashNetwork() {
        networkStack?.crash()
    }
}

/// Delivery over the network: this machine's own addresses stay on loopback; others go
/// out as packets through the stack.
final class NetworkTransport: SocketTransport {
    let loopback: LoopbackTransport
    let stack: NetworkStack

    init(layer: SocketLayer, stack: NetworkStack) {
        loopback = LoopbackTransport(layer: layer)
        loopback.machineAddress = stack.interface.address
        self.stack = stack
    }

    func isLocal(_ address: IPv4Address) -> Bool { loopback.isLocal(address) }

    func sourceAddress(toward destination: IPv4Address) -> IPv4Address {
        destination.isLoopback ? destination : stack.interface.address
    }

    func route(to address: IPv4Address) -> Errno? {
        isLocal(address) ? nil : stack.routeFailure(to: address)
    }

    func connect(_ client: Socket, to address: IPv4Address, port: UInt16, _ context: IOContext) -> ConnectionAttempt {
        if isLocal(address) { return loopback.connect(client, to: address, port: port, context) }
        return stack.connect(client, to: address, port: port, context)
    }

    func deliver(_ datagram: Datagram, to address: IPv4Address, port: UInt16, _ context: IOContext) -> DatagramDelivery {
        if isLocal(address) { return loopback.deliver(datagram, to: address, port: port, context) }
        return stack.sendDatagram(datagram, to: address, port: port, context)
    }
}
