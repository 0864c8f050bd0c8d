// The part of a run a view shows: `--from` and `--to`, each in cycles ("250000") or
// simulated milliseconds ("15.6ms"), checked against the recorded events. Also the
// error every view speaks when it cannot draw.

/// A view could not be drawn or written: one sentence a person can act on.
public struct TraceViewError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A point in simulated time, as the user wrote it.
public enum TimePoint: Sendable, Equatable {
    case cycles(UInt64)
    case milliseconds(Double)

    /// "250000", "250000c" (cycles) or "15.6ms" (milliseconds); nil for anything else.
    public init?(_ text: String) {
        let trimmed = text.trimmingSpaces
        if trimmed.hasSuffix("ms") {
            guard let value = Double(trimmed.dropLast(2)), value.isFinite, value >= 0, value < 1e12 else { return nil }
            self = .milliseconds(value)
        } else {
            let digits = trimmed.hasSuffix("c") ? String(trimmed.dropLast()) : trimmed
            guard let value = UInt64(digits) else { return nil }
            self = .cycles(value)
        }
    }

    public func cycles(clockFrequency: UInt64) -> UInt64 {
        switch self {
        case .cycles(let cycles): return cycles
        case .milliseconds(let ms):
            let value = (ms * Double(clockFrequency) / 1000).rounded()
            return value >= Double(UInt64.max) ? .max : UInt64(value)
        }
    }

    public static let accepted = "a number of cycles (250000) or of simulated milliseconds (15.6ms)"
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

extension TraceLog {
    /// The cycles a view should show: the whole run, or `from`...`to` checked: `from`
    /// before `to`, and at least one event or run slice inside.
    public func window(from: TimePoint?, to: TimePoint?, endCycle: UInt64? = nil) throws(TraceViewError) -> ClosedRange<UInt64> {
        let whole = span.lowerBound...max(span.upperBound, endCycle ?? 0)
        let start = from?.cycles(clockFrequency: clockFrequency) ?? whole.lowerBound
        let end = to?.cycles(clockFrequency: clockFrequency) ?? whole.upperBound
        if from != nil, start >= whole.upperBound {
            throw TraceViewError("--from (cycle \(start), \(format(milliseconds(start))) ms) is after the run ended, at cycle \(whole.upperBound) (\(format(milliseconds(whole.upperBound))) ms)")
        }
        guard start < end else {
            throw TraceViewError("--from (cycle \(start)) must come before --to (cycle \(end))")
        }
        let inside = events.contains { (start...end).contains($0.cycle) }
            || runSlices(endCycle: endCycle).contains { $0.start <= end && $0.end >= start }
        guard inside else {
            throw TraceViewError("nothing happened between cycle \(start) and cycle \(end) (\(format(milliseconds(start))) to \(format(milliseconds(end))) ms); the run's events span cycles \(whole.lowerBound) to \(whole.upperBound)")
        }
        return start...end
    }

    /// Milliseconds with up to three decimals, the same on every host.
    public func format(_ milliseconds: Double) -> String {
        let scaled = (milliseconds * 1000).rounded()
        guard scaled.isFinite, abs(scaled) < 9e18 else { return milliseconds.isNaN ? "?" : "\(milliseconds)" }
        let thousandths = Int64(scaled)
        let whole = thousandths / 1000, fraction = abs(thousandths % 1000)
        if fraction == 0 { return "\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
