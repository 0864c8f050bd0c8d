// How the run loop accounts time. With no caches and no SMT every instruction costs one
// cycle (`FlatTiming`, whose hooks do nothing, so the specialised loop is the plain
// one); with a memory hierarchy or SMT, `ModelledTiming` charges each instruction its
// fetch, its data access and its wait for the core's issue slot. The run loop is
// generic over the timing and the optimizer compiles one loop for each kind:
// `ModelledTiming<CachesOnly>` is the common case (caches, no SMT, an L1I hit in one
// cycle) with the issue slot and the repeated fetch's extra cycles gone at compile time;
// `ModelledTiming<AnyModel>` checks both at run time.
//
// Timing model (README, "The memory hierarchy"): an in-order core that waits for every
// access. An instruction issues in the first free slot of its core at or after the cycle
// the previous one finished; it costs its fetch (an L1I hit: `l1i.hitLatency`) plus the
// latency of its data access, during which an SMT sibling may issue.

protocol InstructionTiming {
    /// Whether the loop calls `issue` before reading the instruction's decoded record (a
    /// constant of each kind, so the optimizer keeps one order in each specialised loop).
    static var issuesBeforeReadingRecord: Bool { get }
    /// Coherence off: loads and stores must go through the memory system, never straight to RAM.
    var dataThroughSlowPath: Bool { get }
    /// Fences go to the slow path even with flat timing (the race log records them).
    static var fencesThroughSlowPath: Bool { get }
    /// Where the current instruction stands against the batch's `memoryLimit`: the
    /// instructions stepped so far with flat timing; when modelled, the cycles from the
    /// batch's start to the one it issued in, plus one, so that at granularity 1 accesses
    /// happen in cycle order whatever their latencies.
    func position(stepped: Int) -> Int
    /// The instruction at `pc` issues (`stepped` already counts it). False: it must not
    /// run in this batch (its fetch would pass the horizon, or it would issue at or after
    /// the batch's timer deadline); nothing but a wait for the issue slot was charged.
    mutating func issue(pc: UInt64, stepped: Int, memoryLimit: Int) -> Bool
    /// Gives back what `issue` charged: the instruction stops before the horizon.
    /// `stepped`: as `issue` was given it.
    mutating func undoIssue(stepped: Int)
    /// A fast-path load or store: false when it must first wait for its line (the wait is
    /// charged; the instruction issues again after it — MissWait.swift).
    /// `position`: the instruction's `position(stepped:)`.
    /// `address`: the access's virtual address (the race log records it; the others ignore it).
    mutating func load(offset: Int, address: UInt64, size: Int, pc: UInt64, position: Int) -> Bool
    mutating func store(offset: Int, address: UInt64, size: Int, pc: UInt64, position: Int) -> Bool
    /// Whether the last fast-path access answered "wait for the line"; reading it clears it.
    mutating func takeWait() -> Bool
    /// Cycles beyond one per instruction not yet added to the hart's `cycle`.
    mutating func takeExtra() -> UInt64
    /// The slow path ran (it may have charged `cycle`, changed the fetch block or trapped);
    /// `cycle` is fully accounted for the `stepped` instructions so far.
    mutating func resynchronize(cycle: UInt64, stepped: Int)
    /// A fetch trapped: the instruction counts one cycle and issued nothing.
    mutating func fetchTrapped()
    /// The batch ends after `stepped` instructions: tell the memory system what the loop counted itself.
    mutating func finish(stepped: Int)
}

