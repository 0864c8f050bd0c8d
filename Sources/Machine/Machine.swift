// The computer: RAM, the devices on the bus and the harts, wired by one small type,
// and the scheduler that steps the harts deterministically by simulated time — the
// hart with the smallest cycle count runs next, ties broken by hart id.

/// Everything that shapes a run besides the program. A run is a pure function of the
/// program, this configuration and its seed.
public struct MachineConfiguration: Sendable, Equatable {
    /// RAM size in bytes; RAM starts at 0x8000_0000 as on QEMU's `virt` board.
    public var ramSize: UInt64 = 128 << 20
    public var hartCount = 1
    /// Simulated CPU clock: cycles per simulated second (time in the story maps through it).
    public var clockFrequency: UInt64 = 100_000_000
    /// Frequency of `mtime` (QEMU's `virt` uses 10 MHz).
    public var timerFrequency: UInt64 = 10_000_000
    /// How many instructions a hart runs before the scheduler looks again (1 = finest interleaving).
    public var interleaveGranularity = 1000
    /// Seed of the machine's one random generator (timing jitter between harts).
    public var seed: UInt64 = 0
    /// Up to this many extra cycles are added at random after each scheduling step (0 = none).
    public var jitter: UInt64 = 0
    /// Entries in each hart's TLB.
    public var tlbEntries = 64
    /// Pages whose decoded instructions are kept at once (32 KiB of host memory each);
    /// beyond it, the block decoded longest ago is recycled.
    public var decodedBlockLimit = PhysicalMemory.defaultDecodedBlockLimit
    /// Caches, coherence and latencies (MemorySystem/); nil: every access costs the same, no caches.
    public var memoryHierarchy: MemoryHierarchy? = nil
    /// Hardware threads per core (SMT): with 2, harts 2k and 2k+1 are the two threads of core k,
    /// sharing its caches and its issue slot.
    public var threadsPerCore = 1
    /// Who sets the A and D bits of page-table entries: the walker (Svadu, as QEMU; the
    /// default, so kernels whose tables lack them run), or the kernel after a page fault (Svade).
    public var accessDirtyUpdates = AccessDirtyUpdates.hardware
    /// Physical memory protection: sixteen entries, or none (PMP.swift).
    public var pmpPolicy = PMPPolicy.permissive
    /// PMP granularity in bytes (2^(G+2)): a power of two from 4 (Spike's and QEMU's) up.
    public var pmpGranularity: UInt64 = 4
    /// The shared accelerator (Devices/Accelerator.swift), or nil for none.
    public var accelerator: AcceleratorConfiguration? = nil

    public static let ramBase: UInt64 = 0x8000_0000
    public static let maximumRAM: UInt64 = 16 << 30
    public static let maximumHarts = 64
    /// Largest jitter and granularity: far below 2^62 cycles, where a run ends.
    public static let maximumJitter: UInt64 = 1_000_000_000
    public static let maximumInterleaveGranularity = 1_000_000

    public init() {}

    /// Checks the values a user can set; the message says what is accepted.
    public func validate() throws(MachineError) {
        guard ramSize >= 1 << 20, ramSize <= Self.maximumRAM, ramSize % PhysicalMemory.pageSize == 0 else {
            throw MachineError("RAM size must be between 1 MiB and 16384 MiB in whole pages, not \(ramSize) bytes")
        }
        guard (1...Self.maximumHarts).contains(hartCount) else {
            throw MachineError("the machine has 1 to 64 harts, not \(hartCount)")
        }
        guard (1...Self.maximumInterleaveGranularity).contains(interleaveGranularity) else {
            throw MachineError("the interleaving granularity must be between 1 and \(Self.maximumInterleaveGranularity) instructions, not \(interleaveGranularity)")
        }
        guard jitter <= Self.maximumJitter else {
            throw MachineError("the jitter must be between 0 and \(Self.maximumJitter) cycles, not \(jitter)")
        }
        guard clockFrequency >= 1 else { throw MachineError("the clock frequency must be at least 1 Hz, not 0") }
        guard timerFrequency >= 1, timerFrequency <= clockFrequency else {
            throw MachineError("the timer frequency must be between 1 Hz and the clock frequency (\(clockFrequency) Hz)")
        }
        guard (1...65536).contains(tlbEntries) else { throw MachineError("the TLB has 1 to 65536 entries, not \(tlbEntries)") }
        guard (1...2).contains(threadsPerCore) else {
            throw MachineError("a core runs 1 or 2 hardware threads (--smt), not \(threadsPerCore)")
        }
        try memoryHierarchy?.validate()
        guard pmpGranularity >= 4, pmpGranularity <= 1 << 30, pmpGranularity & (pmpGranularity - 1) == 0 else {
            throw MachineError("the PMP granularity is a power of two from 4 bytes to 1 GiB, not \(pmpGranularity)")
        }
        try accelerator?.validate()
        guard (1...65536).contains(decodedBlockLimit) else {
            throw MachineError("the decoded-block pool holds 1 to 65536 blocks, not \(decodedBlockLimit)")
        }
    }
}

