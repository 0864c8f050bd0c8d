// The kernel: it runs on the host, as firmware would (DESIGN decision 2). It owns a
// machine, loads one program into a fresh address space, starts it in U-mode, and takes
// every trap the program raises — system calls, page faults, crashes — through the
// machine's host trap hook. This first cut runs one single-threaded process on one hart.

import Machine

/// Limits and settings of one run. Defaults suit interactive use on a laptop.
public struct KernelConfiguration: Sendable, Equatable {
    /// Most memory the process may touch (pages given frames), in bytes.
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

    public init() {}

    func validate() throws(KernelError) {
        guard memoryLimit >= 1 << 20, memoryLimit <= 8 << 30 else {
            throw KernelError("the memory limit must be between 1 MiB and 8 GiB, not \(memoryLimit >> 20) MiB")
        }
        guard stackLimit >= 64 << 10, stackLimit <= 1 << 30 else {
            throw KernelError("the stack limit must be between 64 KiB and 1 GiB, not \(stackLimit >> 10) KiB")
        }
        guard clockFrequency >= 1000 else { throw KernelError("the clock must run at 1 kHz or more, not \(clockFrequency) Hz") }
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
    /// Pages given a frame on first touch.
    public var pageFaults: UInt64 = 0
    public var peakMemory: UInt64 = 0
    public var outputBytes: UInt64 = 0
    /// System calls this kernel does not implement: number → times made.
    public var unknownSystemCalls: [UInt64: UInt64] = [:]
}

public final class Kernel {
    public let machine: Machine
    public let configuration: KernelConfiguration
    let frames: FrameAllocator
    let process: Process
    var io: KernelIO
    var random: SplitMix64
    /// Set when the process has ended; the run loop stops at the next chance.
    var ending: ProcessEnding? = nil
    var outputBytes: UInt64 = 0
    var systemCallCount: UInt64 = 0
    var unknownSystemCalls: [UInt64: UInt64] = [:]

    /// Loads `executable` (an ELF file's bytes) as process 1, ready to run.
    public init(executable: [UInt8], name: String, arguments: [String], environment: [String] = [],
                configuration: KernelConfiguration = KernelConfiguration(), io: KernelIO) throws(KernelError) {
        try configuration.validate()
        self.configuration = configuration
        self.io = io
        random = SplitMix64(seed: configuration.seed ^ 0x6B65_726E_656C)   // "kernel"
        let image: ELFImage
        do { image = try ELFImage(bytes: executable) } catch { throw KernelError("\(name): \(error.message)") }
        var machineConfiguration = MachineConfiguration()
        // RAM: the process's limit plus room for its page tables.
        machineConfiguration.ramSize = configuration.memoryLimit + configuration.memoryLimit / 128 + (4 << 20)
        machineConfiguration.hartCount = 1
        machineConfiguration.seed = configuration.seed
        machineConfiguration.clockFrequency = configuration.clockFrequency
        machineConfiguration.timerFrequency = min(10_000_000, configuration.clockFrequency)
        machineConfiguration.tlbEntries = configuration.tlbEntries
        do { machine = try Machine(configuration: machineConfiguration) } catch { throw KernelError(error.message) }
        frames = FrameAllocator(memory: machine.memory)
        guard let space = AddressSpace(memory: machine.memory, frames: frames,
                                       pageLimit: configuration.memoryLimit / AddressSpace.pageSize) else {
            throw KernelError("no memory for the first page table")
        }
        var seedBytes: [UInt8] = []
        for _ in 0..<2 { let word = random.next(); for shift in stride(from: 0, to: 64, by: 8) { seedBytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) } }
        let loaded = try ProgramLoader.load(image, into: space, arguments: [name] + arguments, environment: environment,
                                            stackLimit: configuration.stackLimit, randomBytes: seedBytes)
        process = Process(pid: 1, name: name, image: image, addressSpace: space, breakStart: loaded.breakStart)
        let hart = machine.harts[0]
        hart.setAddressTranslation(space.satp)
        hart.setPrivilege(.user)
        hart.setFloatingPointEnabled(true)
        hart.setPC(loaded.entry)
        hart.setRegister(2, loaded.stackPointer)
        machine.attachHostTrapHandler { [unowned self] hart, trap in self.handleTrap(hart, trap) }
    }

