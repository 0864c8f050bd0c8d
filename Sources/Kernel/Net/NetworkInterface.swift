// The machine's network interface: where the kernel's stack puts packets to send and
// where the network leaves packets that arrive. A simulation of several machines
// (Sources/Network/Cluster.swift) steps each machine one window of simulated time at a
// time; after each window it takes every machine's sent packets (`takeSent`), carries
// them over the network and schedules each arrival (`schedule`), always at a cycle past
// the window (the network's latency is the window), so no machine ever sees a packet
// from its own past. The interface's interrupt is hart 0's timer, as the input device's
// is: `programTimer` sets that timer for the next arrival or TCP timer, and `interrupt`
// hands what is due to the stack.
//
// Part A (cluster) owns this file.

import Machine

public final class NetworkInterface {
    /// The hart whose timer interrupt takes arrivals and runs the stack's timers.
    static let hart = 0
    /// This machine's address on the network (10.0.0.N).
    public let address: IPv4Address
    /// Packets sent since the cluster last took them, in the order sent.
    var sent: [SentPacket] = []
    var sentSerial: UInt64 = 0
    /// Which boot of its machine this is (1, then 2 after a restart, ...): part of packets'
    /// trace ids, so a restarted machine's packets are not taken for the first boot's.
    public var boot = 1
    /// Packets on their way in, by arrival cycle (ties: the order scheduled).
    var arrivals: [(cycle: UInt64, packet: Packet)] = []
    var arrivalHead = 0

    init(address: IPv4Address) { self.address = address }

    /// Takes the packets sent since the last call.
    public func takeSent() -> [SentPacket] {
        defer { sent = [] }
        return sent
    }

    /// The cycle of the earliest packet still to arrive.
    var nextArrival: UInt64? { arrivalHead < arrivals.count ? arrivals[arrivalHead].cycle : nil }
}

extension Kernel {
    /// Connects this kernel to a network as `address`: IPv4 sockets then reach other
    /// machines through the stack (Net/), loopback and this address stay inside.
    public func attachNetwork(address: IPv4Address) -> NetworkInterface {
        if let networkInterface { return networkInterface }
        let interface = NetworkInterface(address: address)
        networkInterface = interface
        let stack = NetworkStack(kernel: self, interface: interface)
        networkStack = stack
        sockets.transport = NetworkTransport(layer: sockets, stack: stack)
        return interface
    }

    /// Puts `packet` on the wire now (the stack calls this).
    func transmit(_ packet: Packet, _ context: IOContext) {
        guard let interface = networkInterface else { return }
        var packet = packet
        packet.identification = UInt16(truncatingIfNeeded: interface.sentSerial)
        packet.traceID = interface.traceID(serial: interface.sentSerial)
        let sent = SentPacket(cycle: context.cycle, packet: packet, serial: interface.sentSerial)
        interface.sentSerial &+= 1
        interface.sent.append(sent)
        tracePacketSent(sent, context)
    }

    /// Schedules a packet to arrive at `cycle` (the cluster calls this between windows).
    public func schedule(_ packet: Packet, arrivingAt cycle: UInt64) {
        guard let interface = networkInterface else { return }
        // Arrivals come nearly in order: insert after every arrival at or before `cycle`.
        var index = interface.arrivals.count
        while index > interface.arrivalHead, interface.arrivals[index - 1].cycle > cycle { index -= 1 }
        interface.arrivals.insert((cycle, packet), at: index)
    }

    /// After the cluster scheduled arrivals: sets hart 0's timer for the earliest event.
    public func networkScheduleChanged() {
        let hart = machine.harts[NetworkInterface.hart]
        programTimer(hart)
    }

    /// The earliest cycle the interface needs hart 0's interrupt: an arrival or a TCP timer.
    var networkDeadline: UInt64? {
        guard let interface = networkInterface else { return nil }
        var earliest = interface.nextArrival
        if let timer = networkStack?.nextTimer { earliest = min(earliest ?? .max, timer) }
        return earliest
    }

    /// On hart 0's interrupt: hands the stack every packet due by now, then runs its timers.
    func processNetworkEvents(_ hart: Hart) {
        guard hart.id == NetworkInterface.hart, let interface = networkInterface, let stack = networkStack else { return }
        let now = hart.cycle
        while let due = interface.nextArrival, due <= now {
            let packet = interface.arrivals[interface.arrivalHead].packet
            interface.arrivalHead += 1
            let context = IOContext(kernel: self, cycle: now, thread: nil, hart: hart)
            tracePacketArrived(packet, context)
            stack.receive(packet, context)
        }
        if interface.arrivalHead >= 64, interface.arrivalHead * 2 >= interface.arrivals.count {
            interface.arrivals.removeFirst(interface.arrivalHead)
            interface.arrivalHead = 0
        }
        if let timer = stack.nextTimer, timer <= now {
            stack.fireTimers(IOContext(kernel: self, cycle: now, thread: nil, hart: hart))
        }
    }
}
