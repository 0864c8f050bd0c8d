// Experiment 28, gpu-sharing: each claim of its table checked on what it measured
// (simulated figures only). Skipped, with a note, without a toolchain.

import Kernel
import Testing
import Trace
@testable import Lab

@Suite struct GPUSharingExperimentTests {
    static let finding = Result { try LabSupport.finding("gpu-sharing") }

    @Test(.needsGuestToolchain) func aLongKernelDelaysAShortOneOnlyUnderBoundaryPreemption() throws {
        let finding = try Self.finding.get()
        #expect(finding["boundary wrong"] == 0 && finding["instruction wrong"] == 0)
        // Boundary: the short kernel waits for the long kernel's running work-groups, far
        // longer than a slice; instruction-level: about a slice and the save's cost.
        #expect(finding["boundary short µs"] > 2 * finding["slice µs"])
        #expect(finding["instruction short µs"] <= 2 * finding["slice µs"])
        #expect(finding["short latency ratio"] >= 2)
        // Only the instruction-level device took the lanes from the long kernel; the
        // boundary one waited for its work-groups, which ended the kernel.
        #expect(finding["instruction long preemptions"] >= 1)
        #expect(finding["boundary long preemptions"] == 0)
    }

    @Test(.needsGuestToolchain) func theWatchdogResetsTheRunawayAndTheOtherContextSurvives() throws {
        let finding = try Self.finding.get()
        #expect(finding["runaway timed out"] == 1)
        #expect(finding["runaway resets"] == 1)
        // Reset no sooner than the watchdog's limit after it was asked to leave, and not much
        // later: the vector add submits about 2 ms in (a 1 ms sleep and its set-up), the
        // runaway is asked to leave a slice after that, and reset the watchdog's limit later.
        #expect(finding["runaway reset after µs"] >= finding["watchdog µs"])
        #expect(finding["runaway reset after µs"] <= finding["watchdog µs"] + 4 * finding["slice µs"])
        #expect(finding["runaway wrong after reset"] == 0)
        #expect(finding["survivor items"] == 256 && finding["survivor wrong"] == 0)
    }

    @Test(.needsGuestToolchain) func oneContextCannotReadAnothersBuffer() throws {
        let finding = try Self.finding.get()
        #expect(finding["spy reads"] == 2)
        #expect(finding["spy read the secret"] == 0)
        // Each read found the spy's own memory or faulted in the spy's context only.
        #expect(finding["spy read its own data"] + finding["spy faults"] == 2)
        #expect(finding["spy faults"] >= 1)
        #expect(finding["secret intact"] == 1)
        #expect(finding["stray faulted"] == 1 && finding["stray old context refused"] == 1)
        #expect(finding["stray new context wrong"] == 0 && finding["stray exited 0"] == 1)
    }

    /// Twice with the trace the tour draws: the same text, and the same trace — the
    /// accelerator's lanes in Perfetto and the terminal — byte for byte.
    @Test(.needsGuestToolchain) func theSameOptionsGiveTheSameTextAndTrace() throws {
        func traced() throws -> Finding {
            let context = LabContext(options: LabOptions(size: .small), builder: try LabSupport.builder.get(),
                                     makeRecorder: { TraceRecorder(clockFrequency: $0, harts: $1) })
            return try Experiment.gpuSharing.run(context)
        }
        let first = try traced(), second = try traced()
        #expect(first.text == second.text)
        #expect(first.text == (try Self.finding.get().text))
        let log = try #require(first.trace), again = try #require(second.trace)
        #expect(log.acceleratorLanes().count == 2)
        #expect(ChromeTraceWriter.render(log) == ChromeTraceWriter.render(again))
        #expect(TerminalTimeline(log: log, width: 100, color: false).render() == TerminalTimeline(log: again, width: 100, color: false).render())
    }
}

/// The accelerator's example programs that the experiment does not run, end to end: the C
/// one through interleave.h, and the vector add alone.
@Suite struct AcceleratorProgramTests {
    static func run(_ name: String, _ path: String) throws -> RunResult {
        let context = try LabContext(options: LabOptions(size: .small), builder: LabSupport.builder.get())
        var configuration = context.baseConfiguration()
        configuration.accelerator = AcceleratorSettings()
        return try context.run(RunSpec(main: name, programs: [name: path], arguments: ["0"], configuration: configuration))
    }

    @Test(.needsGuestToolchain) func theCExampleScalesEveryItemThroughTheHeader() throws {
        let result = try Self.run("scale", "Accelerator/scale.c")
        #expect(result.output == "scale: items 128 wrong 0\n", "\(result.output)\(result.errors)")
    }

    @Test(.needsGuestToolchain) func vectorAddIsRightAndWithoutAnAcceleratorSaysENODEV() throws {
        let result = try Self.run("vector-add", "Accelerator/vector-add.swift")
        #expect(result.lines(starting: "vector-add: items 256 wrong 0 sum 32672640").count == 1, "\(result.output)\(result.errors)")
        let context = try LabContext(options: LabOptions(size: .small), builder: LabSupport.builder.get())
        let without = try context.run(RunSpec(main: "v", programs: ["v": "Accelerator/vector-add.swift"], arguments: ["0"],
                                              configuration: context.baseConfiguration()))
        #expect(without.output.contains("vector-add: failed ENODEV"))
    }
}
