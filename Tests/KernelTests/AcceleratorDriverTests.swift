// The accelerator's driver from a guest (Guest/Programs/Accelerator/driver-kernels.swift,
// raw calls): a vector add with the right results and counts; hostile arguments to every
// call; no accelerator → -ENODEV; two processes' kernels taking turns in slices; a long
// kernel delaying a short one far more under boundary preemption than under instruction
// preemption; the watchdog resetting a runaway kernel while the other process's kernel
// completes; a stray access faulting its context alone, with the report; one context
// unable to read another's buffer; a process that exits with work queued freeing its
// contexts; and the same run twice giving the same bytes and trace.

@testable import Kernel
import Machine
import Testing
import Trace

@Suite("Kernel: the accelerator's driver")
struct AcceleratorDriverTests {
    struct Outcome {
        var ending: ProcessEnding
        var output: String
        var error: String
        var statistics: KernelStatistics
        var events: [TraceEvent]
        var kernel: Kernel
        var lines: [String] { output.split(separator: "\n").map(String.init) }

        /// The accelerator trace events, in the order recorded.
        var accelerator: [AcceleratorTrace] { events.compactMap { if case .accelerator(let trace) = $0.kind { trace } else { nil } } }
    }

    static let program = "Accelerator/driver-kernels.swift"

    /// Settings for tests: small slices and a short watchdog keep the device's work small.
    static func settings(_ preemption: AcceleratorPreemption = .workGroup, sliceMicroseconds: UInt64 = 1_000,
                         watchdogMicroseconds: UInt64 = 2_000_000) -> AcceleratorSettings {
        var settings = AcceleratorSettings()
        settings.device.preemption = preemption
        settings.sliceMicroseconds = sliceMicroseconds
        settings.watchdogMicroseconds = watchdogMicroseconds
        return settings
    }

