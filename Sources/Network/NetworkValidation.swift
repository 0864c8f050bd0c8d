// Checks a network's settings before anything runs, so that a bad topology file or
// option is refused with a sentence that says what was wrong and what is accepted,
// instead of a run that cannot mean anything (a negative queue, a rate of 2, an MTU no
// TCP segment fits in, a partition naming a machine that does not exist).

extension LinkSettings {
    /// Longest latency, jitter or reorder delay accepted: 10 s.
    public static let longestDelayNanoseconds: UInt64 = 10_000_000_000
    /// IPv4's smallest MTU (RFC 791: every host takes 68-byte datagrams) and its largest.
    public static let mtuRange = 68...65_535
    public static let queueRange = 0...1_000_000

    /// What is wrong with this link, naming it as `name` ("the default link",
    /// "machine 2's link"); nil when it is fine.
    public func problem(_ name: String) -> String? {
        if latencyNanoseconds > LinkSettings.longestDelayNanoseconds {
            return "\(name): latency \(latencyNanoseconds) ns is too long; give 0 to 10 s (10,000,000,000 ns)"
        }
        if bandwidthBitsPerSecond == 0 { return "\(name): bandwidth must be at least 1 bit per second" }
        if !LinkSettings.mtuRange.contains(mtu) {
            return "\(name): MTU \(mtu) is not accepted; give 68 to 65535 bytes (TCP segments carry MTU − 40 bytes)"
        }
        if !LinkSettings.queueRange.contains(queuePackets) {
            return "\(name): queue of \(queuePackets) packets is not accepted; give 0 to 1000000"
        }
        return nil
    }
}

extension NetworkSettings {
    /// Refuses settings a run of `machines` machines cannot use, with the first problem.
    public func validate(machines: Int) throws(ClusterError) {
        if let problem = link.problem("the default link") { throw ClusterError(problem) }
        for (name, rate) in [("drop", faults.dropRate), ("duplicate", faults.duplicateRate), ("reorder", faults.reorderRate)] {
            guard rate.isFinite, rate >= 0, rate <= 1 else {
                throw ClusterError("\(name) rate \(rate) is not a chance; give a number from 0 to 1 (0.01 is one packet in a hundred)")
            }
        }
        for (name, delay) in [("jitter", faults.jitterNanoseconds), ("reorder delay", faults.reorderDelayNanoseconds)]
        where delay > LinkSettings.longestDelayNanoseconds {
            throw ClusterError("\(name) \(delay) ns is too long; give 0 to 10 s (10,000,000,000 ns)")
        }
        for (index, partition) in partitions.enumerated() {
            let name = "partition \(index + 1)"
            if partition.side.isEmpty { throw ClusterError("\(name) names no machine; give machines from 1 to \(machines)") }
            if let stray = partition.side.sorted().first(where: { $0 < 1 || $0 > machines }) {
                throw ClusterError("\(name) names machine \(stray), but there are machines 1 to \(machines)")
            }
            if partition.side.count >= machines {
                throw ClusterError("\(name) puts every machine on one side, so it separates nothing; leave at least one out")
            }
            if let heal = partition.healNanoseconds, heal <= partition.startNanoseconds {
                throw ClusterError("\(name) heals at \(heal) ns, not after it starts (\(partition.startNanoseconds) ns)")
            }
        }
        for crash in crashes {
            if crash.machine < 1 || crash.machine > machines {
                throw ClusterError("a crash names machine \(crash.machine), but there are machines 1 to \(machines)")
            }
            if let restart = crash.restartNanoseconds, restart <= crash.atNanoseconds {
                throw ClusterError("machine \(crash.machine) restarts at \(restart) ns, not after it crashes (\(crash.atNanoseconds) ns)")
            }
        }
    }
}

extension ClusterConfiguration {
    /// Refuses a cluster whose network cannot run (machine count, links, faults).
    public func validateNetwork() throws(ClusterError) {
        guard (1...ClusterConfiguration.maximumMachines).contains(machines.count) else {
            throw ClusterError("\(machines.count) machines: give 1 to \(ClusterConfiguration.maximumMachines)")
        }
        for (index, machine) in machines.enumerated() {
            if let problem = machine.link?.problem("machine \(index + 1)'s link") { throw ClusterError(problem) }
        }
        try network.validate(machines: machines.count)
    }
}