/// No caches, no SMT: one cycle per instruction, accounted by the loop itself.
struct FlatTiming: InstructionTiming {
    static var issuesBeforeReadingRecord: Bool { false }
    static var fencesThroughSlowPath: Bool { false }
    var dataThroughSlowPath: Bool { false }
    @inline(__always) func position(stepped: Int) -> Int { stepped }
    @inline(__always) mutating func issue(pc: UInt64, stepped: Int, memoryLimit: Int) -> Bool { true }
    @inline(__always) mutating func undoIssue(stepped: Int) {}
    @inline(__always) mutating func load(offset: Int, address: UInt64, size: Int, pc: UInt64, position: Int) -> Bool { true }
    @inline(__always) mutating func store(offset: Int, address: UInt64, size: Int, pc: UInt64, position: Int) -> Bool { true }
    @inline(__always) mutating func takeWait() -> Bool { false }
    @inline(__always) mutating func takeExtra() -> UInt64 { 0 }
    @inline(__always) mutating func resynchronize(cycle: UInt64, stepped: Int) {}
    @inline(__always) mutating func fetchTrapped() {}
    @inline(__always) mutating func finish(stepped: Int) {}
}

/// What a modelled batch's machine has, as constants of a type, so that the loop of the
/// common case carries no test for what it lacks.
protocol TimingShape {
    /// SMT: instructions take a slot of their core's issue bitmap.
    static var sharesIssueSlots: Bool { get }
    /// An L1I hit may cost more than one cycle, so even a fetch from the line fetched
    /// before costs extra cycles.
    static var slowFetchHits: Bool { get }
    /// The batch may begin with store-buffer credit (`Hart.storeCredit`). A batch only ever
    /// spends or drops its credit, so one that begins without has none to check.
    static var mayHaveCredit: Bool { get }
}

/// Caches, no SMT, an L1I hit in one cycle (every preset without `--smt 2`), and no
/// store-buffer credit when the batch begins (always so with one core).
enum CachesOnly: TimingShape {
    static var sharesIssueSlots: Bool { false }
    static var slowFetchHits: Bool { false }
    static var mayHaveCredit: Bool { false }
}

/// Any other modelled batch: everything checked at run time.
enum AnyModel: TimingShape {
    static var sharesIssueSlots: Bool { true }
    static var slowFetchHits: Bool { true }
    static var mayHaveCredit: Bool { true }
}

/// Caches and/or SMT: per instruction, the issue slot, the fetch (the memory system is
/// asked only when the PC enters another line) and the data access's latency. Time is kept
/// as `extra`, the cycles beyond one per instruction since the batch began, so the hart's
/// cycle now is `start + stepped + extra`, and a register-only instruction without SMT
/// costs two compares: its step against `stepLimit` and its line against the last one.
struct ModelledTiming<Shape: TimingShape>: InstructionTiming {
    static var issuesBeforeReadingRecord: Bool { true }
    static var fencesThroughSlowPath: Bool { false }
    // Unmanaged, used through `_withUnsafeGuaranteedRef`: the machine owns all three for
    // longer than any batch, and the loop must not retain and release them per instruction
    // (an optional class reference, even unowned(unsafe), is retained when bound).
    let hart: Unmanaged<Hart>
    let system: Unmanaged<MemorySystem>?
    let slots: Unmanaged<IssueSlots>?
    let hartID: Int
    let core: Int
    let lineShift: UInt64
    /// What a fetch from the line of the previous fetch costs beyond one cycle (an L1I hit
    /// costs `l1i.hitLatency`, 1 in every preset, so usually 0).
    let repeatedFetchExtra: UInt64
    /// Data accesses slower than this may have evicted lines from the shared level (and so
    /// from the L1I, which it includes): the next fetch asks the memory system again.
    let l1dHitCycles: UInt64
    let dataThroughSlowPath: Bool
    /// The hart's cycle when the batch began.
    let start: UInt64
    /// Cycles from `start` to the batch's timer deadline (at most 2^62): nothing issues at or after it.
    let cycleBudget: Int
    /// Cycles beyond one per instruction since `start`; `takenExtra` of them are in `hart.cycle`.
    var extra: UInt64 = 0
    var takenExtra: UInt64 = 0
    /// `cycleBudget - extra`: an instruction with a larger `stepped` would issue at or after the deadline.
    var stepLimit: Int
    /// The cycle the current instruction issued in (SMT: to give its slot back).
    var issued: UInt64 = 0
    /// `pc >> lineShift` of the last fetch that went to the memory system, and of the one
    /// before if that one was still an L1I hit with nothing filled since (a loop that spans
    /// two lines then asks once per line, not twice per turn); .max: none. Both are in the
    /// L1I: a fill never evicts the line used last (LRU, tree-PLRU, two ways or more), and a
    /// fill anywhere — a slower fetch or data access — forgets them.
    var fetchLine: UInt64 = .max
    var previousFetchLine: UInt64 = .max
    /// Whether `previousFetchLine` may be kept (the L1I has two ways or more).
    let keepsTwoFetchLines: Bool
    let fetchHitCycles: UInt64
    /// Fetches that went to the memory system, and fetches that trapped, in this batch.
    var memoryFetches: UInt64 = 0
    var trappedFetches: UInt64 = 0
    /// The last fast-path access must wait for its line before the instruction issues again.
    var waiting = false
    /// The store buffer, as time: a store that waited for its line was, on real hardware,
    /// in the store buffer while the core went on. After it is performed, the instructions
    /// that follow use up that wait without taking time of their own — until one accesses
    /// the store's line or misses, or an atomic, a fence or an interrupt drains the buffer
    /// (a system call does not).
    var credit: UInt64
    /// The line of the store in the buffer: an access to it waits for the store (no forwarding).
    let creditLine: UInt64
    /// The buffered store itself has not issued again yet (its own access keeps the credit).
    var storeReissuing: Bool
    /// The `stepped` of the last instruction whose own cycle `issue` took from `credit` (for
    /// `undoIssue`): a stamp, so an instruction without credit stores nothing.
    var creditedStep = -1
    /// The core's L1D as the loop checks it itself: a load or store to the line its set
    /// touched last (in M for a store) is a hit that changes no replacement state, served
    /// here exactly as the memory system would and counted in `dataHits`. Nil: every
    /// access goes to the memory system (contention recorded, or coherence off).
    let dataProbe: RecentWayProbe?
    var dataHits: UInt64 = 0

