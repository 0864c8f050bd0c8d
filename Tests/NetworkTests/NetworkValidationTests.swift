// The network's settings are refused, with what is accepted, before a run starts.

import Network
import Testing

@Suite struct NetworkValidationTests {
    static func refusal(_ change: (inout NetworkSettings) -> Void, machines: Int = 3) -> String? {
        var settings = NetworkSettings()
        change(&settings)
        do {
            try settings.validate(machines: machines)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func theDefaultsAreAccepted() {
        #expect(NetworkValidationTests.refusal { _ in } == nil)
        #expect(NetworkValidationTests.refusal({ $0.partitions = [Partition(side: [1], startNanoseconds: 0, healNanoseconds: 5)] }, machines: 2) == nil)
    }

    @Test func eachBadValueIsNamedWithWhatIsAccepted() {
        let cases: [((inout NetworkSettings) -> Void, String)] = [
            ({ $0.link.mtu = 40 }, "the default link: MTU 40 is not accepted; give 68 to 65535 bytes"),
            ({ $0.link.queuePackets = -1 }, "the default link: queue of -1 packets is not accepted; give 0 to 1000000"),
            ({ $0.link.bandwidthBitsPerSecond = 0 }, "the default link: bandwidth must be at least 1 bit per second"),
            ({ $0.link.latencyNanoseconds = 20_000_000_000 }, "the default link: latency 20000000000 ns is too long"),
            ({ $0.faults.dropRate = 1.5 }, "drop rate 1.5 is not a chance; give a number from 0 to 1"),
            ({ $0.faults.reorderRate = .nan }, "reorder rate nan is not a chance"),
            ({ $0.faults.jitterNanoseconds = .max }, "jitter 18446744073709551615 ns is too long"),
            ({ $0.partitions = [Partition(side: [4], startNanoseconds: 0, healNanoseconds: nil)] },
             "partition 1 names machine 4, but there are machines 1 to 3"),
            ({ $0.partitions = [Partition(side: [], startNanoseconds: 0, healNanoseconds: nil)] }, "partition 1 names no machine"),
            ({ $0.partitions = [Partition(side: [1, 2, 3], startNanoseconds: 0, healNanoseconds: nil)] }, "separates nothing"),
            ({ $0.partitions = [Partition(side: [1], startNanoseconds: 10, healNanoseconds: 10)] }, "partition 1 heals at 10 ns, not after it starts"),
            ({ $0.crashes = [Crash(machine: 0, atNanoseconds: 0, restartNanoseconds: nil)] }, "a crash names machine 0"),
            ({ $0.crashes = [Crash(machine: 2, atNanoseconds: 9, restartNanoseconds: 3)] }, "machine 2 restarts at 3 ns, not after it crashes"),
        ]
        for (change, message) in cases {
            let refusal = NetworkValidationTests.refusal(change)
            #expect(refusal?.contains(message) == true, "\(refusal ?? "accepted"), wanted \(message)")
        }
    }

    @Test func aMachinesOwnLinkIsCheckedToo() {
        var link = LinkSettings()
        link.mtu = 70_000
        let configuration = ClusterConfiguration(machines: [MachineSpec(name: "a", programs: []), MachineSpec(name: "b", programs: [], link: link)])
        #expect(throws: ClusterError("machine 2's link: MTU 70000 is not accepted; give 68 to 65535 bytes (TCP segments carry MTU − 40 bytes)")) {
            try configuration.validateNetwork()
        }
        #expect(throws: ClusterError("0 machines: give 1 to 64")) { try ClusterConfiguration(machines: []).validateNetwork() }
    }
}
