// How the run loop accounts time. With no caches and no SMT every instruction costs one
// cycle (`FlatTiming`, whose hooks do nothing, so the specialised loop is the plain
// one); with a memory hierarchy or SMT, `ModelledTiming` charges each instruction its
// fetch, its data access and its wait for the core's issue slot. The run loop is
// generic over the two and the optimizer compiles one loop for each.
//
// Timing model (README, "The memory hierarchy"): an in-order core that waits for every
// access. An instruction issues in the first free slot of its core at or after the cycle
// the previous one finished; it costs its fetch (an L1I hit: `l1i.hitLatency`) plus the
// latency of its data access, during which an SMT sibling may issue.

protocol InstructionTiming {
    /// Coherence off: loads and stores must go through the memory system, never straight to RAM.
    var dataThroughSlowPath: Bool { get }
    /// Where the current instruction stands against the batch's `memoryLimit`: the
    /// instructions stepped so far with flat timing, the cycles since the batch began (plus
    /// one) when modelled, so that at granularity 1 accesses happen in cycle order.
    func horizonPosition(stepped: Int) -> Int
    /// The instruction at `pc` issues (`stepped` already counts it). False: it must not
    /// run in this batch (its fetch would pass the horizon, or it would issue at or after
    /// the batch's timer deadline); nothing but a wait for the issue slot was charged.
    mutating func issue(pc: UInt64, memoryLimit: Int) -> Bool
    /// Gives back what `issue` charged: the instruction stops before the horizon.
    mutating func undoIssue()
    mutating func load(offset: Int, size: Int, pc: UInt64)
    mutating func store(offset: Int, size: Int, pc: UInt64)
    /// Cycles beyond one per instruction not yet added to the hart's `cycle`; resets them.
    mutating func takeExtra() -> UInt64
    /// The slow path ran (it may have charged `cycle`, changed the fetch block or trapped).
    mutating func resynchronize(cycle: UInt64)
    /// A fetch trapped: the instruction counts one cycle and issued nothing.
    mutating func fetchTrapped()
    /// The batch ends: hand the memory system what the loop counted itself.
    mutating func finish()
}

/// No caches, no SMT: one cycle per instruction, accounted by the loop itself.
struct FlatTiming: InstructionTiming {
    var dataThroughSlowPath: Bool { false }
    @inline(__always) func horizonPosition(stepped: Int) -> Int { stepped }
    @inline(__always) mutating func issue(pc: UInt64, memoryLimit: Int) -> Bool { true }
    @inline(__always) mutating func undoIssue() {}
    @inline(__always) mutating func load(offset: Int, size: Int, pc: UInt64) {}
    @inline(__always) mutating func store(offset: Int, size: Int, pc: UInt64) {}
    @inline(__always) mutating func takeExtra() -> UInt64 { 0 }
    @inline(__always) mutating func resynchronize(cycle: UInt64) {}
    @inline(__always) mutating func fetchTrapped() {}
    @inline(__always) mutating func finish() {}
}

/// Caches and/or SMT: per instruction, the issue slot, the fetch (the memory system is
/// asked only when the PC enters another line) and the data access's latency.
struct ModelledTiming: InstructionTiming {
    let hart: Hart
    let system: MemorySystem?
    let slots: IssueSlots?
    let core: Int
    let lineShift: UInt64
    /// What a fetch from the line of the previous fetch costs: an L1I hit (1 without caches).
    let repeatedFetchCycles: UInt64
    /// Data accesses slower than this may have evicted lines from the shared level (and so
    /// from the L1I, which it includes): the next fetch asks the memory system again.
    let l1dHitCycles: UInt64
    let dataThroughSlowPath: Bool
    /// The hart's cycle when the batch began: `memoryLimit` counts cycles from here.
    let start: UInt64
    /// No instruction issues at or after this cycle in this batch (the next timer deadline).
    let cycleLimit: UInt64
    /// The cycle at which the next instruction may issue.
    var now: UInt64
    /// The cycle the current instruction issued in.
    var issued: UInt64
    var extra: UInt64 = 0
    /// `pc >> lineShift` of the last fetch that went to the memory system; .max: none.
    var fetchLine: UInt64 = .max
    var repeatedFetches: UInt64 = 0
    // What `undoIssue` restores.
    var savedNow: UInt64 = 0
    var savedExtra: UInt64 = 0