/// How page-table entries' A (accessed) and D (dirty) bits get set.
public enum AccessDirtyUpdates: String, Sendable, CaseIterable {
    /// The page-table walker sets them (Svadu with menvcfg.ADUE set at reset), as QEMU does.
    case hardware
    /// An access that needs a clear bit raises a page fault for the kernel to set it (Svade).
    case pageFault = "fault"
}

public struct MachineError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Why `Machine.run` returned.
public enum StopReason: Sendable, Equatable {
    /// The guest powered off through the test device with this exit code.
    case powerOff(exitCode: Int32)
    /// The guest wrote `tohost` (riscv-tests convention): 1 means 0, (n << 1) | 1 means n.
    case toHost(exitCode: Int32)
    /// The instruction budget of this call ran out; the machine can continue.
    case budgetExhausted
    /// Every hart sleeps in `wfi` and nothing can wake any of them.
    case allHartsWaiting
    /// The host (a kernel, a debugger) asked the machine to stop.
    case hostRequest
    /// Every hart that can run has reached `Machine.horizon` (a simulation of several
    /// machines steps each one window of simulated time at a time).
    case horizonReached
    /// The guest cannot go on: a trap whose handler cannot even be fetched.
    case fatal(FaultReport)
}

public final class Machine {
    public let configuration: MachineConfiguration
    public let memory: PhysicalMemory
    public let clint: CLINT
    public let uart: UART
    public let testDevice: TestDevice
    public let plic: PLIC
    /// The accelerator, when the configuration has one (its kernel drives it).
    public let accelerator: Accelerator?
    /// The eight virtio-mmio slots of QEMU's `virt` board (empty until a drive is attached).
    public let virtio: [VirtioMMIO]
    /// Spike's host-target interface, when the program has a `tohost` symbol.
    public private(set) var htif: HTIF? = nil
    /// The caches and their coherence, when the configuration has a hierarchy.
    public let memorySystem: MemorySystem?
    /// The race log, when race detection is on (RaceLog.swift).
    public internal(set) var raceLog: RaceLog? = nil
    /// SMT: which cycles each core already issued an instruction in (nil with one thread per core).
    let issueSlots: IssueSlots?
    public private(set) var harts: [Hart] = []

    /// Physical address of the ELF's `tohost` word, if any.
    public private(set) var toHostAddress: UInt64? = nil
    var toHostExit: Int32? = nil
    /// Set when a hart meets a condition it cannot recover from.
    public internal(set) var fatalFault: FaultReport? = nil
    /// Set by host code (a kernel hook) to end the run after the current batch.
    public var stopRequested = false
    /// Page owners for schedule points, when exploration is on (SchedulePointWatch.swift).
    public internal(set) var schedulePointWatch: SchedulePointWatch? = nil
    /// No hart starts a batch at or past this cycle: `run` answers `.horizonReached`
    /// instead (DESIGN decision 9: machines of one network advance window by window).
    public var horizon: UInt64 = .max
    /// Instructions stepped by all harts since the machine was made.
    public internal(set) var totalSteps: UInt64 = 0
    public internal(set) var trapCount: UInt64 = 0
    var random: SplitMix64
    /// The batch in progress, if a run or a traced step stopped in the middle of one.
    var activeBatch: ActiveBatch? = nil
    /// Per-hart scheduling state kept between events (SchedulingCache.swift).
    let schedulingCache: SchedulingCache
    /// Whether batches are chosen from `schedulingCache`; false runs the reference
    /// `scheduleBatch` every turn (the differential tests compare the two).
    var fastScheduling = true
    let cyclesPerTimerTick: UInt64

    public convenience init(configuration: MachineConfiguration) throws(MachineError) {
        try configuration.validate()
        guard let ram = PhysicalMemory(base: MachineConfiguration.ramBase, size: configuration.ramSize,
                                       decodedBlockLimit: configuration.decodedBlockLimit) else {
            throw MachineError("the host could not provide \(configuration.ramSize >> 20) MiB of RAM for the machine")
        }
        try self.init(configuration: configuration, reusing: ram)
    }