    /// Runs the program until it exits, is killed, or reaches the instruction limit.
    public func run() -> ProcessEnding {
        while true {
            if let ending = run(slice: 1 << 26) { return ending }
        }
    }

    /// Runs at most `slice` more instructions; nil if the program is still running then.
    /// Lets a caller show progress between slices without touching the simulation.
    public func run(slice: UInt64) -> ProcessEnding? {
        let hart = machine.harts[0]
        let sliceEnd = hart.instret &+ max(1, slice)
        while ending == nil {
            let executed = hart.instret
            guard executed < configuration.instructionLimit else {
                ending = .instructionLimit(instructionLimitReport(hart))
                break
            }
            guard executed < sliceEnd else { return nil }
            let stop = machine.run(budget: min(configuration.instructionLimit, sliceEnd) - executed)
            switch stop {
            case .budgetExhausted, .hostRequest: continue
            case .fatal(let report):
                ending = .killed(GuestFault(process: process, hart: hart, trap: TrapRecord(cause: report.cause, value: report.value, pc: report.pc, privilege: report.privilege)))
            case .allHartsWaiting, .powerOff, .toHost:
                ending = .killed(GuestFault(process: process, hart: hart, trap: hart.lastTrap ?? TrapRecord(cause: 2, value: 0, pc: hart.pc, privilege: .user)))
            }
        }
        return ending
    }

    /// Where the program is now: `function+0x1c`, or the PC in hex.
    public var currentLocation: String {
        let pc = machine.harts[0].pc
        return process.symbolize(pc) ?? "0x\(String(pc, radix: 16))"
    }

    public var statistics: KernelStatistics {
        let hart = machine.harts[0]
        var statistics = KernelStatistics()
        statistics.instructions = hart.instret
        statistics.cycles = hart.cycle
        statistics.systemCalls = systemCallCount
        statistics.pageFaults = process.addressSpace.demandFaults
        statistics.peakMemory = process.addressSpace.peakResidentPages * AddressSpace.pageSize
        statistics.outputBytes = outputBytes
        statistics.unknownSystemCalls = unknownSystemCalls
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
        if trap.isInterrupt { return }   // nothing is enabled yet; resume where it was
        switch trap.cause {
        case ExceptionCause.environmentCallFromU.rawValue:
            hart.setPC(trap.pc &+ 4)
            systemCall(hart)
        case ExceptionCause.instructionPageFault.rawValue, ExceptionCause.loadPageFault.rawValue,
             ExceptionCause.storePageFault.rawValue:
            pageFault(hart, trap)
        default:
            kill(.killed(GuestFault(process: process, hart: hart, trap: trap)))
        }
        if ending != nil { machine.stopRequested = true }
    }

    func pageFault(_ hart: Hart, _ trap: TrapRecord) {
        let access: MemoryAccess = switch trap.cause {
        case ExceptionCause.instructionPageFault.rawValue: .execute
        case ExceptionCause.loadPageFault.rawValue: .read
        default: .write
        }
        switch process.addressSpace.resolve(trap.value, for: access) {
        case .success:
            hart.setPC(trap.pc)   // run the instruction again, now that the page is there
        case .failure(.outOfMemory):
            kill(.outOfMemory(memoryLimitReport(hart, address: trap.value)))
        case .failure:
            kill(.killed(GuestFault(process: process, hart: hart, trap: trap)))
        }
    }

    func kill(_ reason: ProcessEnding) {
        if ending == nil { ending = reason }
        machine.stopRequested = true
    }
}
