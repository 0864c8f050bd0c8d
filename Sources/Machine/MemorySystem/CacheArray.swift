// One level of set-associative caches: every core's private copy of that level (a bank
// of identical caches), or the one shared last level (a bank of one). Tags, states,
// replacement and statistics live in flat host buffers indexed by a global way number
// `(cache × sets + set) × ways + way`, so a lookup is a few loads and compares with no
// allocation, no dictionary and no class per cache. Caches hold tags and states; with
// coherence off the private banks also hold each line's bytes and a per-byte dirty mask.
//
// Replacement: exact LRU (a stamp per way from a per-bank clock; the victim is the
// smallest stamp) or tree-PLRU (one bit per node of a binary tree over the ways, each
// pointing to the half that holds the pseudo-least-recently-used way). An invalid way is
// always filled first.
//
// The memo: each cache remembers the way it touched last. Touching that way again
// changes no replacement state (it is already the most recent in LRU, and PLRU's path
// bits already point away from it), so an access to the memo's line can skip the lookup
// and the update exactly. Every change to a way's state or tag forgets the memo of that
// way, so the memo never outlives the copy it names.
//
// Recent ways: the same holds for each set on its own. Every set remembers the way it
// touched last (a word beside the set's other three); while that way holds the line,
// valid, a hit on it changes no replacement state (it is the most recent of its set, and
// a touch only changes its own set's state), so it is served with one tag and one state
// compare. The word is only a hint: the tag and state checked at each use say whether
// it still holds.
//
// Presence counts (the L1s under an L2): per cache, how many held lines fall in each
// bucket of `line mod presenceBuckets`. A zero count says "not held" with one load, where
// a lookup would compare a set's tags: an L2 eviction asks both L1s for their copy, and
// they almost never have one. Kept by `fill` and `drop`, the only places a way's line
// becomes or stops being valid.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state byte of a way.
enum WayState {
    /// Low two bits: a private copy's MESI state (CoherenceState.rawValue); in the LLC 1 = valid.
    static let mesiMask: UInt8 = 3
    /// Invalid, and the kept tag names the line another core's write took from this cache.
    static let droppedByCoherence: UInt8 = 4
    /// LLC: the line differs from memory (a private M copy was written back into it).
    /// Kept in the directory (SharerTable), not in the state byte, when it is narrow.
    static let dirty: UInt8 = 8
    /// LLC: the one core in the sharer mask holds the line in E or M (kept like `dirty`).
    static let owned: UInt8 = 16
}

final class CacheArray {
    /// "L1I", "L1D", "L2" or "LLC": for events and messages.
    let label: String
    let caches: Int
    let sets: Int
    let ways: Int
    let waysShift: Int
    let linesPerCache: Int
    let setMask: UInt64
    let lineSize: Int
    let replacement: CacheReplacement
    let hitLatency: UInt64

    /// Each way's line, in 32 bits (see TagTable).
    let tags: TagTable
    let states: UnsafeMutablePointer<UInt8>
    /// Per set, a bit per valid way: a lookup compares only valid ways' tags, and a fill finds a free way at once.
    let validWays: SetWords
    /// Private banks: the LLC way holding each way's line (-1: unknown). The LLC is
    /// inclusive, so a line keeps its LLC way while any private copy lives; an eviction
    /// then updates the directory without searching the LLC (checked against the tag first).
    let lastLevelWays: UnsafeMutablePointer<Int32>
    /// Per set, a bit per way whose tag was marked dropped by coherence (a way since reused
    /// keeps its bit until the next look clears it: the state byte has the last word).
    let markedWays: SetWords
    let allWays: UInt64
    /// LRU: the bank clock's value when each way was last touched.
    let stamps: UnsafeMutablePointer<UInt64>?
    /// Tree-PLRU: one word of node bits per set (node n at bit n, root n = 1).
    let treeBits: SetWords?
    /// Tree-PLRU, per way: the node bits its touch sets and clears (the path from its leaf
    /// to the root, each node pointed at the other half), so a touch is two masks.
    let treeSets: UnsafeMutablePointer<UInt64>
    let treeClears: UnsafeMutablePointer<UInt64>
    /// Per set, the index in the set of the way touched last (see "Recent ways" above).
    let recentWays: SetWords
    /// The four words of every set side by side (valid ways, marked ways, tree bits, recent
    /// way): a lookup, touch or fill of a set reads one host cache line for them, not four
    /// (a large LLC's sets are touched once each by a streaming loop).
    let setWords: UnsafeMutablePointer<UInt64>
    var clock: UInt64 = 0
    /// LLC only: the directory, a sharer bit per core per way and the owned and dirty flags.
    let sharers: SharerTable?
    /// Whether the memo remembers if its way is in M (private banks; the LLC's memo never
    /// serves a store, and reading its state byte would cost a host cache miss per touch).
    let tracksModified: Bool
    /// Coherence off, private banks: each way's bytes and per-byte dirty flags.
    let data: UnsafeMutablePointer<UInt8>?
    let dirty: UnsafeMutablePointer<UInt8>?
    /// Coherence off, private banks: the valid ways of each cache as a list (so a flush
    /// costs what the cache holds, not its size), and each way's place in that list + 1.
    let heldList: UnsafeMutablePointer<Int32>?
    let heldPosition: UnsafeMutablePointer<Int32>?
    let heldCount: UnsafeMutablePointer<Int>
    /// Last touched way of each cache and its line (UInt64.max: none), and whether that way was in M.
    let memoLine: UnsafeMutablePointer<UInt64>
    let memoWay: UnsafeMutablePointer<Int>
    let memoModified: UnsafeMutablePointer<Bool>
    /// Per cache, `presenceBuckets` counts of held lines (see "Presence counts"); nil: not kept.
    let presence: UnsafeMutablePointer<UInt32>?
    static let presenceBuckets = 4096
    let statistics: UnsafeMutablePointer<CacheLevelStatistics>
    let classifier: MissClassifier

