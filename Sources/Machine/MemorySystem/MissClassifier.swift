// Why a cache missed: the three C's (compulsory, capacity, conflict) plus coherence, for
// every cache of one level (a bank). Two side tables per cache, both flat host buffers:
//
// - Compulsory: a bitmap of every line the cache ever held, in chunks of 2^15 lines that
//   are allocated on first touch, so a machine with 16 GiB of RAM pays a small directory
//   of chunk pointers (calloc'd, so untouched pages cost nothing) until lines are used.
// - Capacity against conflict: a fully-associative LRU cache of the same size would hit a
//   line again if fewer than `lines` other lines were brought in since it was last used.
//   We approximate "lines brought in since" by the cache's own fill count: every eviction
//   is remembered in a small direct-mapped ghost table (line, fill count at eviction); a
//   later miss on a remembered line with fewer than `lines` fills since is a conflict
//   miss, anything else (more fills, or the ghost entry overwritten) a capacity miss. The
//   approximation counts fills, not distinct lines, and a ghost collision can only turn a
//   conflict into a capacity miss, never the reverse.
// - Coherence: a line dropped because another core wrote it is remembered with a mark
//   (in the ghost table, and in the invalidated way's kept tag, see CacheArray), and its
//   next miss is a coherence miss.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kinds a miss can be; they add up to the misses of a cache.
enum MissKind {
    case compulsory, capacity, conflict, coherence
}

final class MissClassifier {
    static let chunkShift = 15
    static let chunkWords = (1 << chunkShift) / 64
    /// Ghost entries per cache at most: enough to remember a full cache's evictions up to 256 K lines.
    static let maximumGhostEntries = 1 << 18
    static let coherenceMark: UInt64 = 1 << 63

    let caches: Int
    /// Lines one cache holds (sets × ways): a fully-associative cache of this many lines is the reference.
    let linesPerCache: UInt64
    let chunksPerCache: Int
    /// `seen[cache * chunksPerCache + chunk]`: nil until a line of that chunk is first held.
    let seen: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>
    let ghostMask: UInt64
    let ghostEntries: Int
    /// Per entry two words side by side: the evicted line + 1 (0: empty), and the cache's
    /// fill count at the eviction (top bit: dropped by coherence). Side by side so that an
    /// eviction or a classification touches one host cache line, not two: the last level's
    /// table is megabytes and misses in the host's caches on nearly every access.
    let ghost: UnsafeMutablePointer<UInt64>
    /// Lines each cache has filled so far.
    let fills: UnsafeMutablePointer<UInt64>

    init(caches: Int, linesPerCache: Int, ramLines: Int) throws(MachineError) {
        self.caches = caches
        self.linesPerCache = UInt64(linesPerCache)
        chunksPerCache = max(1, (ramLines + (1 << Self.chunkShift) - 1) >> Self.chunkShift)
        var entries = 64
        while entries < linesPerCache, entries < Self.maximumGhostEntries { entries <<= 1 }
        ghostEntries = entries
        ghostMask = UInt64(entries - 1)
        let purpose = "the miss classifier"
        seen = try requireZeroedBuffer(UnsafeMutablePointer<UInt64>?.self, count: caches * chunksPerCache, for: purpose)
        ghost = try requireZeroedBuffer(UInt64.self, count: 2 * caches * entries, for: purpose)
        fills = try requireZeroedBuffer(UInt64.self, count: caches, for: purpose)
    }

    deinit {
        for index in 0..<(caches * chunksPerCache) { free(seen[index]) }
        free(seen)
        free(ghost)
        free(fills)
    }

    /// Classifies a miss on `line` in `cache` and remembers the line as held from now on;
    /// nil when the ghost table has forgotten the line (the caller looks for a coherence
    /// mark in the set, else counts a capacity miss).
    @inline(__always) func classify(cache: Int, line: UInt64) -> MissKind? {
        if markSeen(cache: cache, line: line) { return .compulsory }
        let slot = 2 &* (cache &* ghostEntries &+ Int(truncatingIfNeeded: line & ghostMask))
        guard ghost[slot] == line &+ 1 else { return nil }
        let stamp = ghost[slot &+ 1]
        if stamp & Self.coherenceMark != 0 { return .coherence }
        return fills[cache] &- stamp < linesPerCache ? .conflict : .capacity
    }

    /// A line left `cache`: remember when, and whether another core's write took it.
    @inline(__always) func recordEviction(cache: Int, line: UInt64, byCoherence: Bool) {
        let slot = 2 &* (cache &* ghostEntries &+ Int(truncatingIfNeeded: line & ghostMask))
        ghost[slot] = line &+ 1
        ghost[slot &+ 1] = fills[cache] | (byCoherence ? Self.coherenceMark : 0)
    }

    @inline(__always) func recordFill(cache: Int) {
        fills[cache] &+= 1
    }

    /// Sets the line's bit; true if it was clear (the first time this cache holds the line).
    @inline(__always) private func markSeen(cache: Int, line: UInt64) -> Bool {
        let chunk = Int(truncatingIfNeeded: line &>> UInt64(Self.chunkShift))
        guard chunk >= 0, chunk < chunksPerCache else { return true }
        let slot = cache * chunksPerCache + chunk
        let bits: UnsafeMutablePointer<UInt64>
        if let existing = seen[slot] {
            bits = existing
        } else if let fresh = zeroedBuffer(UInt64.self, count: Self.chunkWords) {
            bits = fresh
            seen[slot] = bits
        } else {
            return false  // the host refused 4 KiB: count the miss as not compulsory rather than fail
        }
        let index = Int(truncatingIfNeeded: line & UInt64((1 << Self.chunkShift) - 1))
        let mask: UInt64 = 1 &<< UInt64(index & 63)
        let word = bits[index >> 6]
        bits[index >> 6] = word | mask
        return word & mask == 0
    }
}

/// A zero-filled host buffer from calloc: pages never touched cost no memory, so tables
/// sized for the worst case (16 GiB of RAM, a 1 GiB cache) stay cheap until used.
/// Nil when the host refuses (a hierarchy too large for it).
func zeroedBuffer<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T>? {
    let (bytes, overflow) = max(1, count).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
    guard !overflow, let raw = calloc(1, bytes) else { return nil }
    return raw.bindMemory(to: T.self, capacity: max(1, count))
}

/// `zeroedBuffer`, or an error a person can act on.
func requireZeroedBuffer<T>(_ type: T.Type, count: Int, for purpose: String) throws(MachineError) -> UnsafeMutablePointer<T> {
    guard let buffer = zeroedBuffer(type, count: count) else {
        throw MachineError("the host could not provide memory for \(purpose) (\(count) entries); choose smaller caches or fewer harts")
    }
    return buffer
}
