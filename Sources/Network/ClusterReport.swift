// What a run of several machines counted, per machine and per link, as lines for
// `interleave run --stats` and as JSON for `--json` (keys listed in the README). Machines
// and links are in their numbers' order; nothing here comes from a dictionary's order.

import Kernel
import Machine

public struct ClusterReport {
    /// One machine at the run's end.
    public struct MachineEntry {
        public var number: Int
        public var name: String
        public var ending: ProcessEnding?
        public var statistics: KernelStatistics
        public var network: NetworkStackStatistics
        /// The kernel's own --json document for the machine (Kernel.metricsJSON).
        public var metricsJSON: String
        public init(number: Int, name: String, ending: ProcessEnding?, statistics: KernelStatistics,
                    network: NetworkStackStatistics, metricsJSON: String) {
            self.number = number
            self.name = name
            self.ending = ending
            self.statistics = statistics
            self.network = network
            self.metricsJSON = metricsJSON
        }
        public var address: IPv4Address { .machine(number) }
    }

    public var machines: [MachineEntry]
    /// Machine N's link is index N−1.
    public var links: [LinkStatistics]
    public var clockFrequency: UInt64
    public var endCycle: UInt64
    public var quiescent: Bool
    public var stillWaiting: [String]
    /// The run's exit status (ClusterRun's rule).
    public var status: Int32

    public init(machines: [MachineEntry], links: [LinkStatistics], clockFrequency: UInt64, endCycle: UInt64,
                quiescent: Bool, stillWaiting: [String], status: Int32) {
        self.machines = machines
        self.links = links
        self.clockFrequency = clockFrequency
        self.endCycle = endCycle
        self.quiescent = quiescent
        self.stillWaiting = stillWaiting
        self.status = status
    }

