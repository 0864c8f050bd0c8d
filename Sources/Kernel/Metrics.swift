// Metrics: what the kernel measures beyond the totals — per hart, the cycles it was busy
// (running a thread, switch costs included) and idle (parked as in `wfi`), its timer
// interrupts and its idle wake-ups (an interrupt that found nothing to run); context
// switches by reason — and the whole lot (with processes, input latency, and the caches'
// counts from CacheMetricsJSON.swift) as JSON for `interleave run --json`. The JSON is
// written by hand with a fixed key order and integers only, so the same program, seed
// and configuration give byte-identical text.

import Machine
import Trace

/// One hart's counters. Busy and idle add up to the run's cycles.
public struct HartMetrics: Sendable, Equatable {
    public var busyCycles: UInt64 = 0
    public var idleCycles: UInt64 = 0
    public var timerInterrupts: UInt64 = 0
    /// Interrupts (timer or wake-up) that woke the idle hart and found nothing for it.
    public var idleWakeUps: UInt64 = 0
    /// The cycle (on the hart's clock) it went idle at, while it is idle.
    var idleSince: UInt64? = nil

    public init() {}
}

extension Kernel {
    /// The hart has no thread from now on (it parks).
    func hartIdles(_ hart: Hart) {
        if hartMetrics[hart.id].idleSince == nil { hartMetrics[hart.id].idleSince = hart.cycle }
    }

    /// The hart gets a thread; true if it was idle until now.
    func hartBecomesBusy(_ hart: Hart) -> Bool {
        guard let since = hartMetrics[hart.id].idleSince else { return false }
        hartMetrics[hart.id].idleCycles &+= hart.cycle > since ? hart.cycle - since : 0
        hartMetrics[hart.id].idleSince = nil
        return true
    }

    /// Every hart's counters as of `endCycle` (the run's cycles): a hart idle at the end
    /// is idle until then, and busy is the rest.
    func hartStatistics(endCycle: UInt64) -> [HartMetrics] {
        hartMetrics.map { hart in
            var result = hart
            if let since = hart.idleSince { result.idleCycles &+= endCycle > since ? endCycle - since : 0 }
            result.idleCycles = min(result.idleCycles, endCycle)
            result.busyCycles = endCycle - result.idleCycles
            result.idleSince = nil
            return result
        }
    }

    /// Why threads left harts, and how often an idle hart took a thread ("from idle"):
    /// every reason present (zero when it never happened).
    var switchReasonCounts: [String: UInt64] {
        var counts: [String: UInt64] = [:]
        for reason in SwitchReason.allCases { counts[reason.rawValue] = switchCounts[reason.index] }
        return counts
    }