    /// A machine at power-on around RAM that another machine had (a simulation snapshot
    /// restores the RAM, then builds new harts and devices around it: SnapshotMemory.swift).
    /// The RAM must have the configuration's size; its bytes and decoded blocks are kept.
    public init(configuration: MachineConfiguration, reusing ram: PhysicalMemory) throws(MachineError) {
        try configuration.validate()
        guard ram.base == MachineConfiguration.ramBase, ram.size == configuration.ramSize else {
            throw MachineError("the RAM reused has \(ram.size) bytes at 0x\(String(ram.base, radix: 16)); the configuration asks for \(configuration.ramSize) at 0x\(String(MachineConfiguration.ramBase, radix: 16))")
        }
        self.configuration = configuration
        memory = ram
        memorySystem = try configuration.memoryHierarchy.map { hierarchy throws(MachineError) in
            try MemorySystem(hierarchy: hierarchy, hartCount: configuration.hartCount, threadsPerCore: configuration.threadsPerCore,
                             ram: ram.bytes, ramSize: Int(ram.size))
        }
        if let memorySystem, memorySystem.hierarchy.coherent, memorySystem.coreCount > 1 { memorySystem.defersMisses = true }
        issueSlots = configuration.threadsPerCore > 1
            ? IssueSlots(coreCount: (configuration.hartCount + configuration.threadsPerCore - 1) / configuration.threadsPerCore)
            : nil
        clint = CLINT(hartCount: configuration.hartCount)
        uart = UART()
        testDevice = TestDevice()
        plic = PLIC(hartCount: configuration.hartCount)
        accelerator = try configuration.accelerator.map { configuration throws(MachineError) in try Accelerator(configuration: configuration) }
        virtio = (0..<VirtioMMIO.slotCount).map { _ in VirtioMMIO() }
        random = SplitMix64(seed: configuration.seed)
        cyclesPerTimerTick = max(1, configuration.clockFrequency / configuration.timerFrequency)
        schedulingCache = SchedulingCache(hartCount: configuration.hartCount)
        harts = (0..<configuration.hartCount).map { Hart(id: $0, machine: self) }
        schedulingCache.hartReferences = harts.map { Unmanaged.passUnretained($0) }
        clint.onChange = { [unowned self] hart in self.deviceChanged(hart: hart) }
        clint.currentTime = { [unowned self] in self.time(forCycle: self.currentHart?.cycle ?? 0) }
        plic.lines = { [unowned self] in
            var lines: UInt32 = self.uart.interruptPending ? 1 << UInt32(PLIC.uartSource) : 0
            for (slot, transport) in self.virtio.enumerated() where transport.interruptPending {
                lines |= 1 << UInt32(VirtioMMIO.firstInterrupt + slot)
            }
            return lines
        }
        memory.blockEvicted = { [unowned self] block in
            for hart in self.harts { hart.forgetCodeBlock(block) }
        }
        memory.fastStoresRevoked = { [unowned self] page in
            for hart in self.harts { hart.dropFastStores(page: page) }
        }
        memory.reservedBytesWritten = { [unowned self] physical, length in
            self.breakReservations(physical, size: length, storingHart: nil)
        }
        if let memorySystem, memorySystem.keepsValues {
            // Coherence off: private caches hold values, so host writes must reach them.
            memory.valuesWritten = { offset, length in memorySystem.hostWrote(offset: offset, length: length) }
            memorySystem.onRAMWritten = { [unowned memory] offset, length in memory.bytesChanged(offset: offset, length: length) }
        }
    }

    /// The hart whose batch is running (for devices that depend on who is asking).
    unowned(unsafe) var currentHart: Hart? = nil
    /// The host trap handler given as a closure, kept here; the harts hold it unretained.
    var ownedTrapHandler: ClosureTrapHandler? = nil
    /// Counts `deviceChanged`: a host trap handler that changed no device leaves it as it was
    /// (HostTrapResume.swift).
    var deviceChanges: UInt64 = 0

    /// `mtime` at a given hart cycle.
    func time(forCycle cycle: UInt64) -> UInt64 { cycle / cyclesPerTimerTick &+ clint.timeOffset }

    /// The first cycle at which `mtime` reaches `deadline`, or nil if never.
    func cycle(whenTimeReaches deadline: UInt64) -> UInt64? {
        guard deadline != .max else { return nil }
        let ticks = deadline &- clint.timeOffset
        if deadline < clint.timeOffset { return 0 }
        let (product, overflow) = ticks.multipliedReportingOverflow(by: cyclesPerTimerTick)
        return overflow ? nil : product
    }

    // MARK: Loading

