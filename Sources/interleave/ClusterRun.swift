// `interleave run` with several machines: `interleave run server.c client.c@2`, options of
// the network (NetworkOptions.swift) or a topology file. Builds every program, gives each
// machine its kernel settings (the command line's, or the topology file's where it says
// otherwise), runs the cluster, and prints each machine's output line by line prefixed
// "m2| " in simulated time order, then the reports.
//
// The exit status: the first nonzero status among the machines' first programs that
// ended, in machine order; 0 when they all ended with 0; 125 when none ended (every one
// still waiting when nothing more could happen). A program still waiting at the end (a
// server in accept) does not change the status; the run lists what it waits in.

import ArgumentParser
import Kernel
import Machine
import MachineTools
import Network
import Toolchain
import Trace

struct ClusterRun {
    let command: RunCommand

    /// A program placed on a machine, before it is built.
    struct Placed {
        var path: String
        var machine: Int
        var arguments: [String]
    }

    func run() throws -> Never {
        let options = command.networkOptions
        try refuseSingleMachineOptions()
        let topologyPath = options.topology
        let topology = try topologyPath.map(loadTopology)
        let placed = try placements(topology: topology, folder: topologyPath.map(folder) ?? "")
        let count = try machineCount(topology: topology, placed: placed)
        for program in placed where program.machine > count {
            throw ValidationError("\(program.path)@\(program.machine): machine \(program.machine) does not exist: the run has \(count) machine\(count == 1 ? "" : "s") (--machines \(count))")
        }
        for machine in 1...count where !placed.contains(where: { $0.machine == machine }) {
            throw ValidationError("machine \(machine) has no program: name one with FILE@\(machine)\(topology == nil ? "" : " or in the topology file")")
        }
        let network = try options.settings(over: topology, machines: count)
        let clocks = try options.clocks(machines: count)
        try OutputPaths.check(command.traceOptions.outputs + command.outputs + [options.pcap.map { OutputPath(option: "--pcap", path: $0, what: "the packet capture") }].compactMap { $0 },
                              inputs: placed.map(\.path))

        // Every program is built (or read) once, before any machine runs.
        var executables: [String: [UInt8]] = [:]
        for program in placed where executables[program.path] == nil {
            executables[program.path] = try executable(program.path)
        }
        var machines: [MachineSpec] = []
        for number in 1...count {
            let described = topology?.machines[number - 1]
            var configuration = try configuration(for: described, index: number - 1, folder: topologyPath.map(folder) ?? "")
            applyClock(offset: clocks.offsets[number] ?? described?.clockOffsetNanoseconds,
                           drift: clocks.drifts[number] ?? described?.clockDriftPartsPerMillion, to: &configuration)
            var names: [String: String] = [:]
            var programs: [ProgramSpec] = []
            for program in placed where program.machine == number {
                let name = baseName(program.path)
                if let other = names[name], other != program.path {
                    throw ValidationError("machine \(number) has two programs named \(name) (\(other) and \(program.path)); process_spawn could not tell them apart")
                }
                names[name] = program.path
                programs.append(ProgramSpec(name: name, executable: executables[program.path] ?? [], arguments: program.arguments))
            }
            let link = described?.link.map { $0.applied(to: network.link) }
            machines.append(MachineSpec(name: described?.name ?? "m\(number)", configuration: configuration, programs: programs, link: link))
        }
        let seed = topology?.seed ?? command.seed
        try execute(ClusterConfiguration(machines: machines, network: network, seed: seed))
    }

    /// Options that mean one machine's views (--trace writes the whole cluster's).
    func refuseSingleMachineOptions() throws {
        let refused: [(Bool, String)] = [
            (command.traceOptions.traceInstructions != nil, "--trace-instructions"), (command.traceOptions.timeline, "--timeline"),
            (command.traceOptions.svgPath != nil, "--svg"), (command.switchLog != nil, "--switch-log"),
            (command.c2c, "--c2c"), (command.inputEveryMs > 0, "--input-every-ms"),
        ]
        if let (_, option) = refused.first(where: \.0) {
            throw ValidationError("\(option) takes one machine; this run has several (a FILE@N or a network option): run without \(option), or with one machine")
        }
    }

    func loadTopology(_ path: String) throws -> Topology {
        guard let bytes = readWholeFile(path) else { throw ValidationError("--topology \(path): cannot read it: no such file, or not readable") }
        do { return try Topology.parse(bytes) } catch { throw ValidationError("--topology \(path): \(error.message)") }
    }

    /// The folder a topology's relative paths start from ("" for the current one).
    func folder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    func resolve(_ path: String, folder: String) -> String { path.hasPrefix("/") ? path : folder + path }

