// A topology file (JSON): the machines, their harts, options and programs, the links and
// the faults, for runs the command line cannot say in a line (docs/topology-example.json
// is one; the README lists every field). Read field by field so that every mistake is
// refused with its path and what the field accepts ("machines[1].harts: must be 1...64,
// not 0"), and an unknown key (a typo) is an error rather than ignored. Program files
// are left as paths, relative to the file's folder: building them is the command line's.
//
// Part D (command line, statistics, trace) owns this file.

import Kernel
import Machine

/// One program a machine of the file starts, with its arguments.
public struct TopologyProgram: Sendable, Equatable {
    /// As written in the file (relative to the file's folder unless absolute).
    public var file: String
    public var arguments: [String]
    public init(file: String, arguments: [String] = []) {
        self.file = file
        self.arguments = arguments
    }
}

/// One machine of the file: what it sets (nil: the command line's, or the default) and its programs.
public struct TopologyMachine: Sendable, Equatable {
    public var name: String?
    public var harts: Int?
    public var era: Era?
    /// single-tasking, cooperative, round-robin or tickless.
    public var scheduler: String?
    public var sliceMilliseconds: Double?
    public var tickMilliseconds: Double?
    /// A preset's name, off, or a hierarchy file (relative to the topology's folder).
    public var caches: String?
    public var memoryMiB: UInt64?
    public var seed: UInt64?
    public var clockOffsetNanoseconds: Int64?
    public var clockDriftPartsPerMillion: Int64?
    /// Fields of its link that differ from the network's.
    public var link: LinkOverrides?
    public var programs: [TopologyProgram] = []
    public init() {}
}

/// Link fields a file sets; the rest come from the command line or the defaults.
public struct LinkOverrides: Sendable, Equatable {
    public var latencyNanoseconds: UInt64?
    public var bandwidthBitsPerSecond: UInt64?
    public var mtu: Int?
    public var queuePackets: Int?
    public init() {}

    /// `base` with these fields in place of its own.
    public func applied(to base: LinkSettings) -> LinkSettings {
        var link = base
        if let latencyNanoseconds { link.latencyNanoseconds = latencyNanoseconds }
        if let bandwidthBitsPerSecond { link.bandwidthBitsPerSecond = bandwidthBitsPerSecond }
        if let mtu { link.mtu = mtu }
        if let queuePackets { link.queuePackets = queuePackets }
        return link
    }
}

/// Fault fields a file sets.
public struct FaultOverrides: Sendable, Equatable {
    public var dropRate: Double?
    public var duplicateRate: Double?
    public var reorderRate: Double?
    public var reorderDelayNanoseconds: UInt64?
    public var jitterNanoseconds: UInt64?
    public init() {}

    public func applied(to base: FaultSettings) -> FaultSettings {
        var faults = base
        if let dropRate { faults.dropRate = dropRate }
        if let duplicateRate { faults.duplicateRate = duplicateRate }
        if let reorderRate { faults.reorderRate = reorderRate }
        if let reorderDelayNanoseconds { faults.reorderDelayNanoseconds = reorderDelayNanoseconds }
        if let jitterNanoseconds { faults.jitterNanoseconds = jitterNanoseconds }
        return faults
    }
}

/// A whole topology file.
public struct Topology: Sendable, Equatable {
    public var seed: UInt64?
    public var machines: [TopologyMachine] = []
    public var link = LinkOverrides()
    public var faults = FaultOverrides()
    public var partitions: [Partition] = []
    public var crashes: [Crash] = []
    public init() {}

    public static let topKeys = ["seed", "machines", "network"]
    public static let networkKeys = ["link", "faults", "partitions", "crashes"]
    public static let linkKeys = ["latency", "bandwidthMbps", "mtu", "queuePackets"]
    public static let faultKeys = ["drop", "duplicate", "reorder", "reorderDelay", "jitter"]
    public static let machineKeys = ["name", "harts", "era", "scheduler", "sliceMs", "tickMs", "caches", "memoryMiB", "seed",
                                     "clockOffset", "clockDriftPpm", "link", "programs"]
    public static let programKeys = ["file", "arguments"]
    public static let partitionKeys = ["side", "start", "heal"]
    public static let crashKeys = ["machine", "at", "restart"]
    public static let schedulers = ["single-tasking", "cooperative", "round-robin", "tickless"]
    /// A topology is a few kilobytes; a huge file is a mistake.
    public static let maximumBytes = 1 << 20

