// The network model's arithmetic, checked by hand: serialisation, queues and tail drop,
// latencies summed over two links, the lookahead bound, MTU and addresses, statistics.

import Kernel
@testable import Network
import Testing

/// Packets and fabrics for the network's tests (100 MHz: a cycle is 10 ns).
enum FabricFixtures {
    static let clock: UInt64 = 100_000_000

    /// A TCP segment from machine `from` to `to` (numbered from 1) whose IP packet is `size` bytes.
    static func packet(from: Int, to: Int, size: Int = 1500, sequence: UInt32 = 0) -> Packet {
        Packet(source: .machine(from), destination: .machine(to), sourcePort: 5000, destinationPort: 6000, transport: .tcp,
               tcp: TCPHeader(sequence: sequence, flags: [.ack], window: 65535), payload: [UInt8](repeating: 0x5A, count: max(0, size - 40)))
    }

    static func fabric(machines: Int = 2, links: [LinkSettings]? = nil, network: NetworkSettings = NetworkSettings(),
                       seed: UInt64 = 1) -> Fabric {
        Fabric(settings: network, links: links ?? Array(repeating: network.link, count: machines), clockFrequency: clock, seed: seed)
    }

    /// When an event happened (the trace's `NetworkEvent.cycle`, declared by part G, says the same).
    static func cycle(_ event: NetworkEvent) -> UInt64 {
        switch event {
        case .dropped(_, _, let cycle, _), .duplicated(_, let cycle), .reordered(_, let cycle): cycle
        }
    }

    static func send(_ fabric: Fabric, _ packet: Packet, from machine: Int, at cycle: UInt64, serial: UInt64 = 0,
                     down: (Int) -> Bool = { _ in false }) -> [Arrival] {
        fabric.transmit(SentPacket(cycle: cycle, packet: packet, serial: serial), from: machine, down: down)
    }
}

@Suite struct FabricTests {
    typealias F = FabricFixtures

    @Test func serialisationIsBitsOverBandwidthRoundedUpToACycle() {
        let gigabit = LinkTiming(LinkSettings(), clockFrequency: F.clock)
        #expect(gigabit.serialisation(bytes: 1500) == 1200)   // 12 µs
        #expect(gigabit.serialisation(bytes: 1) == 1)         // 8 ns: under a cycle, still one
        #expect(gigabit.serialisation(bytes: 0) == 1)
        #expect(gigabit.latency == 5000)                      // 50 µs
        var slow = LinkSettings()
        slow.bandwidthBitsPerSecond = 3
        #expect(LinkTiming(slow, clockFrequency: 10).serialisation(bytes: 1) == 27)   // 8/3 s = 26.67 cycles at 10 Hz
        slow.bandwidthBitsPerSecond = 0                                                // treated as 1 bit/s, no trap
        #expect(LinkTiming(slow, clockFrequency: .max).serialisation(bytes: .max) == .max)
    }

    @Test func onePacketCrossesBothLinks() {
        let fabric = F.fabric()
        let arrivals = F.send(fabric, F.packet(from: 1, to: 2), from: 0, at: 1000)
        // 1,200 cycles onto the uplink, 5,000 to the switch, 1,200 onto the downlink, 5,000 to machine 2.
        let cycle: UInt64 = 1000 + 1200 + 5000 + 1200 + 5000
        #expect(arrivals == [Arrival(machine: 1, cycle: cycle, packet: F.packet(from: 1, to: 2), sender: 0, sentCycle: 1000)])
        #expect(fabric.linkStatistics[0].packetsOut == 1 && fabric.linkStatistics[0].bytesOut == 1500)
        #expect(fabric.linkStatistics[1].packetsIn == 1 && fabric.linkStatistics[1].bytesIn == 1500)
        #expect(fabric.events.isEmpty)
    }

    @Test func latenciesAndBandwidthsOfEachLinkAdd() {
        var fast = LinkSettings()
        fast.latencyNanoseconds = 10_000
        fast.bandwidthBitsPerSecond = 100_000_000
        var far = fast
        far.latencyNanoseconds = 30_000
        let fabric = F.fabric(links: [fast, far])
        // 100 bytes at 100 Mbit/s: 8 µs = 800 cycles on each link; 10 µs and 30 µs of latency.
        let arrivals = F.send(fabric, F.packet(from: 1, to: 2, size: 100), from: 0, at: 7)
        let there: UInt64 = 7 + 800 + 1000 + 800 + 3000, back: UInt64 = 10_000 + 800 + 3000 + 800 + 1000
        #expect(arrivals.map(\.cycle) == [there])
        let returned = F.send(fabric, F.packet(from: 2, to: 1, size: 100), from: 1, at: 10_000)
        #expect(returned.map(\.cycle) == [back])
        #expect(fabric.lookahead == 2 * 1000 + 2)
    }