    /// The topology file's programs, then the command line's (FILE@N, N 1 if not given);
    /// the arguments after the files go to the first program on the command line.
    func placements(topology: Topology?, folder: String) throws -> [Placed] {
        var placed: [Placed] = []
        for (index, machine) in (topology?.machines ?? []).enumerated() {
            for program in machine.programs {
                placed.append(Placed(path: resolve(program.file, folder: folder), machine: index + 1, arguments: program.arguments))
            }
        }
        let files = (command.file.map { [$0] } ?? []) + command.extraProgramFiles
        for (index, text) in files.enumerated() {
            let (path, machine): (String, Int?)
            do { (path, machine) = try NetworkSyntax.placement(text) } catch { throw ValidationError(error.message) }
            placed.append(Placed(path: path, machine: machine ?? 1, arguments: index == 0 ? command.programArguments : []))
        }
        if command.file == nil, !command.programArguments.isEmpty {
            throw ValidationError("arguments \(command.programArguments.joined(separator: " ")) have no program: give them in the topology file (\"arguments\": […])")
        }
        return placed
    }

    func machineCount(topology: Topology?, placed: [Placed]) throws -> Int {
        let highest = placed.map(\.machine).max() ?? 1
        if let topology {
            let count = topology.machines.count
            if let machines = command.networkOptions.machines, machines != count {
                throw ValidationError("--machines \(machines) and the topology file's \(count) machine\(count == 1 ? "" : "s") disagree: leave --machines out")
            }
            return count
        }
        return command.networkOptions.machines ?? highest
    }

    func executable(_ path: String) throws -> [UInt8] {
        if path.hasSuffix(".elf") || !BuildError.acceptedExtensions.contains(where: { path.hasSuffix($0) }) && isELF(path) {
            guard let bytes = readWholeFile(path) else { throw fail("cannot read \(path): no such file, or not readable") }
            return bytes
        }
        let built = try command.buildProgram(path)
        guard let bytes = readWholeFile(built) else { throw fail("the build produced no program at \(built)") }
        return bytes
    }

    /// A machine's kernel settings: the command line's, with what its topology entry sets
    /// in their place. A machine that sets era, scheduler, sliceMs or tickMs takes its
    /// scheduling from the file alone.
    func configuration(for machine: TopologyMachine?, index: Int, folder: String) throws -> KernelConfiguration {
        guard let machine else { return try command.kernelConfiguration() }
        var settings = command
        if let harts = machine.harts { settings.harts = harts }
        if machine.era != nil || machine.scheduler != nil || machine.sliceMilliseconds != nil || machine.tickMilliseconds != nil {
            settings.era = machine.era
            settings.scheduler = machine.scheduler.flatMap(SchedulerName.init(rawValue:))
            settings.sliceMs = machine.sliceMilliseconds
            settings.tickMs = machine.tickMilliseconds
        }
        if let caches = machine.caches {
            let isFile = caches.hasSuffix(".json") || caches.contains("/")
            settings.cacheOptions.caches = isFile ? resolve(caches, folder: folder) : caches
        }
        if let memory = machine.memoryMiB { settings.memoryMiB = memory }
        if let seed = machine.seed { settings.seed = seed }
        do {
            try settings.cacheOptions.validate()
            return try settings.kernelConfiguration()
        } catch let error as ValidationError {
            throw ValidationError("--topology \(command.networkOptions.topology ?? ""): machines[\(index)]: \(error.message)")
        }
    }

    /// A machine's clock skew: the command line's, else the topology file's.
    func applyClock(offset: Int64?, drift: Int64?, to configuration: inout KernelConfiguration) {
        if let offset { configuration.clockOffsetNanoseconds = offset }
        if let drift { configuration.clockDriftPartsPerMillion = drift }
    }

