// What the driver measured per accelerator context: its submissions and completions, its
// slices on the lanes and how they ended (preempted, reset, faulted), how long its work
// waited before it first ran, and from submission to completion — with the device's own
// counts (busy cycles, instructions, items). Shown by `interleave run --stats` and in the
// JSON metrics (`--json`), integers only, so the same run gives the same text.

import Machine

/// One context's counters. Times are in the device's cycles (its clock: see `clockFrequency`
/// in the JSON's configuration).
public struct AcceleratorContextMetrics: Sendable, Equatable {
    /// The kernel's number for the context (the trace's), its process, and the process's handle.
    public var context: Int32
    public var pid: Int32
    public var handle: Int
    public var submissions: UInt64 = 0
    /// Submissions that began to run, and those that completed.
    public var started: UInt64 = 0
    public var completions: UInt64 = 0
    /// Submissions a watchdog reset dropped, and times it was reset; faults (0 or 1: a
    /// faulted context takes no more work).
    public var resetSubmissions: UInt64 = 0
    public var resets: UInt64 = 0
    public var faults: UInt64 = 0
    /// From submission to the first cycle it ran, and from submission to completion
    /// (completed submissions only): totals and the longest.
    public var waitCycles: UInt64 = 0
    public var longestWaitCycles: UInt64 = 0
    public var latencyCycles: UInt64 = 0
    public var longestLatencyCycles: UInt64 = 0
    /// Times the driver asked it to leave (its slice ended while another context waited).
    public var preemptionRequests: UInt64 = 0
    /// The device's counts: busy cycles, instructions, items, work-groups, slices
    /// (switches in), preemptions that took effect, memory.
    public var device = AcceleratorContextStatistics()

    public init(context: Int32, pid: Int32, handle: Int) {
        self.context = context
        self.pid = pid
        self.handle = handle
    }
}

extension Kernel {
    /// Every context made in the run, in the order they were made, with their counts now.
    var acceleratorMetrics: [AcceleratorContextMetrics] {
        guard let driver = acceleratorDriver else { return [] }
        var records = driver.records
        for context in driver.contexts.values {
            let index = Int(context.serial) - 1
            if index >= 0, index < records.count { records[index] = driver.metrics(of: context) }
        }
        return records
    }

    /// The accelerator's part of the JSON metrics: its configuration and every context.
    func writeAcceleratorMetrics(to json: JSONWriter) {
        guard let driver = acceleratorDriver else { json.null(); return }
        json.object {
            json.field("lanes", UInt64(driver.device.configuration.lanes))
            json.field("memoryBytes", driver.device.configuration.memorySize)
            json.field("clockFrequency", driver.device.configuration.clockFrequency)
            json.field("preemption", driver.device.configuration.preemption.rawValue)
            json.field("sliceMicroseconds", driver.settings.sliceMicroseconds)
            json.field("watchdogMicroseconds", driver.settings.watchdogMicroseconds)
            json.field("pollMicroseconds", driver.settings.pollMicroseconds)
            json.field("deviceCycles", driver.device.cycle)
            json.field("contexts") {
                json.array(acceleratorMetrics) { metrics in
                    json.object {
                        json.field("context", Int64(metrics.context))
                        json.field("pid", Int64(metrics.pid))
                        json.field("handle", Int64(metrics.handle))
                        json.field("submissions", metrics.submissions)
                        json.field("started", metrics.started)
                        json.field("completions", metrics.completions)
                        json.field("items", metrics.device.items)
                        json.field("workGroups", metrics.device.workGroups)
                        json.field("instructions", metrics.device.instructions)
                        json.field("busyCycles", metrics.device.busyCycles)
                        json.field("slices", metrics.device.switchesIn)
                        json.field("preemptionRequests", metrics.preemptionRequests)
                        json.field("preemptions", metrics.device.preemptions)
                        json.field("resets", metrics.resets)
                        json.field("resetSubmissions", metrics.resetSubmissions)
                        json.field("faults", metrics.faults)
                        json.field("waitCycles", metrics.waitCycles)
                        json.field("longestWaitCycles", metrics.longestWaitCycles)
                        json.field("latencyCycles", metrics.latencyCycles)
                        json.field("longestLatencyCycles", metrics.longestLatencyCycles)
                        json.field("memoryBytes", metrics.device.memoryBytes)
                    }
                }
            }
        }
    }

    /// The `--stats` lines: one per context, times in microseconds of simulated time.
    public var acceleratorStatisticsLines: [String] {
        guard let driver = acceleratorDriver else { return [] }
        let metrics = acceleratorMetrics
        let configuration = driver.device.configuration
        var lines = ["interleave: accelerator: \(configuration.lanes) lanes at \(configuration.clockFrequency / 1_000_000) MHz, "
                     + "\(configuration.memorySize >> 20) MiB, \(configuration.preemption.rawValue) preemption, slice \(driver.settings.sliceMicroseconds) µs, "
                     + "watchdog \(driver.settings.watchdogMicroseconds / 1_000) ms; \(metrics.count) context\(metrics.count == 1 ? "" : "s")"]
        guard !metrics.isEmpty else { return lines }
        func microseconds(_ cycles: UInt64) -> String { "\(driver.clock.microseconds(deviceCycles: cycles))" }
        lines.append("  context  process  submitted  completed     items   busy µs  slices  preempted  resets  faults   wait µs (max)   latency µs (max)")
        for context in metrics {
            let waits = context.started > 0
            let averageWait = context.waitCycles / max(1, context.started)
            let averageLatency = context.completions == 0 ? 0 : context.latencyCycles / context.completions
            lines.append("  " + [pad("\(context.context)", 7), pad("\(context.pid)", 7, left: true),
                                 pad("\(context.submissions)", 10, left: true), pad("\(context.completions)", 10, left: true),
                                 pad("\(context.device.items)", 9, left: true), pad(microseconds(context.device.busyCycles), 9, left: true),
                                 pad("\(context.device.switchesIn)", 7, left: true), pad("\(context.device.preemptions)", 10, left: true),
                                 pad("\(context.resets)", 7, left: true), pad("\(context.faults)", 7, left: true),
                                 pad(waits ? "\(microseconds(averageWait)) (\(microseconds(context.longestWaitCycles)))" : "-", 15, left: true),
                                 pad(context.completions > 0 ? "\(microseconds(averageLatency)) (\(microseconds(context.longestLatencyCycles)))" : "-", 18, left: true),
            ].joined(separator: " "))
        }
        if driver.unrecordedContexts > 0 { lines.append("  (\(driver.unrecordedContexts) more contexts not kept)") }
        return lines
    }
}

/// `text` padded with spaces to `width` (on the left when `left`).
private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return left ? padding + text : text + padding
}