    /// Reads a topology from the file's bytes; the error names the field.
    public static func parse(_ bytes: [UInt8]) throws(TopologyError) -> Topology {
        guard bytes.count <= maximumBytes else { throw TopologyError("the file is \(bytes.count) bytes; a topology has at most \(maximumBytes)") }
        let document: JSONValue
        do { document = try JSONValue.parse(bytes) } catch { throw TopologyError(error.description) }
        var topology = Topology()
        let top = try TopologyField(document, path: "").members(allowed: topKeys)
        if let seed = top["seed"] { topology.seed = try seed.unsigned(in: 0...UInt64.max) }
        guard let machines = top["machines"] else { throw TopologyError("the field machines is missing: an array of machines, each with its programs") }
        let list = try machines.elements()
        guard NetworkLimits.machines.contains(list.count) else {
            throw TopologyError("machines: must list 1...\(ClusterConfiguration.maximumMachines) machines, not \(list.count)")
        }
        topology.machines = try list.map { field throws(TopologyError) in try machine(field) }
        if let network = try top["network"]?.members(allowed: networkKeys) {
            if let link = network["link"] { topology.link = try self.link(link) }
            if let faults = try network["faults"]?.members(allowed: faultKeys) {
                topology.faults.dropRate = try faults["drop"]?.rate()
                topology.faults.duplicateRate = try faults["duplicate"]?.rate()
                topology.faults.reorderRate = try faults["reorder"]?.rate()
                topology.faults.reorderDelayNanoseconds = try faults["reorderDelay"]?.time(in: NetworkLimits.extraDelayNanoseconds)
                topology.faults.jitterNanoseconds = try faults["jitter"]?.time(in: NetworkLimits.extraDelayNanoseconds)
            }
            let count = list.count
            topology.partitions = try network["partitions"]?.elements().map { field throws(TopologyError) in try partition(field, machines: count) } ?? []
            topology.crashes = try network["crashes"]?.elements().map { field throws(TopologyError) in try crash(field, machines: count) } ?? []
        }
        return topology
    }

