// The kernel: it runs on the host, as firmware would (DESIGN decision 2). It owns a
// machine, loads a program into a fresh address space, starts it in U-mode, and takes
// every trap — system calls, page faults, timer and wake-up interrupts, crashes —
// through the machine's host trap hook. Threads are scheduled on the harts by
// Scheduler.swift and moved on and off them by ContextSwitch.swift.

import Machine
import Trace

/// Limits and settings of one run. Defaults suit interactive use on a laptop.
public struct KernelConfiguration: Sendable, Equatable {
    /// Most memory a process may touch (pages given frames), in bytes; RAM is this size
    /// (plus page tables), so all processes together stay within it too.
    public var memoryLimit: UInt64 = 256 << 20
    /// Most bytes the stack may grow to.
    public var stackLimit: UInt64 = 8 << 20
    /// Most bytes written to standard output and error together before the run is ended.
    public var outputLimit: UInt64 = 16 << 20
    /// Most instructions the program may run before it is stopped.
    public var instructionLimit: UInt64 = 5_000_000_000
    /// Seeds getrandom/AT_RANDOM (and the machine); the same seed gives the same run.
    public var seed: UInt64 = 0
    /// Cycles per simulated second: time, sleeps and clock_gettime go through it.
    public var clockFrequency: UInt64 = 100_000_000
    public var tlbEntries = 64
    /// Harts (cores) the kernel schedules threads on.
    public var harts = 1
    /// Instructions a hart runs before the next hart's turn (1 = finest interleaving), and
    /// the largest random delay in cycles after each turn: with jitter, each seed gives
    /// another interleaving of the harts (and the same seed always the same one).
    public var granularity = 1000
    public var jitter: UInt64 = 0
    /// How threads share the harts.
    public var scheduling: SchedulingPolicy = .cooperative
    /// What the foreground process gets (set_foreground), or nil for nothing (Era.swift).
    public var foregroundBoost: ForegroundBoost? = nil
    /// Cycles a context switch costs, and the extra when the address space changes.
    public var switchCost: UInt64 = 200
    public var addressSpaceSwitchCost: UInt64 = 600
    /// Most processes alive at once (process_spawn fails with EAGAIN past it).
    public var processLimit = 64
    /// Most threads alive at once, and most bytes of thread stacks per process.
    public var threadLimit = 256
    public var threadStackLimit: UInt64 = 256 << 20
    /// Context switches kept as events (`Kernel.switchEvents`); later ones are only counted.
    public var switchEventLimit = 100_000
    /// Most messages waiting in one thread's queue; a post to a full queue gets -EAGAIN.
    public var messageQueueCapacity = 1024
    /// The input device (InputDevice.swift): cycles between cursor moves (nil: off), and
    /// how many it injects before its quit message.
    public var inputPeriodCycles: UInt64? = nil
    public var inputEventCount = 100
    /// With a trace recorder: which instructions to record one by one (nil: none). Runs
    /// step by step while set, so it is for short runs.
    public var instructionTrace: InstructionTraceFilter? = nil

    public init() {}

    func validate() throws(KernelError) {
        guard memoryLimit >= 1 << 20, memoryLimit <= 8 << 30 else {
            throw KernelError("the memory limit must be between 1 MiB and 8 GiB, not \(memoryLimit >> 20) MiB")
        }
        guard stackLimit >= 64 << 10, stackLimit <= 1 << 30 else {
            throw KernelError("the stack limit must be between 64 KiB and 1 GiB, not \(stackLimit >> 10) KiB")
        }
        guard clockFrequency >= 1000 else { throw KernelError("the clock must run at 1 kHz or more, not \(clockFrequency) Hz") }
        guard harts >= 1, harts <= MachineConfiguration.maximumHarts else {
            throw KernelError("the number of harts must be between 1 and \(MachineConfiguration.maximumHarts), not \(harts)")
        }
        try scheduling.validate()
        try foregroundBoost?.validate()
        guard messageQueueCapacity >= 1, messageQueueCapacity <= 1 << 20 else {
            throw KernelError("a message queue must hold between 1 and 1048576 messages, not \(messageQueueCapacity)")
        }
        if let inputPeriodCycles, inputPeriodCycles < 100 {
            throw KernelError("input events must be at least 100 cycles apart, not \(inputPeriodCycles)")
        }
        // Each taken event's latency is kept: a million of them is 8 MB.
        guard inputEventCount >= 1, inputEventCount <= 1_000_000 else {
            throw KernelError("the input device injects between 1 and 1000000 events, not \(inputEventCount)")
        }
    }
}