    static func run(_ arguments: [String], accelerator: AcceleratorSettings? = settings(),
                    configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> Outcome {
        let elf = try GuestPrograms.build(program)
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 32 << 20
        configuration.instructionLimit = 400_000_000
        configuration.accelerator = accelerator
        configure(&configuration)
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: configuration.harts)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "driver-kernels", arguments: arguments, configuration: configuration,
                                io: streams.io, programs: ["driver-kernels": elf], trace: recorder)
        let ending = kernel.run()
        return Outcome(ending: ending, output: streams.text, error: String(decoding: streams.error, as: UTF8.self),
                       statistics: kernel.statistics, events: recorder.log.events, kernel: kernel)
    }

    @Test("a guest's vector add runs on the device: right results, one submission of 64 items, the memory freed", .needsGuestToolchain)
    func vectorAdd() throws {
        let outcome = try Self.run(["add", "64"])
        #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
        #expect(outcome.lines.contains("add 64: 0 wrong, sum \((0..<64).reduce(0) { $0 + $1 * 4 + 1000 })"), "\(outcome.output)")
        #expect(outcome.lines.contains("context 1 buffer 0x1000000000 copy-in 0 submission 1 wait 0 copy-out 0"), "\(outcome.output)")
        #expect(outcome.lines.contains("destroy 0"))
        let metrics = try #require(outcome.statistics.accelerator.first)
        #expect(outcome.statistics.accelerator.count == 1)
        #expect(metrics.pid == 1 && metrics.context == 1 && metrics.handle == 1)
        #expect(metrics.submissions == 1 && metrics.started == 1 && metrics.completions == 1)
        #expect(metrics.device.items == 64)
        #expect(metrics.device.busyCycles > 0 && metrics.latencyCycles > 0)
        #expect(outcome.kernel.machine.accelerator?.memoryInUse == 0)
        let kinds = outcome.accelerator.map(\.kind)
        #expect(kinds.first == .created && kinds.last == .destroyed)
        #expect(kinds.contains(.submitted) && kinds.contains(.runs) && kinds.contains(.completed))
        // The JSON metrics carry the context.
        let json = outcome.kernel.metricsJSON()
        #expect(json.contains("\"accelerator\": {") && json.contains("\"items\": 64"))
    }

    @Test("without an accelerator every call answers -ENODEV and nothing else changes", .needsGuestToolchain)
    func noAccelerator() throws {
        let outcome = try Self.run(["hostile"], accelerator: nil)
        #expect(outcome.ending == .exited(status: 0))
        let answers = outcome.lines.filter { $0.contains(": ") && !$0.hasPrefix("creates: ") }
        #expect(answers.count == 24)
        #expect(answers.allSatisfy { $0.hasSuffix(": -19") }, "\(answers)")
        #expect(outcome.lines.contains("creates: " + Array(repeating: "-19", count: 20).joined(separator: " ")))
        #expect(outcome.statistics.accelerator.isEmpty)
        #expect(!outcome.kernel.metricsJSON().contains("\"accelerator\""))
    }

    @Test("hostile arguments to every call get their errors; 16 contexts at most per process", .needsGuestToolchain)
    func hostileArguments() throws {
        let outcome = try Self.run(["hostile"])
        #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
        let expected: [String: Int] = [
            "bad handle": -9, "handle 0": -9, "negative handle": -9, "alloc 0": -22, "alloc huge": -22, "alloc 2^40": -22,
            "free wild": -22, "free inside": -22, "copy-in huge": -22, "copy-in past buffer": -22, "copy-in wild source": -14,
            "copy-in wrapping": -22, "copy-out wild destination": -14, "copy-out to code": -14, "copy-out unmapped device": -22,
            "submit 0 items": -22, "submit group 0": -22, "submit entry 0": -22, "submit entry in data": -22,
            "submit huge items": -22, "submit huge group": -22, "wait 0": -22, "wait never issued": -22, "destroy twice": -9,
        ]
        for (what, errno) in expected {
            #expect(outcome.lines.contains("\(what): \(errno)"), "\(what): \(outcome.output)")
        }
        // The first context was destroyed: handles 1...16 are handed out, then -EMFILE.
        let creates = try #require(outcome.lines.first { $0.hasPrefix("creates: ") })
        #expect(creates == "creates: " + (1...16).map { "\($0)" }.joined(separator: " ") + " -24 -24 -24 -24")
        #expect(outcome.lines.last == "hostile done")
    }

    @Test("two processes' long kernels take turns on the device in slices", .needsGuestToolchain)
    func kernelsInterleave() throws {
        let outcome = try Self.run(["duo", "60000"], accelerator: Self.settings(.instruction, sliceMicroseconds: 200))
        #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
        #expect(outcome.lines.filter { $0 == "long wait 0" }.count == 2, "\(outcome.output)")
        let runs = outcome.accelerator.filter { $0.kind == .runs }.map(\.context)
        #expect(Set(runs) == [1, 2])
        #expect(runs.count >= 6, "\(runs)")
        // While both have work they alternate: no context runs twice in a row until the
        // other has finished (its last run).
        let lastOfOther = runs.lastIndex(of: 2).map { min($0, runs.lastIndex(of: 1) ?? 0) } ?? 0
        for index in 1..<max(1, lastOfOther) { #expect(runs[index] != runs[index - 1], "\(runs)") }
        #expect(outcome.statistics.accelerator.allSatisfy { $0.device.preemptions >= 2 && $0.completions == 1 })
    }

    @Test("a long kernel delays a short one's completion far more under boundary preemption than under instruction preemption",
          .needsGuestToolchain)
    func boundaryAgainstInstruction() throws {
        var latency: [AcceleratorPreemption: UInt64] = [:]
        for preemption in AcceleratorPreemption.allCases {
            let outcome = try Self.run(["pair", "0", "300000"], accelerator: Self.settings(preemption))
            #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
            #expect(outcome.lines.contains("short wait 0 results 10 11 12 13"), "\(outcome.output)")
            #expect(outcome.lines.contains("long wait 0"))
            let short = try #require(outcome.statistics.accelerator.first { $0.pid == 2 })
            latency[preemption] = short.longestLatencyCycles
        }
        let boundary = try #require(latency[.workGroup]), instruction = try #require(latency[.instruction])
        #expect(boundary > 5 * instruction, "boundary \(boundary) cycles, instruction \(instruction) cycles")
    }

    @Test("the watchdog resets a runaway kernel under boundary preemption; the other process's kernel completes right",
          .needsGuestToolchain)
    func watchdogResetsRunaway() throws {
        let outcome = try Self.run(["pair-runaway"], accelerator: Self.settings(.workGroup, sliceMicroseconds: 500, watchdogMicroseconds: 2_000))
        #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
        #expect(outcome.lines.contains("runaway wait -110"), "\(outcome.output)")
        #expect(outcome.lines.contains("short wait 0 results 10 11 12 13"), "\(outcome.output)")
        // A reset context stays usable, and remembers what the reset dropped.
        #expect(outcome.lines.contains("runaway again wait 0"))
        #expect(outcome.lines.contains("runaway old wait -110"))
        #expect(outcome.error.contains("the accelerator stopped responding and has recovered: process 1 (driver-kernels), context 1"),
                "\(outcome.error)")
        let runaway = try #require(outcome.statistics.accelerator.first { $0.pid == 1 })
        #expect(runaway.resets == 1 && runaway.resetSubmissions == 1 && runaway.preemptionRequests >= 1)
        let reset = try #require(outcome.events.first { if case .accelerator(let trace) = $0.kind { trace.kind == .reset } else { false } })
        let asked = try #require(outcome.events.first { if case .accelerator(let trace) = $0.kind { trace.kind == .runs && trace.context == 1 } else { false } })
        // Reset at the slice's end plus the watchdog (2.5 ms at 100 MHz), not before.
        #expect(reset.cycle >= asked.cycle + 250_000, "runs at \(asked.cycle), reset at \(reset.cycle)")
    }

    @Test("a stray access faults its context alone, with the report; the process and its other context go on", .needsGuestToolchain)
    func strayAccessFaults() throws {
        let outcome = try Self.run(["stray"])
        #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
        #expect(outcome.lines.contains("stray wait -14"), "\(outcome.output)")
        #expect(outcome.lines.contains("stray after: alloc -5 submit -5 wait -14"), "\(outcome.output)")
        #expect(outcome.lines.contains("add 16: 0 wrong, sum \((0..<16).reduce(0) { $0 + $1 * 4 + 1000 })"), "\(outcome.output)")
        let report = try #require(outcome.error.split(separator: "\n").first { $0.contains("accelerator fault") }, "\(outcome.error)")
        #expect(report.contains("process 1 (driver-kernels), context 1, submission 1: lane "), "\(report)")
        #expect(report.contains("item 0") && report.contains("address 0x1000001000") && report.contains("ld "), "\(report)")
        let metrics = try #require(outcome.statistics.accelerator.first)
        #expect(metrics.faults == 1)
    }

    @Test("one context cannot read another's buffer: not by a copy, not from a kernel", .needsGuestToolchain)
    func buffersAreIsolated() throws {
        let outcome = try Self.run(["peek"])
        #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
        #expect(outcome.lines.contains("peek copy-out of the first's buffer through the second: -22"), "\(outcome.output)")
        #expect(outcome.lines.contains("peek wait -14"), "\(outcome.output)")
        #expect(outcome.lines.contains("peek first still reads 0 0x5ec12e7"), "\(outcome.output)")
    }

    @Test("a process that exits with a kernel running frees its contexts, and the run ends", .needsGuestToolchain)
    func exitFreesContexts() throws {
        let outcome = try Self.run(["exit-busy"])
        #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
        #expect(outcome.lines.contains("exit-busy submitted 1"))
        #expect(outcome.kernel.machine.accelerator?.memoryInUse == 0)
        #expect(outcome.kernel.acceleratorDriver?.contexts.isEmpty == true)
        #expect(outcome.accelerator.last?.kind == .destroyed)
    }

    @Test("the same run twice gives the same output, metrics and trace", .needsGuestToolchain)
    func deterministic() throws {
        let first = try Self.run(["pair-runaway"], accelerator: Self.settings(.workGroup, sliceMicroseconds: 500, watchdogMicroseconds: 2_000))
        let second = try Self.run(["pair-runaway"], accelerator: Self.settings(.workGroup, sliceMicroseconds: 500, watchdogMicroseconds: 2_000))
        #expect(first.output == second.output && first.error == second.error)
        #expect(first.events == second.events)
        #expect(first.kernel.metricsJSON() == second.kernel.metricsJSON())
    }

    @Test("the settings are checked with a sentence; exploration refuses the accelerator")
    func settingsValidated() throws {
        let elf = UserProgram.elf { UserProgram.exitWithA0(&$0) }
        func message(_ change: (inout KernelConfiguration) -> Void) -> String? {
            var configuration = KernelConfiguration()
            configuration.memoryLimit = 16 << 20
            configuration.accelerator = AcceleratorSettings()
            change(&configuration)
            do {
                _ = try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration, io: CapturedStreams().io)
                return nil
            } catch { return error.message }
        }
        #expect(message { _ in } == nil)
        #expect(message { $0.accelerator?.sliceMicroseconds = 0 } == "the accelerator's time slice must be between 1 and 60000000 microseconds, not 0")
        #expect(message { $0.accelerator?.watchdogMicroseconds = 1 << 40 }?.hasPrefix("the accelerator's watchdog must be between") == true)
        #expect(message { $0.accelerator?.pollMicroseconds = 0 }?.hasPrefix("the accelerator driver's poll interval") == true)
        #expect(message { $0.accelerator?.device.lanes = 0 } == "the accelerator has 1 to 64 lanes, not 0")
        #expect(message { $0.exploration.schedulePoints = true }?.hasPrefix("schedule exploration cannot run with an accelerator") == true)
    }

    @Test("the clocks convert without overflow: the device never ahead of the CPU, the kernel never before the device")
    func clockConversions() {
        let clock = AcceleratorClock(cpuFrequency: 100_000_000, deviceFrequency: 300_000_000)
        #expect(clock.deviceCycle(atCPU: 10) == 30)
        #expect(clock.cpuCycle(atDevice: 31) == 11)   // rounded up
        #expect(clock.cpuCycle(atDevice: 30) == 10)
        let fast = AcceleratorClock(cpuFrequency: 1_000, deviceFrequency: 10_000_000_000)
        #expect(fast.deviceCycle(atCPU: .max) == .max)   // saturates
        #expect(fast.cpuCycle(atDevice: .max) < .max)
        #expect(clock.deviceCycles(microseconds: 0) == 1 && clock.cpuCycles(microseconds: 1) == 100)
        #expect(AcceleratorClock.scale(.max, by: .max, over: 1, roundingUp: true) == .max)
    }
}
