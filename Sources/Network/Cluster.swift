// Several machines in one simulation (DESIGN decision 9): each with its own harts, RAM
// and kernel, the network the only thing they share, one host thread stepping them all
// by simulated time. Time goes in windows as long as the network's shortest latency: in
// a window every machine runs on its own up to the window's end; then the packets sent
// are carried, each arriving at a cycle after the window. So the order the machines are
// stepped in within a window cannot change anything, and a run is a pure function of
// its programs, configuration and seed.
//
// A machine with nothing to do before the window's end is not stepped at all, and when
// no machine has anything to do the cluster jumps to the earliest thing that will happen
// (a timer, an arrival, a crash or restart): a cluster that sleeps costs the host nothing.
// Crashes and restarts (ClusterPower.swift) fall on window boundaries.
//
// Part A (cluster) owns this file.

import Kernel
import Machine
import Trace

/// How a multi-machine run ended.
public struct ClusterOutcome: Sendable {
    /// Per machine (index from 0): its first program's ending (of its last boot), or nil
    /// if it was still running or waiting when the run ended.
    public var endings: [ProcessEnding?]
    /// The run ended because nothing could happen any more: every machine waits with no
    /// timer armed and no packet in flight (processes still waiting are listed).
    public var quiescent: Bool
    /// The simulated cycle the run ended at.
    public var endCycle: UInt64
    /// What each machine still waiting was blocked in, for the report: one line per
    /// thread, "machine 2 (server): process 1 (server), thread 1: blocked in accept …".
    public var stillWaiting: [String]
}

public final class Cluster {
    public let configuration: ClusterConfiguration
    /// The machines' kernels, in order (machine N is index N−1, address 10.0.0.N); a
    /// machine that restarted has its new kernel here.
    public internal(set) var kernels: [Kernel] = []
    public let fabric: Fabric
    /// Called for every packet put on the wire, with the cycle it left (pcap, tests), in
    /// the order the network carries them: by cycle, then sending machine, then the
    /// sender's count.
    public var onPacket: ((_ packet: Packet, _ cycle: UInt64) -> Void)? = nil
    /// Called for every arrival the network makes, as the network computed it, with the
    /// end of the window the packet was sent in (the receiver has run up to there; the
    /// arrival is scheduled no earlier). For traces and for tests of the window rule.
    public var onArrival: ((_ arrival: Arrival, _ windowEnd: UInt64) -> Void)? = nil
    /// Where the network's drops, duplicates and reorders go for the trace (part G's
    /// `ClusterTraceWriter.network`); the fabric's events are taken every window either way.
    public var networkTrace: TraceRecorder? = nil
    /// Called after each window stepped, with its end: every machine has run up to there
    /// (the command line lets out the machines' output lines written before it).
    public var onWindowEnd: ((_ windowEnd: UInt64) -> Void)? = nil
    /// Called when a machine loses power (`poweredOn` false) or boots again (true; its new
    /// kernel is already in `kernels`, its trace recorder asked of `traces`), for traces.
    public var onPowerChange: ((_ machine: Int, _ cycle: UInt64, _ poweredOn: Bool) -> Void)? = nil
    /// Per machine (index from 0): how many times it has powered on (1, plus its restarts).
    public internal(set) var boots: [Int]
    /// Windows of time stepped, and machine-windows (a machine run through one window):
    /// a machine with nothing to do in a window, and time in which no machine has, cost
    /// none, so these measure the loop's overhead.
    public internal(set) var windowsStepped: UInt64 = 0
    public internal(set) var machineWindowsStepped: UInt64 = 0
    /// The cluster's clock: every machine has run up to here.
    public internal(set) var now: UInt64 = 0

    /// The one clock frequency every machine shares (validated).
    public let clockFrequency: UInt64
    let ios: [KernelIO]
    /// Each machine's current network interface (its last boot's).
    var interfaces: [NetworkInterface] = []
    let traces: (Int) -> TraceRecorder?
    /// Per machine: powered off after a crash (packets to it are lost).
    var down: [Bool]
    /// Crashes and restarts in the order they happen (ClusterPower.swift).
    var powerEvents: [PowerEvent] = []
    var nextPowerEvent = 0

