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
//
// This file holds the type, its contexts' life and the clock; the rest of the device is
// in AcceleratorConfiguration (shape and address map), AcceleratorEvents (what goes in
// and out), AcceleratorMemory (frames and page tables), AcceleratorAddressSpace (map,
// unmap, the driver's copies), AcceleratorLanes (the lanes: items, groups, faults) and
// AcceleratorPreemption (switching in and out, save and restore, the boundary drain).

/// Where the lanes are in a context switch.
enum AcceleratorPhase: Equatable {
    /// No context holds the lanes.
    case free
    /// A context was put on the lanes; it starts at `ready` (the switch's cost paid).
    case switchingIn(ready: UInt64)
    /// The context's lanes run.
    case running
    /// An instruction-level preemption is saving the lanes; the context leaves at `at`.
    case leaving(at: UInt64)
}

/// The device. Contexts are small integers it hands out (0 is never one).
public final class Accelerator {
    public let configuration: AcceleratorConfiguration
    /// The device's clock, in its own cycles.
    public internal(set) var cycle: UInt64 = 0
    /// The context whose work the lanes hold (nil: none).
    public internal(set) var contextOnLanes: Int? = nil
    /// A preemption was asked for and has not yet taken effect.
    public internal(set) var preemptionPending = false

    /// Frames and page tables in the device's memory.
    let memory: AcceleratorMemory
    /// The lanes: the harts of a small machine whose RAM is the device's memory.
    let lanes: Machine
    /// Contexts by number (index 0 is never used).
    var contexts: [AcceleratorContext?]
    var phase = AcceleratorPhase.free
    var onLanes: AcceleratorContext? = nil
    /// Per lane: whether it runs an item now, and which.
    var laneBusy: [Bool]
    var laneItem: [UInt64]
    /// The context number handed out last.
    var lastNumber = 0
    /// Events not yet handed to the kernel.
    var events: [AcceleratorEvent] = []
    /// The inner machine's trap hook (held here: the harts hold it unretained).
    var laneTraps: AcceleratorLaneTraps? = nil

    /// Instructions a lane runs before the lanes' scheduler looks again: the most a lane's
    /// clock runs ahead of another's, and of the event the kernel is told about.
    static let laneGranularity = 100
    /// Decoded code pages the lanes keep (kernels are small).
    static let decodedBlockLimit = 256

    public init(configuration: AcceleratorConfiguration) throws(MachineError) {
        try configuration.validate()
        self.configuration = configuration
        var inner = MachineConfiguration()
        inner.ramSize = configuration.memorySize
        inner.hartCount = configuration.lanes
        inner.clockFrequency = configuration.clockFrequency
        inner.timerFrequency = configuration.clockFrequency
        inner.interleaveGranularity = Self.laneGranularity
        inner.decodedBlockLimit = Self.decodedBlockLimit
        lanes = try Machine(configuration: inner)
        memory = AcceleratorMemory(ram: lanes.memory)
        contexts = Array(repeating: nil, count: AcceleratorConfiguration.maximumContexts + 1)
        laneBusy = Array(repeating: false, count: configuration.lanes)
        laneItem = Array(repeating: 0, count: configuration.lanes)
        let traps = AcceleratorLaneTraps(accelerator: self)
        laneTraps = traps
        lanes.attachHostTrapHandler(unretained: traps)
        for hart in lanes.harts {
            hart.setPrivilege(.user)
            hart.setFloatingPointEnabled(true)
            hart.setUserCounterAccess(0b111)
            park(hart)
        }
    }

    deinit {
        lanes.detachHostTrapHandler()
    }

    /// The context with this number, if it exists.
    func context(_ number: Int) -> AcceleratorContext? {
        guard number > 0, number < contexts.count else { return nil }
        return contexts[number]
    }

    // MARK: Contexts