    init(hart: Hart, cycleLimit: UInt64) {
        self.hart = Unmanaged.passUnretained(hart)
        let system = hart.memorySystem
        self.system = system.map { Unmanaged.passUnretained($0) }
        slots = hart.machine.issueSlots.map { Unmanaged.passUnretained($0) }
        hartID = hart.id
        core = hart.core
        let lineSize = UInt64(system?.hierarchy.l1i.lineSize ?? 64)
        lineShift = UInt64(lineSize.trailingZeroBitCount)
        repeatedFetchExtra = UInt64(max(1, system?.hierarchy.l1i.hitLatency ?? 1) - 1)
        fetchHitCycles = UInt64(system?.hierarchy.l1i.hitLatency ?? 1)
        keepsTwoFetchLines = (system?.hierarchy.l1i.associativity ?? 1) >= 2
        l1dHitCycles = UInt64(system?.hierarchy.l1d.hitLatency ?? 0)
        dataThroughSlowPath = system?.keepsValues ?? false || hart.raceLog != nil   // the race log: every access logged
        start = hart.cycle
        cycleBudget = Int(min(cycleLimit > hart.cycle ? cycleLimit - hart.cycle : 0, 1 << 62))
        stepLimit = cycleBudget
        credit = hart.storeCredit
        creditLine = hart.storeCreditLine
        storeReissuing = hart.storeCredit != 0 && hart.storeReissuing
        hart.storeCredit = 0
        dataProbe = system?.dataProbe(hart: hart.id)
    }

    /// A load (or store, `modified`) of `size` bytes at `offset` that the loop serves
    /// itself: within one line, held in its set's recent way. Charged as an L1D hit. When it
    /// is not, the memory system is asked with `probed` (its own memo and recent-way checks
    /// would fail too; without a probe, contention is recorded and it skips them anyway).
    @inline(__always) mutating func servedByProbe(offset: Int, size: Int, modified: Bool) -> Bool {
        guard let dataProbe else { return false }
        let line = UInt64(truncatingIfNeeded: offset) &>> lineShift
        guard UInt64(truncatingIfNeeded: offset &+ size &- 1) &>> lineShift == line, dataProbe.holds(line: line, modified: modified) else {
            return false
        }
        dataHits &+= 1
        spend(l1dHitCycles)
        return true
    }