    /// `directoryCores`: with `directory`, the cores its sharer masks name (their width follows).
    /// `countsPresence`: keep presence counts (an L1 under an L2).
    init(label: String, geometry: CacheGeometry, caches: Int, ramLines: Int, directory: Bool, directoryCores: Int = 64,
         values: Bool, countsPresence: Bool = false) throws(MachineError) {
        self.label = label
        self.caches = caches
        ways = geometry.associativity
        waysShift = geometry.associativity.trailingZeroBitCount
        sets = geometry.sets
        linesPerCache = sets * ways
        setMask = UInt64(sets - 1)
        lineSize = geometry.lineSize
        replacement = geometry.replacement
        hitLatency = UInt64(geometry.hitLatency)
        let total = caches * linesPerCache
        let purpose = "the \(label) caches"
        guard ramLines <= TagTable.lineLimit else {
            throw MachineError("\(purpose): \(ramLines) lines of RAM do not fit the caches' 32-bit tags")
        }
        tags = TagTable(words: try requireZeroedBuffer(UInt32.self, count: total, for: purpose))
        states = try requireZeroedBuffer(UInt8.self, count: total, for: purpose)
        let words = try requireZeroedBuffer(UInt64.self, count: caches * sets * SetWords.stride, for: purpose)
        setWords = words
        validWays = SetWords(base: words)
        lastLevelWays = try requireZeroedBuffer(Int32.self, count: total, for: purpose)
        markedWays = SetWords(base: words + 1)
        allWays = ways == 64 ? .max : (1 << UInt64(ways)) - 1
        stamps = replacement == .lru ? try requireZeroedBuffer(UInt64.self, count: total, for: purpose) : nil
        treeBits = replacement == .treePLRU ? SetWords(base: words + 2) : nil
        treeSets = try requireZeroedBuffer(UInt64.self, count: ways, for: purpose)
        treeClears = try requireZeroedBuffer(UInt64.self, count: ways, for: purpose)
        recentWays = SetWords(base: words + 3)
        for leaf in 0..<ways {
            var node = ways + leaf
            while node > 1 {
                let parent = node >> 1
                // A left child points its parent right (1), a right child left (0).
                if node & 1 == 0 { treeSets[leaf] |= 1 << UInt64(parent) } else { treeClears[leaf] |= 1 << UInt64(parent) }
                node = parent
            }
        }
        sharers = directory ? try SharerTable(ways: total, cores: directoryCores, flags: states, for: purpose) : nil
        tracksModified = !directory
        data = values ? try requireZeroedBuffer(UInt8.self, count: total * lineSize, for: purpose) : nil
        dirty = values ? try requireZeroedBuffer(UInt8.self, count: total * lineSize, for: purpose) : nil
        heldList = values ? try requireZeroedBuffer(Int32.self, count: total, for: purpose) : nil
        heldPosition = values ? try requireZeroedBuffer(Int32.self, count: total, for: purpose) : nil
        heldCount = try requireZeroedBuffer(Int.self, count: caches, for: purpose)
        memoLine = try requireZeroedBuffer(UInt64.self, count: caches, for: purpose)
        memoWay = try requireZeroedBuffer(Int.self, count: caches, for: purpose)
        memoModified = try requireZeroedBuffer(Bool.self, count: caches, for: purpose)
        presence = countsPresence ? try requireZeroedBuffer(UInt32.self, count: caches * Self.presenceBuckets, for: purpose) : nil
        statistics = try requireZeroedBuffer(CacheLevelStatistics.self, count: caches, for: purpose)
        for cache in 0..<caches {
            memoLine[cache] = .max
            (statistics + cache).initialize(to: CacheLevelStatistics())
        }
        classifier = try MissClassifier(caches: caches, linesPerCache: linesPerCache, ramLines: ramLines)
    }