    static func machine(_ field: TopologyField) throws(TopologyError) -> TopologyMachine {
        let members = try field.members(allowed: machineKeys)
        var machine = TopologyMachine()
        machine.name = try members["name"]?.string()
        if let name = machine.name, name.isEmpty || name.count > 32 || name.contains(where: { $0.isWhitespace || $0 == "|" }) {
            throw TopologyError("\(field.path).name: must be 1 to 32 characters without spaces or |, not \"\(name)\"")
        }
        machine.harts = try members["harts"]?.integer(in: 1...MachineConfiguration.maximumHarts)
        if let era = members["era"] {
            let text = try era.string()
            guard let value = Era(rawValue: text) else {
                throw TopologyError("\(era.path): must be one of \(Era.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
            }
            machine.era = value
        }
        if let scheduler = members["scheduler"] {
            let text = try scheduler.string()
            guard schedulers.contains(text) else { throw TopologyError("\(scheduler.path): must be one of \(schedulers.joined(separator: ", ")), not \"\(text)\"") }
            machine.scheduler = text
        }
        machine.sliceMilliseconds = try members["sliceMs"]?.double(in: 0.001...60_000)
        machine.tickMilliseconds = try members["tickMs"]?.double(in: 0.001...60_000)
        machine.caches = try members["caches"]?.string()
        machine.memoryMiB = try members["memoryMiB"]?.unsigned(in: 1...8192)
        machine.seed = try members["seed"]?.unsigned(in: 0...UInt64.max)
        if let offset = members["clockOffset"] {
            let text = try offset.string()
            guard let value = NetworkSyntax.signedNanoseconds(text), NetworkLimits.clockOffsetNanoseconds.contains(value) else {
                throw TopologyError("\(offset.path): must be a signed time, \(NetworkSyntax.timeExamples) (like \"+5ms\"), at most a day either way, not \"\(text)\"")
            }
            machine.clockOffsetNanoseconds = value
        }
        if let drift = members["clockDriftPpm"] {
            machine.clockDriftPartsPerMillion = Int64(try drift.integer(in: Int(NetworkLimits.clockDriftPartsPerMillion.lowerBound)...Int(NetworkLimits.clockDriftPartsPerMillion.upperBound)))
        }
        if let link = members["link"] { machine.link = try self.link(link) }
        guard let programs = members["programs"] else {
            throw TopologyError("the field \(field.path).programs is missing: every machine starts at least one program (a file, or {\"file\": …, \"arguments\": […]})")
        }
        let list = try programs.elements()
        guard !list.isEmpty else { throw TopologyError("\(programs.path): every machine starts at least one program") }
        machine.programs = try list.map { field throws(TopologyError) in try program(field) }
        return machine
    }

    static func program(_ field: TopologyField) throws(TopologyError) -> TopologyProgram {
        if case .string(let file) = field.value {
            guard !file.isEmpty else { throw TopologyError("\(field.path): an empty file name") }
            return TopologyProgram(file: file)
        }
        guard case .object = field.value else { throw TopologyError("\(field.path): must be a file name or {\"file\": …, \"arguments\": […]}, not \(field.value.kindName)") }
        let members = try field.members(allowed: programKeys)
        guard let file = members["file"] else { throw TopologyError("the field \(field.path).file is missing: the program's source or ELF file") }
        let name = try file.string()
        guard !name.isEmpty else { throw TopologyError("\(file.path): an empty file name") }
        let arguments = try members["arguments"]?.elements().map { field throws(TopologyError) in try field.string() } ?? []
        return TopologyProgram(file: name, arguments: arguments)
    }

    static func link(_ field: TopologyField) throws(TopologyError) -> LinkOverrides {
        let members = try field.members(allowed: linkKeys)
        var link = LinkOverrides()
        link.latencyNanoseconds = try members["latency"]?.time(in: NetworkLimits.latencyNanoseconds)
        if let bandwidth = members["bandwidthMbps"] {
            let megabits = try bandwidth.double(in: 0.001...1_000_000)
            link.bandwidthBitsPerSecond = UInt64((megabits * 1_000_000).rounded())
        }
        link.mtu = try members["mtu"]?.integer(in: NetworkLimits.mtu)
        link.queuePackets = try members["queuePackets"]?.integer(in: NetworkLimits.queuePackets)
        return link
    }

    static func partition(_ field: TopologyField, machines: Int) throws(TopologyError) -> Partition {
        let members = try field.members(allowed: partitionKeys)
        guard let sideField = members["side"] else { throw TopologyError("the field \(field.path).side is missing: the machines (numbers from 1) cut off from the rest") }
        let side = try sideField.elements().map { field throws(TopologyError) in try field.integer(in: 1...machines) }
        guard !side.isEmpty, side.count < machines, Set(side).count == side.count else {
            throw TopologyError("\(sideField.path): must name some machines but not all, each once (1...\(machines))")
        }
        let start = try members["start"]?.time(in: NetworkLimits.timeNanoseconds) ?? 0
        let heal = try members["heal"]?.time(in: NetworkLimits.timeNanoseconds)
        if let heal, heal <= start, let healField = members["heal"] { throw TopologyError("\(healField.path): must come after the start") }
        return Partition(side: Set(side), startNanoseconds: start, healNanoseconds: heal)
    }

    static func crash(_ field: TopologyField, machines: Int) throws(TopologyError) -> Crash {
        let members = try field.members(allowed: crashKeys)
        guard let machine = members["machine"] else { throw TopologyError("the field \(field.path).machine is missing: the machine's number, from 1") }
        guard let at = members["at"] else { throw TopologyError("the field \(field.path).at is missing: when it loses power, like \"50ms\"") }
        let number = try machine.integer(in: 1...machines)
        let time = try at.time(in: NetworkLimits.timeNanoseconds)
        let restart = try members["restart"]?.time(in: NetworkLimits.timeNanoseconds)
        if let restart, restart <= time, let restartField = members["restart"] { throw TopologyError("\(restartField.path): must come after the crash (at)") }
        return Crash(machine: number, atNanoseconds: time, restartNanoseconds: restart)
    }
}

public struct TopologyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A value of the file with its path ("machines[1].harts"), read as what a field takes.
struct TopologyField {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    var name: String { path.isEmpty ? "the file" : path }