    /// All the run's metrics as JSON (see Metrics.swift's header): configuration, totals,
    /// switches by reason, per hart, per thread, and the exit status once the run ended.
    public func metricsJSON(ending: ProcessEnding? = nil) -> String {
        let statistics = self.statistics
        let json = JSONWriter()
        json.object {
            if let ending { json.field("status", Int64(ending.status)) }
            json.field("configuration") {
                json.object {
                    json.field("harts", Int64(configuration.harts))
                    json.field("clockFrequency", configuration.clockFrequency)
                    json.field("scheduling", configuration.scheduling.description)
                    json.field("sliceCycles", configuration.scheduling.sliceCycles)
                    json.field("tickCycles", configuration.scheduling.tickCycles)
                    json.field("foregroundPriorityBoost", configuration.foregroundBoost.map { UInt64($0.priority) })
                    json.field("foregroundSliceCycles", configuration.foregroundBoost?.sliceCycles)
                    json.field("switchCost", configuration.switchCost)
                    json.field("addressSpaceSwitchCost", configuration.addressSpaceSwitchCost)
                    json.field("seed", configuration.seed)
                    json.field("caches", configuration.memoryHierarchy.map(\.name))
                    json.field("coherence", configuration.memoryHierarchy.map(\.coherent))
                    json.field("threadsPerCore", UInt64(configuration.threadsPerCore))
                }
            }
            json.field("totals") {
                json.object {
                    json.field("instructions", statistics.instructions)
                    json.field("cycles", statistics.cycles)
                    json.field("systemCalls", statistics.systemCalls)
                    json.field("pageFaults", statistics.pageFaults)
                    json.field("peakMemory", statistics.peakMemory)
                    json.field("outputBytes", statistics.outputBytes)
                    json.field("contextSwitches", statistics.contextSwitches)
                    json.field("timerInterrupts", statistics.timerInterrupts)
                    json.field("idleWakeUps", statistics.idleWakeUps)
                }
            }
            json.field("switchesByReason") {
                json.object {
                    for reason in SwitchReason.allCases { json.field(reason.rawValue, statistics.switchesByReason[reason.rawValue] ?? 0) }
                }
            }
            json.field("harts") {
                json.array(statistics.harts.indices) { index in
                    let hart = statistics.harts[index]
                    json.object {
                        json.field("hart", UInt64(index))
                        json.field("busyCycles", hart.busyCycles)
                        json.field("idleCycles", hart.idleCycles)
                        json.field("timerInterrupts", hart.timerInterrupts)
                        json.field("idleWakeUps", hart.idleWakeUps)
                    }
                }
            }
            json.field("threads") {
                json.array(statistics.threads.indices) { index in
                    let thread = statistics.threads[index]
                    let metrics = thread.metrics
                    json.object {
                        json.field("tid", Int64(thread.tid))
                        json.field("pid", Int64(thread.pid))
                        json.field("runCycles", metrics.runCycles)
                        json.field("readyCycles", metrics.readyCycles)
                        json.field("blockedCycles", metrics.blockedCycles)
                        json.field("switches", metrics.switches)
                        json.field("migrations", metrics.migrations)
                        json.field("cacheMisses", metrics.cacheMisses)
                        json.field("missesAfterMigration", metrics.missesAfterMigration)
                        json.field("hartsRunOn", metrics.hartsRunOn)
                        json.field("stackBytes", metrics.stackBytes)
                    }
                }
            }
            json.field("processes") {
                json.array(statistics.processes.indices) { index in
                    let process = statistics.processes[index]
                    json.object {
                        json.field("pid", Int64(process.pid))
                        json.field("parent", process.parentID.map { UInt64($0) })
                        json.field("name", process.name)
                        json.field("status", process.ending.map { UInt64(bitPattern: Int64($0.status)) })
                        json.field("pageFaults", process.pageFaults)
                        json.field("peakMemory", process.peakMemory)
                        json.field("stackBytes", process.stackBytes)
                    }
                }
            }
            json.field("input") {
                json.object {
                    json.field("injected", statistics.inputEventsInjected)
                    json.field("dropped", statistics.inputEventsDropped)
                    json.field("taken", UInt64(statistics.inputLatencies.count))
                    json.field("latencyMedianCycles", statistics.inputLatencyMedian)
                    json.field("latencyMaximumCycles", statistics.inputLatencyMaximum)
                }
            }
            json.field("memory") { writeMemory(statistics.memory, to: json) }
            json.field("contendedLines") { writeContendedLines(statistics.contendedLines, to: json) }
            if acceleratorDriver != nil { json.field("accelerator") { writeAcceleratorMetrics(to: json) } }
            json.field("unknownSystemCalls") {
                json.object {
                    for (number, count) in statistics.unknownSystemCalls.sorted(by: { $0.key < $1.key }) {
                        json.field("\(number)", count)
                    }
                }
            }
        }
        return json.text + "\n"
    }
}

/// A small JSON writer: objects keep the order fields are written in, two-space indents.
final class JSONWriter {
    private(set) var text = ""
    /// Per open object or array: whether it has an element yet.
    private var hasElements: [Bool] = []

    func object(_ body: () -> Void) {
        open("{")
        body()
        close("}")
    }

    func array<C: Collection>(_ items: C, _ body: (C.Element) -> Void) {
        open("[")
        for item in items {
            startElement()
            body(item)
        }
        close("]")
    }

    func field(_ key: String, _ value: () -> Void) {
        startElement()
        text += JSONWriter.quoted(key) + ": "
        value()
    }

    func field(_ key: String, _ value: UInt64?) { field(key) { text += value.map { "\($0)" } ?? "null" } }
    func field(_ key: String, _ value: Int64) { field(key) { text += "\(value)" } }
    func field(_ key: String, _ value: String) { field(key) { text += JSONWriter.quoted(value) } }
    func field(_ key: String, _ value: String?) { field(key) { text += value.map(JSONWriter.quoted) ?? "null" } }
    func field(_ key: String, _ value: Bool?) { field(key) { text += value.map { $0 ? "true" : "false" } ?? "null" } }
    /// A literal `null`, or a bare number (an array's element).
    func null() { text += "null" }
    func value(_ number: UInt64) { text += "\(number)" }

    private func open(_ bracket: String) {
        text += bracket
        hasElements.append(false)
    }

    private func close(_ bracket: String) {
        if hasElements.removeLast() { newline() }
        text += bracket
    }

    private func startElement() {
        if hasElements.last == true { text += "," }
        if !hasElements.isEmpty { hasElements[hasElements.count - 1] = true }
        newline()
    }

    private func newline() { text += "\n" + String(repeating: "  ", count: hasElements.count) }

    static func quoted(_ string: String) -> String { jsonQuoted(string) }
}