    deinit {
        free(tags.words); free(states); free(setWords); free(lastLevelWays); free(stamps); sharers?.release()
        free(data); free(dirty); free(heldList); free(heldPosition); free(heldCount); free(treeSets); free(treeClears)
        free(memoLine); free(memoWay); free(memoModified); free(presence); free(statistics)
    }

    // MARK: Lookup

    /// A way argument that means "not looked up yet" (a way is -1 for absent, else ≥ 0).
    static let lookUp = Int.min

    @inline(__always) func setBase(cache: Int, line: UInt64) -> Int {
        cache &* linesPerCache &+ (Int(truncatingIfNeeded: line & setMask) &<< waysShift)
    }

    /// The way holding `line` in `cache`, or -1. Sets of 4, 8 or 16 ways compare every tag
    /// at once (no branch per way, which the host mispredicts on every miss); others scan.
    @inline(__always) func find(cache: Int, line: UInt64) -> Int {
        let base = setBase(cache: cache, line: line)
        var valid = validWays[base &>> waysShift]
        if ways == 8 || ways == 16 || ways == 4 {
            let found = tags.matches(base: base, ways: ways, line: line) & valid
            return found == 0 ? -1 : base &+ found.trailingZeroBitCount
        }
        while valid != 0 {
            let way = base &+ valid.trailingZeroBitCount
            if tags[way] == line { return way }
            valid &= valid &- 1
        }
        return -1
    }

    /// False when `cache` surely does not hold `line` (its presence bucket is empty); true
    /// when it may (or no counts are kept): `find` says.
    @inline(__always) func mayHold(cache: Int, line: UInt64) -> Bool {
        guard let presence else { return true }
        return presence[cache &* Self.presenceBuckets &+ Int(truncatingIfNeeded: line & UInt64(Self.presenceBuckets &- 1))] != 0
    }

    @inline(__always) func countPresence(cache: Int, line: UInt64, _ change: UInt32) {
        guard let presence else { return }
        presence[cache &* Self.presenceBuckets &+ Int(truncatingIfNeeded: line & UInt64(Self.presenceBuckets &- 1))] &+= change
    }

    /// Whether `cache` holds `line` (in M if `needsModified`) in the way its set touched
    /// last: a hit that needs no replacement update (see "Recent ways").
    @inline(__always) func holdsInRecentWay(cache: Int, line: UInt64, needsModified: Bool) -> Bool {
        let base = setBase(cache: cache, line: line)
        let way = base &+ Int(truncatingIfNeeded: recentWays[base &>> waysShift])
        let state = states[way] & WayState.mesiMask
        return tags[way] == line && (needsModified ? state == CoherenceState.modified.rawValue : state != 0)
    }

    /// `cache`'s part of the tables, for the run loop's own check of recent ways.
    func recentWayProbe(cache: Int) -> RecentWayProbe {
        RecentWayProbe(tags: tags.words + cache &* linesPerCache, states: states + cache &* linesPerCache,
                       recentWays: SetWords(base: setWords + (cache &* sets &* SetWords.stride + 3)), setMask: setMask, waysShift: waysShift)
    }

    @inline(__always) func state(_ way: Int) -> CoherenceState {
        CoherenceState(rawValue: states[way] & WayState.mesiMask) ?? .invalid
    }

    @inline(__always) func isValid(_ way: Int) -> Bool { states[way] & WayState.mesiMask != 0 }

