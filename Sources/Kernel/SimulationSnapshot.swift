// A whole simulation captured right after loading — RAM, harts, devices and the
// kernel's objects — and restored for each schedule an exploration runs, so a schedule
// costs what it runs, not a fresh machine and a fresh load.
//
// CONTRACT (issue 18 wave): this API is fixed. The body below is the reference the
// `snapshot` part replaces: it re-creates the kernel from the arguments each time, which
// is correct (a run is a pure function of program, configuration and seed) but slow.

import Trace

public final class SimulationSnapshot {
    let executable: [UInt8]
    let name: String
    let arguments: [String]
    let environment: [String]
    let configuration: KernelConfiguration
    let programs: [String: [UInt8]]
    let alsoStarting: [String]

    /// Loads the program once (the arguments are `Kernel.init`'s) and captures the state.
    public init(executable: [UInt8], name: String, arguments: [String], environment: [String] = [],
                configuration: KernelConfiguration = KernelConfiguration(),
                programs: [String: [UInt8]] = [:], alsoStarting: [String] = []) throws(KernelError) {
        self.executable = executable
        self.name = name
        self.arguments = arguments
        self.environment = environment
        self.configuration = configuration
        self.programs = programs
        self.alsoStarting = alsoStarting
        _ = try makeFresh(io: KernelIO(writeOutput: { _ in }, writeError: { _ in }), trace: nil)
    }

    /// A kernel in exactly the state `Kernel.init` with the snapshot's arguments gives:
    /// the same output, statistics and trace from here on. The kernel restored before
    /// (if any) must no longer be used.
    public func restore(io: KernelIO, trace: TraceRecorder? = nil) throws(KernelError) -> Kernel {
        try makeFresh(io: io, trace: trace)
    }

    private func makeFresh(io: KernelIO, trace: TraceRecorder?) throws(KernelError) -> Kernel {
        try Kernel(executable: executable, name: name, arguments: arguments, environment: environment,
                   configuration: configuration, io: io, programs: programs, alsoStarting: alsoStarting, trace: trace)
    }
}