    /// Loads an ELF image's segments at their physical addresses, zeroing the BSS part,
    /// points every hart at the entry, and watches `tohost` if the image has one.
    public func load(_ image: ELFImage) throws(MachineError) {
        do {
            try image.validatePlacement(ramBase: memory.base, ramSize: memory.size)
        } catch {
            throw MachineError(error.message)
        }
        for segment in image.segments where segment.memorySize > 0 {
            memory.write(image.segmentBytes(segment), at: segment.physicalAddress)
            if segment.memorySize > segment.fileSize {
                memory.zero(at: segment.physicalAddress + segment.fileSize, count: segment.memorySize - segment.fileSize)
            }
        }
        for hart in harts {
            hart.setPC(image.entry)
            hart.setRegister(10, UInt64(hart.id))   // a0 = mhartid, as QEMU's reset code leaves it
        }
        if let symbol = image.symbol(named: "tohost"), let offset = memory.offset(of: symbol.value, length: 8) {
            toHostAddress = symbol.value
            memory.raiseFlag(.watched, page: offset >> 12)
            let fromHost = image.symbol(named: "fromhost").map(\.value).flatMap { memory.offset(of: $0, length: 8) == nil ? nil : $0 }
            htif = HTIF(toHost: symbol.value, fromHost: fromHost)
        }
    }

    /// Puts a disk behind the first empty virtio-mmio slot (slot i at 0x1000_1000 + i·0x1000,
    /// PLIC source i + 1) and returns the slot. `name` is what VIRTIO_BLK_T_GET_ID answers.
    @discardableResult
    public func attachDrive(_ storage: any BlockStorage, name: String? = nil) throws(MachineError) -> Int {
        guard let slot = virtio.firstIndex(where: { $0.device == nil }) else {
            throw MachineError("the machine has \(VirtioMMIO.slotCount) virtio-mmio slots and every one holds a drive already")
        }
        guard storage.byteCount >= VirtioBlock.sectorSize else {
            throw MachineError("a drive holds at least one 512-byte sector, not \(storage.byteCount) bytes")
        }
        virtio[slot].attach(VirtioBlock(storage: storage, identifier: name ?? "interleave-vd\(slot)"))
        return slot
    }

    // MARK: Devices on the bus

    func deviceLoad(_ address: UInt64, size: Int, hart: Hart) -> UInt64? {
        if address >= CLINT.base && address < CLINT.base + CLINT.size {
            return clint.load(offset: address - CLINT.base, size: size)
        }
        if address >= UART.base && address < UART.base + UART.size {
            return size == 1 ? uart.load(offset: address - UART.base) : nil
        }
        if address >= TestDevice.base && address < TestDevice.base + TestDevice.size {
            return 0
        }
        if address >= PLIC.base && address < PLIC.base + PLIC.size {
            return plic.load(offset: address - PLIC.base, size: size)
        }
        if address >= VirtioMMIO.base && address - VirtioMMIO.base < VirtioMMIO.slotSize * UInt64(VirtioMMIO.slotCount) {
            let slot = Int((address - VirtioMMIO.base) / VirtioMMIO.slotSize)
            return virtio[slot].load(offset: (address - VirtioMMIO.base) % VirtioMMIO.slotSize, size: size)
        }
        return nil
    }

    func deviceStore(_ address: UInt64, size: Int, value: UInt64, hart: Hart) -> Bool {
        if address >= CLINT.base && address < CLINT.base + CLINT.size {
            return clint.store(offset: address - CLINT.base, size: size, value: value)
        }
        if address >= UART.base && address < UART.base + UART.size {
            guard size == 1 else { return false }
            uart.store(offset: address - UART.base, value: UInt8(truncatingIfNeeded: value))
            hart.breakRequested = true   // the UART's interrupt line may have changed
            return true
        }
        if address >= TestDevice.base && address < TestDevice.base + TestDevice.size {
            testDevice.store(offset: address - TestDevice.base, value: value)
            if testDevice.exitCode != nil { hart.breakRequested = true }
            return true
        }
        if address >= PLIC.base && address < PLIC.base + PLIC.size {
            hart.breakRequested = true
            return plic.store(offset: address - PLIC.base, size: size, value: value)
        }
        if address >= VirtioMMIO.base && address - VirtioMMIO.base < VirtioMMIO.slotSize * UInt64(VirtioMMIO.slotCount) {
            let slot = Int((address - VirtioMMIO.base) / VirtioMMIO.slotSize)
            if virtio[slot].store(offset: (address - VirtioMMIO.base) % VirtioMMIO.slotSize, size: size, value: value, memory: memory) {
                externalLineChanged(by: hart)
            }
            return true
        }
        return false
    }

