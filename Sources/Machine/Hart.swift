// One hardware thread: integer and floating-point registers, the PC, the privilege
// mode and the control and status registers. Execution lives in Execute.swift (the fast
// loop) and ExecuteSlow.swift; CSR semantics in CSR.swift; traps in Trap.swift.

/// The privilege modes of the privileged specification, by their encoding in `mstatus.MPP`.
public enum PrivilegeMode: UInt8, Sendable, CustomStringConvertible {
    case user = 0, supervisor = 1, machine = 3
    public var description: String {
        switch self {
        case .user: "U"
        case .supervisor: "S"
        case .machine: "M"
        }
    }
}

public final class Hart {
    /// This hart's `mhartid`.
    public let id: Int
    unowned(unsafe) let machine: Machine
    let memory: PhysicalMemory

    /// x0...x31 and the sink register 32 that absorbs writes to x0.
    let x: UnsafeMutablePointer<UInt64>
    /// f0...f31 as raw 64-bit patterns (singles are NaN-boxed).
    let f: UnsafeMutablePointer<UInt64>
    public internal(set) var pc: UInt64 = 0
    public internal(set) var privilege: PrivilegeMode = .machine

    // Counters. `cycle` is simulated time on this hart; `instret` counts retired instructions.
    public internal(set) var cycle: UInt64 = 0
    public internal(set) var instret: UInt64 = 0

    // Machine-level CSRs.
    var mstatus: UInt64 = CSRBits.mstatusXLFields
    var medeleg: UInt64 = 0
    var mideleg: UInt64 = 0
    var mie: UInt64 = 0
    /// Software-writable bits of mip (SSIP, STIP, SEIP); MSIP/MTIP/MEIP and Sstc's STIP come from devices.
    var mipSoftware: UInt64 = 0
    var mtvec: UInt64 = 0
    var mcounteren: UInt64 = 0
    var menvcfg: UInt64 = 0
    var mcountinhibit: UInt64 = 0
    var mscratch: UInt64 = 0
    var mepc: UInt64 = 0
    var mcause: UInt64 = 0
    var mtval: UInt64 = 0
    // Supervisor-level CSRs (sstatus, sie and sip are views of the machine ones).
    var stvec: UInt64 = 0
    var scounteren: UInt64 = 0
    var senvcfg: UInt64 = 0
    var sscratch: UInt64 = 0
    var sepc: UInt64 = 0
    var scause: UInt64 = 0
    var stval: UInt64 = 0
    var satp: UInt64 = 0
    var stimecmp: UInt64 = .max
    var tselect: UInt64 = 0
    // Floating point.
    var frm: UInt8 = 0
    var fflags: UInt8 = 0

    // LR/SC: the reserved physical address (8-byte granule), when valid.
    var reservation: UInt64? = nil

    /// True while the hart sleeps in `wfi` waiting for an interrupt.
    public internal(set) var waitingForInterrupt = false
    /// Set by slow paths that change what the machine must look at between instructions
    /// (interrupt enables, devices, power-off); the run loop ends its batch when it sees it.
    var breakRequested = false
    /// Set when the last batch stopped before an access that must wait for another hart.
    var reachedHorizon = false
    /// Instructions in the current batch that trapped instead of retiring.
    var trappedInBatch: UInt64 = 0
    /// Cycles of a store's wait for its line that the instructions after it may still use
    /// (the store buffer, InstructionTiming.swift); a trap drains it.
    var storeCredit: UInt64 = 0
    var storeCreditLine: UInt64 = .max
    /// The store that earned the credit has not issued again yet.
    var storeReissuing = false
    /// Set by what drains the store buffer (an atomic, a fence, an interrupt): the credit ends.
    var drainsStoreBuffer = false

    // Fetch cache: the decoded block for the page the PC is in, that page's virtual base
    // and its offset in RAM (for the memory system's instruction fetches).
    var fetchBlock: UnsafeMutablePointer<DecodedInstruction>
    var fetchPageBase: UInt64 = 0
    var fetchPageOffset = 0
    /// Where the run loop's slow fetch leaves the record it returns (DispatchSupport.swift).
    let fetchScratch: UnsafeMutablePointer<DecodedInstruction>
    /// Code pages fetched from lately, so a jump to one skips the slow fetch (RecentCodePages.swift).
    let recentCodePages: UnsafeMutablePointer<RecentCodePage>
    /// Whether instruction fetch and data accesses go through Sv39 translation right now.
    var fetchTranslated = false
    var dataTranslated = false
    /// Whether PMP checks fetches and data accesses at the current privilege (PMP.swift).
    var fetchChecksPMP = false
    var dataChecksPMP = false
    /// Whether the run loop's data accesses go through the fast TLB (translated, or checked
    /// by PMP page by page) rather than straight to RAM.
    var dataUsesFastTLB = false
    /// PMP registers, and whether any entry binds any privilege now.
    var pmp: PhysicalMemoryProtection
    var pmpInForce = false
    let tlb: TLB

