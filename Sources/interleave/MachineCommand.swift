// `interleave machine run|fuzz`: the bare machine, with no kernel. A program runs in
// M-mode from its ELF entry point, talks through the UART and stops through the test
// device or the riscv-tests `tohost` word.

import ArgumentParser
import Machine
import MachineTools

struct MachineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machine",
        abstract: "Run bare-metal RISC-V programs on the machine itself.",
        subcommands: [RunBareMetal.self, FuzzCommand.self]
    )
}

/// Exit statuses of the tool for endings that are not the guest's own exit code.
enum ToolStatus {
    static let badInput: Int32 = 2
    static let instructionLimit: Int32 = 124
    static let allHartsWaiting: Int32 = 125
    static let fatalFault: Int32 = 126
}

struct MachineOptions: ParsableArguments {
    @Option(name: .customLong("ram-mib"), help: "RAM in MiB (1...16384).")
    var ramMiB: UInt64 = 128

    @Option(help: "Number of harts (1...64); every hart starts at the entry point.")
    var harts: Int = 1

    @Option(help: "Instructions a hart runs before the next hart's turn (1 = finest interleaving) \(OptionRange.text(OptionRange.granularity)).")
    var granularity: Int = 1000

    @Option(help: "Seed of the machine's random generator (timing jitter between harts; any 64-bit value).")
    var seed: UInt64 = 0

    @Option(help: "Largest random delay in cycles added after each hart's turn (0 = none) \(OptionRange.text(OptionRange.jitter)).")
    var jitter: UInt64 = 0

    @Option(help: "Simulated clock in cycles per second (one instruction takes one cycle) \(OptionRange.text(OptionRange.machineHz)).")
    var clockHz: UInt64 = 100_000_000

    @Option(help: "Frequency of mtime and the time CSR, at most the clock \(OptionRange.text(OptionRange.machineHz)).")
    var timerHz: UInt64 = 10_000_000

    @Option(help: "Entries in each hart's TLB (1...65536).")
    var tlbEntries: Int = 64

    /// Every numeric option against its range (OptionRange), before anything runs.
    func validate() throws {
        try OptionRange.check(ramMiB, OptionRange.ramMiB, option: "ram-mib")
        try OptionRange.check(harts, OptionRange.harts, option: "harts")
        try OptionRange.check(granularity, OptionRange.granularity, option: "granularity")
        try OptionRange.check(jitter, OptionRange.jitter, option: "jitter")
        try OptionRange.check(clockHz, OptionRange.machineHz, option: "clock-hz")
        try OptionRange.check(timerHz, OptionRange.machineHz, option: "timer-hz")
        guard timerHz <= clockHz else { throw ValidationError("--timer-hz must be at most --clock-hz (\(clockHz)), not \(timerHz)") }
        try OptionRange.check(tlbEntries, OptionRange.tlbEntries, option: "tlb-entries")
    }

    func configuration() throws -> MachineConfiguration {
        var configuration = MachineConfiguration()
        try validate()
        configuration.ramSize = ramMiB << 20
        configuration.hartCount = harts
        configuration.interleaveGranularity = granularity
        configuration.seed = seed
        configuration.jitter = jitter
        configuration.clockFrequency = clockHz
        configuration.timerFrequency = timerHz
        configuration.tlbEntries = tlbEntries
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.message)
        }
        return configuration
    }
}

struct RunBareMetal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a bare-metal ELF64 RISC-V program in M-mode.",
        discussion: """
        The program starts at its entry point in machine mode with RAM at 0x80000000. UART output \
        (16550 at 0x10000000) goes to standard output. The run ends when the program writes the \
        SiFive test device (0x100000), writes its `tohost` symbol (1 = exit 0, (n<<1)|1 = exit n), \
        or reaches the instruction limit. The exit status is the guest's exit code; 2 means a bad \
        file or option, 124 the instruction limit, 125 every hart asleep for good, 126 a fatal fault.
        """
    )

    @Argument(help: "The ELF64 RISC-V executable.")
    var file: String

    @OptionGroup var machineOptions: MachineOptions

    @OptionGroup(title: "Caches") var cacheOptions: CacheOptions

    @Option(help: "Stop after this many instructions (all harts together) \(OptionRange.text(OptionRange.maxInstructions)).")
    var maxInstructions: UInt64 = 10_000_000_000

    func validate() throws {
        try OptionRange.check(maxInstructions, OptionRange.maxInstructions, option: "max-instructions")
        var probe = MachineConfiguration()
        probe.hartCount = machineOptions.harts
        try cacheOptions.apply(to: &probe)
    }

    @Flag(help: "Print every retired instruction to standard error: hart, mode, pc, bits, disassembly, register written.")
    var traceInstructions = false

    func run() throws {
        var configuration = try machineOptions.configuration()
        try cacheOptions.apply(to: &configuration)
        let image: ELFImage
        do {
            image = try ELFImage(contentsOf: file)
        } catch {
            throw fail(error.message)
        }
        let machine: Machine
        do {
            machine = try Machine(configuration: configuration)
            try machine.load(image)
        } catch {
            throw fail("'\(file)': \(error.message)")
        }
        let stop = traceInstructions ? runTraced(machine) : runFast(machine)
        writeStandardOutput(machine.uart.takeOutput())
        throw ExitCode(exitStatus(for: stop, machine: machine, image: image))
    }

    func runFast(_ machine: Machine) -> StopReason {
        while true {
            let remaining = maxInstructions - min(maxInstructions, machine.totalSteps)
            let stop = machine.run(budget: min(remaining, 50_000_000))
            writeStandardOutput(machine.uart.takeOutput())
            if stop != .budgetExhausted || machine.totalSteps >= maxInstructions { return stop }
        }
    }

    func runTraced(_ machine: Machine) -> StopReason {
        var stream = StandardError()
        while machine.totalSteps < maxInstructions {
            let (stop, retired) = machine.stepTraced()
            writeStandardOutput(machine.uart.takeOutput())
            if let stop { return stop }
            if let retired { print(retired.line, to: &stream) }
        }
        return .budgetExhausted
    }

    func exitStatus(for stop: StopReason, machine: Machine, image: ELFImage) -> Int32 {
        switch stop {
        case .powerOff(let code), .toHost(let code):
            return code
        case .budgetExhausted:
            printError("interleave: instruction limit reached after \(machine.totalSteps) instructions")
            for hart in machine.harts { printError("  " + describe(hart, image: image)) }
            return ToolStatus.instructionLimit
        case .allHartsWaiting:
            printError("interleave: every hart is waiting in wfi and no interrupt can wake them")
            for hart in machine.harts { printError("  " + describe(hart, image: image)) }
            return ToolStatus.allHartsWaiting
        case .hostRequest, .horizonReached:
            return 0
        case .fatal(let report):
            printError("interleave: \(report.disassembledDescription)")
            if let (symbol, offset) = image.nearestSymbol(atOrBefore: report.pc) {
                printError("  in      \(symbol.name)+0x\(String(offset, radix: 16))")
            }
            return ToolStatus.fatalFault
        }
    }

    func describe(_ hart: Hart, image: ELFImage) -> String {
        var text = "hart \(hart.id): pc 0x\(String(hart.pc, radix: 16)) in \(hart.privilege)-mode"
        if let (bits, _) = hart.inspectInstruction(at: hart.pc) {
            text += "  \(Disassembler.disassemble(bits, pc: hart.pc))"
        }
        if let (symbol, offset) = image.nearestSymbol(atOrBefore: hart.pc) {
            text += "  <\(symbol.name)+0x\(String(offset, radix: 16))>"
        }
        return text
    }
}
