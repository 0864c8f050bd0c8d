// The kernel: it runs on the host, as firmware would (DESIGN decision 2). It owns a
// machine, loads a program into a fresh address space, starts it in U-mode, and takes
// every trap — system calls, page faults, timer and wake-up interrupts, crashes —
// through the machine's host trap hook. This file holds the kernel's state and its
// start; Configuration.swift has a run's settings, RunLoop.swift the run loop,
// TrapDispatch.swift where each trap goes, Statistics.swift what a run counted. Threads
// are scheduled on the harts by Scheduler.swift and moved on and off them by
// ContextSwitch.swift.

import Machine
import Trace

public final class Kernel: HostTrapHandler {
    public let machine: Machine
    public let configuration: KernelConfiguration
    let frames: FrameAllocator
    /// The first program (pid 1): its ending is the run's (ProcessCalls.swift has the rest).
    let firstProcess: Process
    /// Every process by pid, running or ended and not yet reaped, and the order they all
    /// started in.
    var processTable: [Int32: Process] = [:]
    var processOrder: [Int32] = []
    /// The summaries of processes that left the table once reaped (ProcessCalls.retire).
    var retiredProcesses: [Int32: ProcessSummary] = [:]
    /// The programs process_spawn can start, by name, and the environment they get.
    let programs: [String: ELFImage]
    let environment: [String]
    /// The process whose trap is being handled (set in handleTrap, which holds it for the
    /// trap's length: unretained, it costs no reference counting per trap).
    unowned(unsafe) var trapProcess: Process? = nil
    /// The calling process in a system call (the one whose trap is being handled); the
    /// first program's outside a trap.
    var process: Process { trapProcess ?? firstProcess }
    /// While true, killed processes' reports are not written (endAll writes one for all).
    var quietEndings = false
    var io: KernelIO
    var random: SplitMix64
    /// Set when every process has ended (to the first program's ending); the run loop
    /// stops at the next chance.
    var ending: ProcessEnding? = nil { didSet { runEnded = ending != nil } }
    /// `ending != nil`, kept as a flag: every trap asks, and comparing the optional enum
    /// copies its payload each time.
    private(set) var runEnded = false
    var outputBytes: UInt64 = 0
    /// The cycle of the latest write to standard output or error: a run of several machines
    /// orders their output by it (Network/OutputMerger.swift).
    public internal(set) var outputCycle: UInt64 = 0
    var systemCallCount: UInt64 = 0
    var unknownSystemCalls: [UInt64: UInt64] = [:]
    var scheduler: Scheduler
    /// The thread on each hart, or nil while the hart is idle.
    var running: [Thread?] { didSet { runningChanges &+= 1 } }
    /// Counts changes to `running` (its didSet): a trap that changed none still has its
    /// thread on the hart.
    var runningChanges: UInt64 = 0
    /// The live threads by id. An exited thread leaves at once: its process keeps its
    /// status until it is joined (Process.exitStatuses), `threadRecords` its counters.
    var threads: [Int32: Thread] = [:]
    /// Every thread's counters in creation order (index: `Thread.serial`), for statistics:
    /// a live thread's are copied in when asked, an exited one's when it exits. 64 bytes
    /// a thread, the one thing each thread ever made keeps.
    var threadRecords: [ThreadStatistics] = []
    /// The processes that still have live threads, in the order they started.
    var liveProcesses: [Process] = []
    /// The next thread id, and the next pid (one counter, as on Linux).
    var nextThreadID: Int32 = 2
    var futexes = FutexTable()
    /// The threads one futex wake takes, kept between wakes for its capacity (Futex.swift).
    var futexWoken: [Thread] = []
    /// The file system and the socket namespace (IO/), and the last open file description's number.
    var fileSystem: FileSystem
    var sockets = SocketLayer()
    /// The machine's link to a simulated network and its TCP/UDP stack (Net/), or nil
    /// when the run is one machine alone (sockets then reach only this kernel).
    var networkInterface: NetworkInterface? = nil
    var networkStack: NetworkStack? = nil
    var fileSerial: UInt64 = 0
    /// The input device and its latency record (InputDevice.swift).
    var input = InputDevice.off
    /// Threads blocked with a deadline, by deadline (TimedWaiters.swift).
    var timedWaiters: TimedWaiters
    /// Per hart: the first tick it slept through while every hart was idle (IdleTicks.swift).
    var skippedTicksFrom: [UInt64?]
    var contextSwitches: UInt64 = 0
    var timerInterrupts: UInt64 = 0
    var idleWakeUps: UInt64 = 0
    /// The hart whose trap is being handled now (it picks its own next thread).
    var handlingHart: Int? = nil
    /// Context switches by reason, indexed by `SwitchReason.index`.
    var switchCounts = [UInt64](repeating: 0, count: SwitchReason.allCases.count)
    var hartMetrics: [HartMetrics]
    /// Where trace events go (Tracing.swift), or nil: tracing off costs one test per event site.
    public let trace: TraceRecorder?
    /// Under exploration: who picks the thread at each schedule point (SchedulePoints.swift).
    public var schedulePointHandler: (any SchedulePointHandler)? = nil
    /// Set when the handler answered `.abandon`: the run stopped early and is not a schedule.
    public internal(set) var explorationAbandoned = false
    /// Schedule points' own state (ScheduleHook.swift).
    var schedulePoints: SchedulePointState
    /// The accelerator's driver, when the machine has one (AcceleratorDriver.swift).
    var acceleratorDriver: AcceleratorDriver? = nil

