// The accelerator: a GPU-like device on the machine with its own memory, its own clock
// and a few small compute lanes. A kernel is a guest function run once per work item
// (a0 = the item's index, a1 = the launch's argument); items come in work-groups. Each
// context (one per process that opens the device, as a GPU driver gives it) has its own
// Sv39 page table in the device's memory, so one context's buffers do not exist in
// another's address space: a stray access faults that context only.
//
// The device is mechanism only. Which context runs, for how long, and when one is reset
// is the kernel's policy (Kernel/AcceleratorScheduler.swift): it switches contexts,
// asks for preemption and resets through the calls below, and advances the device's
// clock with `run(until:)`, which stops at the first event the kernel must see.
//
// Preemption is the hardware's: only at work-group boundaries (GPUs before 2016), or at
// any instruction, every lane's registers saved (Pascal, 2016, and later).

/// How the hardware can take the lanes from a context.
public enum AcceleratorPreemption: String, Sendable, CaseIterable {
    /// Only between work-groups: a running group finishes first.
    case workGroup = "boundary"
    /// At any instruction: every lane's registers and PC are saved and restored later.
    case instruction
}

/// The device's shape. Part of the machine's configuration (nil there: no accelerator).
public struct AcceleratorConfiguration: Sendable, Equatable {
    /// Compute lanes: each runs one work item at a time.
    public var lanes = 4
    /// The device's own memory, in bytes (buffers, page tables, lane stacks, program copies).
    public var memorySize: UInt64 = 16 << 20
    /// The device's clock: its cycles per simulated second.
    public var clockFrequency: UInt64 = 100_000_000
    public var preemption = AcceleratorPreemption.workGroup
    /// Device cycles a context switch costs (its page table loaded, caches flushed).
    public var switchCycles: UInt64 = 1_000
    /// Extra device cycles an instruction-level preemption costs: every lane's state saved
    /// to memory, and restored when the context comes back.
    public var saveCycles: UInt64 = 5_000

    public static let maximumLanes = 64
    public static let maximumContexts = 64
    public static let maximumMemory: UInt64 = 1 << 30

    public init() {}

    /// Checks the values a user can set; the message says what is accepted.
    public func validate() throws(MachineError) {
        guard (1...Self.maximumLanes).contains(lanes) else {
            throw MachineError("the accelerator has 1 to \(Self.maximumLanes) lanes, not \(lanes)")
        }
        guard memorySize >= 1 << 20, memorySize <= Self.maximumMemory, memorySize % 4096 == 0 else {
            throw MachineError("the accelerator's memory is 1 to 1024 MiB in whole pages, not \(memorySize) bytes")
        }
        guard clockFrequency >= 1_000, clockFrequency <= 10_000_000_000 else {
            throw MachineError("the accelerator's clock is 1 kHz to 10 GHz, not \(clockFrequency) Hz")
        }
        guard switchCycles <= 1_000_000_000, saveCycles <= 1_000_000_000 else {
            throw MachineError("an accelerator context switch costs at most 1,000,000,000 cycles")
        }
    }
}

/// Where things sit in every context's address space (Sv39 user addresses).
public enum AcceleratorLayout {
    /// Buffers the driver allocates: from here up to `bufferLimit`.
    public static let bufferBase: UInt64 = 0x10_0000_0000
    public static let bufferLimit: UInt64 = 0x20_0000_0000
    /// Lane i's stack: `stackSize` bytes ending at stackBase + (i + 1) * stackStride.
    public static let stackBase: UInt64 = 0x30_0000_0000
    public static let stackStride: UInt64 = 1 << 20
    public static let stackSize: UInt64 = 16 << 10
    /// A page holding `ecall`: a kernel's return address, so returning ends its item.
    public static let returnAddress: UInt64 = 0x3F_FFFF_F000
}

/// One kernel launch: `entry(index, argument)` for index 0..<items, in work-groups of `groupSize`.
public struct AcceleratorLaunch: Sendable, Equatable {
    public var entry: UInt64
    public var items: UInt64
    public var groupSize: UInt64
    public var argument: UInt64

    public init(entry: UInt64, items: UInt64, groupSize: UInt64, argument: UInt64) {
        self.entry = entry
        self.items = items
        self.groupSize = groupSize
        self.argument = argument
    }
}

/// A lane's trap that ended its context's work: where, and why.
public struct AcceleratorFault: Sendable, Equatable {
    public var context: Int
    public var submission: UInt64
    public var lane: Int
    public var item: UInt64
    public var pc: UInt64
    /// The instruction at `pc`, if it could be read (the kernel disassembles it).
    public var instructionBits: UInt32?
    /// The RISC-V exception code and `stval` (the address for an access fault).
    public var cause: UInt64
    public var address: UInt64
    /// In words: "load page fault: 0x1000000040 is not mapped in context 2".
    public var reason: String

    public init(context: Int, submission: UInt64, lane: Int, item: UInt64, pc: UInt64, instructionBits: UInt32?,
                cause: UInt64, address: UInt64, reason: String) {
        self.context = context
        self.submission = submission
        self.lane = lane
        self.item = item
        self.pc = pc
        self.instructionBits = instructionBits
        self.cause = cause
        self.address = address
        self.reason = reason
    }
}