/// Where the program's standard streams go. Input is pulled when the program reads.
public struct KernelIO {
    public var readInput: (_ maximumCount: Int) -> [UInt8]
    public var writeOutput: (_ bytes: [UInt8]) -> Void
    public var writeError: (_ bytes: [UInt8]) -> Void

    public init(readInput: @escaping (Int) -> [UInt8] = { _ in [] }, writeOutput: @escaping ([UInt8]) -> Void,
                writeError: @escaping ([UInt8]) -> Void) {
        self.readInput = readInput
        self.writeOutput = writeOutput
        self.writeError = writeError
    }
}

/// What the kernel counted during a run.
public struct KernelStatistics: Sendable, Equatable {
    public var instructions: UInt64 = 0
    public var cycles: UInt64 = 0
    public var systemCalls: UInt64 = 0
    /// Pages given a frame on first touch, in all processes.
    public var pageFaults: UInt64 = 0
    /// The most memory one process held at once.
    public var peakMemory: UInt64 = 0
    /// Per process, in the order they started.
    public var processes: [ProcessSummary] = []
    public var outputBytes: UInt64 = 0
    public var contextSwitches: UInt64 = 0
    public var timerInterrupts: UInt64 = 0
    /// Wake-ups of an idle hart (timer or software interrupt) that found nothing to run.
    public var idleWakeUps: UInt64 = 0
    /// Per thread, in creation order.
    public var threads: [ThreadStatistics] = []
    /// Per hart, by hart number (Metrics.swift).
    public var harts: [HartMetrics] = []
    /// Why threads left their harts ("time slice expired", "blocked", ...), and how often
    /// an idle hart took a thread ("from idle").
    public var switchesByReason: [String: UInt64] = [:]
    /// System calls this kernel does not implement: number → times made.
    public var unknownSystemCalls: [UInt64: UInt64] = [:]
    /// The input device's cursor moves: injected, dropped (full queue, no foreground
    /// thread), and each taken one's latency in cycles, from injection to get/peek.
    public var inputEventsInjected: UInt64 = 0
    public var inputEventsDropped: UInt64 = 0
    public var inputLatencies: [UInt64] = []

    /// The median input latency in cycles (the lower middle one), or nil with no events.
    public var inputLatencyMedian: UInt64? {
        inputLatencies.isEmpty ? nil : inputLatencies.sorted()[(inputLatencies.count - 1) / 2]
    }
    public var inputLatencyMaximum: UInt64? { inputLatencies.max() }
}

/// One thread's counters, for statistics.
public struct ThreadStatistics: Sendable, Equatable {
    public var tid: Int32
    public var pid: Int32
    public var metrics: ThreadMetrics
}

