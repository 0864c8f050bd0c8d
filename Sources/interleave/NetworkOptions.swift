// `interleave run`'s options for several machines on a simulated network: how many
// machines, a topology file, the links, the faults, partitions, crashes, clock skew and
// a packet capture. Any of them (or a FILE@N) makes the run a cluster (ClusterRun.swift);
// without them `run` is one machine, as before. Bad values end with status 2 and a
// sentence saying what is accepted.

import ArgumentParser
import Network

struct NetworkOptions: ParsableArguments {
    @Option(help: "Simulated machines, each with its own harts, memory and kernel, joined by a network (1...64; default: the highest N of a FILE@N, or the topology file's).")
    var machines: Int?

    @Option(help: ArgumentHelp("A JSON file with the machines, their options and programs, the links and the faults (docs/topology-example.json).", valueName: "file.json"))
    var topology: String?

    @Option(name: .customLong("latency-us"), help: "One-way latency of every link, machine to switch, in µs (1...10000000; default 50).")
    var latencyMicroseconds: Double?

    @Option(name: .customLong("bandwidth-mbps"), help: "Bandwidth of every link in Mbit/s: a packet takes its size over it to send (0.001...1000000; default 1000).")
    var bandwidthMbps: Double?

    @Option(help: "Largest IP packet a link carries, in bytes; TCP segments are at most MTU − 40 (68...65535; default 1500).")
    var mtu: Int?

    @Option(help: "Packets that may wait for a link; one more is dropped (0...1000000; default 128).")
    var queuePackets: Int?

    @Option(help: "Chance that the network loses a packet (0...1).")
    var drop: Double?

    @Option(help: "Chance that a packet is delivered twice (0...1).")
    var duplicate: Double?

    @Option(help: "Chance that a packet is held back so later ones pass it (0...1).")
    var reorder: Double?

    @Option(name: .customLong("reorder-delay-us"), help: "Longest hold-back of a reordered packet, in µs (0...10000000; default 200).")
    var reorderDelayMicroseconds: Double?

    @Option(name: .customLong("link-jitter-us"), help: "Extra delay drawn for every packet from 0 to this, in µs (0...10000000).")
    var jitterMicroseconds: Double?

    @Option(help: ArgumentHelp("Cut machines off from the rest for a while: SIDE[|OTHER][@START[-HEAL]], like 1,2|3@100ms-300ms (repeatable).", valueName: "partition"))
    var partition: [String] = []

    @Option(help: ArgumentHelp("A machine loses power at a time, and boots again at the second if given: MACHINE@TIME[-RESTART], like 2@50ms-200ms (repeatable).", valueName: "crash"))
    var crash: [String] = []

    @Option(help: ArgumentHelp("A machine's clock is ahead (or behind): MACHINE=OFFSET, like 2=+5ms (repeatable; CLOCK_REALTIME only).", valueName: "offset"))
    var clockOffset: [String] = []

    @Option(help: ArgumentHelp("A machine's clock runs fast (or slow): MACHINE=PPM, like 2=+100ppm (repeatable; every clock).", valueName: "drift"))
    var clockDrift: [String] = []

    @Option(help: ArgumentHelp("Write every packet to FILE in pcap format (IPv4, TCP, UDP headers), for Wireshark or tshark.", valueName: "file.pcap"))
    var pcap: String?

    /// Whether an option here asks for a network of machines.
    var isRequested: Bool {
        machines != nil || topology != nil || latencyMicroseconds != nil || bandwidthMbps != nil || mtu != nil
            || queuePackets != nil || drop != nil || duplicate != nil || reorder != nil || reorderDelayMicroseconds != nil
            || jitterMicroseconds != nil || !partition.isEmpty || !crash.isEmpty || !clockOffset.isEmpty || !clockDrift.isEmpty || pcap != nil
    }

