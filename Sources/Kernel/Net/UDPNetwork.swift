// UDP between machines: each datagram is one packet (no IP fragmentation: a payload
// larger than MTU − 28 is refused with EMSGSIZE, as Linux does with path-MTU discovery
// on), sent and forgotten. An arriving datagram goes to the socket the socket layer
// picks (`udpReceiver`: connected to the sender first, then bound to the address, then
// to any) unless its buffer is full, when it is dropped, as Linux does. A datagram for a
// port nobody has is dropped silently: no ICMP is modelled, so a connected sender does
// not learn ECONNREFUSED from another machine (it does on loopback).

import Machine

extension NetworkStack {
    func sendDatagram(_ datagram: Datagram, to address: IPv4Address, port: UInt16, _ context: IOContext) -> DatagramDelivery {
        if let failure = routeFailure(to: address) { return failure == .EHOSTUNREACH ? .hostUnreachable : .unreachable }
        guard datagram.bytes.count <= settings.maximumDatagramSize else { return .tooBig }
        guard case .inet(let source, let sourcePort)? = datagram.source else { return .unreachable }
        transmit(Packet(source: source, destination: address, sourcePort: sourcePort, destinationPort: port,
                        transport: .udp, payload: datagram.bytes), context)
        return .delivered
    }

    func receiveDatagram(_ packet: Packet, _ context: IOContext) {
        let source = SocketAddress.inet(packet.source, port: packet.sourcePort)
        guard let receiver = kernel.sockets.udpReceiver(for: packet.destination, port: packet.destinationPort, from: source) else {
            statistics.packetsUnclaimed &+= 1
            return
        }
        if receiver.datagramCharge > receiver.receiveBufferSize {
            statistics.datagramsDropped &+= 1
            return
        }
        receiver.enqueue(Datagram(bytes: packet.payload, source: source), context)
    }
}