    /// A new context with an empty address space, its lanes' stacks and the return page
    /// mapped; nil when the device has no room (contexts or memory).
    public func createContext() -> Int? {
        // Numbers are handed out round robin, so a number just freed is the last one reused
        // (a late event or a stale handle is less likely to name a new context).
        let count = contexts.count - 1
        guard let number = (0..<count).lazy.map({ (self.lastNumber + $0) % count + 1 }).first(where: { self.contexts[$0] == nil }),
              let root = memory.allocateFrame() else { return nil }
        lastNumber = number
        let context = AcceleratorContext(number: number, root: root)
        let stackPages = AcceleratorLayout.stackSize / AcceleratorMemory.pageSize
        for lane in 0..<configuration.lanes {
            let bottom = AcceleratorLayout.stackTop(lane: lane) - AcceleratorLayout.stackSize
            guard mapPages(context, at: bottom, pages: stackPages, permissions: PTE.read | PTE.write) else {
                _ = memory.releaseTree(root: root)
                return nil
            }
        }
        guard mapPages(context, at: AcceleratorLayout.returnAddress, pages: 1, permissions: PTE.read | PTE.execute),
              let page = memory.translate(root: root, virtual: AcceleratorLayout.returnAddress) else {
            _ = memory.releaseTree(root: root)
            return nil
        }
        memory.ram.writeInteger(0x0000_0073, at: page, size: 4)   // ecall
        contexts[number] = context
        return number
    }

    /// Frees the context and all its memory; if it holds the lanes they stop at once (the
    /// next `run(until:)` reports `switchedOut(.destroyed)` at the cycle of this call).
    public func destroyContext(_ number: Int) {
        guard let context = context(number) else { return }
        context.dropWork()
        if onLanes === context { takeLanesAway(why: .destroyed) }
        _ = memory.releaseTree(root: context.root)
        contexts[number] = nil
    }

    // MARK: Work

    /// Queues a launch after the context's earlier ones; its submission number (from 1,
    /// per context), or nil if the context is unknown or faulted, or the launch is empty
    /// or malformed (no items, a group size of 0), or the context already has
    /// `AcceleratorConfiguration.maximumQueuedLaunches` launches queued.
    public func submit(_ number: Int, _ launch: AcceleratorLaunch) -> UInt64? {
        guard let context = context(number), !context.faulted, launch.items > 0, launch.groupSize > 0,
              context.queue.count < AcceleratorConfiguration.maximumQueuedLaunches else { return nil }
        let submission = context.nextSubmission
        context.nextSubmission &+= 1
        context.queue.append(AcceleratorSubmission(number: submission, launch: launch))
        context.statistics.submissions &+= 1
        return submission
    }

    /// Whether the context has a launch queued or running.
    public func hasWork(_ number: Int) -> Bool {
        guard let context = context(number) else { return false }
        return !context.queue.isEmpty
    }

    /// The watchdog's reset: the context's queued and running work is dropped (its waiting
    /// submissions end as reset) and, if it holds the lanes, it leaves them at once (the
    /// next `run(until:)` reports `switchedOut(.reset)` at the cycle of this call). The
    /// context stays usable for new work.
    public func reset(_ number: Int) {
        guard let context = context(number) else { return }
        context.dropWork()
        if onLanes === context { takeLanesAway(why: .reset) }
    }

    public func statistics(of number: Int) -> AcceleratorContextStatistics? {
        guard let context = context(number) else { return nil }
        var statistics = context.statistics
        statistics.memoryBytes = UInt64(context.frames) * AcceleratorMemory.pageSize
        return statistics
    }

    /// Device memory in use by all contexts, in bytes.
    public var memoryInUse: UInt64 { UInt64(memory.framesInUse) * AcceleratorMemory.pageSize }

    // MARK: The clock

    /// Advances the device's clock to `cycle`, or less: it stops after the first event.
    /// Returns the events (empty: it reached `cycle` with nothing to report). Events that
    /// `reset` and `destroyContext` caused come first, at the cycle they happened, without
    /// the clock moving. A `cycle` in the past means now.
    public func run(until target: UInt64) -> [AcceleratorEvent] {
        if !events.isEmpty { return takeEvents() }
        let target = max(target, cycle)
        switch phase {
        case .free:
            advanceClock(to: target)
        case .switchingIn(let ready):
            guard ready <= target else {
                advanceClock(to: target)
                return []
            }
            advanceClock(to: ready)
            switchIn()
        case .leaving(let at):
            guard at <= target else {
                advanceClock(to: target)
                return []
            }
            advanceClock(to: at)
            leave(why: .preempted)
        case .running:
            runLanes(until: target)
            if events.isEmpty { advanceClock(to: target) }
        }
        return takeEvents()
    }

    func takeEvents() -> [AcceleratorEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// Moves the clock forward (never back), charging the time to the context on the lanes.
    func advanceClock(to target: UInt64) {
        guard target > cycle else { return }
        onLanes?.statistics.busyCycles &+= target - cycle
        cycle = target
    }
}
