// `interleave machine run|fuzz`: the bare machine, with no kernel. A program runs in
// M-mode from its ELF entry point, talks through the UART (or Spike's HTIF), reads and
// writes virtio disks (`--drive`), and stops through the test device or `tohost`.

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

    @Option(name: .customLong("ad-bits"), help: ArgumentHelp(
        "Who sets page-table entries' A and D bits: hardware (the walker, as QEMU: Svadu, menvcfg.ADUE set at reset) or fault (a page fault for the kernel to set them: Svade).",
        valueName: "hardware|fault"))
    var accessDirtyUpdates: AccessDirtyUpdates = .hardware

    @Option(help: ArgumentHelp(
        "Physical memory protection: permissive (16 entries; S- and U-mode reach all memory while every entry is OFF), strict (16 entries; S/U need a matching entry from reset, as the specification and QEMU) or off (no entries).",
        valueName: "permissive|strict|off"))
    var pmp: PMPPolicy = .permissive

    @Option(help: "PMP granularity in bytes, a power of two from 4 (Spike's and QEMU's) to 1073741824.")
    var pmpGranularity: UInt64 = 4

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
        guard pmpGranularity >= 4, pmpGranularity <= 1 << 30, pmpGranularity & (pmpGranularity - 1) == 0 else {
            throw ValidationError("--pmp-granularity \(pmpGranularity): not accepted: it is a power of two from 4 to 1073741824 bytes")
        }
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
        configuration.accessDirtyUpdates = accessDirtyUpdates
        configuration.pmpPolicy = pmp
        configuration.pmpGranularity = pmpGranularity
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
        The program starts at its entry point in machine mode with RAM at 0x80000000 and a0 = \
        mhartid, as on QEMU's virt board. UART output (16550 at 0x10000000) goes to standard \
        output, as do Spike's HTIF console and write(1, ...) through `tohost`/`fromhost`. Each \
        --drive is a virtio-mmio block device (slot i at 0x10001000 + i*0x1000, PLIC interrupt \
        i + 1). The run ends when the program writes the SiFive test device (0x100000), exits \
        through `tohost` (1 = exit 0, (n<<1)|1 = exit n, or the exit system call), or reaches the \
        instruction limit. The exit status is the guest's exit code; 2 means a bad file or \
        option, 124 the instruction limit, 125 every hart asleep for good, 126 a fatal fault.
        """
    )

    @Argument(help: "The ELF64 RISC-V executable.")
    var file: String

    @Option(help: ArgumentHelp(
        "A disk image on a virtio block device (repeatable, up to 8). The guest's writes stay in memory for the run unless ',rw' says to write them back to the file; ',ro' makes the disk read-only to the guest.",
        valueName: "file[,rw|,ro]"))
    var drive: [String] = []

    @OptionGroup var machineOptions: MachineOptions

    @OptionGroup(title: "Caches") var cacheOptions: CacheOptions

    @Option(help: "Stop after this many instructions (all harts together) \(OptionRange.text(OptionRange.maxInstructions)).")
    var maxInstructions: UInt64 = 10_000_000_000

    func validate() throws {
        try OptionRange.check(maxInstructions, OptionRange.maxInstructions, option: "max-instructions")
        var probe = MachineConfiguration()
        probe.hartCount = machineOptions.harts
        try cacheOptions.apply(to: &probe)
        let drives = try driveSpecifications()
        guard drives.count <= VirtioMMIO.slotCount else {
            throw ValidationError("--drive: \(drives.count) drives, but the machine has \(VirtioMMIO.slotCount) virtio-mmio slots")
        }
        // A drive written back must be neither the program nor another drive.
        let written = drives.filter { $0.mode == .writeBack }.map { OutputPath(option: "--drive", path: $0.path, what: "the guest's disk writes") }
        try OutputPaths.check(written, inputs: [file] + drives.filter { $0.mode != .writeBack }.map(\.path))
        for (path, mode) in drives {
            do { _ = try FileBlockStorage(path: path, mode: mode) } catch { throw ValidationError("--drive \(path): \(error.message)") }
        }
    }

    /// The --drive values as files and modes: `FILE`, `FILE,rw` or `FILE,ro`.
    func driveSpecifications() throws -> [(path: String, mode: FileBlockStorage.Mode)] {
        try drive.map { value in
            var path = value
            var mode = FileBlockStorage.Mode.snapshot
            if let comma = value.lastIndex(of: ","), let named = FileBlockStorage.Mode(rawValue: String(value[value.index(after: comma)...])),
               named != .snapshot {
                path = String(value[..<comma])
                mode = named
            }
            guard !path.isEmpty else { throw ValidationError("--drive \(value): not accepted: it names no file (FILE, FILE,rw or FILE,ro)") }
            return (path, mode)
        }
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
        for (path, mode) in try driveSpecifications() {
            do {
                try machine.attachDrive(FileBlockStorage(path: path, mode: mode))
            } catch {
                throw fail(error.message)
            }
        }
        let stop = traceInstructions ? runTraced(machine) : runFast(machine)
        writeOutput(machine)
        if let htif = machine.htif, !htif.unsupportedCalls.isEmpty {
            let calls = htif.unsupportedCalls.keys.sorted().map { "\($0) (\(htif.unsupportedCalls[$0] ?? 0)×)" }
            printError("interleave: HTIF system calls answered -ENOSYS: " + calls.joined(separator: ", "))
        }
        throw ExitCode(exitStatus(for: stop, machine: machine, image: image))
    }

    /// Passes on what the guest printed: the UART's bytes, then HTIF's standard output and error.
    func writeOutput(_ machine: Machine) {
        writeStandardOutput(machine.uart.takeOutput())
        if let htif = machine.htif {
            let (output, errors) = htif.takeOutput()
            writeStandardOutput(output)
            writeStandardError(errors)
        }
    }

    func runFast(_ machine: Machine) -> StopReason {
        while true {
            let remaining = maxInstructions - min(maxInstructions, machine.totalSteps)
            let stop = machine.run(budget: min(remaining, 50_000_000))
            writeOutput(machine)
            if stop != .budgetExhausted || machine.totalSteps >= maxInstructions { return stop }
        }
    }

    func runTraced(_ machine: Machine) -> StopReason {
        var stream = StandardError()
        while machine.totalSteps < maxInstructions {
            let (stop, retired) = machine.stepTraced()
            writeOutput(machine)
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
            if report.hart < machine.harts.count {
                for line in callers(machine.harts[report.hart], image: image) { printError(line) }
            }
            return ToolStatus.fatalFault
        }
    }

    /// "called from" lines for the frame-pointer chain, as far as each return address lies
    /// inside a function the ELF names (a chain through anything else is no chain).
    func callers(_ hart: Hart, image: ELFImage) -> [String] {
        var lines: [String] = []
        for returnAddress in hart.frameChain() {
            guard let (symbol, offset) = image.nearestSymbol(atOrBefore: returnAddress), symbol.isFunction || symbol.size == 0,
                  symbol.size == 0 || offset < symbol.size else { break }
            lines.append("  called from \(symbol.name)+0x\(String(offset, radix: 16)) (0x\(String(returnAddress, radix: 16)))")
        }
        return lines
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

extension AccessDirtyUpdates: ExpressibleByArgument {}
extension PMPPolicy: ExpressibleByArgument {}