    /// A device's PLIC line changed through `hart`'s store: that hart looks at its
    /// interrupts again, and a hart asleep in `wfi` that it wakes does not run in the past.
    func externalLineChanged(by hart: Hart) {
        hart.breakRequested = true
        schedulingStateChanged()
        for other in harts where other.waitingForInterrupt {
            other.cycle = max(other.cycle, hart.cycle)
        }
    }

    func externalInterruptPending(hart: Int, supervisor: Bool) -> Bool {
        plic.interruptPending(context: 2 * hart + (supervisor ? 1 : 0))
    }

    /// A device changed something a hart's interrupts depend on.
    func deviceChanged(hart index: Int) {
        deviceChanges &+= 1
        currentHart?.breakRequested = true
        schedulingStateChanged()
        if index < harts.count, harts[index].waitingForInterrupt, let current = currentHart {
            // A sleeping hart woken from another hart cannot run in that hart's past.
            harts[index].cycle = max(harts[index].cycle, current.cycle)
        }
    }

    /// A store hit the page holding `tohost`: a store to `tohost` itself is an HTIF command.
    func watchedStore(_ address: UInt64, size: Int, hart: Hart) {
        guard let htif, address < htif.toHost &+ 8, address &+ UInt64(size) > htif.toHost else { return }
        switch htif.serve(memory: memory) {
        case .handled:
            break
        case .exit(let code):
            toHostExit = code
            hart.breakRequested = true
        case .fault(let reason, let address):
            fatalFault = FaultReport(hart: hart.id, privilege: hart.privilege, pc: hart.pc, instructionBits: hart.inspectInstruction(at: hart.pc)?.bits,
                                     cause: ExceptionCause.storeAccessFault.rawValue, value: address, reason: reason)
            hart.breakRequested = true
        }
    }

    // MARK: LR/SC reservations

    func setReservation(hart: Hart, physical: UInt64) {
        clearReservation(hart: hart)
        hart.reservation = physical
        if let offset = memory.offset(of: physical, length: 1) {
            memory.raiseFlag(.reserved, page: offset >> 12)
        }
    }

    func clearReservation(hart: Hart) {
        guard let old = hart.reservation else { return }
        hart.reservation = nil
        refreshReservedFlag(old)
    }

    func refreshReservedFlag(_ physical: UInt64) {
        guard let offset = memory.offset(of: physical, length: 1) else { return }
        let page = physical >> 12
        let stillReserved = harts.contains { ($0.reservation ?? .max) >> 12 == page }
        if !stillReserved { memory.pageFlags[offset >> 12] &= ~PageFlags.reserved.rawValue }
    }

    /// A store by `storingHart` breaks every other hart's reservation on the same 64-byte
    /// set; a write by the host (`storingHart` nil: a system call's copy-out, the loader)
    /// breaks every hart's.
    func breakReservations(_ physical: UInt64, size: Int, storingHart: Int?) {
        guard size > 0 else { return }
        let first = physical >> 6, last = (physical &+ UInt64(size) &- 1) >> 6
        for hart in harts where hart.id != storingHart {
            if let reserved = hart.reservation, (first...last).contains(reserved >> 6) {
                clearReservation(hart: hart)
            }
        }
    }
}

/// The machine's one random generator (SplitMix64): seeded, portable, reproducible.
public struct SplitMix64: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Machine {
    /// Attaches host code that receives every trap taken from U-mode instead of the guest's
    /// own vectors — how a kernel running on the host (DESIGN.md, decision 2) sees system
    /// calls, faults and interrupts. The handler reads and writes the hart, then returns;
    /// the hart resumes at whatever PC the handler left (the trapping PC unless it moved it).
    public func attachHostTrapHandler(_ handler: @escaping (Hart, TrapRecord) -> Void) {
        let owned = ClosureTrapHandler(handler)
        ownedTrapHandler = owned
        attach(owned)
    }

    /// The same for an object the machine does not keep (a kernel owns its machine): it
    /// must call `detachHostTrapHandler` before it goes.
    public func attachHostTrapHandler(unretained handler: some HostTrapHandler) {
        ownedTrapHandler = nil
        attach(handler)
    }

    private func attach(_ handler: any HostTrapHandler) {
        for hart in harts {
            hart.hostTrapHandler = handler
            hart.hostTrapMayResume = harts.count == 1 && !hart.modelsTiming
        }
    }

    /// Removes the host trap hook: traps go to the guest's own vectors again.
    public func detachHostTrapHandler() {
        for hart in harts {
            hart.hostTrapHandler = nil
            hart.hostTrapMayResume = false
        }
        ownedTrapHandler = nil
    }
}