/// Why a context left the lanes.
public enum AcceleratorSwitchOut: String, Sendable, CaseIterable {
    /// It had no more work.
    case idle
    /// A preemption the kernel asked for took effect.
    case preempted
    /// The kernel reset it (the watchdog).
    case reset
    /// One of its lanes faulted.
    case faulted
    /// It was destroyed (its process ended).
    case destroyed
}

/// What `Accelerator.run(until:)` stopped for. Cycles are the device's.
public enum AcceleratorEvent: Sendable, Equatable {
    /// The context took the lanes (after the switch's cost).
    case switchedIn(context: Int, cycle: UInt64)
    case switchedOut(context: Int, cycle: UInt64, why: AcceleratorSwitchOut)
    /// Every item of the submission has returned.
    case completed(context: Int, submission: UInt64, cycle: UInt64)
    /// A lane trapped: the context's queued and running work is dropped, the context is
    /// marked faulted (later submissions are refused) and leaves the lanes.
    case faulted(AcceleratorFault, cycle: UInt64)
}

/// What one context did on the device.
public struct AcceleratorContextStatistics: Sendable, Equatable {
    /// Device cycles it held the lanes, and instructions its lanes retired.
    public var busyCycles: UInt64 = 0
    public var instructions: UInt64 = 0
    public var submissions: UInt64 = 0
    public var completions: UInt64 = 0
    public var items: UInt64 = 0
    public var workGroups: UInt64 = 0
    /// Times it took the lanes, and times a preemption took them from it.
    public var switchesIn: UInt64 = 0
    public var preemptions: UInt64 = 0
    /// Device memory mapped for it (buffers, stacks, program copy, page tables), in bytes.
    public var memoryBytes: UInt64 = 0

    public init() {}
}

/// The device. Contexts are small integers it hands out (0 is never one).
public final class Accelerator {
    public let configuration: AcceleratorConfiguration
    /// The device's clock, in its own cycles.
    public private(set) var cycle: UInt64 = 0
    /// The context whose work the lanes hold (nil: none).
    public private(set) var contextOnLanes: Int? = nil
    /// A preemption was asked for and has not yet taken effect.
    public private(set) var preemptionPending = false

    public init(configuration: AcceleratorConfiguration) throws(MachineError) {
        try configuration.validate()
        self.configuration = configuration
    }

    /// A new context with an empty address space, its lanes' stacks and the return page
    /// mapped; nil when the device has no room (contexts or memory).
    public func createContext() -> Int? { nil }

    /// Frees the context and all its memory; if it holds the lanes they stop at once.
    public func destroyContext(_ context: Int) {}

    /// Maps `bytes` (rounded up to pages) at `virtual` in the context, zeroed, with these
    /// permissions; false if the context is unknown, the range is not free or memory is short.
    public func map(_ context: Int, at virtual: UInt64, bytes: UInt64, writable: Bool, executable: Bool) -> Bool { false }

    /// Unmaps what `map` mapped in that range and frees its frames.
    public func unmap(_ context: Int, at virtual: UInt64, bytes: UInt64) {}

    /// The driver's copies (DMA): every byte must be mapped in the context; permissions are
    /// not checked (the driver loads read-only code too). False / nil otherwise.
    public func write(_ context: Int, at virtual: UInt64, _ bytes: [UInt8]) -> Bool { false }
    public func read(_ context: Int, at virtual: UInt64, count: Int) -> [UInt8]? { nil }

    /// Queues a launch after the context's earlier ones; its submission number (from 1,
    /// per context), or nil if the context is unknown or faulted, or the launch is empty
    /// or malformed (no items, a group size of 0).
    public func submit(_ context: Int, _ launch: AcceleratorLaunch) -> UInt64? { nil }

    /// Whether the context has a launch queued or running.
    public func hasWork(_ context: Int) -> Bool { false }

    /// Puts the context on the lanes; it starts (or resumes where a preemption left it)
    /// after `switchCycles` (+ `saveCycles` when its lanes' registers come back). The
    /// lanes must be free (no context on them).
    public func switchTo(_ context: Int) {}

    /// Asks the context on the lanes to leave: at the next instruction (instruction
    /// preemption) or once its running work-groups end (boundary). A `switchedOut(.preempted)`
    /// event follows.
    public func requestPreemption() {}

    /// The watchdog's reset: the context's queued and running work is dropped (its waiting
    /// submissions end as reset) and, if it holds the lanes, it leaves them at once. The
    /// context stays usable for new work.
    public func reset(_ context: Int) {}

    /// Advances the device's clock to `cycle`, or less: it stops after the first event.
    /// Returns the events (empty: it reached `cycle` with nothing to report).
    public func run(until cycle: UInt64) -> [AcceleratorEvent] {
        self.cycle = max(self.cycle, cycle)
        return []
    }

    public func statistics(of context: Int) -> AcceleratorContextStatistics? { nil }

    /// Device memory in use by all contexts, in bytes.
    public var memoryInUse: UInt64 { 0 }
}
