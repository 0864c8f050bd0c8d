// The two pieces of floating-point state the ISA exposes in `fcsr`: the rounding
// mode (`frm`, or the instruction's static `rm` field) and the sticky exception
// flags (`fflags`). Shared by the soft-float arithmetic and the hart.

/// A rounding mode as encoded in `frm` and the `rm` field (ISA manual, table "Rounding mode encoding").
/// Encodings 5 and 6 are reserved and 7 (dynamic) means "use `frm`"; the hart resolves those
/// before calling the arithmetic, so the arithmetic only ever sees these five.
public enum RoundingMode: UInt8, Sendable, CaseIterable {
    /// Round to nearest, ties to even.
    case nearestEven = 0
    /// Round towards zero.
    case towardZero = 1
    /// Round down (towards -infinity).
    case down = 2
    /// Round up (towards +infinity).
    case up = 3
    /// Round to nearest, ties to max magnitude.
    case nearestMaxMagnitude = 4
}

/// The accrued exception flags, bit for bit as in `fflags`.
public struct FloatFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// NX: the result was rounded.
    public static let inexact = FloatFlags(rawValue: 1 << 0)
    /// UF: the result is tiny (detected after rounding) and inexact.
    public static let underflow = FloatFlags(rawValue: 1 << 1)
    /// OF: the rounded result overflowed the format.
    public static let overflow = FloatFlags(rawValue: 1 << 2)
    /// DZ: a finite non-zero number was divided by zero.
    public static let divideByZero = FloatFlags(rawValue: 1 << 3)
    /// NV: invalid operation (e.g. 0 × ∞, a signalling NaN operand, an unrepresentable conversion).
    public static let invalid = FloatFlags(rawValue: 1 << 4)
}