public final class Kernel {
    public let machine: Machine
    public let configuration: KernelConfiguration
    let frames: FrameAllocator
    /// The first program (pid 1): its ending is the run's (ProcessCalls.swift has the rest).
    let firstProcess: Process
    /// Every process by pid, running or ended, and the order they started in.
    var processTable: [Int32: Process] = [:]
    var processOrder: [Int32] = []
    /// The programs process_spawn can start, by name, and the environment they get.
    let programs: [String: ELFImage]
    let environment: [String]
    /// The process whose trap is being handled (set in handleTrap).
    var trapProcess: Process? = nil
    /// The calling process in a system call (the one whose trap is being handled); the
    /// first program's outside a trap.
    var process: Process { trapProcess ?? firstProcess }
    /// While true, killed processes' reports are not written (endAll writes one for all).
    var quietEndings = false
    var io: KernelIO
    var random: SplitMix64
    /// Set when every process has ended (to the first program's ending); the run loop
    /// stops at the next chance.
    var ending: ProcessEnding? = nil
    var outputBytes: UInt64 = 0
    var systemCallCount: UInt64 = 0
    var unknownSystemCalls: [UInt64: UInt64] = [:]
    var scheduler: Scheduler
    /// The thread on each hart, or nil while the hart is idle.
    var running: [Thread?]
    /// Every thread by id, alive or exited (exited ones keep their status for join).
    var threads: [Int32: Thread] = [:]
    /// Every thread in the order it was made (the same threads as `threads`).
    var allThreads: [Thread] = []
    /// The next thread id, and the next pid (one counter, as on Linux).
    var nextThreadID: Int32 = 2
    var futexes = FutexTable()
    /// The input device and its latency record (InputDevice.swift).
    var input = InputDevice.off
    /// Threads blocked with a deadline (see `sleepers`).
    var timedWaiters: [Thread] = []
    var contextSwitches: UInt64 = 0
    var timerInterrupts: UInt64 = 0
    var idleWakeUps: UInt64 = 0
    /// The hart whose trap is being handled now (it picks its own next thread).
    var handlingHart: Int? = nil
    /// Context switches by reason, indexed by `SwitchReason.index`.
    var switchCounts = [UInt64](repeating: 0, count: SwitchReason.allCases.count)
    /// Every context switch, in order, up to `switchEventLimit` (ContextSwitch.swift).
    public internal(set) var switchEvents: [SwitchEvent] = []
    /// Switches past the limit, counted but not kept.
    public internal(set) var droppedSwitchEvents: UInt64 = 0
    /// Per hart: the thread that just left it and why, until the next dispatch records it.
    var leavingThread: [(tid: Int32, cause: LeaveCause)?] = []
    var hartMetrics: [HartMetrics]
    /// Where trace events go (Tracing.swift), or nil: tracing off costs one test per event site.
    public let trace: TraceRecorder?