    /// Cycles as microseconds, to a tenth.
    func microseconds(_ cycles: UInt64) -> String {
        let tenths = SimulatedTime(cycles: cycles).amount(in: .nanoseconds, clockFrequency: clockFrequency) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Round-trip minimum, mean and maximum in µs ("-" without samples).
    func roundTrip(_ network: NetworkStackStatistics) -> (minimum: String, mean: String, maximum: String) {
        guard network.roundTripSamples > 0 else { return ("-", "-", "-") }
        return (microseconds(network.roundTripMinimum), microseconds(network.roundTripTotal / network.roundTripSamples),
                microseconds(network.roundTripMaximum))
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? fill + text : text + fill
    }

    static func describe(_ ending: ProcessEnding?) -> String {
        guard let ending else { return "still waiting" }
        if case .exited(let status) = ending { return "exited with \(status)" }
        return "status \(ending.status)"
    }

    /// The --stats table: a row per machine, then a row per link.
    public func textLines() -> [String] {
        var lines: [String] = []
        lines.append("interleave: \(machines.count) machines, \(endCycle) cycles (\(microseconds(endCycle)) µs simulated)"
                     + (quiescent ? ", ended when nothing more could happen" : ""))
        lines.append("  machine      address      instructions   switches   packets out/in     bytes out/in   retrans  resets   rtt min/mean/max µs   first program")
        for machine in machines {
            let network = machine.network, rtt = roundTrip(network)
            let label = machine.name == "m\(machine.number)" ? machine.name : "m\(machine.number) \(machine.name)"
            lines.append("  " + [Self.pad(label, 12), Self.pad("\(machine.address)", 11),
                                 Self.pad("\(machine.statistics.instructions)", 13, left: true),
                                 Self.pad("\(machine.statistics.contextSwitches)", 10, left: true),
                                 Self.pad("\(network.packetsSent)/\(network.packetsReceived)", 16, left: true),
                                 Self.pad("\(network.bytesSent)/\(network.bytesReceived)", 16, left: true),
                                 Self.pad("\(network.retransmissions)", 8, left: true), Self.pad("\(network.resetsSent)", 7, left: true),
                                 Self.pad("\(rtt.minimum)/\(rtt.mean)/\(rtt.maximum)", 21, left: true),
                                 "  " + Self.describe(machine.ending)].joined(separator: " "))
        }
        for machine in machines {
            let statistics = machine.statistics
            lines.append("  m\(machine.number): \(statistics.instructions) instructions, \(statistics.systemCalls) system calls, "
                         + "\(statistics.pageFaults) page faults, peak memory \(statistics.peakMemory >> 10) KiB, "
                         + "\(statistics.timerInterrupts) timer interrupts, \(statistics.processes.count) process\(statistics.processes.count == 1 ? "" : "es")")
        }
        lines.append("  link   packets out/in     bytes out/in    drops   duplicates   reorders   largest queue")
        for (index, link) in links.enumerated() {
            lines.append("  " + [Self.pad("m\(index + 1)", 5), Self.pad("\(link.packetsOut)/\(link.packetsIn)", 16, left: true),
                                 Self.pad("\(link.bytesOut)/\(link.bytesIn)", 16, left: true), Self.pad("\(link.drops)", 8, left: true),
                                 Self.pad("\(link.duplicates)", 12, left: true), Self.pad("\(link.reorders)", 10, left: true),
                                 Self.pad("\(link.largestQueue)", 15, left: true)].joined(separator: " ")
                         + (link.drops == 0 ? "" : "   drops: " + link.dropsByReason.nonZero.map { "\($0.reason.rawValue) \($0.count)" }.joined(separator: ", ")))
        }
        return lines
    }

    /// The --json document (keys in the README's "Several machines" section).
    public func json() -> String {
        var text = "{\n  \"status\": \(status),\n  \"endCycle\": \(endCycle),\n  \"clockFrequency\": \(clockFrequency),\n"
        text += "  \"quiescent\": \(quiescent),\n  \"stillWaiting\": [" + stillWaiting.map(Self.quoted).joined(separator: ", ") + "],\n"
        text += "  \"machines\": [\n"
        text += machines.map { machine in
            let network = machine.network
            var entry = "    {\"machine\": \(machine.number), \"name\": \(Self.quoted(machine.name)), \"address\": \"\(machine.address)\", "
            entry += "\"status\": \(machine.ending.map { "\($0.status)" } ?? "null"), \"ending\": \(Self.quoted(Self.describe(machine.ending))),\n"
            entry += "     \"network\": {\"packetsSent\": \(network.packetsSent), \"packetsReceived\": \(network.packetsReceived), "
            entry += "\"bytesSent\": \(network.bytesSent), \"bytesReceived\": \(network.bytesReceived), "
            entry += "\"retransmissions\": \(network.retransmissions), \"resetsSent\": \(network.resetsSent), "
            entry += "\"roundTripSamples\": \(network.roundTripSamples), "
            let samples = network.roundTripSamples
            entry += "\"roundTripMinimumCycles\": \(samples > 0 ? "\(network.roundTripMinimum)" : "null"), "
            entry += "\"roundTripMeanCycles\": \(samples > 0 ? "\(network.roundTripTotal / samples)" : "null"), "
            entry += "\"roundTripMaximumCycles\": \(samples > 0 ? "\(network.roundTripMaximum)" : "null")},\n"
            entry += "     \"kernel\": " + machine.metricsJSON.trimmingTrailingNewlines + "}"
            return entry
        }.joined(separator: ",\n")
        text += "\n  ],\n  \"links\": [\n"
        text += links.enumerated().map { index, link in
            "    {\"machine\": \(index + 1), \"packetsOut\": \(link.packetsOut), \"bytesOut\": \(link.bytesOut), "
                + "\"packetsIn\": \(link.packetsIn), \"bytesIn\": \(link.bytesIn), \"drops\": \(link.drops), "
                + "\"dropsByReason\": {" + DropReason.allCases.map { "\"\($0.key)\": \(link.dropsByReason[$0])" }.joined(separator: ", ") + "}, "
                + "\"duplicates\": \(link.duplicates), \"reorders\": \(link.reorders), \"largestQueue\": \(link.largestQueue), "
                + "\"largestQueueOut\": \(link.largestQueueOut), \"largestQueueIn\": \(link.largestQueueIn), \"queueingCycles\": \(link.queueingCycles)}"
        }.joined(separator: ",\n")
        text += "\n  ]\n}\n"
        return text
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