    init(hart: Hart, cycleLimit: UInt64) {
        self.cycleLimit = cycleLimit
        self.hart = hart
        system = hart.memorySystem
        slots = hart.machine.issueSlots
        core = hart.core
        let lineSize = UInt64(system?.hierarchy.l1i.lineSize ?? 64)
        lineShift = UInt64(lineSize.trailingZeroBitCount)
        repeatedFetchCycles = UInt64(system?.hierarchy.l1i.hitLatency ?? 1)
        l1dHitCycles = UInt64(system?.hierarchy.l1d.hitLatency ?? 0)
        dataThroughSlowPath = system?.keepsValues ?? false
        start = hart.cycle
        now = hart.cycle
        issued = hart.cycle
    }

    @inline(__always) func horizonPosition(stepped: Int) -> Int {
        Int(truncatingIfNeeded: min(issued &- start, 1 << 40)) &+ 1
    }

    @inline(__always) mutating func issue(pc: UInt64, memoryLimit: Int) -> Bool {
        if now >= cycleLimit { return false }
        savedNow = now
        savedExtra = extra
        let slot = slots?.firstFree(core: core, from: now) ?? now
        var cost = repeatedFetchCycles
        let line = pc >> lineShift
        if line != fetchLine {
            if let system {
                // A fetch the others can observe (shared-level state): not past the horizon.
                if Int(truncatingIfNeeded: min(slot &- start, 1 << 40)) &+ 1 > memoryLimit {
                    // Waiting for the issue slot is time that passes all the same.
                    extra &+= slot &- now
                    now = slot
                    return false
                }
                let offset = hart.fetchPageOffset &+ Int(truncatingIfNeeded: pc & 0xFFF)
                cost = system.fetch(hart: hart.id, offset: offset, pc: pc)
            }
            fetchLine = line
        } else {
            repeatedFetches &+= 1
        }
        slots?.take(core: core, cycle: slot)
        issued = slot
        extra &+= (slot &- now) &+ cost &- 1
        now = slot &+ cost
        return true
    }

    /// Only instructions from the line fetched before can be undone (a new line's fetch
    /// checks the horizon first), so no memory-system access is taken back.
    @inline(__always) mutating func undoIssue() {
        slots?.release(core: core, cycle: issued)
        repeatedFetches &-= 1
        // The wait for the slot stays: the hart could not have issued before it.
        extra = savedExtra &+ (issued &- savedNow)
        now = issued
    }

    @inline(__always) mutating func load(offset: Int, size: Int, pc: UInt64) {
        guard let system else { return }
        charge(system.load(hart: hart.id, offset: offset, size: size, pc: pc))
    }

    @inline(__always) mutating func store(offset: Int, size: Int, pc: UInt64) {
        guard let system else { return }
        charge(system.store(hart: hart.id, offset: offset, size: size, pc: pc))
    }

    @inline(__always) mutating func charge(_ cycles: UInt64) {
        extra &+= cycles
        now &+= cycles
        if cycles > l1dHitCycles { fetchLine = .max }
    }

    @inline(__always) mutating func takeExtra() -> UInt64 {
        let taken = extra
        extra = 0
        return taken
    }

    mutating func resynchronize(cycle: UInt64) {
        now = cycle
        fetchLine = .max
    }

    mutating func fetchTrapped() {
        now &+= 1
        fetchLine = .max
    }

    mutating func finish() {
        if let system, repeatedFetches > 0 { system.countRepeatedFetches(hart: hart.id, count: repeatedFetches) }
        repeatedFetches = 0
    }
}