    /// `isValid` from the set's valid-way mask (the word a victim choice has just read, where
    /// the state byte would be one more host cache miss in a large cache).
    @inline(__always) func isValidInMask(_ way: Int) -> Bool {
        validWays[way &>> waysShift] & (1 &<< UInt64(way & (ways &- 1))) != 0
    }

    /// The state of `line` in `cache` (invalid if absent).
    func state(cache: Int, line: UInt64) -> CoherenceState {
        let way = find(cache: cache, line: line)
        return way < 0 ? .invalid : state(way)
    }

    // MARK: Replacement

    /// Marks `way` most recently used and makes it the cache's memo.
    @inline(__always) func touch(cache: Int, way: Int) {
        if memoWay[cache] == way, memoLine[cache] == tags[way] { return }
        let set = way &>> waysShift
        let leaf = way & (ways &- 1)
        if let stamps {
            clock &+= 1
            stamps[way] = clock
        } else if let treeBits {
            treeBits[set] = (treeBits[set] | treeSets[leaf]) & ~treeClears[leaf]
        }
        recentWays[set] = UInt64(truncatingIfNeeded: leaf)
        memoLine[cache] = tags[way]
        memoWay[cache] = way
        memoModified[cache] = tracksModified && states[way] & WayState.mesiMask == CoherenceState.modified.rawValue
    }

    /// The way a fill of `line` in `cache` takes: an invalid way if the set has one, else the policy's victim.
    @inline(__always) func victim(cache: Int, line: UInt64) -> Int {
        let base = setBase(cache: cache, line: line)
        let free = ~validWays[base &>> waysShift] & allWays
        if free != 0 { return base + free.trailingZeroBitCount }
        if let stamps {
            var oldest = base
            for way in (base + 1)..<(base + ways) where stamps[way] < stamps[oldest] { oldest = way }
            return oldest
        }
        guard let treeBits, ways > 1 else { return base }
        let bits = treeBits[base &>> waysShift]
        var node = 1
        while node < ways { node = node &* 2 &+ Int((bits &>> UInt64(node)) & 1) }
        return base &+ node &- ways
    }

    // MARK: Changing a way

    @inline(__always) func forgetMemo(cache: Int, way: Int) {
        if memoWay[cache] == way { memoLine[cache] = .max }
    }

    /// Puts `line` in `way` (which the caller emptied) with `state`, most recently used.
    @inline(__always) func fill(cache: Int, way: Int, line: UInt64, state: CoherenceState, lastLevelWay: Int = -1) {
        forgetMemo(cache: cache, way: way)
        countPresence(cache: cache, line: line, 1)
        tags[way] = line
        lastLevelWays[way] = Int32(truncatingIfNeeded: lastLevelWay)
        states[way] = state.rawValue
        validWays[way &>> waysShift] |= 1 &<< UInt64(way & (ways &- 1))
        classifier.recordFill(cache: cache)
        if let heldList, let heldPosition {
            let count = heldCount[cache]
            heldList[cache * linesPerCache + count] = Int32(truncatingIfNeeded: way)
            heldPosition[way] = Int32(truncatingIfNeeded: count + 1)
            heldCount[cache] = count + 1
        }
        touch(cache: cache, way: way)
    }

    /// A valid copy changes state (never to invalid: see `drop`).
    @inline(__always) func setState(cache: Int, way: Int, _ state: CoherenceState) {
        forgetMemo(cache: cache, way: way)
        states[way] = (states[way] & ~WayState.mesiMask) | state.rawValue
    }

    /// Empties `way`; the ghost table remembers the line, and a coherence drop keeps the tag marked.
    @inline(__always) func drop(cache: Int, way: Int, byCoherence: Bool) {
        forgetMemo(cache: cache, way: way)
        if presence != nil, isValidInMask(way) { countPresence(cache: cache, line: tags[way], 0 &- 1) }
        classifier.recordEviction(cache: cache, line: tags[way], byCoherence: byCoherence)
        states[way] = byCoherence ? WayState.droppedByCoherence : 0
        validWays[way &>> waysShift] &= ~(1 &<< UInt64(way & (ways &- 1)))
        if byCoherence { markedWays[way &>> waysShift] |= 1 &<< UInt64(way & (ways &- 1)) }
        if let sharers { sharers.reset(way: way) }
        if let heldList, let heldPosition {
            let position = Int(heldPosition[way]) - 1
            let last = heldCount[cache] - 1
            if position >= 0, last >= 0 {
                let moved = Int(heldList[cache * linesPerCache + last])
                heldList[cache * linesPerCache + position] = Int32(truncatingIfNeeded: moved)
                heldPosition[moved] = Int32(truncatingIfNeeded: position + 1)
                heldPosition[way] = 0
                heldCount[cache] = last
            }
        }
    }

