// `interleave run FILE [FILE...] [ARGS...]`: builds Swift, C or assembly programs when
// needed, then runs them as Linux user processes under the teaching kernel (the first as
// pid 1, with the arguments; the others beside it). The exit status is the first
// program's own, or 128 + the signal Linux would have sent when the kernel ended it.

import ArgumentParser
import Kernel
import Machine
import Network
import Explore
import Toolchain
import Trace

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build (if needed) and run a program as a user process under the kernel.",
        discussion: """
            FILE is a .swift, .c, .S or .s source (built and cached as `interleave build` builds it: \
            C with the standard headers against Debian's riscv64 glibc, C that includes "interleave.h" \
            and Swift with the Swift toolchain) or a RISC-V .elf, such as a static riscv64 Linux program. Arguments interleave does not know go to the program; everything after `--` \
            does. The exit status is the program's, or 128 + the signal the kernel \
            used to end it (139 segmentation fault, 132 illegal instruction, 137 out of memory, \
            152 instruction limit, 153 output limit), or 125 when every thread waits for ever (deadlock).

            Several FILEs (`interleave run a.swift b.swift ARGS`) run at once as independent \
            processes, pids 1, 2, …, each in its own address space; every FILE is built first, and \
            ARGS go to the first program only. Each FILE is also a program a guest can start with \
            process_spawn (Sync's Process.spawn), by its name without folder and extension (`b`). \
            A process that faults ends alone, with its report on standard error; the run ends when \
            every process has ended, and the exit status is the first program's.

            Several machines: FILE@N runs FILE on simulated machine N (address 10.0.0.N), each with \
            its own harts, memory and kernel, joined by a network (--latency-us, --drop, --partition, \
            --crash, ... below; --topology FILE.json for per-machine options, programs with arguments, \
            links). --machines sets how many (default: the highest N). Each line of a machine's output \
            is printed as "m2| ...", in simulated time order. The exit status is the first nonzero \
            status of the machines' first programs that ended (in machine order), 0 if all ended with 0, \
            125 if none ended; programs still waiting when nothing more can happen are listed. \
            --trace writes the whole cluster to one Perfetto file.

            --timeline draws the run in the terminal when it ends (a lane per hart and per thread, \
            switches and their reasons marked); --trace FILE.json writes it for Perfetto \
            (ui.perfetto.dev) and --svg FILE.svg as a picture; --from/--to zoom the timeline and picture.

            Eras (--era) set the scheduler, slice, tick and foreground boost as a system of that \
            time did; --scheduler, --slice-ms and --tick-ms, when given, override the era's:
            \(Era.helpTable)
            """
    )

    @Argument(help: "The program: FILE.swift, FILE.c, FILE.S, FILE.s or FILE.elf (more such files after it run beside it as processes of their own; FILE@N runs on machine N).")
    var file: String?

    @Argument(parsing: .allUnrecognized, help: "Arguments for the first program (a file name with those extensions goes after `--`).")
    var arguments: [String] = []

    @Option(name: .customLong("program"), help: "A program the run's processes may start (execve, posix_spawn, process_spawn: by its name without folder and extension, or as /bin/NAME) without starting it now: FILE.swift, .c, .S, .s or .elf; repeatable.")
    var startablePrograms: [String] = []

    @Option(help: "Seed for the program's random numbers (getrandom, AT_RANDOM); the same seed gives the same run (any 64-bit value).")
    var seed: UInt64 = 0

    @Option(help: "Instructions the program may run before it is stopped \(OptionRange.text(OptionRange.maxInstructions)).")
    var maxInstructions: UInt64 = 5_000_000_000

    @Option(name: .customLong("memory-mib"), help: "Memory the program may touch, in MiB (1...8192).")
    var memoryMiB: UInt64 = 256

    @Option(name: .customLong("stack-mib"), help: "Largest stack, in MiB (1...1024).")
    var stackMiB: UInt64 = 8

    @Option(name: .customLong("max-output-mib"), help: "Output (stdout and stderr together) allowed, in MiB (1...1048576).")
    var maxOutputMiB: UInt64 = 16

    @Option(help: "Simulated clock in cycles per second (one instruction takes one cycle) \(OptionRange.text(OptionRange.clockHz)).")
    var clockHz: UInt64 = 100_000_000

    @Option(help: "Harts (cores) the kernel schedules threads on (1...64).")
    var harts: Int = 1

    @Option(help: "Instructions a hart runs before the next hart's turn (1 = finest interleaving) \(OptionRange.text(OptionRange.granularity)).")
    var granularity: Int = 1000

    @Option(help: "Largest random delay in cycles after each hart's turn; with it, each --seed interleaves the harts differently \(OptionRange.text(OptionRange.jitter)).")
    var jitter: UInt64 = 0

    @Option(help: "Scheduling preset of an era (see below): dos, win1, win95, xp, server, linux, linux-server or tickless.")
    var era: Era?

    @Option(help: "How threads share the harts: single-tasking (one program at a time; the next waits until it exits), cooperative (the default), round-robin (a periodic tick checks the time slice) or tickless (the timer is set for the slice's end).")
    var scheduler: SchedulerName?

    @Option(help: "Time slice in milliseconds of simulated time (round-robin and tickless; default 10, or the era's) (0.001...60000).")
    var sliceMs: Double?

    @Option(help: "Timer tick period in milliseconds (round-robin; default 4, or the era's); never longer than the slice (0.001...60000).")
    var tickMs: Double?

    @Option(help: "Write every metric of the run as JSON to FILE (`-`: standard output, after the program's output) when it ends.")
    var json: String?

    @Option(help: "Cycles a context switch costs, charged to simulated time \(OptionRange.text(OptionRange.switchCycles)).")
    var switchCycles: UInt64 = 200

    @Option(help: "Extra cycles when a switch changes the address space (satp and sfence.vma) \(OptionRange.text(OptionRange.switchCycles)).")
    var addressSpaceSwitchCycles: UInt64 = 600

    @Option(help: "Write every context switch (cycle, hart, the thread that left and why, the thread that got the hart) to FILE (`-`: standard error) as the run goes; read from the run's trace.")
    var switchLog: String?

    @Option(help: "Inject a cursor move into the foreground thread's message queue every N ms of simulated time (0: no input) (0...60000).")
    var inputEveryMs: Double = 0

    @Option(help: "Cursor moves to inject before the quit message (with --input-every-ms) (1...1000000).")
    var inputEvents: Int = 100

    @Option(help: "Follow the schedule of a replay token printed by `interleave explore` (with its options), to see that run again with any view.")
    var replay: String?

    @Flag(help: "Print what the kernel counted (instructions, system calls, page faults, memory) when the program ends.")
    var stats = false

    @Option(help: "Which hardware counters programs may read: all (rdcycle, rdtime and rdinstret, as Linux before 6.6 and qemu-riscv64) or time (rdtime alone, Linux 6.6's default; rdcycle is then an illegal instruction).")
    var userCounters: UserCounterAccess = .all

    @OptionGroup(title: "Caches") var cacheOptions: CacheOptions

    @Flag(help: "Report the most contended cache lines when the run ends, with the instructions that touched them (like perf c2c); needs --caches.")
    var c2c = false

    @Flag(help: "With --trace: one Perfetto instant per coherence transition (\"core 1 L1D store I→M at 0x…, invalidates core 0\"); many events; needs --caches.")
    var traceCoherence = false

    @OptionGroup(title: "Trace") var traceOptions: TraceOptions

    @OptionGroup(title: "Files") var fileOptions: FileOptions

    @OptionGroup(title: "Several machines") var networkOptions: NetworkOptions

    @Flag(help: "How to optimise a program that needs building.") var optimization: OptimizationFlag = .speed

    @OptionGroup(title: "Building C") var compileOptions: CompileOptions

    @OptionGroup(title: "Races") var raceOptions: RaceOptions

    @OptionGroup(title: "Accelerator") var acceleratorOptions: AcceleratorOptions

    @Option(help: "The Swift toolchain to build with: its root or its bin folder (default: beside `swift`, or $INTERLEAVE_TOOLCHAIN).")
    var toolchain: String?

    /// The files the run writes besides the trace's: --json and --switch-log.
    var outputs: [OutputPath] {
        [json.map { OutputPath(option: "--json", path: $0, what: "the metrics") },
         switchLog.map { OutputPath(option: "--switch-log", path: $0, what: "the switch log") }].compactMap { $0 }
    }

    /// Every numeric option against its range (OptionRange), before anything is built or run.
    func validate() throws {
        if file == nil, networkOptions.topology == nil {
            throw ValidationError("it needs <file>: The program: FILE.swift, FILE.c, FILE.S, FILE.s or FILE.elf (or --topology FILE.json).")
        }
        // A program file with a bad @N (`client.c@0`) is a mistake, not an argument.
        for argument in [file ?? ""] + arguments.prefix(while: { $0 != "--" }) {
            guard let at = argument.lastIndex(of: "@") else { continue }
            let path = argument[..<at]
            guard path.hasSuffix(".elf") || BuildError.acceptedExtensions.contains(where: { path.hasSuffix($0) }) else { continue }
            do { _ = try NetworkSyntax.placement(argument) } catch { throw ValidationError(error.message) }
        }
        try OptionRange.check(maxInstructions, OptionRange.maxInstructions, option: "max-instructions")
        try OptionRange.check(memoryMiB, OptionRange.memoryMiB, option: "memory-mib")
        try OptionRange.check(stackMiB, OptionRange.stackMiB, option: "stack-mib")
        try OptionRange.check(maxOutputMiB, OptionRange.maxOutputMiB, option: "max-output-mib")
        try OptionRange.check(clockHz, OptionRange.clockHz, option: "clock-hz")
        try OptionRange.check(harts, OptionRange.harts, option: "harts")
        try OptionRange.check(granularity, OptionRange.granularity, option: "granularity")
        try OptionRange.check(jitter, OptionRange.jitter, option: "jitter")
        if let sliceMs { try OptionRange.check(sliceMs, OptionRange.periodMs, option: "slice-ms") }
        if let tickMs { try OptionRange.check(tickMs, OptionRange.periodMs, option: "tick-ms") }
        try OptionRange.check(switchCycles, OptionRange.switchCycles, option: "switch-cycles")
        try OptionRange.check(addressSpaceSwitchCycles, OptionRange.switchCycles, option: "address-space-switch-cycles")
        try OptionRange.check(inputEveryMs, OptionRange.inputEveryMs, option: "input-every-ms")
        try OptionRange.check(inputEvents, OptionRange.inputEvents, option: "input-events")
        if c2c, cacheOptions.isOff { throw ValidationError("--c2c needs caches: add --caches PRESET (\(CacheOptions.presetNames)) or --caches FILE.json") }
        if traceCoherence {
            if cacheOptions.isOff { throw ValidationError("--trace-coherence needs caches: add --caches PRESET (\(CacheOptions.presetNames)) or --caches FILE.json") }
            if traceOptions.tracePath == nil { throw ValidationError("--trace-coherence needs --trace FILE.json: the transitions are shown in Perfetto") }
        }
        var probe = KernelConfiguration()
        try cacheOptions.apply(to: &probe, harts: harts)
        _ = try acceleratorOptions.settings()
    }

    func run() throws {
        if isCluster, !startablePrograms.isEmpty {
            throw fail("--program works on one machine; with several, give the programs in --topology FILE.json")
        }
        if isCluster { try ClusterRun(command: self).run() }
        let file = self.file ?? ""
        // No output may overwrite a program or another output, and each must be writable.
        try OutputPaths.check(traceOptions.outputs + outputs, inputs: [file] + extraProgramFiles + startablePrograms)
        // Every program is built (or read) before any runs; --program ones are not started.
        var programs: [String: [UInt8]] = [:]
        var names: [String] = [], paths: [String: String] = [:]
        let startedCount = 1 + extraProgramFiles.count
        for (index, path) in ([file] + extraProgramFiles + startablePrograms).enumerated() {
            let name = baseName(path)
            let starts = index < startedCount
            if paths[name] == path { if starts { names.append(name) }; continue }   // the same program again: another process of it
            guard paths[name] == nil else { throw fail("two programs are named \(name) (\(path)); process_spawn could not tell them apart") }
            paths[name] = path
            if path.hasSuffix(".elf") || !BuildError.acceptedExtensions.contains(where: { path.hasSuffix($0) }) && isELF(path) {
                guard let bytes = readWholeFile(path) else { throw fail("cannot read \(path): no such file, or not readable") }
                programs[name] = bytes
            } else {
                let built = try buildProgram(path)
                guard let bytes = readWholeFile(built) else { throw fail("the build produced no program at \(built)") }
                programs[name] = bytes
            }
            if starts { names.append(name) }
        }
        let name = names[0]
        let executable = programs[name] ?? []
        var configuration = try kernelConfiguration()
        let replayHandler = try replayHandler(for: executable, name: name, configuration: &configuration)   // ExploreReplayRun.swift
        raceOptions.configure(&configuration)   // RaceOptions.swift
        var input: ((Int) -> [UInt8])? = nil
        if standardInputIsOpen() { input = { readStandardInput($0) } }
        let io = KernelIO(readInput: input, writeOutput: writeStandardOutput,
                          writeError: { bytes in writeStandardError(bytes) })
        let session = try traceOptions.start(clockFrequency: clockHz, harts: harts)
        configuration.instructionTrace = session?.instructionFilter
        // The switch log reads the trace: the views' recorder, or one that keeps no events.
        let switchLogWriter = try switchLog.map { try SwitchLogWriter(path: $0) }
        let recorder = session?.recorder ?? switchLogWriter.map { _ in TraceRecorder(capacity: 1, clockFrequency: clockHz, harts: harts) }
        if let recorder { switchLogWriter?.attach(to: recorder) }
        let kernel: Kernel
        do {
            kernel = try Kernel(executable: executable, name: name, arguments: programArguments, configuration: configuration, io: io,
                                programs: programs, alsoStarting: Array(names.dropFirst()), trace: recorder)
        } catch {
            session?.abandon()
            switchLogWriter?.abandon()
            throw fail("cannot run \(file): \(error)")
        }
        kernel.schedulePointHandler = replayHandler
        let raceMonitor = raceOptions.monitor(for: kernel)
        let start = monotonicSeconds()
        var lastReport = start
        var ending: ProcessEnding
        while true {
            if let finished = kernel.run(slice: 50_000_000) { ending = finished; break }
            let now = monotonicSeconds()
            if now - lastReport >= 3 {
                lastReport = now
                let statistics = kernel.statistics
                printError("interleave: still running after \(Int(now - start)) s: \(statistics.instructions / 1_000_000) million instructions, \(formatted(Double(statistics.cycles) / Double(clockHz))) s simulated, now in \(kernel.currentLocation) (limit: --max-instructions \(maxInstructions))")
            }
        }
        let elapsed = monotonicSeconds() - start
        try checkReplay(replayHandler, kernel: kernel)
        let statistics = kernel.statistics
        if case .exited = ending {} else { printError("interleave: \(ending)") }
        for (number, count) in statistics.unknownSystemCalls.sorted(by: { $0.key < $1.key }) {
            printError("interleave: note: the program made system call \(number) (\(Kernel.systemCallName(number))) \(count) time\(count == 1 ? "" : "s"); this kernel does not implement it and answered -ENOSYS")
        }
        if stats {
            let simulated = Double(statistics.cycles) / Double(clockHz)
            printError("interleave: \(statistics.contextSwitches) context switches, \(statistics.timerInterrupts) timer interrupts, \(statistics.idleWakeUps) idle wake-ups")
            let reasons = statistics.switchesByReason.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            if !reasons.isEmpty { printError("  switches: " + reasons.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
            if statistics.harts.count > 1 {
                printError("  hart   busy cycles   idle cycles   timer interrupts   idle wake-ups")
                for (index, hart) in statistics.harts.enumerated() {
                    printError("  " + [pad("\(index)", 4), pad("\(hart.busyCycles)", 13, left: true), pad("\(hart.idleCycles)", 13, left: true),
                                        pad("\(hart.timerInterrupts)", 18, left: true), pad("\(hart.idleWakeUps)", 15, left: true)].joined(separator: " "))
                }
            }
            if statistics.threads.count > 1 {
                printError("  thread   run cycles   ready cycles   blocked cycles   switches   migrations   stack")
                for thread in statistics.threads {
                    let m = thread.metrics
                    printError("  " + [pad("\(thread.tid)", 6), pad("\(m.runCycles)", 12, left: true), pad("\(m.readyCycles)", 14, left: true),
                                        pad("\(m.blockedCycles)", 16, left: true), pad("\(m.switches)", 10, left: true),
                                        pad("\(m.migrations)", 12, left: true), pad(m.stackBytes == 0 ? "main" : "\(m.stackBytes >> 10) KiB", 8, left: true)].joined(separator: " "))
                }
            }
            if configuration.inputPeriodCycles != nil { printError(inputSummary(statistics)) }
            if statistics.threads.count > 1 || statistics.processes.count > 1 {
                printError("  process  parent  name              page faults   peak memory       stacks   ending")
                for process in statistics.processes {
                    let ending = process.ending.map { if case .exited(let status) = $0 { "exited with \(status)" } else { "status \($0.status)" } } ?? "running"
                    printError("  " + [pad("\(process.pid)", 7), pad(process.parentID.map { "\($0)" } ?? "-", 6), pad(process.name, 16),
                                        pad("\(process.pageFaults)", 12, left: true), pad("\(process.peakMemory >> 10) KiB", 13, left: true),
                                        pad("\(process.stackBytes >> 10) KiB", 10, left: true), "  " + ending].joined(separator: " "))
                }
            }
            for line in MemoryReport.statisticsLines(statistics, configuration: configuration) { printError(line) }
            for line in kernel.acceleratorStatisticsLines { printError(line) }
            if statistics.diskReads > 0 || !configuration.mounts.isEmpty {
                printError("interleave: files: \(statistics.diskReads) pages read from the disk, \(statistics.fileBytes >> 10) KiB held by files at the end")
            }
            printError("""
                interleave: \(statistics.instructions) instructions, \(statistics.cycles) cycles (\(formatted(simulated)) s simulated), \
                \(statistics.systemCalls) system calls, \(statistics.pageFaults) page faults, peak memory \(statistics.peakMemory >> 10) KiB, \
                \(formatted(elapsed)) s on the host (\(formatted(Double(statistics.instructions) / max(elapsed, 1e-9) / 1e6)) MIPS)
                """)
        }
        if c2c { for line in MemoryReport.contentionLines(statistics.contendedLines) { printError(line) } }
        if let raceMonitor { for line in RaceOptions.reportLines(raceMonitor) { printError(line) } }
        if let json {
            let text = Array(kernel.metricsJSON(ending: ending).utf8)
            if json == "-" {
                writeStandardOutput(text)
            } else if !writeWholeFile(json, text) {
                throw fail("cannot write the metrics to \(json): \(OutputPaths.systemReason())")
            }
        }
        if session != nil { kernel.traceCacheCounters() }
        try switchLogWriter?.finish()
        try session?.finish(endCycle: statistics.cycles, title: ([file] + extraProgramFiles).map(baseName).joined(separator: " + "))
        throw ExitCode(ending.status)
    }

    /// Whether the run is several machines (ClusterRun.swift): a FILE@N, or an option of
    /// the network or the topology file.
    var isCluster: Bool {
        networkOptions.isRequested || ([file ?? ""] + extraProgramFiles).contains { (try? NetworkSyntax.placement($0))?.machine != nil }
    }

    /// The kernel's settings from the options (every machine's, in a run of several).
    func kernelConfiguration() throws -> KernelConfiguration {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = memoryMiB << 20
        configuration.stackLimit = stackMiB << 20
        configuration.outputLimit = maxOutputMiB << 20
        configuration.instructionLimit = maxInstructions
        configuration.seed = seed
        configuration.clockFrequency = clockHz
        configuration.harts = harts
        configuration.granularity = granularity
        configuration.switchCost = switchCycles
        configuration.addressSpaceSwitchCost = addressSpaceSwitchCycles
        configuration.jitter = jitter
        try setScheduling(&configuration)
        try cacheOptions.apply(to: &configuration, harts: harts)
        configuration.recordsContention = c2c
        configuration.tracesCoherence = traceCoherence
        if inputEveryMs > 0, let period = SimulatedTime(milliseconds: inputEveryMs, clockFrequency: clockHz) {
            configuration.inputPeriodCycles = max(100, period.cycles)
        }
        configuration.inputEventCount = inputEvents
        configuration.userCounters = userCounters
        try fileOptions.apply(to: &configuration, clockFrequency: clockHz)
        configuration.accelerator = try acceleratorOptions.settings()   // AcceleratorOptions.swift
        return configuration
    }

    /// `interleave: input: 20 cursor moves, 20 taken, 0 dropped; latency median 2 µs, maximum 1.00 ms`.
    func inputSummary(_ statistics: KernelStatistics) -> String {
        func milliseconds(_ cycles: UInt64?) -> String {
            guard let cycles else { return "-" }
            let value = Double(cycles) * 1000 / Double(clockHz)
            return value < 0.1 ? "\(Int((value * 1000).rounded())) µs" : "\(formatted(value)) ms"
        }
        return "interleave: input: \(statistics.inputEventsInjected) cursor moves, \(statistics.inputLatencies.count) taken, "
            + "\(statistics.inputEventsDropped) dropped; latency median \(milliseconds(statistics.inputLatencyMedian)), "
            + "maximum \(milliseconds(statistics.inputLatencyMaximum))"
    }

    /// The scheduling policy and foreground boost: the era's (or cooperative), with
    /// --scheduler, --slice-ms and --tick-ms overriding it where given.
    func setScheduling(_ configuration: inout KernelConfiguration) throws {
        func cycles(_ milliseconds: Double?, _ name: String) throws -> UInt64? {
            guard let milliseconds else { return nil }
            try OptionRange.check(milliseconds, OptionRange.periodMs, option: name)
            return SimulatedTime(milliseconds: milliseconds, clockFrequency: clockHz).map { max(1, $0.cycles) }
        }
        let eraPolicy = era?.policy(clockFrequency: clockHz) ?? .cooperative
        configuration.foregroundBoost = era?.foregroundBoost(clockFrequency: clockHz)
        let slice = try cycles(sliceMs, "slice-ms") ?? eraPolicy.sliceCycles ?? cycles(10, "slice-ms") ?? 1
        let tick = try cycles(tickMs, "tick-ms") ?? eraPolicy.tickCycles ?? cycles(4, "tick-ms") ?? 1
        switch scheduler {
        case nil:
            guard case .roundRobin(_, let eraTick) = eraPolicy else {
                if sliceMs != nil || tickMs != nil {
                    throw ValidationError("--slice-ms and --tick-ms need a preemptive scheduler: add --scheduler round-robin or tickless, or a preemptive --era")
                }
                configuration.scheduling = eraPolicy
                return
            }
            configuration.scheduling = .roundRobin(sliceCycles: slice, tickCycles: eraTick == nil ? nil : tick)
        case .singleTasking?, .cooperative?:
            if sliceMs != nil || tickMs != nil {
                throw ValidationError("--slice-ms and --tick-ms mean nothing to --scheduler \(scheduler?.rawValue ?? ""): nothing takes the CPU from a thread there")
            }
            configuration.scheduling = scheduler == .singleTasking ? .singleTasking : .cooperative
        case .roundRobin?: configuration.scheduling = .roundRobin(sliceCycles: slice, tickCycles: tick)
        case .tickless?:
            if tickMs != nil { throw ValidationError("--tick-ms means nothing to --scheduler tickless: it has no periodic tick") }
            configuration.scheduling = .roundRobin(sliceCycles: slice, tickCycles: nil)
        }
    }

    /// The program's arguments: what interleave did not recognise, with a first `--` removed
    /// (everything after it belongs to the program).
    var programArguments: [String] {
        var result = Array(arguments.dropFirst(extraProgramFiles.count))
        guard let terminator = result.firstIndex(of: "--") else { return result }
        result.remove(at: terminator)
        return result
    }

    /// More programs to run beside FILE: the arguments right after it (before any `--`)
    /// that name a .swift, .c, .S, .s or .elf file, or such a file and @N (its machine).
    var extraProgramFiles: [String] {
        Array(arguments.prefix { argument in
            let path = (try? NetworkSyntax.placement(argument))?.file ?? argument
            return argument != "--" && (path.hasSuffix(".elf") || BuildError.acceptedExtensions.contains { path.hasSuffix($0) })
        })
    }

    /// Builds a source file with the toolchain, showing progress; returns the ELF's path.
    func buildProgram(_ file: String) throws -> String {
        do {
            let toolchain = try Toolchain.locate(explicitPath: toolchain)
            let builder = try GuestBuilder(toolchain: toolchain)
            let result = try builder.build(sources: [file], optimization: optimization.level, c: compileOptions.settings,
                                           progress: { line in printError("interleave: \(line)") })
            return result.elfPath
        } catch let error as BuildError {
            if let output = error.compilerOutput {
                writeStandardError(Array(output.utf8))
                throw fail("\(file) did not build", status: 1)
            }
            throw fail("\(error)", status: error.isAboutInput ? 2 : 1)
        } catch {
            throw fail("\(error)", status: 1)
        }
    }
}

func baseName(_ path: String) -> String {
    let last = path.split(separator: "/").last.map(String.init) ?? path
    guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return last }
    return String(last[..<dot])
}

func readWholeFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count > 0 { bytes += buffer[0..<count] }
        if count < buffer.count { return ferror(file) != 0 ? nil : bytes }
    }
}

/// Writes `bytes` to the file at `path` (created or emptied); false on failure.
func writeWholeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    guard let file = fopen(path, "wb") else { return false }
    let written = bytes.isEmpty ? 0 : fwrite(bytes, 1, bytes.count, file)
    return fclose(file) == 0 && written == bytes.count
}

func isELF(_ path: String) -> Bool {
    guard let file = fopen(path, "rb") else { return false }
    defer { fclose(file) }
    var magic = [UInt8](repeating: 0, count: 4)
    return fread(&magic, 1, 4, file) == 4 && magic == [0x7F, 0x45, 0x4C, 0x46]
}

/// False when the shell started us with fd 0 closed (`<&-`): the guest's fd 0 is closed too.
func standardInputIsOpen() -> Bool {
    fcntl(0, F_GETFD) != -1 || errno != EBADF
}

func readStandardInput(_ maximumCount: Int) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: max(0, min(maximumCount, 1 << 16)))
    let count = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
    return count > 0 ? Array(buffer[0..<count]) : []
}

func writeStandardError(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var written = 0
        while written < buffer.count, let base = buffer.baseAddress {
            let result = Glibc.write(2, base + written, buffer.count - written)
            if result <= 0 { return }
            written += result
        }
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func formatted(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100).\(String(repeating: "0", count: hundredths % 100 < 10 ? 1 : 0))\(hundredths % 100)"
}

extension BuildError {
    /// Errors in what the user typed (status 2) rather than in building (status 1).
    var isAboutInput: Bool {
        switch self {
        case .noSources, .missingFile, .notAFile, .unsupportedExtension, .badCOption: true
        default: false
        }
    }
}

enum SchedulerName: String, ExpressibleByArgument, CaseIterable {
    case singleTasking = "single-tasking"
    case cooperative
    case roundRobin = "round-robin"
    case tickless
}

extension Era: ExpressibleByArgument {}
extension UserCounterAccess: ExpressibleByArgument {}
