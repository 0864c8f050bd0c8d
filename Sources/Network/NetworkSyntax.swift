// How a person writes the network's settings, on the command line and in the topology
// file alike: times with their unit ("50us", "1.5ms", "2s"), a partition
// ("1,2|3@100ms-300ms"), a crash ("2@50ms-200ms"), a clock's skew ("2=+5ms",
// "2=-100ppm") and a program's machine ("client.c@2"); and the range each setting takes.
// Each parser returns the value or a sentence saying what it accepts.

/// The ranges every network setting takes, shared by the command line and the topology file.
public enum NetworkLimits {
    public static let latencyNanoseconds: ClosedRange<UInt64> = 1_000...10_000_000_000
    public static let bandwidthBitsPerSecond: ClosedRange<UInt64> = 1_000...1_000_000_000_000
    public static let mtu = 68...65_535
    public static let queuePackets = 0...1_000_000
    public static let rate: ClosedRange<Double> = 0...1
    /// Jitter and the reorder delay.
    public static let extraDelayNanoseconds: ClosedRange<UInt64> = 0...10_000_000_000
    /// Times of partitions and crashes: up to a million seconds of simulated time.
    public static let timeNanoseconds: ClosedRange<UInt64> = 0...1_000_000_000_000_000
    /// A machine's clock may be a day ahead or behind.
    public static let clockOffsetNanoseconds: ClosedRange<Int64> = -86_400_000_000_000...86_400_000_000_000
    /// And run up to 10% fast or slow.
    public static let clockDriftPartsPerMillion: ClosedRange<Int64> = -100_000...100_000
    public static let machines = 1...ClusterConfiguration.maximumMachines
}

