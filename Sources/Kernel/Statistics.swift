// What a run counted: the totals, per process, per thread and per hart, gathered from
// the kernel's live state when asked (`Kernel.statistics`).

import Machine

/// What the kernel counted during a run.
public struct KernelStatistics: Sendable, Equatable {
    public var instructions: UInt64 = 0
    public var cycles: UInt64 = 0
    public var systemCalls: UInt64 = 0
    /// Pages given a frame on first touch, in all processes.
    public var pageFaults: UInt64 = 0
    /// The most memory one process held at once.
    public var peakMemory: UInt64 = 0
    /// Per process, in the order they started.
    public var processes: [ProcessSummary] = []
    public var outputBytes: UInt64 = 0
    public var contextSwitches: UInt64 = 0
    public var timerInterrupts: UInt64 = 0
    /// Wake-ups of an idle hart (timer or software interrupt) that found nothing to run.
    public var idleWakeUps: UInt64 = 0
    /// Per thread, in creation order.
    public var threads: [ThreadStatistics] = []
    /// Per hart, by hart number (Metrics.swift).
    public var harts: [HartMetrics] = []
    /// Why threads left their harts ("time slice expired", "blocked", ...), and how often
    /// an idle hart took a thread ("from idle").
    public var switchesByReason: [String: UInt64] = [:]
    /// System calls this kernel does not implement: number → times made.
    public var unknownSystemCalls: [UInt64: UInt64] = [:]
    /// The input device's cursor moves: injected, dropped (full queue, no foreground
    /// thread), and each taken one's latency in cycles, from injection to get/peek.
    public var inputEventsInjected: UInt64 = 0
    public var inputEventsDropped: UInt64 = 0
    public var inputLatencies: [UInt64] = []
    /// With caches: what each core's caches, the last level and memory counted.
    public var memory: MemorySystemStatistics? = nil
    /// With contention recorded (`--c2c`): the most contended lines, most first.
    public var contendedLines: [ContendedLineReport] = []
    /// Pages read from the simulated disk (mounted files' cache misses), and bytes files hold.
    public var diskReads: UInt64 = 0
    public var fileBytes: UInt64 = 0
    /// With an accelerator: every context made in the run, in order (AcceleratorMetrics.swift).
    public var accelerator: [AcceleratorContextMetrics] = []

    /// The median input latency in cycles (the lower middle one), or nil with no events.
    public var inputLatencyMedian: UInt64? {
        inputLatencies.isEmpty ? nil : inputLatencies.sorted()[(inputLatencies.count - 1) / 2]
    }
    public var inputLatencyMaximum: UInt64? { inputLatencies.max() }
}

/// One thread's counters, for statistics.
public struct ThreadStatistics: Sendable, Equatable {
    public var tid: Int32
    public var pid: Int32
    public var metrics: ThreadMetrics
}

extension Kernel {
    public var statistics: KernelStatistics {
        var statistics = KernelStatistics()
        statistics.instructions = instructionsExecuted
        statistics.cycles = machine.harts.map(\.cycle).max() ?? 0
        statistics.systemCalls = systemCallCount
        statistics.diskReads = fileSystem.diskReads
        statistics.fileBytes = fileSystem.bytesHeld
        statistics.processes = processes
        statistics.pageFaults = statistics.processes.reduce(0) { $0 + $1.pageFaults }
        statistics.peakMemory = statistics.processes.map(\.peakMemory).max() ?? 0
        statistics.outputBytes = outputBytes
        statistics.unknownSystemCalls = unknownSystemCalls
        statistics.contextSwitches = contextSwitches
        statistics.timerInterrupts = timerInterrupts
        statistics.idleWakeUps = idleWakeUps
        statistics.inputEventsInjected = UInt64(input.injected)
        statistics.inputEventsDropped = UInt64(input.dropped)
        statistics.inputLatencies = input.latencies
        var records = threadRecords
        for thread in threads.values { records[thread.serial].metrics = metricsSoFar(of: thread) }
        statistics.threads = records
        statistics.harts = hartStatistics(endCycle: statistics.cycles)
        statistics.switchesByReason = switchReasonCounts
        statistics.memory = machine.memorySystem?.statistics
        statistics.contendedLines = contendedLines()
        statistics.accelerator = acceleratorMetrics
        return statistics
    }
}
