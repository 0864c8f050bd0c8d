// A run's settings: the limits, clock, harts and scheduling one kernel is built with
// (checked once, before anything runs), and where the program's standard streams go.

import Machine

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
    /// Caches and coherence (nil: none, every access costs the same), and hardware threads
    /// per core: with 2, harts 2k and 2k+1 share core k (SMT). The kernel sees logical harts.
    public var memoryHierarchy: MemoryHierarchy? = nil
    public var threadsPerCore = 1
    /// Record the lines cores fight over, for the `--c2c` report.
    public var recordsContention = false
    /// With caches and a trace recorder: every coherence transition as a trace instant (many).
    public var tracesCoherence = false
    /// How threads share the harts.
    public var scheduling: SchedulingPolicy = .cooperative
    /// What the foreground process gets (set_foreground), or nil for nothing (Era.swift).
    public var foregroundBoost: ForegroundBoost? = nil
    /// The shared accelerator and how contexts share it, or nil for none (AcceleratorCalls.swift).
    public var accelerator: AcceleratorSettings? = nil
    /// Cycles a context switch costs, and the extra when the address space changes.
    public var switchCost: UInt64 = 200
    public var addressSpaceSwitchCost: UInt64 = 600
    /// Most processes alive at once (process_spawn fails with EAGAIN past it).
    public var processLimit = 64
    /// Most threads alive at once, and most bytes of thread stacks per process.
    public var threadLimit = 256
    public var threadStackLimit: UInt64 = 256 << 20
    /// RLIMIT_NOFILE of the programs the run starts (Linux's default: 1024).
    public var fileDescriptorLimit = DescriptorTable.defaultLimit
    /// Host folders the file system shows (`--mount HOSTDIR:GUESTDIR[:rw]`).
    public var mounts: [MountPoint] = []
    /// Cycles a read from the simulated disk takes when the page cache misses (0: none):
    /// 100 µs at the default clock, an SSD's random read (IO/PageCache.swift).
    public var diskLatencyCycles: UInt64 = 10_000
    /// Most messages waiting in one thread's queue; a post to a full queue gets -EAGAIN.
    public var messageQueueCapacity = 1024
    /// The input device (InputDevice.swift): cycles between cursor moves (nil: off), and
    /// how many it injects before its quit message.
    public var inputPeriodCycles: UInt64? = nil
    public var inputEventCount = 100
    /// With a trace recorder: which instructions to record one by one (nil: none). Runs
    /// step by step while set, so it is for short runs.
    public var instructionTrace: InstructionTraceFilter? = nil
    /// The cycle the machine powers on at: every hart's clock starts there (a machine of a
    /// simulated network that restarts after a crash boots while the others run on).
    public var startCycle: UInt64 = 0
    /// This machine's clock error, as Jepsen's clock nemesis makes it: every clock runs
    /// fast (or slow, when negative) by `clockDriftPartsPerMillion`, and CLOCK_REALTIME is
    /// `clockOffsetNanoseconds` ahead (or behind) of the true time.
    public var clockOffsetNanoseconds: Int64 = 0
    public var clockDriftPartsPerMillion: Int64 = 0
    /// The network stack's MTU and TCP's timers, when the kernel is on a network (Net/).
    public var networkStack = NetworkStackSettings()
    /// Which hardware counters user mode may read (`rdcycle`, `rdtime`, `rdinstret`).
    public var userCounters = UserCounterAccess.all
    /// Schedule points and the race log (SchedulePoints.swift); off by default.
    public var exploration = ExplorationSettings()

    public init() {}

    /// The accepted ranges of the numeric settings (the command line shows and checks the
    /// same). Time-like ones keep every sum the kernel forms far below 2^64 cycles.
    public static let clockFrequencyRange: ClosedRange<UInt64> = 1_000...1_000_000_000_000
    public static let instructionLimitRange: ClosedRange<UInt64> = 1...1_000_000_000_000_000_000
    public static let granularityRange: ClosedRange<Int> = 1...MachineConfiguration.maximumInterleaveGranularity
    public static let jitterRange: ClosedRange<UInt64> = 0...MachineConfiguration.maximumJitter
    public static let switchCostRange: ClosedRange<UInt64> = 0...1_000_000_000
    /// Slices, ticks and input periods, in cycles (the lower bound keeps the kernel's own
    /// work small beside the program's).
    public static let periodRange: ClosedRange<UInt64> = 100...(1 << 56)
    /// RLIMIT_NOFILE: at least the three standard streams, at most Linux's nr_open.
    public static let fileDescriptorLimitRange: ClosedRange<Int> = 3...(1 << 20)
    /// The disk's latency, in cycles.
    public static let diskLatencyRange: ClosedRange<UInt64> = 0...(1 << 56)
    /// A clock may be off by at most a day, and drift by at most ±10 % (100,000 ppm).
    public static let clockOffsetRange: ClosedRange<Int64> = -86_400_000_000_000...86_400_000_000_000
    public static let clockDriftRange: ClosedRange<Int64> = -100_000...100_000

    func validate() throws(KernelError) {
        guard memoryLimit >= 1 << 20, memoryLimit <= 8 << 30 else {
            throw KernelError("the memory limit must be between 1 MiB and 8 GiB, not \(memoryLimit >> 20) MiB")
        }
        guard stackLimit >= 64 << 10, stackLimit <= 1 << 30 else {
            throw KernelError("the stack limit must be between 64 KiB and 1 GiB, not \(stackLimit >> 10) KiB")
        }
        try Self.check(clockFrequency, Self.clockFrequencyRange, "the clock frequency", unit: "Hz")
        try Self.check(instructionLimit, Self.instructionLimitRange, "the instruction limit", unit: "instructions")
        try Self.check(granularity, Self.granularityRange, "the interleaving granularity", unit: "instructions")
        try Self.check(jitter, Self.jitterRange, "the jitter", unit: "cycles")
        try Self.check(switchCost, Self.switchCostRange, "the cost of a context switch", unit: "cycles")
        try Self.check(addressSpaceSwitchCost, Self.switchCostRange, "the cost of an address-space switch", unit: "cycles")
        guard harts >= 1, harts <= MachineConfiguration.maximumHarts else {
            throw KernelError("the number of harts must be between 1 and \(MachineConfiguration.maximumHarts), not \(harts)")
        }
        guard (1...2).contains(threadsPerCore) else {
            throw KernelError("a core runs 1 or 2 hardware threads (SMT), not \(threadsPerCore)")
        }
        guard threadsPerCore <= harts else {
            throw KernelError("\(threadsPerCore) hardware threads per core need at least \(threadsPerCore) harts, not \(harts)")
        }
        if let memoryHierarchy {
            do { try memoryHierarchy.validate() } catch { throw KernelError("the memory hierarchy \(memoryHierarchy.name): \(error.message)") }
        } else if recordsContention {
            throw KernelError("recording contended lines (c2c) needs caches: give the run a memory hierarchy")
        } else if tracesCoherence {
            throw KernelError("tracing coherence needs caches: give the run a memory hierarchy")
        }
        try scheduling.validate()
        try foregroundBoost?.validate()
        guard fileDescriptorLimit >= 3, fileDescriptorLimit <= DescriptorTable.ceiling else {
            throw KernelError("the descriptor limit must be between 3 and \(DescriptorTable.ceiling), not \(fileDescriptorLimit)")
        }
        try Self.check(diskLatencyCycles, Self.diskLatencyRange, "the disk latency", unit: "cycles")
        guard messageQueueCapacity >= 1, messageQueueCapacity <= 1 << 20 else {
            throw KernelError("a message queue must hold between 1 and 1048576 messages, not \(messageQueueCapacity)")
        }
        if let inputPeriodCycles { try Self.check(inputPeriodCycles, Self.periodRange, "the time between input events", unit: "cycles") }
        // Each taken event's latency is kept: a million of them is 8 MB.
        guard inputEventCount >= 1, inputEventCount <= 1_000_000 else {
            throw KernelError("the input device injects between 1 and 1000000 events, not \(inputEventCount)")
        }
        guard startCycle < SimulatedTime.runLimit.cycles else {
            throw KernelError("the start cycle must be below 2^62 (\(SimulatedTime.runLimit.cycles)), not \(startCycle)")
        }
        try Self.check(clockOffsetNanoseconds, Self.clockOffsetRange, "the clock offset", unit: "nanoseconds (one day either way)")
        try Self.check(clockDriftPartsPerMillion, Self.clockDriftRange, "the clock drift", unit: "parts per million")
        try networkStack.validate()
        if let accelerator {
            try accelerator.validate()
            if exploration.schedulePoints {
                throw KernelError("schedule exploration cannot run with an accelerator: its snapshots and schedule points do not hold the device's state; run without --accelerator")
            }
        }
    }
}

