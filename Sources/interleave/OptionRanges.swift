// The accepted range of every numeric option, in one place: each command's validate()
// checks its options against these before anything runs, and --help shows the same
// figures. The kernel's and machine's own ranges (KernelConfiguration, MachineConfiguration)
// are the source where an option maps onto one of their settings.

import ArgumentParser
import Kernel
import Machine

enum OptionRange {
    static let clockHz = KernelConfiguration.clockFrequencyRange
    static let maxInstructions = KernelConfiguration.instructionLimitRange
    static let granularity = KernelConfiguration.granularityRange
    static let jitter = KernelConfiguration.jitterRange
    static let switchCycles = KernelConfiguration.switchCostRange
    static let harts = 1...MachineConfiguration.maximumHarts
    static let memoryMiB: ClosedRange<UInt64> = 1...8192
    static let stackMiB: ClosedRange<UInt64> = 1...1024
    static let maxOutputMiB: ClosedRange<UInt64> = 1...1_048_576
    /// --slice-ms and --tick-ms (more than 0).
    static let periodMs: ClosedRange<Double> = 0.001...60_000
    /// --input-every-ms (0: off).
    static let inputEveryMs: ClosedRange<Double> = 0...60_000
    static let inputEvents = 1...1_000_000
    static let ramMiB: ClosedRange<UInt64> = 1...(MachineConfiguration.maximumRAM >> 20)
    static let tlbEntries = 1...65_536
    /// `machine run`'s --clock-hz and --timer-hz (the timer at most the clock, checked apart).
    static let machineHz: ClosedRange<UInt64> = 1...KernelConfiguration.clockFrequencyRange.upperBound
    static let benchScale = 1...1_000
    static let benchRounds = 1...20
    static let fuzzWords = 1...1_000_000_000
    static let fuzzSeeds = 1...1_000_000
    static let fuzzHarts = 1...4
    /// Lab and tour seeds: experiments sweep the seeds after the first.
    static let labSeed: ClosedRange<UInt64> = 0...(1 << 62)
    static let timelineWidth = 40...1000
    /// --max-fds: RLIMIT_NOFILE (at least the three standard streams).
    static let maxFds = KernelConfiguration.fileDescriptorLimitRange

    /// "(1...64)" for help text.
    static func text<Value>(_ range: ClosedRange<Value>) -> String { "(\(range.lowerBound)...\(range.upperBound))" }

    /// Throws a ValidationError naming the option, the value and the range when `value`
    /// is outside `range`.
    static func check<Value: Comparable>(_ value: Value, _ range: ClosedRange<Value>, option: String) throws {
        guard range.contains(value) else {
            throw ValidationError("--\(option) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
    }
}