    /// Loads `executable` (an ELF file's bytes) as process 1, ready to run. `programs`
    /// (name → ELF bytes) are what process_spawn can start, the first program among them
    /// under `name`; `alsoStarting` names programs started at once beside it, as pids
    /// 2, 3, … (independent processes with no arguments but their name).
    public convenience init(executable: [UInt8], name: String, arguments: [String], environment: [String] = [],
                            configuration: KernelConfiguration = KernelConfiguration(), io: KernelIO,
                            programs: [String: [UInt8]] = [:], alsoStarting: [String] = [],
                            trace: TraceRecorder? = nil) throws(KernelError) {
        try configuration.validate()
        let prepared = try PreparedPrograms(executable: executable, name: name, programs: programs, alsoStarting: alsoStarting)
        let machine: Machine
        do { machine = try Machine(configuration: Kernel.machineConfiguration(for: configuration)) } catch { throw KernelError(error.message) }
        try self.init(prepared: prepared, machine: machine, name: name, arguments: arguments, environment: environment,
                      configuration: configuration, io: io, alsoStarting: alsoStarting, trace: trace)
    }

    /// The machine a configuration asks for.
    static func machineConfiguration(for configuration: KernelConfiguration) -> MachineConfiguration {
        var machineConfiguration = MachineConfiguration()
        // RAM: the memory limit (each process's, and all processes' together) plus room
        // for page tables.
        machineConfiguration.ramSize = configuration.memoryLimit + configuration.memoryLimit / 128 + (4 << 20)
        machineConfiguration.hartCount = configuration.harts
        machineConfiguration.seed = configuration.seed
        machineConfiguration.interleaveGranularity = configuration.granularity
        // Under exploration time decides nothing: no jitter, and no preemption by the clock.
        let explores = configuration.exploration.schedulePoints
        machineConfiguration.jitter = explores ? 0 : configuration.jitter
        machineConfiguration.clockFrequency = configuration.clockFrequency
        machineConfiguration.timerFrequency = min(10_000_000, configuration.clockFrequency)
        machineConfiguration.tlbEntries = configuration.tlbEntries
        machineConfiguration.memoryHierarchy = configuration.memoryHierarchy
        machineConfiguration.threadsPerCore = configuration.threadsPerCore
        machineConfiguration.accelerator = configuration.accelerator?.device
        return machineConfiguration
    }