    /// The object's members by key; an unknown key is refused with the keys accepted.
    func members(allowed: [String]) throws(TopologyError) -> [String: TopologyField] {
        guard case .object(let members) = value else { throw TopologyError("\(name): must be an object, not \(value.kindName)") }
        var result: [String: TopologyField] = [:]
        for (key, member) in members {
            let child = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else { throw TopologyError("\(child): not a field here; the fields are \(allowed.joined(separator: ", "))") }
            result[key] = TopologyField(member, path: child)
        }
        return result
    }

    func elements() throws(TopologyError) -> [TopologyField] {
        guard case .array(let items) = value else { throw TopologyError("\(name): must be an array, not \(value.kindName)") }
        return items.enumerated().map { TopologyField($0.element, path: "\(path)[\($0.offset)]") }
    }

    func string() throws(TopologyError) -> String {
        guard case .string(let text) = value else { throw TopologyError("\(name): must be a string, not \(value.kindName)") }
        return text
    }

    func number() throws(TopologyError) -> String {
        guard case .number(let text) = value else { throw TopologyError("\(name): must be a number, not \(value.kindName)") }
        return text
    }

    func integer(in range: ClosedRange<Int>) throws(TopologyError) -> Int {
        let text = try number()
        guard let value = Int(text), range.contains(value) else {
            throw TopologyError("\(name): must be a whole number \(range.lowerBound)...\(range.upperBound), not \(text)")
        }
        return value
    }

    func unsigned(in range: ClosedRange<UInt64>) throws(TopologyError) -> UInt64 {
        let text = try number()
        guard let value = UInt64(text), range.contains(value) else {
            throw TopologyError("\(name): must be a whole number \(range.lowerBound)...\(range.upperBound), not \(text)")
        }
        return value
    }

    func double(in range: ClosedRange<Double>) throws(TopologyError) -> Double {
        let text = try number()
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw TopologyError("\(name): must be a number \(range.lowerBound)...\(range.upperBound), not \(text)")
        }
        return value
    }

    /// A chance, 0...1.
    func rate() throws(TopologyError) -> Double {
        let text = try number()
        guard let value = Double(text), NetworkLimits.rate.contains(value) else {
            throw TopologyError("\(name): must be a chance from 0 to 1 (0.01 is one packet in a hundred), not \(text)")
        }
        return value
    }

    /// A time with its unit, as a string ("50us").
    func time(in range: ClosedRange<UInt64>) throws(TopologyError) -> UInt64 {
        let text: String
        switch value {
        case .string(let written): text = written
        case .number(let written): throw TopologyError("\(name): must be a time with its unit as a string, like \"\(written)us\" or \"\(written)ms\", not a bare number")
        default: throw TopologyError("\(name): must be a time with its unit as a string, like \"50us\", not \(value.kindName)")
        }
        guard let nanoseconds = NetworkSyntax.nanoseconds(text) else {
            throw TopologyError("\(name): must be \(NetworkSyntax.timeExamples), not \"\(text)\"")
        }
        guard range.contains(nanoseconds) else {
            throw TopologyError("\(name): must be \(describe(range.lowerBound))...\(describe(range.upperBound)), not \(text)")
        }
        return nanoseconds
    }

    func describe(_ nanoseconds: UInt64) -> String {
        if nanoseconds >= 1_000_000_000, nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds >= 1_000_000, nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        if nanoseconds >= 1_000, nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)us" }
        return "\(nanoseconds)ns"
    }
}
