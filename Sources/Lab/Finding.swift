// What an experiment shows: the point in two or three sentences, the measured evidence
// (lines and aligned tables, figures from simulated cycles only), named numbers the
// tests read to check the claim, and optionally the trace of one run for the views.

import Trace

public struct Finding: Sendable {
    /// "5. race — Windows 95: race conditions" (set by Experiment.run).
    public var title = ""
    /// What the experiment shows, in two or three sentences.
    public var point: String
    /// The measured evidence, line by line.
    public var evidence: [String] = []
    /// Named measured numbers (the tests' claims read these).
    public var figures: [String: Double] = [:]
    /// One run's trace, when a recorder was asked for, with its end and a title for views.
    public var trace: TraceLog? = nil
    public var traceEndCycle: UInt64? = nil
    public var traceTitle: String? = nil
    /// A plot of the measurements (`--svg` writes it when the finding has no trace).
    public var plot: Plot? = nil

    public init(point: String) { self.point = point }

    public func figure(_ name: String) -> Double? { figures[name] }

    /// The whole finding as the command prints it.
    public var text: String {
        var lines = [title, "", wrap(point, width: 88), ""]
        lines += evidence
        return lines.joined(separator: "\n")
    }

    mutating func add(_ lines: [String]) { evidence += lines }
    mutating func add(_ line: String) { evidence.append(line) }
    /// A blank line, then `text` wrapped to the width of the point.
    mutating func note(_ text: String) { evidence += [""] + wrap(text, width: 88).split(separator: "\n").map(String.init) }
}

/// `text` broken into lines of at most `width` characters at spaces (the tour's prose too).
public func wrap(_ text: String, width: Int) -> String {
    var lines: [String] = [], line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty && line.count + 1 + word.count > width { lines.append(line); line = "" }
        line += (line.isEmpty ? "" : " ") + word
    }
    if !line.isEmpty { lines.append(line) }
    return lines.joined(separator: "\n")
}

/// An aligned table: columns of figures (every cell starts with a digit) right-aligned,
/// the others, and always the first, left-aligned.
func table(_ header: [String], _ rows: [[String]], indent: String = "  ") -> [String] {
    let all = [header] + rows
    var widths = [Int](repeating: 0, count: header.count)
    for row in all { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
    let numeric = widths.indices.map { column in
        column > 0 && rows.allSatisfy { row in column >= row.count || row[column].first?.isNumber == true || row[column] == "-" }
    }
    return all.map { row in
        var line = indent
        for (index, cell) in row.enumerated() where index < widths.count {
            let padding = String(repeating: " ", count: widths[index] - cell.count)
            line += (index > 0 ? "   " : "") + (numeric[index] ? padding + cell : cell + padding)
        }
        while line.last == " " { line.removeLast() }
        return line
    }
}

/// Simulated time for people: "80 µs", "15.60 ms", "1.25 s".
func duration(cycles: UInt64, clock: UInt64) -> String { duration(microseconds: Double(cycles) * 1e6 / Double(clock)) }

func duration(microseconds: Double) -> String {
    if microseconds < 100 { return "\(Int(microseconds.rounded())) µs" }
    if microseconds < 1_000_000 { return fixed(microseconds / 1000) + " ms" }
    return fixed(microseconds / 1e6) + " s"
}

/// Two decimals, without Foundation.
func fixed(_ value: Double, decimals: Int = 2) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((abs(value) * scale).rounded()), whole = scaled / Int(scale), part = scaled % Int(scale)
    let digits = String(part), zeros = String(repeating: "0", count: max(0, decimals - digits.count))
    return (value < 0 && scaled > 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? "." + zeros + digits : "")
}

/// Bytes as "64 KiB", "100 MiB", "6.25 MiB".
func size(_ bytes: UInt64) -> String {
    if bytes < 1 << 20 { return "\(bytes >> 10) KiB" }
    let mib = Double(bytes) / Double(1 << 20)
    return (mib == mib.rounded() ? "\(Int(mib))" : fixed(mib)) + " MiB"
}
