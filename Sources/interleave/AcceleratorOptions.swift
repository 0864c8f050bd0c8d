// `interleave run`'s accelerator options: `--accelerator` puts the shared accelerator on
// the machine with its defaults (4 lanes, 16 MiB, 100 MHz, boundary preemption, a 1 ms
// slice, Windows' 2 s watchdog); each other option sets one of its figures and implies
// `--accelerator`. Bad values get one sentence saying what is accepted.

import ArgumentParser
import Kernel
import Machine

struct AcceleratorOptions: ParsableArguments {
    @Flag(help: "Put the shared accelerator on the machine (a GPU-like device the programs reach through the accel_* calls), with its defaults; each --accelerator-* option implies it.")
    var accelerator = false

    @Option(help: "The accelerator's compute lanes (1...\(AcceleratorConfiguration.maximumLanes); default 4).")
    var acceleratorLanes: Int?

    @Option(help: "The accelerator's own memory, in MiB (1...1024; default 16).")
    var acceleratorMemory: UInt64?

    @Option(help: "The accelerator's clock, in MHz (1...10000; default 100).")
    var acceleratorClock: UInt64?

    @Option(help: "Where the accelerator can take the lanes from a context: boundary (between work-groups, as GPUs before 2016; the default) or instruction (at any instruction, every lane's registers saved, as Pascal and later).")
    var acceleratorPreemption: AcceleratorPreemption?

    @Option(help: "How long a context keeps the accelerator while another waits, in microseconds (\(AcceleratorSettings.sliceRange.lowerBound)...\(AcceleratorSettings.sliceRange.upperBound); default 1000).")
    var acceleratorSlice: UInt64?

    @Option(help: "The watchdog (Windows' TDR): a context still on the accelerator this many milliseconds after it was asked to leave is reset (0.001...600000; default 2000).")
    var acceleratorWatchdog: Double?

    /// Whether any accelerator option was given.
    var isRequested: Bool {
        accelerator || acceleratorLanes != nil || acceleratorMemory != nil || acceleratorClock != nil
            || acceleratorPreemption != nil || acceleratorSlice != nil || acceleratorWatchdog != nil
    }

    /// The settings the options ask for, or nil without any; a bad value throws the sentence.
    func settings() throws -> AcceleratorSettings? {
        guard isRequested else { return nil }
        var settings = AcceleratorSettings()
        if let acceleratorLanes {
            try OptionRange.check(acceleratorLanes, 1...AcceleratorConfiguration.maximumLanes, option: "accelerator-lanes")
            settings.device.lanes = acceleratorLanes
        }
        if let acceleratorMemory {
            try OptionRange.check(acceleratorMemory, 1...(AcceleratorConfiguration.maximumMemory >> 20), option: "accelerator-memory")
            settings.device.memorySize = acceleratorMemory << 20
        }
        if let acceleratorClock {
            try OptionRange.check(acceleratorClock, 1...10_000, option: "accelerator-clock")
            settings.device.clockFrequency = acceleratorClock * 1_000_000
        }
        if let acceleratorPreemption { settings.device.preemption = acceleratorPreemption }
        if let acceleratorSlice {
            try OptionRange.check(acceleratorSlice, AcceleratorSettings.sliceRange, option: "accelerator-slice")
            settings.sliceMicroseconds = acceleratorSlice
        }
        if let acceleratorWatchdog {
            try OptionRange.check(acceleratorWatchdog, 0.001...600_000, option: "accelerator-watchdog")
            settings.watchdogMicroseconds = max(1, UInt64((acceleratorWatchdog * 1_000).rounded()))
        }
        do { try settings.validate() } catch { throw ValidationError(error.message) }
        return settings
    }
}

extension AcceleratorPreemption: ExpressibleByArgument {}