    // The run loop's own view of the TLB for data accesses (FastTLB.swift): per virtual
    // page, the tag (`address >> 12`, or .max when empty) under which a load or a store may
    // go straight to RAM, and the delta that turns the virtual address into a RAM offset.
    // One allocation: load tags, then store tags, then deltas, so the loop keeps one base
    // pointer and reaches the other two with a constant displacement; then the list of
    // entries filled since the last flush (FastTLB.swift), so a flush costs what was filled.
    static let fastTLBSize = 2048
    let fastLoadTag: UnsafeMutablePointer<UInt64>
    var fastStoreTag: UnsafeMutablePointer<UInt64> { fastLoadTag + Hart.fastTLBSize }
    var fastDelta: UnsafeMutablePointer<UInt64> { fastLoadTag + 2 * Hart.fastTLBSize }
    var fastFilledList: UnsafeMutablePointer<UInt64> { fastLoadTag + 3 * Hart.fastTLBSize }
    /// Entries put in `fastFilledList` since the last flush; more than `fastTLBSize`: the list overflowed.
    var fastFilledCount = 0
    var fastTLBKey: UInt64 = 0

    /// Schedule points (SchedulePointWatch.swift): the page owners when exploration is on,
    /// the running thread's tag, the mark that lets the instruction it stopped before run
    /// once, and what that instruction does.
    var pointWatch: SchedulePointWatch? = nil
    var pointOwner: UInt32 = 1
    public var schedulePointPassed = false
    public internal(set) var pendingAccess = PendingAccess(physical: 0, kind: .read, reason: .sharedAccess)
    /// The LR reservation when the hart stopped at a point (restoreReservationAfterPoint).
    var reservationAtPoint: UInt64? = nil
    /// Set while the bytes of an access across a page run, checked once for both pages.
    var pointChecksSuspended = false

    /// The machine's caches, if it has them (MemorySystem/).
    let memorySystem: MemorySystem?
    /// The race log, when race detection is on: data accesses then all take the slow path (RaceLog.swift).
    var raceLog: RaceLog? = nil
    /// The core this hart is a hardware thread of: `id / threadsPerCore`.
    public let core: Int
    /// Whether the run loop charges caches and issue slots (ModelledTiming) or one cycle
    /// per instruction (FlatTiming).
    let modelsTiming: Bool
    /// Caches without SMT, an L1I hit in one cycle: the run loop's `ModelledTiming<CachesOnly>`
    /// (for batches that begin without store-buffer credit).
    let modelsCachesOnly: Bool

    /// The last trap this hart took, for reports.
    public internal(set) var lastTrap: TrapRecord? = nil
    /// Host hook: when set, traps taken from U-mode go to the host instead of the guest's vectors.
    /// Not retained (HostTrapHandler.swift): a trap calls it with no reference counting.
    unowned(unsafe) var hostTrapHandler: (any HostTrapHandler)? = nil
    /// The only hart of its machine, with flat timing: a host trap may continue the batch
    /// (HostTrapResume.swift). Set when the hook is attached.
    var hostTrapMayResume = false