/// A value a person wrote that the syntax does not accept; the message says what it does.
public struct SyntaxProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum NetworkSyntax {
    static let units: [(suffix: String, nanoseconds: UInt64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]
    public static let timeExamples = "a number and its unit (ns, us, ms or s), like 50us, 1.5ms or 2s"

    /// "1.5ms" → 1,500,000 ns; nil unless a decimal number and a unit, within NetworkLimits.timeNanoseconds.
    public static func nanoseconds(_ text: String) -> UInt64? {
        // Two-letter units first, so "5ms" is not read as "5m" seconds.
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }) else { return nil }
        let number = text.dropLast(unit.suffix.count)
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), whole.count <= 16 else { return nil }
        let fraction = parts.count > 1 ? parts[1] : ""
        guard parts.count == 1 || (!fraction.isEmpty && fraction.allSatisfy(\.isASCIIDigit)) else { return nil }
        guard let wholeValue = UInt64(whole) else { return nil }
        let (scaled, overflow) = wholeValue.multipliedReportingOverflow(by: unit.nanoseconds)
        guard !overflow else { return nil }
        // The fraction in nanoseconds, to the nanosecond (finer digits are dropped).
        var fractionNanoseconds: UInt64 = 0, place = unit.nanoseconds
        for digit in fraction {
            place /= 10
            fractionNanoseconds += UInt64((digit.asciiValue ?? 48) - 48) * place
        }
        let (total, carry) = scaled.addingReportingOverflow(fractionNanoseconds)
        guard !carry, NetworkLimits.timeNanoseconds.contains(total) else { return nil }
        return total
    }

    /// "+5ms", "-2s", "5ms" → signed nanoseconds.
    public static func signedNanoseconds(_ text: String) -> Int64? {
        let negative = text.hasPrefix("-")
        let body = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.dropFirst()) : text
        guard let magnitude = nanoseconds(body), magnitude <= UInt64(Int64.max) else { return nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// "1,2" → [1, 2]: machine numbers from 1, each at most once.
    public static func machineList(_ text: String) throws(SyntaxProblem) -> [Int] {
        var machines: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let machine = Int(item), NetworkLimits.machines.contains(machine) else {
                throw SyntaxProblem("\(item.isEmpty ? "an empty item" : "\(item)") is not a machine number (1...\(ClusterConfiguration.maximumMachines))")
            }
            guard !machines.contains(machine) else { throw SyntaxProblem("machine \(machine) is named twice") }
            machines.append(machine)
        }
        return machines
    }

    /// "START[-END]" in times with units; END after START.
    static func interval(_ text: String, what: String) throws(SyntaxProblem) -> (start: UInt64, end: UInt64?) {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let start = nanoseconds(parts[0]) else { throw SyntaxProblem("\(parts[0].isEmpty ? "the start" : parts[0]) is not a time: write \(timeExamples)") }
        guard parts.count == 2 else { return (start, nil) }
        guard let end = nanoseconds(parts[1]) else { throw SyntaxProblem("\(parts[1].isEmpty ? "the \(what) time" : parts[1]) is not a time: write \(timeExamples)") }
        guard end > start else { throw SyntaxProblem("the \(what) (\(parts[1])) must come after the start (\(parts[0]))") }
        return (start, end)
    }

    public static let partitionForm = "SIDE[|OTHER][@START[-HEAL]], like 1,2|3@100ms-300ms (machines 1 and 2 cut off from the rest from 100 ms until 300 ms; without a time, from the start for ever)"

    /// "1,2|3@100ms-300ms": machines 1 and 2 apart from the others. The other side, when
    /// written, must be every machine not in the first (`machines`: how many there are;
    /// nil when not known yet: then only the form is checked).
    public static func partition(_ text: String, machines known: Int?) throws(SyntaxProblem) -> Partition {
        let machines = known ?? ClusterConfiguration.maximumMachines
        let (sides, time) = split(text, at: "@")
        let halves = sides.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let side = try machineList(halves[0])
        for machine in side where machine > machines {
            throw SyntaxProblem("machine \(machine) does not exist: the run has \(machines) machine\(machines == 1 ? "" : "s")")
        }
        if halves.count == 2, known != nil {
            let other = try machineList(halves[1])
            let rest = (1...max(1, machines)).filter { !side.contains($0) }
            guard Set(other) == Set(rest) else {
                throw SyntaxProblem("the other side must be every machine not in the first (\(rest.map(String.init).joined(separator: ","))): a partition splits the network in two")
            }
        }
        if halves.count == 2, known == nil { _ = try machineList(halves[1]) }
        guard side.count < machines else { throw SyntaxProblem("a side with every machine separates nothing") }
        guard let time else { return Partition(side: Set(side), startNanoseconds: 0, healNanoseconds: nil) }
        let (start, heal) = try interval(time, what: "heal")
        return Partition(side: Set(side), startNanoseconds: start, healNanoseconds: heal)
    }

    public static let crashForm = "MACHINE@TIME[-RESTART], like 2@50ms-200ms (machine 2 loses power at 50 ms and boots again at 200 ms; without a restart it stays down)"

    /// "2@50ms-200ms".
    public static func crash(_ text: String, machines: Int?) throws(SyntaxProblem) -> Crash {
        let (machineText, time) = split(text, at: "@")
        guard let time else { throw SyntaxProblem("it needs @TIME") }
        let machine = try self.machine(machineText, machines: machines)
        let (at, restart) = try interval(time, what: "restart")
        return Crash(machine: machine, atNanoseconds: at, restartNanoseconds: restart)
    }

    public static let clockOffsetForm = "MACHINE=OFFSET, like 2=+5ms or 3=-1.5s (at most a day either way)"
    public static let clockDriftForm = "MACHINE=PPM, like 2=+100ppm or 3=-50 (parts per million, -100000...100000)"

    /// "2=+5ms" → (2, 5,000,000).
    public static func clockOffset(_ text: String, machines: Int?) throws(SyntaxProblem) -> (machine: Int, nanoseconds: Int64) {
        let (machineText, value) = split(text, at: "=")
        guard let value else { throw SyntaxProblem("it needs =OFFSET") }
        let machine = try self.machine(machineText, machines: machines)
        guard let offset = signedNanoseconds(value), NetworkLimits.clockOffsetNanoseconds.contains(offset) else {
            throw SyntaxProblem("\(value) is not an offset: write a sign, \(timeExamples), at most 86400s")
        }
        return (machine, offset)
    }

    /// "2=+100ppm" → (2, 100).
    public static func clockDrift(_ text: String, machines: Int?) throws(SyntaxProblem) -> (machine: Int, partsPerMillion: Int64) {
        let (machineText, value) = split(text, at: "=")
        guard let value else { throw SyntaxProblem("it needs =PPM") }
        let machine = try self.machine(machineText, machines: machines)
        let digits = value.hasSuffix("ppm") ? String(value.dropLast(3)) : value
        guard let drift = Int64(digits.hasPrefix("+") ? String(digits.dropFirst()) : digits),
              NetworkLimits.clockDriftPartsPerMillion.contains(drift) else {
            throw SyntaxProblem("\(value) is not a drift: write whole parts per million, -100000...100000, like +100ppm")
        }
        return (machine, drift)
    }

    /// "client.c@2" → ("client.c", 2); "server.c" → ("server.c", nil).
    public static func placement(_ text: String) throws(SyntaxProblem) -> (file: String, machine: Int?) {
        // An @ inside a folder's name ("runs@home/a.c") is part of the path.
        guard let at = text.lastIndex(of: "@"), !text[at...].contains("/") else { return (text, nil) }
        let number = text[text.index(after: at)...]
        guard let machine = Int(number), NetworkLimits.machines.contains(machine) else {
            throw SyntaxProblem("\(text): after @ comes the machine's number, 1...\(ClusterConfiguration.maximumMachines), like client.c@2")
        }
        return (String(text[..<at]), machine)
    }

    static func machine(_ text: String, machines known: Int?) throws(SyntaxProblem) -> Int {
        let machines = known ?? ClusterConfiguration.maximumMachines
        guard let machine = Int(text), NetworkLimits.machines.contains(machine) else {
            throw SyntaxProblem("\(text.isEmpty ? "the machine" : text) is not a machine number (1...\(ClusterConfiguration.maximumMachines))")
        }
        guard machine <= machines else { throw SyntaxProblem("machine \(machine) does not exist: the run has \(machines) machine\(machines == 1 ? "" : "s")") }
        return machine
    }

    static func split(_ text: String, at separator: Character) -> (String, String?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (String(text[..<index]), String(text[text.index(after: index)...]))
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
