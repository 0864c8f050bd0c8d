// What goes into the accelerator and what comes out: a kernel launch, the events
// `Accelerator.run(until:)` reports to the kernel (switches, completions, faults with
// their report) and the counters kept per context.

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
    /// Launches accepted, and launches whose every item returned.
    public var submissions: UInt64 = 0
    public var completions: UInt64 = 0
    /// Items that returned (through the return page), and work-groups started.
    public var items: UInt64 = 0
    public var workGroups: UInt64 = 0
    /// Times it took the lanes, and times a preemption took them from it.
    public var switchesIn: UInt64 = 0
    public var preemptions: UInt64 = 0
    /// Device memory mapped for it (buffers, stacks, program copy, page tables), in bytes.
    public var memoryBytes: UInt64 = 0

    public init() {}
}

