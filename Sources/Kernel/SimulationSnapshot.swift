// A whole simulation captured right after loading — RAM, harts, devices and the
// kernel's objects — and restored for each schedule an exploration runs, so a schedule
// costs what it runs, not a fresh machine and a fresh load.
//
// How: the snapshot loads the program once on a fresh machine whose RAM lists the pages
// written (Machine/SnapshotMemory.swift) and keeps a copy of those pages — the load's
// result — and the frames of the page tables the load built. A restore (1) has the machine
// that ran let go of the RAM, (2) copies back only the pages written since, zeroing the
// page-table frames, (3) builds a machine at power-on around that RAM (new harts and
// devices: nothing of the old run survives in them) and (4) re-runs the kernel's set-up
// (`Kernel.init(prepared:machine:…)`) with the programs already parsed, over RAM that
// already holds what the set-up writes: those host writes are skipped (decoded code stays
// decoded), and the page tables are built again in the same frames. The restored kernel
// is therefore made by the same code as a fresh one — every stored property, hook and
// trace event comes back as `Kernel.init` makes it.
//
// The rule for new state: a stored property of `Kernel`, `Machine`, a hart or a device
// needs nothing here (each restore makes them anew); state kept per RAM page inside
// `PhysicalMemory` (which every restore reuses) must be reset in `restoreWrittenPages` or
// `Machine.retireForSnapshot` (SnapshotMemory.swift); and `Kernel.init(prepared:…)` may
// write RAM but must not read RAM other than the page tables it builds.
//
// CONTRACT (issue 18 wave): this API is fixed.

import Machine
import Trace

public final class SimulationSnapshot {
    let name: String
    let arguments: [String]
    let environment: [String]
    let configuration: KernelConfiguration
    let alsoStarting: [String]
    let prepared: PreparedPrograms
    let machineConfiguration: MachineConfiguration
    /// The RAM every restore reuses, and the copy of the pages the load wrote.
    let memory: PhysicalMemory
    let loadedPages: RAMSnapshot
    /// Physical frames of the page tables the load built: zeroed at each restore, as the
    /// set-up builds them again from nothing (it reads them while it builds them).
    let tableFrames: [UInt64]
    /// The machine of the kernel restored last (or of the capture): it lets go of the RAM
    /// at the next restore.
    var lastMachine: Machine

    /// Loads the program once (the arguments are `Kernel.init`'s) and captures the state.
    public init(executable: [UInt8], name: String, arguments: [String], environment: [String] = [],
                configuration: KernelConfiguration = KernelConfiguration(),
                programs: [String: [UInt8]] = [:], alsoStarting: [String] = []) throws(KernelError) {
        try configuration.validate()
        self.name = name
        self.arguments = arguments
        self.environment = environment
        self.configuration = configuration
        self.alsoStarting = alsoStarting
        prepared = try PreparedPrograms(executable: executable, name: name, programs: programs, alsoStarting: alsoStarting)
        machineConfiguration = Kernel.machineConfiguration(for: configuration)
        let machine: Machine
        do { machine = try Machine(configuration: machineConfiguration) } catch { throw KernelError(error.message) }
        memory = machine.memory
        memory.startTrackingWrittenPages()
        let kernel = try Kernel(prepared: prepared, machine: machine, name: name, arguments: arguments, environment: environment,
                                configuration: configuration, io: KernelIO(writeOutput: { _ in }, writeError: { _ in }),
                                alsoStarting: alsoStarting, trace: nil)
        loadedPages = memory.captureWrittenPages()
        tableFrames = kernel.processOrder.compactMap { kernel.processTable[$0] }.flatMap { $0.addressSpace.pageTable.tableFrames }
        lastMachine = machine
    }

    /// A kernel in exactly the state `Kernel.init` with the snapshot's arguments gives:
    /// the same output, statistics and trace from here on. The kernel restored before
    /// (if any) must no longer be used.
    public func restore(io: KernelIO, trace: TraceRecorder? = nil) throws(KernelError) -> Kernel {
        lastMachine.retireForSnapshot()
        memory.restoreWrittenPages(from: loadedPages)
        memory.zeroForRebuild(frames: tableFrames)
        let machine: Machine
        do { machine = try Machine(configuration: machineConfiguration, reusing: memory) } catch { throw KernelError(error.message) }
        lastMachine = machine
        memory.replaysHostWrites = true
        defer { memory.replaysHostWrites = false }
        return try Kernel(prepared: prepared, machine: machine, name: name, arguments: arguments, environment: environment,
                          configuration: configuration, io: io, alsoStarting: alsoStarting, trace: trace)
    }

    /// Pages the snapshot keeps a copy of (its host memory is this many 4 KiB pages).
    public var keptPageCount: Int { loadedPages.pageCount }
}