    @Test func aBurstFillsTheQueueAndTheRestIsDropped() {
        let fabric = F.fabric()
        let burst = (0..<200).map { OutgoingPacket(machine: 0, sent: SentPacket(cycle: 0, packet: F.packet(from: 1, to: 2, sequence: UInt32($0)), serial: UInt64($0))) }
        let arrivals = fabric.transmit(burst, down: { _ in false })
        // One goes onto the wire at once, 128 wait, 71 find the queue full.
        #expect(arrivals.count == 129)
        #expect(arrivals.map(\.packet.tcp.sequence) == (0..<129).map { UInt32($0) })
        // Each leaves the uplink 1,200 cycles after the one before and meets an idle downlink.
        #expect(arrivals.enumerated().allSatisfy { index, arrival in arrival.cycle == UInt64(index + 2) * 1200 + 10_000 })
        let uplink = fabric.linkStatistics[0]
        #expect(uplink.packetsOut == 129 && uplink.drops == 71 && uplink.dropsByReason[.queueFull] == 71)
        #expect(uplink.largestQueueOut == 128 && uplink.largestQueue == 128)
        #expect(fabric.linkStatistics[1].largestQueueIn == 0)
        #expect(fabric.queueLength(machine: 0, out: true, at: 0) == 128)
        #expect(fabric.queueLength(machine: 0, out: true, at: 1200) == 127)
        #expect(fabric.queueLength(machine: 0, out: true, at: 129 * 1200) == 0)
        let dropped = fabric.takeEvents()
        #expect(dropped.count == 71 && fabric.events.isEmpty)
        #expect(dropped.first == .dropped(F.packet(from: 1, to: 2, sequence: 129), reason: .queueFull, cycle: 0, link: 0))
        // Once the queue has drained, the link takes packets again.
        #expect(F.send(fabric, F.packet(from: 1, to: 2), from: 0, at: 200 * 1200).count == 1)
    }

    @Test func twoSendersQueueOnTheReceiversDownlink() {
        let fabric = F.fabric(machines: 3)
        let packets = [OutgoingPacket(machine: 1, sent: SentPacket(cycle: 0, packet: F.packet(from: 2, to: 3), serial: 0)),
                       OutgoingPacket(machine: 0, sent: SentPacket(cycle: 0, packet: F.packet(from: 1, to: 3), serial: 0))]
        let arrivals = fabric.transmit(packets, down: { _ in false })
        // Both reach the switch at 6,200; machine 1's (index 0) goes first, the other waits 1,200 cycles.
        #expect(arrivals.map(\.cycle) == [12_400, 13_600])
        #expect(arrivals.map(\.packet.source) == [.machine(1), .machine(2)])
        #expect(fabric.linkStatistics[2].largestQueueIn == 1 && fabric.linkStatistics[2].queueingCycles == 1200)
    }

    @Test func theSwitchServesADownlinkInTheOrderPacketsReachIt() {
        var near = LinkSettings()
        near.latencyNanoseconds = 1_000
        let fabric = F.fabric(links: [LinkSettings(), near, LinkSettings()])
        // Machine 1 sends first but its link is long; machine 2's packet, sent later, reaches the switch first.
        let packets = [OutgoingPacket(machine: 0, sent: SentPacket(cycle: 0, packet: F.packet(from: 1, to: 3), serial: 0)),
                       OutgoingPacket(machine: 1, sent: SentPacket(cycle: 100, packet: F.packet(from: 2, to: 3), serial: 0))]
        let arrivals = fabric.transmit(packets, down: { _ in false })
        #expect(arrivals.map(\.packet.source) == [.machine(2), .machine(1)])
        let machine2First: UInt64 = 100 + 1200 + 100 + 1200 + 5000, machine1After: UInt64 = 6200 + 1200 + 5000
        #expect(arrivals.map(\.cycle) == [machine2First, machine1After])
    }

