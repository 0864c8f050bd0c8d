// A run's identity up to reordering of independent operations: a hash of its
// happens-before order (which of two conflicting operations came first). Two schedules
// that differ only in the order of independent operations get the same hash, so the
// explorer can count distinct schedules, not just schedules run.

/// Mixes a 64-bit value (SplitMix64's finaliser): every input bit affects every output bit.
@inlinable
func mix64(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Computes the happens-before hash of a recorded run once it has ended, so the per-point
/// cost is only the append to the run's record.
///
/// An operation is named by (thread, its index among that thread's operations). The hash
/// is the wrapping sum of one hash per dependence edge — a read to the write it reads from
/// (the last write to its object), a write to the write before it — plus each thread's
/// operation count. These edges fix the order of every conflicting pair: the writes to an
/// object are a chain, and a read sits after the write it reads from and before the next
/// one (so a write need not also be linked to the reads before it). Edges, not positions,
/// enter the hash, and a sum does not depend on the order the edges were found, so
/// equivalent runs (same edges) hash alike.
public enum HappensBeforeHash {
    /// The hash of the run whose operation `i` was thread `threads[i]` doing `footprints[i]`.
    public static func of(threads: [UInt32], footprints: [Footprint]) -> UInt64 {
        var counts: [UInt32] = []
        var lastWrite: [UInt64: UInt64] = [:]     // object → packed (thread, index)
        var sum: UInt64 = 0
        for (thread, footprint) in zip(threads, footprints) {
            let t = Int(thread)
            if counts.count <= t { counts.append(contentsOf: repeatElement(0, count: t + 1 - counts.count)) }
            let op = UInt64(thread) << 32 | UInt64(counts[t])
            counts[t] &+= 1
            guard footprint.kind != .local else { continue }
            if let from = lastWrite[footprint.object] {
                sum &+= mix64(mix64(from ^ 0x5555) &+ op ^ footprint.object)
            }
            if footprint.kind != .read { lastWrite[footprint.object] = op }
        }
        for (t, n) in counts.enumerated() where n > 0 {
            sum &+= mix64(UInt64(t) << 32 | UInt64(n) ^ 0xC0FFEE)
        }
        return sum
    }
}
