// Physical page frames. The kernel hands out 4 KiB frames of the machine's RAM for page
// tables and user pages and takes them back when a region is unmapped or a process ends.
// Frames never used yet are still zero (RAM starts zeroed); a reused frame is zeroed
// before it is handed out again, so no process sees another's data. Each frame counts
// the page-table entries that point at it: fork shares a parent's pages with its child
// copy-on-write (Fork.swift), and a frame goes back only when its last user lets go.

import Machine

final class FrameAllocator {
    /// The race log, when race detection is on (RaceLogHooks.swift).
    var raceLog: RaceLog? = nil
    static let pageSize: UInt64 = 4096

    let memory: PhysicalMemory
    /// Frames past this index have never been handed out.
    private var nextFresh: UInt64 = 0
    private let frameCount: UInt64
    /// Released frames, reused first (last released, first reused).
    private var released: [UInt64] = []
    /// Per frame handed out (by index): how many users it has; 0 once released.
    private var references: [UInt32] = []
    /// Under exploration: page owners, forgotten when a frame is reused (ScheduleHook.swift).
    var schedulePointWatch: SchedulePointWatch? = nil

    init(memory: PhysicalMemory) {
        self.memory = memory
        frameCount = memory.size / Self.pageSize
    }

    /// Frames handed out and not yet released.
    var framesInUse: UInt64 { nextFresh - UInt64(released.count) }
    var framesFree: UInt64 { frameCount - framesInUse }

    private func index(_ frame: UInt64) -> Int? {
        guard frame >= memory.base else { return nil }
        let index = (frame - memory.base) / Self.pageSize
        return index < UInt64(references.count) ? Int(index) : nil
    }

    /// A zeroed frame's physical address (one user), or nil when RAM is exhausted.
    func allocate() -> UInt64? {
        if let frame = released.popLast() {
            // A reused frame: its old owner's accesses cannot race with the new owner's.
            raceLog?.append(RaceLogRecord(kind: .forget, thread: -1, physical: frame, virtual: Self.pageSize))
            memory.zero(at: frame, count: Self.pageSize)
            if let schedulePointWatch { schedulePointWatch.forget(page: Int(truncatingIfNeeded: (frame &- memory.base) / Self.pageSize)) }
            if let index = index(frame) { references[index] = 1 }
            return frame
        }
        guard nextFresh < frameCount else { return nil }
        defer { nextFresh += 1 }
        references.append(1)
        return memory.base + nextFresh * Self.pageSize
    }

    /// One more user of `frame` (a page shared by fork).
    func share(_ frame: UInt64) {
        guard let index = index(frame), references[index] > 0 else { return }
        references[index] &+= 1
    }

    /// How many users `frame` has (0 for a free frame).
    func users(of frame: UInt64) -> UInt32 {
        index(frame).map { references[$0] } ?? 0
    }

    /// One user lets go of `frame`; the last one gives it back.
    func release(_ frame: UInt64) {
        guard let index = index(frame), references[index] > 0 else { return }
        references[index] -= 1
        if references[index] == 0 { released.append(frame) }
    }
}