    /// The kernel's set-up on a machine at power-on (fresh, or one a simulation snapshot
    /// built around restored RAM: SimulationSnapshot.swift). The configuration is valid.
    /// Every stored property starts here, so a snapshot's restore gives what a fresh
    /// `init` gives: a property added to the kernel needs only its initial value.
    init(prepared: PreparedPrograms, machine: Machine, name: String, arguments: [String], environment: [String],
         configuration: KernelConfiguration, io: KernelIO, alsoStarting: [String], trace: TraceRecorder?) throws(KernelError) {
        self.configuration = configuration
        self.trace = trace
        self.io = io
        self.environment = environment
        random = SplitMix64(seed: configuration.seed ^ 0x6B65_726E_656C)   // "kernel"
        let image = prepared.image
        let images = prepared.images
        self.programs = images
        self.machine = machine
        // Power-on time: 0, or later for a machine of a simulated network that restarts.
        let start = configuration.startCycle
        machine.startClocks(atCycle: start)
        frames = FrameAllocator(memory: machine.memory)
        fileSystem = try FileSystem(configuration: configuration)
        var seedBytes: [UInt8] = []
        for _ in 0..<2 { seedBytes += littleEndianBytes(random.next()) }
        let (process, loaded) = try Kernel.makeProcess(pid: 1, name: name, image: image, arguments: [name] + arguments,
                                                       environment: environment, memory: machine.memory, frames: frames,
                                                       configuration: configuration, randomBytes: seedBytes)
        firstProcess = process
        processTable[1] = process
        processOrder = [1]
        let explores = configuration.exploration.schedulePoints
        scheduler = Scheduler(policy: explores ? .cooperative : configuration.scheduling, boost: configuration.foregroundBoost)
        schedulePoints = SchedulePointState(isOn: explores, harts: configuration.harts)
        running = Array(repeating: nil, count: configuration.harts)
        timedWaiters = TimedWaiters(harts: configuration.harts)
        skippedTicksFrom = Array(repeating: nil, count: configuration.harts)
        var metrics = HartMetrics()
        metrics.idleCycles = start   // time before power-on counts as idle
        hartMetrics = Array(repeating: metrics, count: configuration.harts)
        if configuration.exploration.raceLog { installRaceLog() }   // RaceLogHooks.swift
        let main = Thread(tid: process.pid, process: process)
        main.context.pc = loaded.entry
        main.context.integers[2] = loaded.stackPointer
        main.context.integers[1] = UserLayout.trampoline
        main.stateSince = start
        register(main)
        process.descriptors = standardDescriptors()
        traceProcessStart(main, cycle: start)
        input = InputDevice(configuration: configuration)
        acceleratorDriver = Kernel.makeAcceleratorDriver(machine: machine, configuration: configuration)
        var started = [main]
        for other in alsoStarting {
            guard let otherImage = images[other] else { continue }
            let thread = try startProcess(name: other, image: otherImage, arguments: [other], parentID: nil,
                                          randomBytes: nextRandomBytes(), cycle: start)
            thread.process.descriptors = standardDescriptors()
            started.append(thread)
        }
        for hart in machine.harts {
            hart.setPrivilege(.user)
            hart.setFloatingPointEnabled(true)
            hart.enableKernelInterrupts()
            hart.setUserCounterAccess(configuration.userCounters.mask)
        }
        // Unretained: a reference costs a retain and release on every trap; the kernel owns
        // the machine, and deinit detaches the hook before the kernel goes.
        machine.attachHostTrapHandler(unretained: self)
        for thread in started {
            scheduler.enqueue(thread)
            traceEvent(.threadReady(tid: thread.tid), cycle: start)
        }
        attachMemorySystem()
        attachSchedulePoints()
        for hart in machine.harts { dispatch(hart) }
    }

    deinit {
        machine.detachHostTrapHandler()
        futexes.removeAll()   // a sleeper and its thread refer to each other
        scheduler.removeAllReady()   // the queue's chain of threads, one at a time
    }

    /// Simulated nanoseconds since the machine started, on this hart's clock.
    func nanoseconds(_ hart: Hart) -> UInt64 {
        SimulatedTime(cycles: hart.cycle).nanoseconds(clockFrequency: configuration.clockFrequency)
    }
}

/// A run's programs, parsed once: the first under its name, and those process_spawn and
/// `alsoStarting` may start (a snapshot parses them once for all its restores).
struct PreparedPrograms {
    let image: ELFImage
    let images: [String: ELFImage]

    init(executable: [UInt8], name: String, programs: [String: [UInt8]], alsoStarting: [String]) throws(KernelError) {
        do { image = try ELFImage(bytes: executable) } catch { throw KernelError("\(name): \(error.message)") }
        var images: [String: ELFImage] = [:]
        for (programName, bytes) in programs.sorted(by: { $0.key < $1.key }) {
            do { images[programName] = try ELFImage(bytes: bytes) } catch { throw KernelError("\(programName): \(error.message)") }
        }
        if images[name] == nil { images[name] = image }
        for other in alsoStarting where images[other] == nil { throw KernelError("\(other): no such program among the run's programs") }
        self.images = images
    }
}