    init(id: Int, machine: Machine) {
        self.id = id
        self.machine = machine
        self.memory = machine.memory
        memorySystem = machine.memorySystem
        core = id / max(1, machine.configuration.threadsPerCore)
        modelsTiming = machine.memorySystem != nil || machine.issueSlots != nil
        modelsCachesOnly = machine.memorySystem.map { $0.hierarchy.l1i.hitLatency <= 1 } == true && machine.issueSlots == nil
        x = .allocate(capacity: 33)
        x.initialize(repeating: 0, count: 33)
        f = .allocate(capacity: 32)
        f.initialize(repeating: 0, count: 32)
        fetchBlock = machine.memory.refetchBlock
        fetchScratch = .allocate(capacity: 1)
        fetchScratch.initialize(to: .undecoded)
        recentCodePages = Hart.makeRecentCodePages(empty: machine.memory.refetchBlock)
        tlb = TLB(size: machine.configuration.tlbEntries)
        pmp = PhysicalMemoryProtection(policy: machine.configuration.pmpPolicy, granularity: machine.configuration.pmpGranularity)
        pmpInForce = pmp.checks(.supervisor)
        if machine.configuration.accessDirtyUpdates == .hardware { menvcfg = CSRBits.adue }
        fastLoadTag = .allocate(capacity: 4 * Hart.fastTLBSize)
        fastLoadTag.initialize(repeating: .max, count: 2 * Hart.fastTLBSize)
        (fastLoadTag + 2 * Hart.fastTLBSize).initialize(repeating: 0, count: 2 * Hart.fastTLBSize)
    }

    deinit {
        x.deallocate()
        f.deallocate()
        fetchScratch.deallocate()
        recentCodePages.deallocate()
        fastLoadTag.deallocate()
    }

    // MARK: Register access for the host (tests, kernel, debugger).

    /// Reads integer register `index` (0...31); x0 reads as zero.
    public func register(_ index: Int) -> UInt64 { index > 0 && index < 32 ? x[index] : 0 }
    /// Writes integer register `index` (1...31); writes to x0 or out-of-range indices are ignored.
    public func setRegister(_ index: Int, _ value: UInt64) {
        if index > 0 && index < 32 { x[index] = value }
    }
    /// Reads floating-point register `index` as raw bits.
    public func floatRegister(_ index: Int) -> UInt64 { index >= 0 && index < 32 ? f[index] : 0 }
    public func setFloatRegister(_ index: Int, _ value: UInt64) {
        if index >= 0 && index < 32 { f[index] = value }
    }
    /// Moves the PC; the fetch cache is re-validated on the next instruction.
    public func setPC(_ value: UInt64) {
        pc = value & ~1
        invalidateFetch()
    }
    /// Sets `mtvec` as `csrw mtvec` would, for hosts that set up bare-metal code (the
    /// instruction fuzzer installs its trap handler this way).
    public func setMachineTrapVector(_ value: UInt64) {
        mtvec = value
    }
    public func setPrivilege(_ mode: PrivilegeMode) {
        privilege = mode
        updateTranslation()
    }

    /// Makes the next fetch look up its page again (after a change of mapping or privilege).
    func invalidateFetch() {
        fetchBlock = memory.refetchBlock
        fetchPageBase = 0
        clearRecentCodePages()
    }

    /// Recomputes whether fetches and data accesses are translated, from privilege, `satp` and MPRV.
    func updateTranslation() {
        let sv39 = satp >> 60 == 8
        fetchTranslated = sv39 && privilege != .machine
        var dataMode = privilege
        if privilege == .machine && mstatus & CSRBits.mprv != 0 {
            dataMode = PrivilegeMode(rawValue: UInt8((mstatus >> 11) & 3)) ?? .user
        }
        dataTranslated = sv39 && dataMode != .machine
        fetchChecksPMP = pmpInForce && pmp.checks(privilege)
        dataChecksPMP = pmpInForce && pmp.checks(dataMode)
        dataUsesFastTLB = dataTranslated || dataChecksPMP
        let key = (dataTranslated ? 1 : 0) | UInt64(dataMode.rawValue) << 1 | (dataChecksPMP ? 1 << 4 : 0)
            | (mstatus & (CSRBits.sum | CSRBits.mxr))
        if key != fastTLBKey {
            fastTLBKey = key
            flushFastTLB()
        }
        invalidateFetch()
    }

    /// `mtime` as this hart sees it.
    var time: UInt64 { machine.time(forCycle: cycle) }
}

/// A trap as taken, for reports and for the host trap hook.
public struct TrapRecord: Sendable, Equatable {
    public var cause: UInt64
    public var value: UInt64
    public var pc: UInt64
    public var privilege: PrivilegeMode
    public var isInterrupt: Bool { cause >> 63 != 0 }
    public var code: UInt64 { cause & ~(1 << 63) }

    /// Public so a host kernel can describe a trap it reconstructs (from a fatal report).
    public init(cause: UInt64, value: UInt64, pc: UInt64, privilege: PrivilegeMode) {
        self.cause = cause
        self.value = value
        self.pc = pc
        self.privilege = privilege
    }
}