    /// Builds every machine's kernel (its first program as pid 1, the others beside it,
    /// each program spawnable by name) on the network as 10.0.0.N, after validating the
    /// configuration. `io(i)` and `traces(i)` give machine index i's (from 0) streams and
    /// trace recorder; `traces` is asked again, with the same index, for every restart
    /// (`boots[i]` tells the boots apart). Machine i's kernel seed is its configuration's
    /// seed when set (non-zero), else derived from the cluster's seed and i
    /// (`Cluster.kernelSeed`), so machines running the same program still differ.
    public init(configuration: ClusterConfiguration, io: (Int) -> KernelIO,
                traces: @escaping (Int) -> TraceRecorder? = { _ in nil }) throws(ClusterError) {
        try configuration.validate()
        self.configuration = configuration
        clockFrequency = configuration.machines[0].configuration.clockFrequency
        fabric = Fabric(settings: configuration.network, links: configuration.machines.map { $0.link ?? configuration.network.link },
                        clockFrequency: clockFrequency, seed: configuration.seed)
        ios = configuration.machines.indices.map { io($0) }
        self.traces = traces
        down = Array(repeating: false, count: configuration.machines.count)
        boots = Array(repeating: 1, count: configuration.machines.count)
        for index in configuration.machines.indices {
            let (kernel, interface) = try bootKernel(index, atCycle: 0, boot: 1)
            kernels.append(kernel)
            interfaces.append(interface)
        }
        powerEvents = PowerEvent.schedule(configuration.network.crashes, clockFrequency: clockFrequency)
    }

