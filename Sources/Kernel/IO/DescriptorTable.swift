// A process's file descriptors: slot n holds descriptor n — an open file description and
// its close-on-exec flag. A new descriptor takes the lowest free number (POSIX), found
// with a bitmap of used slots, so opening costs at most limit/64 word tests however many
// descriptors came and went. The table grows on demand up to the process's RLIMIT_NOFILE
// (1024 by default, as Linux; `--max-fds`, prlimit64/setrlimit).

import Machine

struct DescriptorTable {
    /// Linux's default soft and hard RLIMIT_NOFILE.
    static let defaultLimit = 1024
    /// The most a process may raise its limit to (Linux's nr_open default).
    static let ceiling = 1 << 20

    private var slots: [OpenFile?] = []
    private var closeOnExec: [Bool] = []
    /// Bit n of word n/64: slot n is used.
    private var used: [UInt64] = []
    /// RLIMIT_NOFILE: descriptors must be below the soft limit; the soft limit at most the hard.
    var softLimit: Int
    var hardLimit: Int
    private(set) var count = 0
    /// One past the highest descriptor ever used (Linux's table never shrinks; select
    /// looks at no more bits than it has slots).
    private(set) var peak = 0

    init(limit: Int = DescriptorTable.defaultLimit) {
        softLimit = limit
        hardLimit = limit
    }

    func file(_ fd: Int32) -> OpenFile? {
        guard fd >= 0, Int(fd) < slots.count else { return nil }
        return slots[Int(fd)]
    }

    func isCloseOnExec(_ fd: Int32) -> Bool {
        guard fd >= 0, Int(fd) < closeOnExec.count else { return false }
        return closeOnExec[Int(fd)]
    }

    mutating func setCloseOnExec(_ fd: Int32, _ value: Bool) {
        guard file(fd) != nil else { return }
        closeOnExec[Int(fd)] = value
    }

    /// The lowest free descriptor at or above `minimum` and below the soft limit, or nil (EMFILE).
    func lowestFree(atOrAbove minimum: Int = 0) -> Int? {
        guard minimum >= 0, minimum < softLimit else { return nil }
        var word = minimum >> 6
        while word < (softLimit + 63) >> 6 {
            let bits = word < used.count ? used[word] : 0
            var free = ~bits
            if word == minimum >> 6 { free &= ~0 << UInt64(minimum & 63) }
            if free != 0 {
                let slot = word << 6 + free.trailingZeroBitCount
                return slot < softLimit ? slot : nil
            }
            word += 1
        }
        return nil
    }

    /// Puts `file` in the lowest free slot at or above `minimum`; the descriptor, or nil (EMFILE).
    mutating func install(_ file: OpenFile, closeOnExec: Bool = false, atOrAbove minimum: Int = 0) -> Int32? {
        guard let slot = lowestFree(atOrAbove: minimum) else { return nil }
        place(file, at: slot, closeOnExec: closeOnExec)
        return Int32(slot)
    }

    /// Puts `file` at `fd` (dup3), which must be below the soft limit; returns what was
    /// there (the caller releases it).
    mutating func replace(_ fd: Int32, with file: OpenFile, closeOnExec: Bool) -> OpenFile? {
        let previous = remove(fd)
        place(file, at: Int(fd), closeOnExec: closeOnExec)
        return previous
    }

    /// Empties `fd`; what it held (the caller releases it), or nil if it was free.
    mutating func remove(_ fd: Int32) -> OpenFile? {
        guard let file = file(fd) else { return nil }
        let slot = Int(fd)
        slots[slot] = nil
        closeOnExec[slot] = false
        used[slot >> 6] &= ~(1 << UInt64(slot & 63))
        count -= 1
        return file
    }

    /// Every open descriptor in ascending order.
    var descriptors: [(fd: Int32, file: OpenFile, closeOnExec: Bool)] {
        slots.indices.compactMap { index in slots[index].map { (Int32(index), $0, closeOnExec[index]) } }
    }

    private mutating func place(_ file: OpenFile, at slot: Int, closeOnExec flag: Bool) {
        if slot >= slots.count {
            let size = max(slot + 1, min(max(slots.count * 2, 16), max(softLimit, slot + 1)))
            slots += Array(repeating: nil, count: size - slots.count)
            closeOnExec += Array(repeating: false, count: size - closeOnExec.count)
            used += Array(repeating: 0, count: max(0, (size + 63) >> 6 - used.count))
        }
        file.retain()
        slots[slot] = file
        closeOnExec[slot] = flag
        used[slot >> 6] |= 1 << UInt64(slot & 63)
        count += 1
        peak = max(peak, slot + 1)
    }
}
