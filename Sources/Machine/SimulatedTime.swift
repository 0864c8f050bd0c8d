// Simulated time: one type for every layer (DESIGN decision 7). The unit is the cycle;
// seconds, milliseconds, microseconds and nanoseconds convert at a clock frequency here
// and nowhere else, with full-width arithmetic that saturates instead of trapping, so no
// guest value and no option can overflow the host.
//
// The one rounding rule: time never runs ahead of what the guest asked for. A duration
// becomes cycles rounding UP (a sleep of d ns lasts at least d ns), and cycles become a
// clock reading rounding DOWN (a clock never shows a time not yet reached). Together they
// guarantee that a sleep measured with clock_gettime is never shorter than requested.

/// A span or an instant of simulated time, counted in cycles. Arithmetic saturates at
/// `UInt64.max` (an instant that never comes) and at zero.
public struct SimulatedTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var cycles: UInt64

    public init(cycles: UInt64) { self.cycles = cycles }

    public static let zero = SimulatedTime(cycles: 0)
    /// Later than any run: a deadline that never comes.
    public static let never = SimulatedTime(cycles: .max)
    /// A run ends with a report before its clock passes this (2^62 cycles), so every
    /// deadline and sum the kernel computes stays far from the edge of UInt64.
    public static let runLimit = SimulatedTime(cycles: 1 << 62)

    /// Units of seconds, by how many make one second.
    public enum Unit: UInt64, Sendable, CaseIterable {
        case seconds = 1
        case milliseconds = 1_000
        case microseconds = 1_000_000
        case nanoseconds = 1_000_000_000

        public var perSecond: UInt64 { rawValue }
    }

    /// `amount` of `unit` at `clockFrequency` cycles per second, rounded up to a whole
    /// cycle; saturates at `never`. A zero frequency counts as 1 Hz.
    public init(_ amount: UInt64, _ unit: Unit, clockFrequency: UInt64) {
        cycles = SimulatedTime.scale(amount, by: max(1, clockFrequency), over: unit.perSecond, roundingUp: true)
    }

    public static func seconds(_ amount: UInt64, clockFrequency: UInt64) -> SimulatedTime { .init(amount, .seconds, clockFrequency: clockFrequency) }
    public static func milliseconds(_ amount: UInt64, clockFrequency: UInt64) -> SimulatedTime { .init(amount, .milliseconds, clockFrequency: clockFrequency) }
    public static func microseconds(_ amount: UInt64, clockFrequency: UInt64) -> SimulatedTime { .init(amount, .microseconds, clockFrequency: clockFrequency) }
    public static func nanoseconds(_ amount: UInt64, clockFrequency: UInt64) -> SimulatedTime { .init(amount, .nanoseconds, clockFrequency: clockFrequency) }

    /// A duration given as a (possibly fractional) number of milliseconds, as options
    /// take it: first to whole nanoseconds (nearest), then by the rule above. Nil when it
    /// is negative, not finite, or more nanoseconds than UInt64 holds.
    public init?(milliseconds: Double, clockFrequency: UInt64) {
        guard milliseconds.isFinite, milliseconds >= 0 else { return nil }
        let nanoseconds = (milliseconds * 1_000_000).rounded()
        guard nanoseconds < 18_446_744_073_709_551_616.0 else { return nil }   // 2^64
        self.init(UInt64(nanoseconds), .nanoseconds, clockFrequency: clockFrequency)
    }

    /// The whole number of `unit` elapsed at this cycle count (rounded down); saturates.
    public func amount(in unit: Unit, clockFrequency: UInt64) -> UInt64 {
        SimulatedTime.scale(cycles, by: unit.perSecond, over: max(1, clockFrequency), roundingUp: false)
    }

    public func nanoseconds(clockFrequency: UInt64) -> UInt64 { amount(in: .nanoseconds, clockFrequency: clockFrequency) }
    public func microseconds(clockFrequency: UInt64) -> UInt64 { amount(in: .microseconds, clockFrequency: clockFrequency) }
    public func milliseconds(clockFrequency: UInt64) -> UInt64 { amount(in: .milliseconds, clockFrequency: clockFrequency) }

    /// Whole seconds and the nanoseconds past them, as a timespec holds them (rounded
    /// down, so the pair is exact up to a nanosecond and never ahead).
    public func timespec(clockFrequency: UInt64) -> (seconds: UInt64, nanoseconds: UInt64) {
        let frequency = max(1, clockFrequency)
        let seconds = cycles / frequency
        let rest = SimulatedTime(cycles: cycles % frequency).nanoseconds(clockFrequency: frequency)
        return (seconds, rest)
    }

    /// A timespec's duration: whole seconds plus nanoseconds, each by the rule above.
    public init(seconds: UInt64, nanoseconds: UInt64, clockFrequency: UInt64) {
        self = .seconds(seconds, clockFrequency: clockFrequency) + .nanoseconds(nanoseconds, clockFrequency: clockFrequency)
    }

    /// The first multiple of `period` at or after this instant (a periodic tick's next
    /// firing); saturates at `never`. A zero period leaves it unchanged.
    public func roundedUp(toMultipleOf period: SimulatedTime) -> SimulatedTime {
        guard period.cycles > 0 else { return self }
        let remainder = cycles % period.cycles
        guard remainder != 0 else { return self }
        return self + SimulatedTime(cycles: period.cycles - remainder)
    }

    public static func + (left: SimulatedTime, right: SimulatedTime) -> SimulatedTime {
        let (sum, overflow) = left.cycles.addingReportingOverflow(right.cycles)
        return SimulatedTime(cycles: overflow ? .max : sum)
    }

    /// The span from `right` to `left`, or zero if `right` is later.
    public static func - (left: SimulatedTime, right: SimulatedTime) -> SimulatedTime {
        SimulatedTime(cycles: left.cycles > right.cycles ? left.cycles - right.cycles : 0)
    }

    public static func += (left: inout SimulatedTime, right: SimulatedTime) { left = left + right }

    public static func < (left: SimulatedTime, right: SimulatedTime) -> Bool { left.cycles < right.cycles }

    public var description: String { "\(cycles) cycles" }

    /// `value × numerator / denominator` without overflow (the product is 128 bits wide),
    /// rounded down or up; UInt64.max when the quotient does not fit.
    static func scale(_ value: UInt64, by numerator: UInt64, over denominator: UInt64, roundingUp: Bool) -> UInt64 {
        let product = value.multipliedFullWidth(by: numerator)
        // The quotient fits in 64 bits exactly when the high half is below the divisor.
        guard product.high < denominator else { return .max }
        let (quotient, remainder) = denominator.dividingFullWidth(product)
        guard roundingUp, remainder != 0 else { return quotient }
        return quotient == .max ? .max : quotient + 1
    }
}

extension UInt64 {
    /// `self + other`, or UInt64.max when the sum does not fit: for cycle counts, where a
    /// sum past the edge means "never" rather than a time near zero.
    @inline(__always) public func addingSaturated(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
