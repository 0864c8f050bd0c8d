// The network between the machines: each machine's link to one switch, the switch's
// link to each machine, and the faults. A packet crosses two links (sender → switch →
// receiver); on each it waits its turn in a bounded queue, is serialised at the link's
// bandwidth and propagates for its latency. Faults and partitions act at the switch.
// Everything random comes from the cluster's seed, drawn in the order packets are sent,
// so the same run gives the same deliveries.
//
// The cluster hands over a window's packets at once (`transmit(_:down:)`). The uplinks
// take them in the order sent (cycle, then machine, then the sender's serial), which is
// each uplink's true FIFO order; the switch then takes them in the order they reach it,
// so within a window every downlink is a true FIFO too. Across windows a packet can
// reach the switch before one handed over a window earlier (a queued or slower uplink);
// it then queues behind that one: a small, deterministic approximation.
//
// Part B (network model and pcap) owns this file.

import Kernel
import Machine

/// A packet's arrival at a machine.
public struct Arrival: Sendable, Equatable {
    /// Machine index, from 0.
    public var machine: Int
    public var cycle: UInt64
    public var packet: Packet
    /// Who sent it (machine index) and when, for the trace's arrow from send to arrival.
    public var sender: Int
    public var sentCycle: UInt64
    /// The second copy of a duplicated packet.
    public var isDuplicate: Bool

    public init(machine: Int, cycle: UInt64, packet: Packet, sender: Int, sentCycle: UInt64, isDuplicate: Bool = false) {
        self.machine = machine
        self.cycle = cycle
        self.packet = packet
        self.sender = sender
        self.sentCycle = sentCycle
        self.isDuplicate = isDuplicate
    }
}

/// A packet a machine sent, as the cluster hands it to the network.
public struct OutgoingPacket: Sendable, Equatable {
    /// Machine index, from 0.
    public var machine: Int
    public var sent: SentPacket
    public init(machine: Int, sent: SentPacket) {
        self.machine = machine
        self.sent = sent
    }
}

public final class Fabric {
    /// The least time any packet takes from one machine to another, in cycles (at least
    /// 1): both links' latencies and a cycle of serialisation on each. A packet sent at
    /// cycle t arrives at t + lookahead or later, so machines can run that far on their own.
    public let lookahead: UInt64
    public private(set) var linkStatistics: [LinkStatistics]
    /// What happened to packets besides delivery, since the cluster last took them
    /// (`takeEvents`, each window). At most `eventLimit` wait; later ones are counted in
    /// `eventsNotKept` instead, so a flood nobody reads cannot fill the host's memory.
    public var events: [NetworkEvent] = []
    public private(set) var eventsNotKept: UInt64 = 0
    public static let eventLimit = 65_536
    /// The cluster's one clock, cycles per second.
    public let clockFrequency: UInt64
    /// Each machine's link, as configured (index from 0).
    public let linkSettings: [LinkSettings]

    private let timing: [LinkTiming]
    private var uplinks: [LinkQueue]
    private var downlinks: [LinkQueue]
    private var faults: NetworkFaults

    public init(settings: NetworkSettings, links: [LinkSettings], clockFrequency: UInt64, seed: UInt64) {
        self.clockFrequency = max(1, clockFrequency)
        linkSettings = links
        timing = links.map { LinkTiming($0, clockFrequency: max(1, clockFrequency)) }
        uplinks = Array(repeating: LinkQueue(), count: links.count)
        downlinks = Array(repeating: LinkQueue(), count: links.count)
        linkStatistics = Array(repeating: LinkStatistics(), count: links.count)
        faults = NetworkFaults(settings: settings, machines: links.count, clockFrequency: max(1, clockFrequency), seed: seed)
        // A packet crosses two links (the same one twice if a machine sent to itself): at
        // least twice the shortest latency, plus a cycle of serialisation on each.
        let shortest = timing.map(\.latency).min() ?? 0
        lookahead = max(1, shortest.addingSaturated(shortest).addingSaturated(2))
    }

    /// Takes the events recorded since the last call.
    public func takeEvents() -> [NetworkEvent] {
        defer { events = [] }
        return events
    }

    /// Carries a packet machine `from` sent; the arrivals it makes (none if lost, two if
    /// duplicated). `down` says which machines (index from 0) have no power now.
    public func transmit(_ sent: SentPacket, from machine: Int, down: (Int) -> Bool) -> [Arrival] {
        transmit([OutgoingPacket(machine: machine, sent: sent)], down: down)
    }

    /// Carries every packet of a window (any order: they are sorted here); the arrivals,
    /// by cycle then machine. Prefer this to one packet at a time: the switch then serves
    /// each downlink in the order packets reach it.
    public func transmit(_ packets: [OutgoingPacket], down: (Int) -> Bool) -> [Arrival] {
        let inOrderSent = packets.filter { $0.machine >= 0 && $0.machine < timing.count }.sorted {
            ($0.sent.cycle, $0.machine, $0.sent.serial) < ($1.sent.cycle, $1.machine, $1.sent.serial)
        }
        var atSwitch: [(cycle: UInt64, outgoing: OutgoingPacket)] = []
        atSwitch.reserveCapacity(inOrderSent.count)
        for outgoing in inOrderSent {
            if let cycle = cross(outgoing.sent.packet, link: outgoing.machine, outward: true, at: outgoing.sent.cycle) {
                atSwitch.append((cycle, outgoing))
            }
        }
        atSwitch.sort {
            ($0.cycle, $0.outgoing.machine, $0.outgoing.sent.serial) < ($1.cycle, $1.outgoing.machine, $1.outgoing.sent.serial)
        }
        var arrivals: [Arrival] = []
        for (cycle, outgoing) in atSwitch {
            forward(outgoing, reachingSwitchAt: cycle, down: down, into: &arrivals)
        }
        // Ties (jitter can make them) keep the switch's order: a total order, not the sort's whim.
        return arrivals.enumerated().sorted {
            ($0.element.cycle, $0.element.machine, $0.offset) < ($1.element.cycle, $1.element.machine, $1.offset)
        }.map(\.element)
    }

