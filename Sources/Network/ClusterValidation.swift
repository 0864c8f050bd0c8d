// Checks a ClusterConfiguration before anything runs: the number of machines, their
// programs, one clock for all, the faults' rates, and the partitions' and crashes'
// machines and times. Each refusal says what was wrong and what is accepted, naming the
// machine by number and name, so a person can fix a topology file or a command line.

import Kernel

extension ClusterConfiguration {
    /// Throws the first thing wrong with the configuration (the kernels check their own
    /// settings when the cluster builds them).
    public func validate() throws(ClusterError) {
        guard (1...Self.maximumMachines).contains(machines.count) else {
            throw ClusterError("a simulation has 1 to \(Self.maximumMachines) machines, not \(machines.count)")
        }
        for (index, machine) in machines.enumerated() {
            let who = Self.describe(index, machines)
            guard !machine.programs.isEmpty else {
                throw ClusterError("\(who) has no program: give every machine at least one")
            }
            var seen: [String: [UInt8]] = [:]
            for program in machine.programs {
                guard !program.name.isEmpty else { throw ClusterError("\(who) has a program with no name") }
                if let earlier = seen[program.name], earlier != program.executable {
                    throw ClusterError("\(who) has two different programs named \(program.name): give them different names")
                }
                seen[program.name] = program.executable
            }
        }
        let frequency = machines[0].configuration.clockFrequency
        if let other = machines.indices.first(where: { machines[$0].configuration.clockFrequency != frequency }) {
            throw ClusterError("every machine must run at the same clock frequency (a cycle is the network's unit of time): "
                               + "\(Self.describe(0, machines)) runs at \(frequency) Hz, "
                               + "\(Self.describe(other, machines)) at \(machines[other].configuration.clockFrequency) Hz")
        }
        try validateLink(network.link, "the network's link")
        for (index, machine) in machines.enumerated() {
            if let link = machine.link { try validateLink(link, "the link of \(Self.describe(index, machines))") }
        }
        let faults = network.faults
        for (rate, name) in [(faults.dropRate, "drop"), (faults.duplicateRate, "duplicate"), (faults.reorderRate, "reorder")] {
            guard rate.isFinite, (0...1).contains(rate) else {
                throw ClusterError("the \(name) rate must be between 0 and 1 (a chance per packet), not \(rate)")
            }
        }
        try validatePartitions()
        try validateCrashes()
    }

    func validateLink(_ link: LinkSettings, _ what: String) throws(ClusterError) {
        guard link.latencyNanoseconds >= 1, link.latencyNanoseconds <= 1_000_000_000_000 else {
            throw ClusterError("\(what): the latency must be between 1 ns and 1000 s, not \(link.latencyNanoseconds) ns")
        }
        guard link.bandwidthBitsPerSecond >= 1_000 else {
            throw ClusterError("\(what): the bandwidth must be at least 1000 bits per second, not \(link.bandwidthBitsPerSecond)")
        }
        guard (68...65_535).contains(link.mtu) else {
            throw ClusterError("\(what): the MTU must be between 68 and 65535 bytes (IPv4's limits), not \(link.mtu)")
        }
        guard (0...1_000_000).contains(link.queuePackets) else {
            throw ClusterError("\(what): the queue must hold between 0 and 1000000 packets, not \(link.queuePackets)")
        }
    }

    func validatePartitions() throws(ClusterError) {
        for (index, partition) in network.partitions.enumerated() {
            let which = "partition \(index + 1)"
            guard !partition.side.isEmpty else { throw ClusterError("\(which) names no machine: give the machines on one side") }
            if let stray = partition.side.sorted().first(where: { !(1...machines.count).contains($0) }) {
                throw ClusterError("\(which) names machine \(stray); machines are numbered 1 to \(machines.count)")
            }
            guard partition.side.count < machines.count else {
                throw ClusterError("\(which) puts every machine on one side: leave at least one on the other")
            }
            if let heal = partition.healNanoseconds, heal <= partition.startNanoseconds {
                throw ClusterError("\(which) heals at \(heal) ns, not after it starts at \(partition.startNanoseconds) ns")
            }
        }
    }

    func validateCrashes() throws(ClusterError) {
        for crash in network.crashes {
            guard (1...machines.count).contains(crash.machine) else {
                throw ClusterError("a crash names machine \(crash.machine); machines are numbered 1 to \(machines.count)")
            }
            if let restart = crash.restartNanoseconds, restart <= crash.atNanoseconds {
                throw ClusterError("machine \(crash.machine) restarts at \(restart) ns, not after it crashes at \(crash.atNanoseconds) ns")
            }
        }
        // One machine's crashes must follow each other: each after the last one's restart.
        for number in 1...machines.count {
            let crashes = network.crashes.filter { $0.machine == number }.sorted { $0.atNanoseconds < $1.atNanoseconds }
            for (earlier, later) in zip(crashes, crashes.dropFirst()) {
                guard let restart = earlier.restartNanoseconds else {
                    throw ClusterError("machine \(number) never restarts after its crash at \(earlier.atNanoseconds) ns, so it cannot crash again at \(later.atNanoseconds) ns")
                }
                guard later.atNanoseconds > restart else {
                    throw ClusterError("machine \(number) crashes at \(later.atNanoseconds) ns while still down (from \(earlier.atNanoseconds) ns until its restart at \(restart) ns)")
                }
            }
        }
    }

    /// "machine 2 (server)": numbered from 1, as addresses (10.0.0.2) are.
    static func describe(_ index: Int, _ machines: [MachineSpec]) -> String {
        let name = machines[index].name
        return name.isEmpty ? "machine \(index + 1)" : "machine \(index + 1) (\(name))"
    }
}
