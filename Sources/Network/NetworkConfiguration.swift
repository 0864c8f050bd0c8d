// What a simulation of several machines is made of: the machines (each a kernel with
// its harts, options and programs), the links that join them to one switch, and the
// faults the network suffers. Times are simulated nanoseconds here, as a person writes
// them; the cluster turns them into cycles of the one clock every machine shares.
// Every value is checked by `validate` before anything runs, with a message that says
// what is accepted.

import Kernel

/// One program a machine starts: its ELF bytes, the name it runs as, its arguments.
public struct ProgramSpec: Sendable {
    public var name: String
    public var executable: [UInt8]
    public var arguments: [String]
    public init(name: String, executable: [UInt8], arguments: [String] = []) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
    }
}

/// One simulated computer: its kernel's settings (harts, scheduler, caches, clock skew)
/// and the programs it starts (the first as pid 1, the rest beside it). Its address is
/// 10.0.0.N, N its place in the cluster counted from 1.
public struct MachineSpec: Sendable {
    public var name: String
    public var configuration: KernelConfiguration
    public var programs: [ProgramSpec]
    /// Its link to the switch, when it differs from the network's default.
    public var link: LinkSettings?
    public init(name: String, configuration: KernelConfiguration = KernelConfiguration(), programs: [ProgramSpec],
                link: LinkSettings? = nil) {
        self.name = name
        self.configuration = configuration
        self.programs = programs
        self.link = link
    }
}

/// A link between a machine and the switch, the same both ways.
public struct LinkSettings: Sendable, Equatable {
    /// One-way propagation delay of the link (machine to switch, or switch to machine).
    public var latencyNanoseconds: UInt64 = 50_000
    /// Serialisation: a packet of n bytes occupies the link for n·8/bandwidth seconds.
    public var bandwidthBitsPerSecond: UInt64 = 1_000_000_000
    /// Largest IP packet the link carries; TCP's MSS follows from it (MTU − 40).
    public var mtu = 1500
    /// Packets waiting to go onto the link (the one being sent not counted): a packet that
    /// finds the queue full is dropped (tail drop).
    public var queuePackets = 128
    public init() {}
}

/// Faults every packet may suffer, drawn from the cluster's seed.
public struct FaultSettings: Sendable, Equatable {
    /// Chances, each 0...1: a packet is lost, delivered twice, or held back (reordered
    /// behind later ones by up to `reorderDelayNanoseconds`).
    public var dropRate = 0.0
    public var duplicateRate = 0.0
    public var reorderRate = 0.0
    public var reorderDelayNanoseconds: UInt64 = 200_000
    /// Extra delay drawn uniformly from 0...jitter for every packet.
    public var jitterNanoseconds: UInt64 = 0
    public init() {}
}

/// A partition: while it lasts, no packet passes between a machine in `side` and one
/// outside it (both ways). Machines are numbered from 1.
public struct Partition: Sendable, Equatable {
    public var side: Set<Int>
    public var startNanoseconds: UInt64
    /// When it heals (nil: never).
    public var healNanoseconds: UInt64?
    public init(side: Set<Int>, startNanoseconds: UInt64, healNanoseconds: UInt64?) {
        self.side = side
        self.startNanoseconds = startNanoseconds
        self.healNanoseconds = healNanoseconds
    }
}

/// A machine that loses power at `atNanoseconds`: its processes end, its connections are
/// forgotten (peers learn it from a reset or a timeout). With a restart time it boots again
/// then and starts its programs anew.
public struct Crash: Sendable, Equatable {
    public var machine: Int
    public var atNanoseconds: UInt64
    public var restartNanoseconds: UInt64?
    public init(machine: Int, atNanoseconds: UInt64, restartNanoseconds: UInt64?) {
        self.machine = machine
        self.atNanoseconds = atNanoseconds
        self.restartNanoseconds = restartNanoseconds
    }
}

public struct NetworkSettings: Sendable, Equatable {
    /// Every machine's link, unless its MachineSpec says otherwise.
    public var link = LinkSettings()
    public var faults = FaultSettings()
    public var partitions: [Partition] = []
    public var crashes: [Crash] = []
    public init() {}
}

public struct ClusterConfiguration: Sendable {
    public var machines: [MachineSpec]
    public var network = NetworkSettings()
    /// Seeds the network's faults (each machine's kernel has its own seed in its configuration).
    public var seed: UInt64 = 0
    public init(machines: [MachineSpec], network: NetworkSettings = NetworkSettings(), seed: UInt64 = 0) {
        self.machines = machines
        self.network = network
        self.seed = seed
    }

    /// Most machines in one simulation (addresses 10.0.0.1 to 10.0.0.64).
    public static let maximumMachines = 64
}

public struct ClusterError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
