// Epoch: one thread's logical time, "clock@slot", packed in one UInt64 — FastTrack's
// replacement for a whole vector clock in the common case where a location was last
// touched by one thread.

/// A clock value of one thread slot, packed as `clock << 16 | slot` in one word so that a
/// shadow cell holds it in eight bytes and compares it with one load and one compare.
///
/// 16 bits of slot allow 65,536 thread slots at once (slots of ended threads are reused,
/// see `RaceDetector.spawn`); 48 bits of clock allow 2^48 synchronisation operations per
/// slot — at a billion a second that is three days of guest time, and the clock saturates
/// there rather than wrapping (a saturated slot can only lose reports, never invent them).
/// The epoch whose raw value is 0 (`none`, clock 0 of slot 0) is "no access yet": every
/// vector clock is ≥ 0 at every slot, so it never races.
public struct Epoch: Hashable, Sendable, CustomStringConvertible {
    /// The packed word: clock in the high 48 bits, slot in the low 16.
    public var raw: UInt64

    /// The largest clock an epoch can hold.
    public static let maxClock: UInt64 = (1 << 48) - 1
    /// The largest slot an epoch can name.
    public static let maxSlot: Int = 0xFFFF
    /// No access: compares ≤ every vector clock.
    public static let none = Epoch(raw: 0)

    @inlinable public init(raw: UInt64) { self.raw = raw }

    /// An epoch of `clock` (saturated at `maxClock`) at `slot` (masked to 16 bits; callers pass
    /// slots the detector allocated, which are always in range).
    @inlinable public init(clock: UInt64, slot: Int) {
        raw = (min(clock, Epoch.maxClock) << 16) | UInt64(truncatingIfNeeded: slot & 0xFFFF)
    }

    /// The thread slot this epoch belongs to.
    @inlinable public var slot: Int { Int(truncatingIfNeeded: raw & 0xFFFF) }
    /// The clock value of that slot.
    @inlinable public var clock: UInt64 { raw >> 16 }

    public var description: String { "\(clock)@\(slot)" }
}