    // MARK: Statistics

    @inline(__always) func countHit(cache: Int) { statistics[cache].hits &+= 1 }

    /// Counts a miss on `line` in `cache` with its kind. The set's kept coherence marks are
    /// consulted only when the ghost table no longer remembers the line.
    @inline(__always) func countMiss(cache: Int, line: UInt64) {
        statistics[cache].misses &+= 1
        let kind = classifier.classify(cache: cache, line: line) ?? (markedByCoherence(cache: cache, line: line) ? .coherence : .capacity)
        switch kind {
        case .compulsory: statistics[cache].compulsoryMisses &+= 1
        case .capacity: statistics[cache].capacityMisses &+= 1
        case .conflict: statistics[cache].conflictMisses &+= 1
        case .coherence: statistics[cache].coherenceMisses &+= 1
        }
    }

    /// Whether an invalid way of the line's set keeps `line`'s tag marked as taken by another
    /// core's write; the mark answers once (the line is about to be held again). A set with
    /// no marks (always so with one core) answers here, without a call.
    @inline(__always) func markedByCoherence(cache: Int, line: UInt64) -> Bool {
        let base = setBase(cache: cache, line: line)
        guard markedWays[base &>> waysShift] != 0 else { return false }
        return markedByCoherence(base: base, line: line)
    }

    private func markedByCoherence(base: Int, line: UInt64) -> Bool {
        var marked = markedWays[base &>> waysShift]
        while marked != 0 {
            let bit = marked & (0 &- marked)
            let way = base &+ bit.trailingZeroBitCount
            if states[way] != WayState.droppedByCoherence {
                markedWays[base &>> waysShift] &= ~bit
            } else if tags[way] == line {
                states[way] = 0
                markedWays[base &>> waysShift] &= ~bit
                return true
            }
            marked &= marked &- 1
        }
        return false
    }

    /// Byte address of a way's copy (coherence off).
    @inline(__always) func bytes(of way: Int) -> Int { way &* lineSize }
}

/// One cache's tags, states and recent ways, for the run loop: a hit on the way its set
/// touched last is found with a few loads, no call and no replacement update; the loop
/// counts such hits itself. Pointers into the bank's tables, valid while the bank lives.
struct RecentWayProbe {
    let tags: UnsafeMutablePointer<UInt32>
    let states: UnsafeMutablePointer<UInt8>
    let recentWays: SetWords
    let setMask: UInt64
    let waysShift: Int

    /// Whether the cache holds `line` in its set's recent way, in any valid state (`load`)
    /// or in M.
    @inline(__always) func holds(line: UInt64, modified: Bool) -> Bool {
        let set = Int(truncatingIfNeeded: line & setMask)
        let way = set &<< waysShift &+ Int(truncatingIfNeeded: recentWays[set])
        let state = states[way] & WayState.mesiMask
        return UInt64(tags[way]) == line && (modified ? state == CoherenceState.modified.rawValue : state != 0)
    }
}

/// One word of each set's four (CacheArray.setWords), indexed by set.
struct SetWords {
    static let stride = 4
    let base: UnsafeMutablePointer<UInt64>

    subscript(_ set: Int) -> UInt64 {
        @inline(__always) get { base[set &* SetWords.stride] }
        @inline(__always) nonmutating set { base[set &* SetWords.stride] = newValue }
    }
}

/// The ways' lines in 32 bits each, read and written as UInt64 line numbers. A line number
/// is a RAM offset over the line size, below 2^30 (16 GiB over 16-byte lines), so 32 bits
/// hold every line exactly (`init` checks the machine's RAM against `lineLimit`). Half the
/// width is half the host memory a lookup touches: zen4's 32 MiB LLC has 512 K ways, whose
/// tags are 2 MiB instead of 4, and a 16-way set's tags are one host cache line, not two.
struct TagTable {
    static let lineLimit = 1 << 32
    let words: UnsafeMutablePointer<UInt32>

    subscript(_ way: Int) -> UInt64 {
        @inline(__always) get { UInt64(words[way]) }
        @inline(__always) nonmutating set { words[way] = UInt32(truncatingIfNeeded: newValue) }
    }

