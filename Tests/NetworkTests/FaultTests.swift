// The network's seeded faults: each at its rate within a bound over many packets, the
// same decisions for the same seed, partitions that start and heal, machines down.

import Kernel
@testable import Network
import Testing

@Suite struct FaultTests {
    typealias F = FabricFixtures

    /// Sends `count` packets from machine 1 to 2, 100 µs apart (no queueing), one per window.
    static func run(_ network: NetworkSettings, seed: UInt64, count: Int = 10_000) -> (fabric: Fabric, arrivals: [Arrival]) {
        let fabric = F.fabric(network: network, seed: seed)
        var arrivals: [Arrival] = []
        for index in 0..<count {
            arrivals += F.send(fabric, F.packet(from: 1, to: 2, size: 100, sequence: UInt32(index)), from: 0,
                               at: UInt64(index) * 10_000, serial: UInt64(index))
        }
        return (fabric, arrivals)
    }

    @Test func dropsAndDuplicatesHappenAtTheirRates() {
        var network = NetworkSettings()
        network.faults.dropRate = 0.1
        network.faults.duplicateRate = 0.05
        let (fabric, arrivals) = FaultTests.run(network, seed: 7)
        let statistics = fabric.linkStatistics[1]
        // 10,000 packets: 1,000 drops expected (σ = 30), 450 duplicates of the 9,000 left (σ ≈ 21).
        #expect((850...1150).contains(statistics.dropsByReason[.fault]))
        #expect((345...555).contains(statistics.duplicates))
        #expect(arrivals.count == 10_000 - Int(statistics.drops) + Int(statistics.duplicates))
        // A copy arrives just after its original: one serialisation (100 bytes: 80 cycles) later.
        let copies = zip(arrivals, arrivals.dropFirst()).filter { $0.packet == $1.packet }
        #expect(copies.count == Int(statistics.duplicates))
        #expect(copies.allSatisfy { $1.cycle == $0.cycle + 80 && !$0.isDuplicate && $1.isDuplicate })
        #expect(arrivals.allSatisfy { $0.sender == 0 && $0.sentCycle == UInt64($0.packet.tcp.sequence) * 10_000 })
        let events = fabric.takeEvents()
        #expect(events.filter { if case .duplicated = $0 { true } else { false } }.count == Int(statistics.duplicates))
        #expect(events.filter { if case .dropped(_, .fault, _, 1) = $0 { true } else { false } }.count == Int(statistics.drops))
    }

    @Test func reorderingHoldsPacketsBackSoLaterOnesPass() {
        var network = NetworkSettings()
        network.faults.reorderRate = 0.2
        network.faults.reorderDelayNanoseconds = 250_000   // 25,000 cycles: up to two packets pass
        let (fabric, arrivals) = FaultTests.run(network, seed: 11)
        let reorders = fabric.linkStatistics[1].reorders
        #expect((1800...2200).contains(reorders))
        let base: (Arrival) -> UInt64 = { UInt64($0.packet.tcp.sequence) * 10_000 + 80 + 5000 + 80 + 5000 }
        #expect(arrivals.allSatisfy { $0.cycle > base($0) ? $0.cycle <= base($0) + 25_000 : $0.cycle == base($0) })
        #expect(arrivals.filter { $0.cycle > base($0) }.count == Int(reorders))
        // Arrival order differs from sending order for some.
        let order = arrivals.sorted { ($0.cycle, $0.packet.tcp.sequence) < ($1.cycle, $1.packet.tcp.sequence) }.map(\.packet.tcp.sequence)
        let passed = zip(order, order.dropFirst()).filter { $0 > $1 }.count
        #expect(passed > 500)
    }

    @Test func jitterAddsUpToItsBoundUniformly() {
        var network = NetworkSettings()
        network.faults.jitterNanoseconds = 10_000   // 1,000 cycles
        let (_, arrivals) = FaultTests.run(network, seed: 3)
        let extra = arrivals.map { $0.cycle - (UInt64($0.packet.tcp.sequence) * 10_000 + 10_160) }
        #expect(extra.allSatisfy { $0 <= 1000 })
        let mean = Double(extra.reduce(0, +)) / Double(extra.count)
        #expect(abs(mean - 500) < 15)   // σ of the mean ≈ 2.9
        #expect((extra.min() ?? 1000) < 5 && (extra.max() ?? 0) > 995)
    }

