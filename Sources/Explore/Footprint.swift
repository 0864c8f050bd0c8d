// What a thread's next operation touches: the object (an address, a lock, a thread) and
// whether it reads, writes or synchronises. Partial-order reduction (sleep sets) and the
// happens-before hash of a run only need to know which operations conflict.

/// How an operation uses its object. A one-byte enum so a footprint stays two words.
public enum AccessKind: UInt8, Sendable, Hashable, Codable {
    /// A plain load: commutes with other reads of the same object.
    case read
    /// A plain store: conflicts with every other access to the same object.
    case write
    /// A synchronising operation (atomic, LR/SC, lock, futex, thread start or join):
    /// conflicts with every access to the same object, reads included.
    case sync
    /// Touches nothing another thread can see (a private page, a local step): never conflicts.
    case local
}

/// The next operation of an enabled thread as the explorer sees it at a schedule point.
/// A value of two words, built by the caller without allocation.
public struct Footprint: Sendable, Hashable {
    /// An address (for memory), or an object id (a lock, a futex word, a thread): only
    /// equality matters, so the caller may use any stable numbering.
    public var object: UInt64
    public var kind: AccessKind

    public init(object: UInt64, kind: AccessKind) {
        self.object = object
        self.kind = kind
    }

    /// An operation that no other thread can observe.
    public static let local = Footprint(object: 0, kind: .local)

    /// Whether running `self` and `other` in either order can give different results:
    /// same object, neither local, and at least one of them not a read. Operations that do
    /// not conflict are independent, so the order between them needs no exploring.
    @inlinable
    public func conflicts(with other: Footprint) -> Bool {
        guard object == other.object, kind != .local, other.kind != .local else { return false }
        return kind != .read || other.kind != .read
    }
}