    /// Runs the cluster, prints its output and reports, and ends with the run's status.
    func execute(_ configuration: ClusterConfiguration) throws -> Never {
        let count = configuration.machines.count
        let merger: OutputMerger? = count > 1
            ? OutputMerger(labels: (1...count).map { "m\($0)" }) { stream, bytes in
                if stream == .output { writeStandardOutput(bytes) } else { writeStandardError(bytes) }
            }
            : nil
        var kernels: [Kernel] = []
        let inputOpen = standardInputIsOpen()
        let io: (Int) -> KernelIO = { index in
            // Standard input is machine 1's; the others read end of file.
            let input: ((Int) -> [UInt8])? = index == 0 ? (inputOpen ? { readStandardInput($0) } : nil) : { _ in [] }
            guard let merger else { return KernelIO(readInput: input, writeOutput: writeStandardOutput, writeError: writeStandardError) }
            let cycle = { index < kernels.count ? kernels[index].outputCycle : 0 }
            return KernelIO(readInput: input,
                            writeOutput: { merger.write(machine: index, stream: .output, bytes: $0, cycle: cycle()) },
                            writeError: { merger.write(machine: index, stream: .error, bytes: $0, cycle: cycle()) })
        }
        // --trace: one Perfetto file, a process group per machine (and boot), the network's lanes.
        var trace: ClusterTraceWriter? = nil
        if let path = command.traceOptions.tracePath {
            do {
                trace = try ClusterTraceWriter(path: path, clockFrequency: command.clockHz, machines: count, capacity: command.traceOptions.traceBuffer)
            } catch { throw fail("\(error.message)") }
            trace?.describeInstruction = { pc, bits in Disassembler.disassemble(bits, pc: pc) }
        }
        let harts = configuration.machines.map(\.configuration.harts)
        let cluster: Cluster
        do {
            cluster = try Cluster(configuration: configuration, io: io,
                                  traces: { index in trace?.recorder(machine: index, harts: harts.indices.contains(index) ? harts[index] : 1) })
        } catch {
            trace?.abandon()
            throw fail("cannot run the machines: \(error.message)")
        }
        cluster.networkTrace = trace?.network
        // Lines written before a window's end are final once every machine has run to it.
        if let merger { cluster.onWindowEnd = { end in if end > 0 { merger.flush(through: end - 1) } } }
        kernels = cluster.kernels
        var pcap: PcapWriter? = nil
        if let path = command.networkOptions.pcap {
            do { pcap = try PcapWriter(path: path, clockFrequency: command.clockHz) } catch { throw fail("--pcap \(path): \(error.message)") }
        }
        if let pcap { cluster.onPacket = { packet, cycle in pcap.record(packet, cycle: cycle) } }
        let start = monotonicSeconds()
        let outcome = cluster.run()
        let elapsed = monotonicSeconds() - start
        merger?.finish()
        for (index, ending) in outcome.endings.enumerated() {
            if let ending, !{ if case .exited = ending { true } else { false } }() { printError("interleave: m\(index + 1): \(ending)") }
        }
        if outcome.quiescent, !outcome.stillWaiting.isEmpty {
            printError("interleave: nothing more can happen; still waiting:")
            for line in outcome.stillWaiting { printError("  " + line) }
        }
        let status = Self.status(outcome.endings)
        let report = ClusterReport(
            machines: cluster.kernels.enumerated().map { index, kernel in
                ClusterReport.MachineEntry(number: index + 1, name: configuration.machines[index].name,
                                           ending: outcome.endings.indices.contains(index) ? outcome.endings[index] : nil,
                                           statistics: kernel.statistics, network: kernel.networkStatistics ?? NetworkStackStatistics(),
                                           metricsJSON: kernel.metricsJSON(ending: outcome.endings.indices.contains(index) ? outcome.endings[index] : nil))
            },
            links: cluster.fabric.linkStatistics, clockFrequency: command.clockHz, endCycle: outcome.endCycle,
            quiescent: outcome.quiescent, stillWaiting: outcome.stillWaiting, status: status)
        if command.stats {
            for line in report.textLines() { printError(line) }
            let instructions = report.machines.reduce(UInt64(0)) { $0 &+ $1.statistics.instructions }
            printError("interleave: \(instructions) instructions on \(count) machines, \(formatted(elapsed)) s on the host (\(formatted(Double(instructions) / max(elapsed, 1e-9) / 1e6)) MIPS)")
        }
        if let path = command.networkOptions.pcap, let problem = pcap?.finish() {
            throw fail("cannot write the packet capture to \(path): \(problem.message)")
        }
        if let trace {
            do { try trace.finish(endCycle: outcome.endCycle) } catch { throw fail("\(error.message)", status: 1) }
        }
        if let json = command.json {
            let text = Array(report.json().utf8)
            if json == "-" { writeStandardOutput(text) } else if !writeWholeFile(json, text) {
                throw fail("cannot write the metrics to \(json): \(OutputPaths.systemReason())")
            }
        }
        throw ExitCode(status)
    }

    /// The rule in this file's opening comment.
    static func status(_ endings: [ProcessEnding?]) -> Int32 {
        let ended = endings.compactMap { $0 }
        guard !ended.isEmpty else { return ProcessEnding.deadlock("").status }
        return ended.first { $0.status != 0 }?.status ?? 0
    }
}