    @Test func theSameSeedRepeatsExactlyAndAnotherDiffers() {
        var network = NetworkSettings()
        network.faults.dropRate = 0.05
        network.faults.duplicateRate = 0.05
        network.faults.reorderRate = 0.05
        network.faults.jitterNanoseconds = 3_000
        let first = FaultTests.run(network, seed: 42, count: 2000)
        let again = FaultTests.run(network, seed: 42, count: 2000)
        let other = FaultTests.run(network, seed: 43, count: 2000)
        #expect(first.arrivals == again.arrivals)
        #expect(first.fabric.events == again.fabric.events)
        #expect(first.fabric.linkStatistics == again.fabric.linkStatistics)
        #expect(first.arrivals != other.arrivals)
    }

    @Test func noFaultsMeansNoRandomnessAndEveryPacketArrives() {
        let (fabric, arrivals) = FaultTests.run(NetworkSettings(), seed: 1, count: 500)
        let (_, otherSeed) = FaultTests.run(NetworkSettings(), seed: 2, count: 500)
        #expect(arrivals.count == 500 && arrivals == otherSeed)
        #expect(fabric.events.isEmpty)
    }

    @Test func aPartitionDropsBothWaysWhileActiveAndHeals() {
        var network = NetworkSettings()
        // Machine 1 alone, from 1 ms to 2 ms (cycles 100,000 to 200,000) at the switch.
        network.partitions = [Partition(side: [1], startNanoseconds: 1_000_000, healNanoseconds: 2_000_000)]
        let fabric = F.fabric(machines: 3, network: network)
        // A packet of 1,500 bytes reaches the switch 6,200 cycles after it is sent.
        func delivered(_ from: Int, _ to: Int, switchCycle: UInt64) -> Bool {
            !F.send(fabric, F.packet(from: from + 1, to: to + 1), from: from, at: switchCycle - 6200).isEmpty
        }
        #expect(delivered(0, 1, switchCycle: 99_999))
        #expect(!delivered(0, 1, switchCycle: 100_000))
        #expect(!delivered(1, 0, switchCycle: 150_000))
        #expect(!delivered(2, 0, switchCycle: 150_000))
        #expect(delivered(1, 2, switchCycle: 150_000))   // both outside the side
        #expect(!delivered(0, 2, switchCycle: 199_999))
        #expect(delivered(0, 1, switchCycle: 200_000))   // healed
        #expect(delivered(1, 0, switchCycle: 250_000))
        #expect(fabric.linkStatistics.map { $0.dropsByReason[.partition] } == [2, 1, 1])
    }

    @Test func aPartitionWithoutAHealLastsForEver() {
        var network = NetworkSettings()
        network.partitions = [Partition(side: [2, 3], startNanoseconds: 0, healNanoseconds: nil),
                              Partition(side: [9], startNanoseconds: 0, healNanoseconds: nil)]   // no such machine: ignored
        let fabric = F.fabric(machines: 3, network: network)
        #expect(F.send(fabric, F.packet(from: 1, to: 2), from: 0, at: 1 << 40).isEmpty)
        #expect(F.send(fabric, F.packet(from: 2, to: 3), from: 1, at: 1 << 40).count == 1)
    }

    @Test func aMachineThatIsDownGetsNothing() {
        let fabric = F.fabric(machines: 3)
        let down: (Int) -> Bool = { $0 == 1 }
        #expect(F.send(fabric, F.packet(from: 1, to: 2), from: 0, at: 0, down: down).isEmpty)
        #expect(F.send(fabric, F.packet(from: 1, to: 3), from: 0, at: 0, down: down).count == 1)
        #expect(fabric.events == [.dropped(F.packet(from: 1, to: 2), reason: .machineDown, cycle: 6200, link: 1)])
        #expect(fabric.linkStatistics[1].dropsByReason[.machineDown] == 1)
    }
}