    /// The cycle (from the batch's start, plus one) at which the current instruction's
    /// accesses happen: after any wait for the issue slot and after its fetch.
    @inline(__always) func position(stepped: Int) -> Int {
        stepped &+ Int(truncatingIfNeeded: extra)
    }

    @inline(__always) mutating func add(_ cycles: UInt64) {
        extra &+= cycles
        stepLimit &-= Int(truncatingIfNeeded: cycles)
    }

    /// Whether store-buffer credit is left (never in a batch of a shape without it).
    @inline(__always) var hasCredit: Bool { Shape.mayHaveCredit && credit != 0 }

    /// Adds cycles the store buffer's credit may cover.
    @inline(__always) mutating func spend(_ cycles: UInt64) {
        if _slowPath(hasCredit) {
            let covered = min(credit, cycles)
            credit &-= covered
            add(cycles &- covered)
        } else {
            add(cycles)
        }
    }

    /// The instruction's own cycle, from the credit if there is some.
    @inline(__always) mutating func creditIssue(stepped: Int) {
        if _slowPath(hasCredit) {
            credit &-= 1
            add(0 &- 1)
            creditedStep = stepped
        }
    }

    /// An access to the buffered store's line waits for the store: the credit ends.
    @inline(__always) mutating func dropCredit(ifAccessing offset: Int) {
        if storeReissuing {
            storeReissuing = false
            return
        }
        if UInt64(truncatingIfNeeded: offset) &>> lineShift == creditLine { credit = 0 }
    }

    @inline(__always) mutating func issue(pc: UInt64, stepped: Int, memoryLimit: Int) -> Bool {
        if stepped > stepLimit { return false }
        if Shape.sharesIssueSlots, let slots {
            let now = start &+ UInt64(truncatingIfNeeded: stepped &- 1) &+ extra
            let core = core
            let slot = slots._withUnsafeGuaranteedRef { slots in
                let slot = slots.firstFree(core: core, from: now)
                slots.take(core: core, cycle: slot)
                return slot
            }
            add(slot &- now)
            issued = slot
        }
        let line = pc &>> lineShift
        if _slowPath(line != fetchLine && line != previousFetchLine) {
            if let system {
                // A fetch the others can observe (shared-level state): not past the horizon.
                if position(stepped: stepped) > memoryLimit {
                    // The wait for the issue slot stays: the hart could not issue before it.
                    if Shape.sharesIssueSlots, let slots { release(slots) }
                    return false
                }
                let offset = hart._withUnsafeGuaranteedRef { $0.fetchPageOffset } &+ Int(truncatingIfNeeded: pc & 0xFFF)
                let hartID = hartID
                let cost = system._withUnsafeGuaranteedRef { $0.fetch(hart: hartID, offset: offset, pc: pc) }
                spend(max(cost, 1) &- 1)
                memoryFetches &+= 1
                previousFetchLine = cost <= fetchHitCycles && keepsTwoFetchLines ? fetchLine : .max
            }
            fetchLine = line
            creditIssue(stepped: stepped)
            return true
        }
        if Shape.slowFetchHits, repeatedFetchExtra != 0 { add(repeatedFetchExtra) }
        creditIssue(stepped: stepped)
        return true
    }

    /// Only an instruction from the line fetched before can be undone (a new line's fetch
    /// checks the horizon first), so no memory-system access is taken back.
    @inline(__always) mutating func undoIssue(stepped: Int) {
        if Shape.slowFetchHits, repeatedFetchExtra != 0 { add(0 &- repeatedFetchExtra) }
        if Shape.mayHaveCredit, creditedStep == stepped {
            credit &+= 1
            add(1)
            creditedStep = -1
        }
        if Shape.sharesIssueSlots, let slots { release(slots) }
    }

    @inline(__always) func release(_ slots: Unmanaged<IssueSlots>) {
        let core = core, issued = issued
        slots._withUnsafeGuaranteedRef { $0.release(core: core, cycle: issued) }
    }