extension KernelConfiguration {
    /// Throws "`what` must be between A and B `unit`, not V" when `value` is outside `range`.
    static func check<Value: Comparable>(_ value: Value, _ range: ClosedRange<Value>, _ what: String, unit: String) throws(KernelError) {
        guard range.contains(value) else {
            throw KernelError("\(what) must be between \(range.lowerBound) and \(range.upperBound) \(unit), not \(value)")
        }
    }
}

/// Where the program's standard streams go. Input is pulled when the program reads.
public struct KernelIO {
    /// Standard input, or nil when it is closed (`interleave run prog <&-`): then fd 0 is
    /// not open and `read` gives EBADF, as on Linux. An empty input is a closure returning
    /// no bytes (end of file), as /dev/null.
    public var readInput: ((_ maximumCount: Int) -> [UInt8])?
    public var writeOutput: (_ bytes: [UInt8]) -> Void
    public var writeError: (_ bytes: [UInt8]) -> Void

    public init(readInput: ((Int) -> [UInt8])? = { _ in [] }, writeOutput: @escaping ([UInt8]) -> Void,
                writeError: @escaping ([UInt8]) -> Void) {
        self.readInput = readInput
        self.writeOutput = writeOutput
        self.writeError = writeError
    }
}

/// A host folder shown in the guest's file system.
public struct MountPoint: Sendable, Equatable {
    public var hostPath: String
    public var guestPath: String
    public var writable: Bool
    public init(hostPath: String, guestPath: String, writable: Bool = false) {
        self.hostPath = hostPath
        self.guestPath = guestPath
        self.writable = writable
    }
}

/// The counters a program may read with `rdcycle`, `rdtime` and `rdinstret`, as Linux
/// decides with `kernel.perf_user_access`: `time` always (Go's runtime and the vDSO read
/// it); `cycle` and `instret` too before Linux 6.6, or with perf_user_access=2.
public enum UserCounterAccess: String, Sendable, Equatable, CaseIterable {
    /// cycle, time and instret (Linux before 6.6; qemu-riscv64).
    case all
    /// time alone (Linux 6.6 and later by default): rdcycle and rdinstret are illegal instructions.
    case time

    /// The scounteren bits: 0 cycle, 1 time, 2 instret.
    var mask: UInt64 { self == .all ? 0b111 : 0b010 }
}