    /// Machine `index`'s kernel seed for its `boot`th power-on: its configuration's seed
    /// when non-zero, else a mix of the cluster's seed and the machine's number; each
    /// restart mixes in the boot, so a rebooted machine draws new random numbers.
    public static func kernelSeed(clusterSeed: UInt64, machine index: Int, configured: UInt64, boot: Int) -> UInt64 {
        var base = configured
        if base == 0 {
            var mixer = SplitMix64(seed: clusterSeed ^ (UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15))
            base = mixer.next()
        }
        guard boot > 1 else { return base }
        var mixer = SplitMix64(seed: base ^ (UInt64(boot) &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }

    /// A new kernel for machine `index`, powered on at `cycle`, on the network.
    func bootKernel(_ index: Int, atCycle cycle: UInt64, boot: Int) throws(ClusterError) -> (Kernel, NetworkInterface) {
        let spec = configuration.machines[index]
        var settings = spec.configuration
        settings.seed = Cluster.kernelSeed(clusterSeed: configuration.seed, machine: index, configured: settings.seed, boot: boot)
        settings.startCycle = cycle
        var programs: [String: [UInt8]] = [:]
        for program in spec.programs where programs[program.name] == nil { programs[program.name] = program.executable }
        let first = spec.programs[0]
        let kernel: Kernel
        do {
            kernel = try Kernel(executable: first.executable, name: first.name, arguments: first.arguments,
                                configuration: settings, io: ios[index], programs: programs,
                                alsoStarting: spec.programs.dropFirst().map(\.name), trace: traces(index))
        } catch {
            throw ClusterError("\(ClusterConfiguration.describe(index, configuration.machines)): \(error.message)")
        }
        let interface = kernel.attachNetwork(address: .machine(index + 1))
        // The stack answers EHOSTUNREACH at once for an address no machine has, and sizes
        // TCP's segments to this machine's link.
        kernel.setNetworkNeighbours(configuration.machines.indices.map { .machine($0 + 1) })
        kernel.setNetworkMTU((spec.link ?? configuration.network.link).mtu)
        interface.boot = boot   // part G's trace ids tell boots apart
        return (kernel, interface)
    }

    /// Runs until every process on every machine has ended, nothing can happen any more
    /// (quiescence), or the clock limit (2^62 cycles); each kernel's instruction limit
    /// ends that machine's processes as in a run of one.
    public func run() -> ClusterOutcome {
        let limit = SimulatedTime.runLimit.cycles
        while true {
            applyPowerEvents(dueBy: now)
            if everyMachineEnded { break }
            var end = now.addingSaturated(fabric.lookahead)
            if let event = nextPowerEventCycle, event > now { end = min(end, event) }
            end = min(end, limit)
            step(until: end)
            carryPackets(windowEnd: end)
            onWindowEnd?(end)
            now = max(now, end)
            guard now < limit else { break }
            // Nothing to do before some later cycle: jump there. Nothing at all: quiescent.
            guard let next = earliestActivity() else { break }
            now = max(now, min(next, limit))
        }
        return outcome()
    }

    /// Runs every machine that has something to do before `end` up to `end`.
    func step(until end: UInt64) {
        var steppedAny = false
        let atLimit = end >= SimulatedTime.runLimit.cycles   // every machine with a future ends there
        for kernel in kernels {
            guard let activity = kernel.nextActivityCycle, activity < end || atLimit else { continue }
            _ = kernel.run(until: end)
            machineWindowsStepped &+= 1
            steppedAny = true
        }
        if steppedAny { windowsStepped &+= 1 }
    }

    /// Takes every packet sent in the window and carries it: in order of the cycle it left,
    /// then the sending machine, then the sender's count, so the network's seeded faults
    /// are drawn in one order whatever the machines did first. Each arrival is scheduled
    /// at or after the window's end: never in a machine's past.
    func carryPackets(windowEnd: UInt64) {
        var sent: [OutgoingPacket] = []
        for (index, interface) in interfaces.enumerated() {
            for packet in interface.takeSent() { sent.append(OutgoingPacket(machine: index, sent: packet)) }
        }
        guard !sent.isEmpty else { return }
        sent.sort { ($0.sent.cycle, $0.machine, $0.sent.serial) < ($1.sent.cycle, $1.machine, $1.sent.serial) }
        if let onPacket { for outgoing in sent { onPacket(outgoing.sent.packet, outgoing.sent.cycle) } }
        let down = self.down
        var receivers = Set<Int>()
        // One window's packets at once: the switch serves each downlink in arrival order.
        for arrival in fabric.transmit(sent, down: { down.indices.contains($0) && down[$0] }) {
            onArrival?(arrival, windowEnd)
            guard kernels.indices.contains(arrival.machine), !down[arrival.machine] else { continue }
            kernels[arrival.machine].schedule(arrival.packet, arrivingAt: max(arrival.cycle, windowEnd))
            receivers.insert(arrival.machine)
        }
        for index in receivers.sorted() { kernels[index].networkScheduleChanged() }
        let events = fabric.takeEvents()
        if let networkTrace, !events.isEmpty { networkTrace.record(events) }
    }

    /// The earliest cycle at which any machine or the cluster (a crash, a restart) has
    /// something to do, or nil if nothing ever will.
    func earliestActivity() -> UInt64? {
        var earliest = nextPowerEventCycle
        for kernel in kernels {
            if let activity = kernel.nextActivityCycle { earliest = min(earliest ?? .max, activity) }
        }
        return earliest
    }

    /// Every machine's processes have ended and no restart is to come.
    var everyMachineEnded: Bool {
        kernels.allSatisfy { $0.runEnding != nil } && !powerEvents[nextPowerEvent...].contains { $0.kind == .restart }
    }

    func outcome() -> ClusterOutcome {
        let endings = kernels.map(\.runEnding)
        let endCycle = kernels.map { $0.machine.harts.map(\.cycle).max() ?? 0 }.max() ?? 0
        var waiting: [String] = []
        for (index, kernel) in kernels.enumerated() where kernel.runEnding == nil {
            let who = ClusterConfiguration.describe(index, configuration.machines)
            waiting += kernel.waitingThreadLines.map { "\(who): \($0)" }
        }
        let quiescent = endings.contains { $0 == nil } && now < SimulatedTime.runLimit.cycles
        return ClusterOutcome(endings: endings, quiescent: quiescent, endCycle: endCycle,
                              stillWaiting: waiting)
    }
}