    /// Bit w set: way `base + w` holds tag `line`, valid or not; `ways` is 4, 8 or 16 and
    /// `base` a set's first way. The compiler turns each case into a few vector compares
    /// (written this way because `.==` on SIMD is not vectorised by this compiler).
    @inline(__always) func matches(base: Int, ways: Int, line: UInt64) -> UInt64 {
        guard line <= UInt64(UInt32.max) else { return 0 }
        let tag = UInt32(truncatingIfNeeded: line)
        let set = UnsafeRawPointer(words + base)
        switch ways {
        case 16:
            // Two halves of eight: SIMD16's sum is not inlined by this compiler (a call per lookup).
            return matchesEight(set, tag) | matchesEight(set + 32, tag) &<< 8
        case 8:
            return matchesEight(set, tag)
        default:
            let x = set.loadUnaligned(as: SIMD4<UInt32>.self) ^ SIMD4<UInt32>(repeating: tag)
            let zero = ((x &- 1) & ~x) &>> 31
            let weights = SIMD4<UInt32>(1, 2, 4, 8)
            return UInt64(truncatingIfNeeded: (zero &* weights).wrappedSum())
        }
    }
}

/// Bit w set: the w-th of the eight 32-bit tags at `set` is `tag`.
@inline(__always) private func matchesEight(_ set: UnsafeRawPointer, _ tag: UInt32) -> UInt64 {
    let x = set.loadUnaligned(as: SIMD8<UInt32>.self) ^ SIMD8<UInt32>(repeating: tag)
    let zero = ((x &- 1) & ~x) &>> 31
    let weights = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
    return UInt64(truncatingIfNeeded: (zero &* weights).wrappedSum())
}

/// The directory: per LLC way, a sharer bit per core and the way's two directory flags
/// (`WayState.owned`, `WayState.dirty`). With at most 8 cores the mask and the flags share
/// one 16-bit word per way (mask in the low byte, flags in the high byte), so a request or
/// an eviction reads one host cache line for the whole entry (zen4's 32 MiB LLC has 512 K
/// ways: 1 MiB). With more cores the mask is 64 bits and the flags stay in the LLC's state
/// bytes. A dropped way's entry is all zero.
struct SharerTable {
    let narrow: UnsafeMutablePointer<UInt16>?
    let wide: UnsafeMutablePointer<UInt64>?
    /// Wide only: the LLC's state bytes, which hold the flags.
    let flags: UnsafeMutablePointer<UInt8>

    init(ways: Int, cores: Int, flags: UnsafeMutablePointer<UInt8>, for purpose: String) throws(MachineError) {
        self.flags = flags
        if cores <= 8 {
            narrow = try requireZeroedBuffer(UInt16.self, count: ways, for: purpose)
            wide = nil
        } else {
            narrow = nil
            wide = try requireZeroedBuffer(UInt64.self, count: ways, for: purpose)
        }
    }

    /// The sharer mask of `way` (setting it keeps the flags).
    subscript(_ way: Int) -> UInt64 {
        @inline(__always) get {
            if let narrow { return UInt64(narrow[way] & 0xFF) }
            return wide.unsafelyUnwrapped[way]
        }
        @inline(__always) nonmutating set {
            if let narrow {
                narrow[way] = (narrow[way] & 0xFF00) | UInt16(truncatingIfNeeded: newValue & 0xFF)
            } else {
                wide.unsafelyUnwrapped[way] = newValue
            }
        }
    }

    /// Whether `way` has `flag` (`WayState.owned` or `WayState.dirty`).
    @inline(__always) func has(_ flag: UInt8, way: Int) -> Bool {
        if let narrow { return narrow[way] & (UInt16(flag) &<< 8) != 0 }
        return flags[way] & flag != 0
    }

    @inline(__always) func set(_ flag: UInt8, way: Int) {
        if let narrow {
            narrow[way] |= UInt16(flag) &<< 8
        } else {
            flags[way] |= flag
        }
    }

    @inline(__always) func clear(_ flag: UInt8, way: Int) {
        if let narrow {
            narrow[way] &= ~(UInt16(flag) &<< 8)
        } else {
            flags[way] &= ~flag
        }
    }

    /// A dropped way: no sharers, no flags (the wide flags go with the state byte).
    @inline(__always) func reset(way: Int) {
        if let narrow {
            narrow[way] = 0
        } else {
            wide.unsafelyUnwrapped[way] = 0
        }
    }

    func release() {
        free(narrow)
        free(wide)
    }
}
