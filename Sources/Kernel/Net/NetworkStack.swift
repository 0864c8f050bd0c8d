// The kernel's network stack: TCP and UDP between this machine and others (DESIGN
// decision 9). Sockets reach it through `NetworkTransport`; packets leave through
// `Kernel.transmit` and come in through `receive`, on hart 0's interrupt
// (NetworkInterface.swift).
//
// Part C (TCP and UDP) owns this file and the files of Net/ it adds.

import Machine

/// What one machine's stack counted.
public struct NetworkStackStatistics: Sendable, Equatable {
    public var packetsSent: UInt64 = 0
    public var packetsReceived: UInt64 = 0
    public var bytesSent: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    /// TCP segments sent again after a timeout.
    public var retransmissions: UInt64 = 0
    /// Resets sent (to a segment for no connection, or on abort).
    public var resetsSent: UInt64 = 0
    /// Round-trip samples (Karn's rule: none from retransmitted segments), in cycles.
    public var roundTripSamples: UInt64 = 0
    public var roundTripTotal: UInt64 = 0
    public var roundTripMinimum: UInt64 = .max
    public var roundTripMaximum: UInt64 = 0
    public init() {}
}

final class NetworkStack {
    unowned let kernel: Kernel
    let interface: NetworkInterface
    var statistics = NetworkStackStatistics()

    init(kernel: Kernel, interface: NetworkInterface) {
        self.kernel = kernel
        self.interface = interface
    }

    /// A packet arrived for this machine now.
    func receive(_ packet: Packet, _ context: IOContext) {
        statistics.packetsReceived &+= 1
        statistics.bytesReceived &+= UInt64(packet.payload.count)
    }

    /// The earliest cycle a TCP timer (retransmission, TIME_WAIT, delayed ACK) runs out.
    var nextTimer: UInt64? { nil }

    /// Runs every timer due by `context.cycle`.
    func fireTimers(_ context: IOContext) {}

    /// The machine lost power: every connection is forgotten without a packet sent.
    func crash() {}
}

/// Delivery over the network: this machine's own addresses stay on loopback; others go
/// out as packets through the stack.
final class NetworkTransport: SocketTransport {
    let loopback: LoopbackTransport
    let stack: NetworkStack

    init(layer: SocketLayer, stack: NetworkStack) {
        loopback = LoopbackTransport(layer: layer)
        self.stack = stack
    }

    func isLocal(_ address: IPv4Address) -> Bool { loopback.isLocal(address) || address == stack.interface.address }

    func sourceAddress(toward destination: IPv4Address) -> IPv4Address {
        destination.isLoopback ? destination : stack.interface.address
    }

    func connect(_ client: Socket, to address: IPv4Address, port: UInt16, _ context: IOContext) -> ConnectionAttempt {
        if isLocal(address) { return loopback.connect(client, to: address, port: port, context) }
        return .unreachable   // Part C
    }

    func deliver(_ datagram: Datagram, to address: IPv4Address, port: UInt16, _ context: IOContext) -> DatagramDelivery {
        if isLocal(address) { return loopback.deliver(datagram, to: address, port: port, context) }
        return .unreachable   // Part C
    }
}