    /// Loads `executable` (an ELF file's bytes) as process 1, ready to run. `programs`
    /// (name → ELF bytes) are what process_spawn can start, the first program among them
    /// under `name`; `alsoStarting` names programs started at once beside it, as pids
    /// 2, 3, … (independent processes with no arguments but their name).
    public init(executable: [UInt8], name: String, arguments: [String], environment: [String] = [],
                configuration: KernelConfiguration = KernelConfiguration(), io: KernelIO,
                programs: [String: [UInt8]] = [:], alsoStarting: [String] = [],
                trace: TraceRecorder? = nil) throws(KernelError) {
        try configuration.validate()
        self.configuration = configuration
        self.trace = trace
        self.io = io
        self.environment = environment
        random = SplitMix64(seed: configuration.seed ^ 0x6B65_726E_656C)   // "kernel"
        let image: ELFImage
        do { image = try ELFImage(bytes: executable) } catch { throw KernelError("\(name): \(error.message)") }
        var images: [String: ELFImage] = [:]
        for (programName, bytes) in programs.sorted(by: { $0.key < $1.key }) {
            do { images[programName] = try ELFImage(bytes: bytes) } catch { throw KernelError("\(programName): \(error.message)") }
        }
        if images[name] == nil { images[name] = image }
        for other in alsoStarting where images[other] == nil { throw KernelError("\(other): no such program among the run's programs") }
        self.programs = images
        var machineConfiguration = MachineConfiguration()
        // RAM: the memory limit (each process's, and all processes' together) plus room
        // for page tables.
        machineConfiguration.ramSize = configuration.memoryLimit + configuration.memoryLimit / 128 + (4 << 20)
        machineConfiguration.hartCount = configuration.harts
        machineConfiguration.seed = configuration.seed
        machineConfiguration.interleaveGranularity = configuration.granularity
        machineConfiguration.jitter = configuration.jitter
        machineConfiguration.clockFrequency = configuration.clockFrequency
        machineConfiguration.timerFrequency = min(10_000_000, configuration.clockFrequency)
        machineConfiguration.tlbEntries = configuration.tlbEntries
        do { machine = try Machine(configuration: machineConfiguration) } catch { throw KernelError(error.message) }
        frames = FrameAllocator(memory: machine.memory)
        var seedBytes: [UInt8] = []
        for _ in 0..<2 { let word = random.next(); for shift in stride(from: 0, to: 64, by: 8) { seedBytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) } }
        let (process, loaded) = try Kernel.makeProcess(pid: 1, name: name, image: image, arguments: [name] + arguments,
                                                       environment: environment, memory: machine.memory, frames: frames,
                                                       configuration: configuration, randomBytes: seedBytes)
        firstProcess = process
        processTable[1] = process
        processOrder = [1]
        scheduler = Scheduler(policy: configuration.scheduling, boost: configuration.foregroundBoost)
        running = Array(repeating: nil, count: configuration.harts)
        leavingThread = Array(repeating: nil, count: configuration.harts)
        hartMetrics = Array(repeating: HartMetrics(), count: configuration.harts)
        let main = Thread(tid: process.pid, process: process)
        main.context.pc = loaded.entry
        main.context.integers[2] = loaded.stackPointer
        main.context.integers[1] = UserLayout.trampoline
        register(main)
        traceProcessStart(main, cycle: 0)
        input = InputDevice(configuration: configuration)
        var started = [main]
        for other in alsoStarting {
            guard let otherImage = images[other] else { continue }
            started.append(try startProcess(name: other, image: otherImage, arguments: [other], parentID: nil,
                                            randomBytes: nextRandomBytes(), cycle: 0))
        }
        for hart in machine.harts {
            hart.setPrivilege(.user)
            hart.setFloatingPointEnabled(true)
            hart.enableKernelInterrupts()
        }
        machine.attachHostTrapHandler { [unowned self] hart, trap in self.handleTrap(hart, trap) }
        for thread in started {
            scheduler.enqueue(thread)
            traceEvent(.threadReady(tid: thread.tid), cycle: 0)
        }
        for hart in machine.harts { dispatch(hart) }
    }

    /// Runs until every process has exited or been killed, or the run reached the
    /// instruction limit; returns the first program's ending (`processEndings` has all).
    public func run() -> ProcessEnding {
        while true {
            if let ending = run(slice: 1 << 26) { return ending }
        }
    }

    /// Runs at most `slice` more instructions; nil if the program is still running then.
    /// Lets a caller show progress between slices without touching the simulation.
    public func run(slice: UInt64) -> ProcessEnding? {
        let sliceEnd = instructionsExecuted &+ max(1, slice)
        while ending == nil {
            let executed = instructionsExecuted
            guard executed < configuration.instructionLimit else {
                endAll(.instructionLimit(instructionLimitReport(busiestHart)))
                break
            }
            guard executed < sliceEnd else { return nil }
            let budget = min(configuration.instructionLimit, sliceEnd) - executed
            let stop = if let filter = configuration.instructionTrace, trace != nil {
                runTracingInstructions(budget: budget, filter: filter)
            } else {
                machine.run(budget: budget)
            }
            switch stop {
            case .budgetExhausted, .hostRequest: continue
            case .fatal(let report):
                let hart = machine.harts[max(0, min(report.hart, machine.harts.count - 1))]
                let trap = TrapRecord(cause: report.cause, value: report.value, pc: report.pc, privilege: report.privilege)
                let victim = running[hart.id]?.process ?? firstProcess
                kill(victim, .killed(GuestFault(thread: running[hart.id], process: victim, hart: hart, trap: trap)))
            case .allHartsWaiting:
                endAll(.deadlock(deadlockReport()))
            case .powerOff, .toHost:
                let hart = busiestHart, victim = running[hart.id]?.process ?? firstProcess
                endAll(.killed(GuestFault(thread: nil, process: victim, hart: hart, trap: hart.lastTrap ?? TrapRecord(cause: 2, value: 0, pc: hart.pc, privilege: .user))))
            }
        }
        return ending
    }

    var instructionsExecuted: UInt64 { machine.harts.reduce(0) { $0 &+ $1.instret } }

    /// The hart with the most instructions retired: where a runaway program is.
    var busiestHart: Hart { machine.harts.max { $0.instret < $1.instret } ?? machine.harts[0] }

    /// Where the program is now: `function+0x1c`, or the PC in hex.
    public var currentLocation: String {
        let hart = busiestHart, pc = hart.pc
        return (running[hart.id]?.process ?? firstProcess).symbolize(pc) ?? "0x\(String(pc, radix: 16))"
    }

    public var statistics: KernelStatistics {
        var statistics = KernelStatistics()
        statistics.instructions = instructionsExecuted
        statistics.cycles = machine.harts.map(\.cycle).max() ?? 0
        statistics.systemCalls = systemCallCount
        statistics.processes = processes
        statistics.pageFaults = statistics.processes.reduce(0) { $0 + $1.pageFaults }
        statistics.peakMemory = statistics.processes.map(\.peakMemory).max() ?? 0
        statistics.outputBytes = outputBytes
        statistics.unknownSystemCalls = unknownSystemCalls
        statistics.contextSwitches = contextSwitches
        statistics.timerInterrupts = timerInterrupts
        statistics.idleWakeUps = idleWakeUps
        statistics.inputEventsInjected = UInt64(input.injected)
        statistics.inputEventsDropped = UInt64(input.dropped)
        statistics.inputLatencies = input.latencies
        statistics.threads = allThreads.map { ThreadStatistics(tid: $0.tid, pid: $0.process.pid, metrics: $0.metrics) }
        statistics.harts = hartStatistics(endCycle: statistics.cycles)
        statistics.switchesByReason = switchReasonCounts
        return statistics
    }

    /// Simulated nanoseconds since the machine started, on this hart's clock.
    func nanoseconds(_ hart: Hart) -> UInt64 {
        let frequency = configuration.clockFrequency
        return hart.cycle / frequency * 1_000_000_000 + (hart.cycle % frequency) * 1_000_000_000 / frequency
    }

    // MARK: Traps

    func handleTrap(_ hart: Hart, _ trap: TrapRecord) {
        guard ending == nil else { machine.stopRequested = true; return }
        handlingHart = hart.id
        defer { handlingHart = nil }
        if trap.isInterrupt {
            interrupt(hart, code: trap.code)
            return
        }
        guard let thread = running[hart.id] else { return }   // an idle hart traps only by interrupt
        trapProcess = thread.process
        defer { trapProcess = nil }
        switch trap.cause {
        case ExceptionCause.environmentCallFromU.rawValue:
            hart.setPC(trap.pc &+ 4)
            systemCall(hart, thread)
        case ExceptionCause.instructionPageFault.rawValue, ExceptionCause.loadPageFault.rawValue,
             ExceptionCause.storePageFault.rawValue:
            pageFault(hart, thread, trap)
        default:
            kill(thread.process, .killed(GuestFault(thread: thread, process: thread.process, hart: hart, trap: trap)))
        }
        reschedule(hart)   // a higher priority woken by the call, or a new affinity
        if ending != nil { machine.stopRequested = true }
    }

    func pageFault(_ hart: Hart, _ thread: Thread, _ trap: TrapRecord) {
        let access: MemoryAccess = switch trap.cause {
        case ExceptionCause.instructionPageFault.rawValue: .execute
        case ExceptionCause.loadPageFault.rawValue: .read
        default: .write
        }
        switch thread.process.addressSpace.resolve(trap.value, for: access) {
        case .success:
            hart.setPC(trap.pc)   // run the instruction again, now that the page is there
        case .failure(.outOfMemory):
            kill(thread.process, .outOfMemory(memoryLimitReport(hart, address: trap.value)))
        case .failure:
            kill(thread.process, .killed(GuestFault(thread: thread, process: thread.process, hart: hart, trap: trap)))
        }
    }

    /// Ends a process alone: every thread of it stops, its memory goes (processFinished),
    /// the other processes run on, and the run ends when no process is left.
    func kill(_ victim: Process, _ reason: ProcessEnding) {
        guard !victim.hasEnded else { return }
        if case .killed(let fault) = reason {
            traceEvent(.fault(tid: fault.threadID, cause: UInt32(truncatingIfNeeded: fault.cause), pc: fault.pc, address: fault.address),
                       cycle: machine.harts[max(0, min(fault.hart, machine.harts.count - 1))].cycle, hart: fault.hart)
        }
        victim.ending = reason   // the last thread's finish sees it (processFinished)
        for thread in allThreads where thread.process === victim && !thread.isExited {
            finish(thread, status: Int32(truncatingIfNeeded: reason.status))
        }
        machine.stopRequested = true
    }
}
