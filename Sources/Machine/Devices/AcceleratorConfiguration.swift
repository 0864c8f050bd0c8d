// The accelerator's shape and the fixed map of every context's address space: how many
// lanes, how much device memory, its clock, how the hardware preempts and what a switch
// costs (Accelerator.swift is the device itself).

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
    /// Launches a context may have queued or running at once: a guest that submits without
    /// waiting is refused (`submit` answers nil) rather than growing the device's tables.
    public static let maximumQueuedLaunches = 256

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
    /// From here to the top of user space the device places its own pages (stacks, the
    /// return page): `map` refuses ranges that reach into it and `unmap` leaves it alone.
    public static let reservedBase: UInt64 = stackBase
    /// The end of Sv39 user space (addresses below 2^38; the upper half is not the user's).
    public static let userLimit: UInt64 = 1 << 38

    /// The address just above lane `lane`'s stack: its sp at the start of every item (16-byte aligned).
    public static func stackTop(lane: Int) -> UInt64 { stackBase + UInt64(lane + 1) * stackStride }
}