    func validate() throws {
        if let machines { try OptionRange.check(machines, NetworkLimits.machines, option: "machines") }
        if let latencyMicroseconds { try OptionRange.check(latencyMicroseconds, 1...10_000_000, option: "latency-us") }
        if let bandwidthMbps { try OptionRange.check(bandwidthMbps, 0.001...1_000_000, option: "bandwidth-mbps") }
        if let mtu { try OptionRange.check(mtu, NetworkLimits.mtu, option: "mtu") }
        if let queuePackets { try OptionRange.check(queuePackets, NetworkLimits.queuePackets, option: "queue-packets") }
        for (rate, name) in [(drop, "drop"), (duplicate, "duplicate"), (reorder, "reorder")] {
            if let rate { try OptionRange.check(rate, NetworkLimits.rate, option: name) }
        }
        if let reorderDelayMicroseconds { try OptionRange.check(reorderDelayMicroseconds, 0...10_000_000, option: "reorder-delay-us") }
        if let jitterMicroseconds { try OptionRange.check(jitterMicroseconds, 0...10_000_000, option: "link-jitter-us") }
        // The syntax of each (machine numbers against the count come later, when it is known).
        try check(partition, "partition", NetworkSyntax.partitionForm) { _ = try NetworkSyntax.partition($0, machines: nil) }
        try check(crash, "crash", NetworkSyntax.crashForm) { _ = try NetworkSyntax.crash($0, machines: nil) }
        try check(clockOffset, "clock-offset", NetworkSyntax.clockOffsetForm) { _ = try NetworkSyntax.clockOffset($0, machines: nil) }
        try check(clockDrift, "clock-drift", NetworkSyntax.clockDriftForm) { _ = try NetworkSyntax.clockDrift($0, machines: nil) }
    }

    func check(_ values: [String], _ option: String, _ form: String, _ parse: (String) throws -> Void) throws {
        for value in values {
            do { try parse(value) } catch let problem as SyntaxProblem { throw ValidationError("--\(option) \(value): \(problem.message); the form is \(form)") }
        }
    }

    /// Microseconds as whole nanoseconds.
    static func nanoseconds(_ microseconds: Double) -> UInt64 { UInt64((microseconds * 1000).rounded()) }

    /// The network: the topology file's settings, then these options over them.
    func settings(over topology: Topology?, machines count: Int) throws -> NetworkSettings {
        var settings = NetworkSettings()
        if let topology {
            settings.link = topology.link.applied(to: settings.link)
            settings.faults = topology.faults.applied(to: settings.faults)
            settings.partitions = topology.partitions
            settings.crashes = topology.crashes
        }
        settings.link = commandLineLink.applied(to: settings.link)
        if let drop { settings.faults.dropRate = drop }
        if let duplicate { settings.faults.duplicateRate = duplicate }
        if let reorder { settings.faults.reorderRate = reorder }
        if let reorderDelayMicroseconds { settings.faults.reorderDelayNanoseconds = Self.nanoseconds(reorderDelayMicroseconds) }
        if let jitterMicroseconds { settings.faults.jitterNanoseconds = Self.nanoseconds(jitterMicroseconds) }
        for text in partition {
            do { settings.partitions.append(try NetworkSyntax.partition(text, machines: count)) }
            catch { throw ValidationError("--partition \(text): \(error.message)") }
        }
        for text in crash {
            do { settings.crashes.append(try NetworkSyntax.crash(text, machines: count)) }
            catch { throw ValidationError("--crash \(text): \(error.message)") }
        }
        return settings
    }

    /// The link fields given on the command line.
    var commandLineLink: LinkOverrides {
        var link = LinkOverrides()
        link.latencyNanoseconds = latencyMicroseconds.map(Self.nanoseconds)
        link.bandwidthBitsPerSecond = bandwidthMbps.map { UInt64(($0 * 1_000_000).rounded()) }
        link.mtu = mtu
        link.queuePackets = queuePackets
        return link
    }

    /// Each machine's clock offset and drift from the command line, by machine number.
    func clocks(machines count: Int) throws -> (offsets: [Int: Int64], drifts: [Int: Int64]) {
        var offsets: [Int: Int64] = [:], drifts: [Int: Int64] = [:]
        for text in clockOffset {
            do { let (machine, value) = try NetworkSyntax.clockOffset(text, machines: count); offsets[machine] = value }
            catch { throw ValidationError("--clock-offset \(text): \(error.message)") }
        }
        for text in clockDrift {
            do { let (machine, value) = try NetworkSyntax.clockDrift(text, machines: count); drifts[machine] = value }
            catch { throw ValidationError("--clock-drift \(text): \(error.message)") }
        }
        return (offsets, drifts)
    }
}