    /// One direction of a machine's link (`outward`: machine to switch): its MTU, its
    /// queue, serialisation and latency. The cycle the packet comes out at the far end, or
    /// nil if it was dropped.
    private func cross(_ packet: Packet, link machine: Int, outward: Bool, at cycle: UInt64) -> UInt64? {
        let link = timing[machine]
        let size = packet.wireSize
        guard size <= link.mtu else {
            drop(packet, .tooBig, at: cycle, link: machine)
            return nil
        }
        let serialisation = link.serialisation(bytes: size)
        let offered = outward
            ? uplinks[machine].offer(at: cycle, serialisation: serialisation, capacity: link.queuePackets)
            : downlinks[machine].offer(at: cycle, serialisation: serialisation, capacity: link.queuePackets)
        guard let finished = offered else {
            drop(packet, .queueFull, at: cycle, link: machine)
            return nil
        }
        var statistics = linkStatistics[machine]
        if outward {
            statistics.packetsOut &+= 1
            statistics.bytesOut &+= UInt64(size)
            statistics.largestQueueOut = uplinks[machine].largestQueue
        } else {
            statistics.packetsIn &+= 1
            statistics.bytesIn &+= UInt64(size)
            statistics.largestQueueIn = downlinks[machine].largestQueue
        }
        statistics.queueingCycles &+= finished &- min(finished, cycle.addingSaturated(serialisation))
        statistics.largestQueue = max(statistics.largestQueueOut, statistics.largestQueueIn)
        linkStatistics[machine] = statistics
        return finished.addingSaturated(link.latency)
    }

    /// The switch: the receiver, partitions, power and faults, then the receiver's link.
    private func forward(_ outgoing: OutgoingPacket, reachingSwitchAt cycle: UInt64, down: (Int) -> Bool,
                         into arrivals: inout [Arrival]) {
        let packet = outgoing.sent.packet, sender = outgoing.machine
        guard let receiver = machineIndex(of: packet.destination) else {
            drop(packet, .noMachine, at: cycle, link: sender)
            return
        }
        if faults.partitioned(sender, receiver, at: cycle) { return drop(packet, .partition, at: cycle, link: receiver) }
        if down(receiver) { return drop(packet, .machineDown, at: cycle, link: receiver) }
        if faults.drops() { return drop(packet, .fault, at: cycle, link: receiver) }
        let duplicated = faults.duplicates()
        let heldBack = faults.holdBack()
        let extraDelay = heldBack.addingSaturated(faults.jitterDelay())
        if heldBack > 0 {
            linkStatistics[receiver].reorders &+= 1
            note(.reordered(packet, cycle: cycle.addingSaturated(heldBack)))
        }
        if let cycle = crossDownlink(packet, to: receiver, at: cycle, extraDelay: extraDelay) {
            arrivals.append(Arrival(machine: receiver, cycle: cycle, packet: packet, sender: sender, sentCycle: outgoing.sent.cycle))
        }
        if duplicated {
            linkStatistics[receiver].duplicates &+= 1
            note(.duplicated(packet, cycle: cycle))
            if let cycle = crossDownlink(packet, to: receiver, at: cycle, extraDelay: faults.jitterDelay()) {
                arrivals.append(Arrival(machine: receiver, cycle: cycle, packet: packet, sender: sender, sentCycle: outgoing.sent.cycle,
                                        isDuplicate: true))
            }
        }
    }

    /// The receiver's link, and any extra delay (jitter, holding back) after it.
    private func crossDownlink(_ packet: Packet, to machine: Int, at cycle: UInt64, extraDelay: UInt64) -> UInt64? {
        cross(packet, link: machine, outward: false, at: cycle)?.addingSaturated(extraDelay)
    }

    private func note(_ event: NetworkEvent) {
        if events.count < Fabric.eventLimit { events.append(event) } else { eventsNotKept &+= 1 }
    }

    private func drop(_ packet: Packet, _ reason: DropReason, at cycle: UInt64, link: Int) {
        linkStatistics[link].countDrop(reason)
        note(.dropped(packet, reason: reason, cycle: cycle, link: link))
    }

    /// The machine index (from 0) at `address`: 10.0.0.N for N from 1 to the machines.
    public func machineIndex(of address: IPv4Address) -> Int? {
        guard address.value >> 8 == 0x0A_0000 else { return nil }
        let number = Int(address.value & 0xFF)
        return number >= 1 && number <= timing.count ? number - 1 : nil
    }

    /// Packets waiting on machine `machine`'s uplink (`out`) or downlink at `cycle`.
    public func queueLength(machine: Int, out: Bool, at cycle: UInt64) -> Int {
        guard machine >= 0, machine < timing.count else { return 0 }
        return out ? uplinks[machine].waiting(at: cycle) : downlinks[machine].waiting(at: cycle)
    }
}