    @inline(__always) mutating func load(offset: Int, address: UInt64, size: Int, pc: UInt64, position: Int) -> Bool {
        if _slowPath(hasCredit) { dropCredit(ifAccessing: offset) }
        if servedByProbe(offset: offset, size: size, modified: false) { return true }
        guard let system else { return true }
        let hartID = hartID, now = now(position)
        return charge(system._withUnsafeGuaranteedRef { $0.load(hart: hartID, offset: offset, size: size, pc: pc, now: now, probed: true) })
    }

    @inline(__always) mutating func store(offset: Int, address: UInt64, size: Int, pc: UInt64, position: Int) -> Bool {
        if _slowPath(hasCredit) { dropCredit(ifAccessing: offset) }
        if servedByProbe(offset: offset, size: size, modified: true) { return true }
        guard let system else { return true }
        let hartID = hartID, now = now(position)
        let answer = system._withUnsafeGuaranteedRef { $0.store(hart: hartID, offset: offset, size: size, pc: pc, now: now, probed: true) }
        guard charge(answer) else {
            // In the store buffer while the line comes: what follows it may use the wait.
            let line = UInt64(truncatingIfNeeded: offset) &>> lineShift
            hart._withUnsafeGuaranteedRef { hart in
                hart.storeCredit = answer & ~MemorySystem.waitForLine
                hart.storeCreditLine = line
                hart.storeReissuing = true
            }
            return false
        }
        return true
    }

    /// The cycle an access at `position` happens in.
    @inline(__always) func now(_ position: Int) -> UInt64 {
        start &+ UInt64(truncatingIfNeeded: max(0, position &- 1))
    }

    /// Adds an access's cycles; false when the answer was a wait for the line.
    @inline(__always) mutating func charge(_ cycles: UInt64) -> Bool {
        if cycles > l1dHitCycles {
            forgetFetchLines()
            if Shape.mayHaveCredit { credit = 0 }   // a miss: the core now truly waits, as the credit's rule says
        }
        guard cycles & MemorySystem.waitForLine == 0 else {
            add(cycles & ~MemorySystem.waitForLine)
            waiting = true
            return false
        }
        spend(cycles)
        return true
    }

    @inline(__always) mutating func takeWait() -> Bool {
        guard waiting else { return false }
        waiting = false
        return true
    }

    @inline(__always) mutating func forgetFetchLines() {
        fetchLine = .max
        previousFetchLine = .max
    }

    @inline(__always) mutating func takeExtra() -> UInt64 {
        let taken = extra &- takenExtra
        takenExtra = extra
        return taken
    }

    mutating func resynchronize(cycle: UInt64, stepped: Int) {
        extra = cycle &- start &- UInt64(truncatingIfNeeded: stepped)
        takenExtra = extra
        // `extra` is below zero (wrapped) when the store buffer's credit covered cycles.
        stepLimit = cycleBudget &- Int(min(Int64(bitPattern: extra), 1 << 62))
        forgetFetchLines()
        let drained = hart._withUnsafeGuaranteedRef { hart in
            defer { hart.drainsStoreBuffer = false }
            return hart.drainsStoreBuffer
        }
        if drained { credit = 0 }
    }

    mutating func fetchTrapped() {
        trappedFetches &+= 1
        forgetFetchLines()
    }

    mutating func finish(stepped: Int) {
        if credit != 0 {
            let credit = credit, reissuing = storeReissuing
            hart._withUnsafeGuaranteedRef { hart in
                hart.storeCredit = credit
                hart.storeReissuing = reissuing
            }
        }
        guard let system else { return }
        let repeated = UInt64(truncatingIfNeeded: stepped) &- trappedFetches &- memoryFetches
        let hartID = hartID
        if repeated > 0 && repeated < 1 << 62 { system._withUnsafeGuaranteedRef { $0.countRepeatedFetches(hart: hartID, count: repeated) } }
        let dataHits = dataHits
        if dataHits > 0 { system._withUnsafeGuaranteedRef { $0.countDataHits(hart: hartID, count: dataHits) } }
    }
}
