// RaceReport: what the detector says when two accesses to one location are not ordered by
// happens-before — both accesses and the place, for the next layer to add function, line
// and symbol.

/// One side of a race: who accessed, how, from which instruction.
public struct RaceAccess: Hashable, Sendable, CustomStringConvertible {
    /// The guest thread id given to `RaceDetector.spawn` (or `init`'s first thread).
    public var thread: Int
    /// The detector slot the thread ran in (slots are reused; `thread` is the identity).
    public var slot: Int
    /// Whether the access wrote (a read otherwise).
    public var isWrite: Bool
    /// The access size in bytes, as the instruction issued it.
    public var size: Int
    /// The PC of the instruction.
    public var pc: UInt64

    public init(thread: Int, slot: Int, isWrite: Bool, size: Int, pc: UInt64) {
        self.thread = thread; self.slot = slot; self.isWrite = isWrite; self.size = size; self.pc = pc
    }

    public var description: String {
        "thread \(thread) \(isWrite ? "write" : "read") of \(size) at pc 0x\(String(pc, radix: 16))"
    }
}

/// A data race: `previous` and `current` touched the byte at `address`, at least one wrote,
/// and neither happens before the other. `current` is the access being checked when the
/// race was found; `previous` is the one the shadow memory remembered.
public struct RaceReport: Hashable, Sendable, CustomStringConvertible {
    /// The first byte both accesses touched (a guest physical address, see `ShadowMemory`).
    public var address: UInt64
    public var previous: RaceAccess
    public var current: RaceAccess

    public init(address: UInt64, previous: RaceAccess, current: RaceAccess) {
        self.address = address; self.previous = previous; self.current = current
    }

    /// The pair of PCs, smaller first, by which a race is reported once: the same two
    /// instructions racing again (in a loop, on another element of an array) say nothing new.
    public var pcPair: PCPair { PCPair(previous.pc, current.pc) }

    public var description: String {
        "race at 0x\(String(address, radix: 16)): \(previous) / \(current)"
    }
}

/// An unordered pair of PCs: the key under which a race is reported once.
public struct PCPair: Hashable, Sendable {
    public var low: UInt64
    public var high: UInt64
    public init(_ a: UInt64, _ b: UInt64) { low = min(a, b); high = max(a, b) }
}