    @Test func everyArrivalIsAtLeastTheLookaheadAfterItsSending() {
        var network = NetworkSettings()
        network.faults.duplicateRate = 0.2
        network.faults.reorderRate = 0.2
        network.faults.jitterNanoseconds = 5_000
        var links: [LinkSettings] = []
        for index in 0..<4 {
            var link = LinkSettings()
            link.latencyNanoseconds = UInt64(7_000 + 13_000 * index)
            link.bandwidthBitsPerSecond = UInt64(10_000_000 << index)
            links.append(link)
        }
        let fabric = F.fabric(links: links, network: network, seed: 99)
        #expect(fabric.lookahead == 2 * 700 + 2)
        var sentAt: [UInt32: UInt64] = [:]
        var arrivals: [Arrival] = []
        for window in 0..<50 {
            var batch: [OutgoingPacket] = []
            for index in 0..<20 {
                let number = UInt32(window * 20 + index)
                let from = index % 4, to = (index + 1 + window) % 4
                let cycle = UInt64(window) * fabric.lookahead + UInt64(index * 37) % fabric.lookahead
                sentAt[number] = cycle
                batch.append(OutgoingPacket(machine: from, sent: SentPacket(
                    cycle: cycle, packet: F.packet(from: from + 1, to: to + 1, size: 40 + index * 70, sequence: number), serial: UInt64(index))))
            }
            arrivals += fabric.transmit(batch, down: { _ in false })
        }
        #expect(arrivals.count >= 500)   // the slow links drop some
        for arrival in arrivals {
            let sent = sentAt[arrival.packet.tcp.sequence] ?? .max
            #expect(arrival.cycle >= sent + fabric.lookahead)
        }
    }

    @Test func packetsOverTheMTUAreDroppedOnTheFirstLinkTooSmall() {
        var small = LinkSettings()
        small.mtu = 576
        let fabric = F.fabric(links: [LinkSettings(), small])
        #expect(F.send(fabric, F.packet(from: 1, to: 2, size: 1501), from: 0, at: 0).isEmpty)
        #expect(F.send(fabric, F.packet(from: 1, to: 2, size: 1000), from: 0, at: 0).isEmpty)
        #expect(F.send(fabric, F.packet(from: 1, to: 2, size: 576), from: 0, at: 0).count == 1)
        let atSwitch: UInt64 = 800 + 5000
        #expect(fabric.events.map(FabricFixtures.cycle) == [0, atSwitch])   // at the sender; at the switch
        #expect(fabric.linkStatistics[0].dropsByReason[.tooBig] == 1)   // the sender's own MTU
        #expect(fabric.linkStatistics[1].dropsByReason[.tooBig] == 1)   // the receiver's smaller one
        #expect(fabric.linkStatistics[1].dropsByReason.nonZero.map(\.reason) == [.tooBig])
    }

    @Test func addressesWithNoMachineAreDroppedAtTheSwitch() {
        let fabric = F.fabric()
        #expect(fabric.machineIndex(of: .machine(2)) == 1)
        #expect(fabric.machineIndex(of: .machine(3)) == nil)
        #expect(fabric.machineIndex(of: IPv4Address(value: 0x0A00_0000)) == nil)
        #expect(fabric.machineIndex(of: IPv4Address(value: 0x0A00_0101)) == nil)   // 10.0.1.1
        var stray = F.packet(from: 1, to: 3)
        #expect(F.send(fabric, stray, from: 0, at: 0).isEmpty)
        stray.destination = IPv4Address(value: 0xC0A8_0001)   // 192.168.0.1
        #expect(F.send(fabric, stray, from: 0, at: 0).isEmpty)
        #expect(fabric.linkStatistics[0].dropsByReason[.noMachine] == 2)
        #expect(fabric.linkStatistics[0].packetsOut == 2)
        // Nothing sent from a machine the fabric does not have.
        #expect(F.send(fabric, F.packet(from: 1, to: 2), from: 5, at: 0).isEmpty)
        #expect(F.send(fabric, F.packet(from: 1, to: 2), from: -1, at: 0).isEmpty)
    }

    @Test func eventsNobodyTakesStopAtTheLimitAndAreCounted() {
        let fabric = F.fabric()
        // 70,000 packets for a machine that does not exist, sent at once: every one a drop.
        let flood = (0..<70_000).map { OutgoingPacket(machine: 0, sent: SentPacket(cycle: 0, packet: F.packet(from: 1, to: 9, size: 40), serial: UInt64($0))) }
        #expect(fabric.transmit(flood, down: { _ in false }).isEmpty)
        #expect(fabric.linkStatistics[0].drops == 70_000)
        #expect(fabric.events.count == Fabric.eventLimit && fabric.eventsNotKept == UInt64(70_000 - Fabric.eventLimit))
        #expect(fabric.takeEvents().count == Fabric.eventLimit)
        _ = F.send(fabric, F.packet(from: 1, to: 9), from: 0, at: 1 << 30)
        #expect(fabric.events.count == 1)
    }
}
