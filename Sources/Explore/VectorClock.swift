// VectorClock: what a thread (or a lock, an atomic location, a message) knows of every
// thread slot's time — the happens-before relation made concrete.

/// A vector clock over dense thread slots, stored as one flat array of clock values.
///
/// Slots, not guest thread ids, index it so that the array stays as short as the number of
/// threads alive at once (the detector reuses an ended thread's slot only when that is
/// sound, see `RaceDetector.spawn`). A slot past the end reads as 0, so clocks of different
/// lengths join and compare without resizing first; storage grows only when a slot beyond
/// the end is written, which happens when a thread is spawned, never per memory access.
public struct VectorClock: Equatable, Sendable, CustomStringConvertible {
    /// The clock of each slot; missing slots are 0.
    public private(set) var clocks: [UInt64]

    /// The empty clock: knows nothing of any slot.
    public init() { clocks = [] }

    /// A clock holding these values, slot by slot.
    public init(_ clocks: [UInt64]) { self.clocks = clocks }

    /// The clock of `slot` (0 for a slot never written or out of range).
    @inlinable public subscript(slot: Int) -> UInt64 {
        get { slot >= 0 && slot < clocks.count ? clocks[slot] : 0 }
    }

    /// Sets `slot`'s clock, growing the storage if needed (a negative slot is ignored).
    public mutating func set(_ slot: Int, _ value: UInt64) {
        guard slot >= 0 else { return }
        if slot >= clocks.count { clocks.append(contentsOf: repeatElement(0, count: slot + 1 - clocks.count)) }
        clocks[slot] = value
    }

    /// Advances `slot` by one (saturating at `Epoch.maxClock`) and returns the new value.
    @discardableResult
    public mutating func increment(_ slot: Int) -> UInt64 {
        let next = min(self[slot] &+ 1, Epoch.maxClock)
        set(slot, next)
        return next
    }

    /// Pointwise maximum: afterwards this clock knows everything `other` knew.
    public mutating func join(_ other: VectorClock) {
        let theirs = other.clocks
        if theirs.count > clocks.count {
            clocks.append(contentsOf: repeatElement(0, count: theirs.count - clocks.count))
        }
        clocks.withUnsafeMutableBufferPointer { mine in
            for i in theirs.indices where theirs[i] > mine[i] { mine[i] = theirs[i] }
        }
    }

    /// Whether every event this clock knows is known to `other` too (this ⊑ other).
    public func isBeforeOrEqual(_ other: VectorClock) -> Bool {
        for i in clocks.indices where clocks[i] > other[i] { return false }
        return true
    }

    /// Whether the access at `epoch` happens before (or is) the time this clock stands for:
    /// FastTrack's O(1) test `epoch ≤ C`.
    @inlinable public func covers(_ epoch: Epoch) -> Bool {
        epoch.clock <= self[epoch.slot]
    }

    /// The epoch of `slot` in this clock.
    @inlinable public func epoch(of slot: Int) -> Epoch { Epoch(clock: self[slot], slot: slot) }

    public var description: String { "[" + clocks.map(String.init).joined(separator: ",") + "]" }
}
