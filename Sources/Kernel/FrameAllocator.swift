// Physical page frames. The kernel hands out 4 KiB frames of the machine's RAM for page
// tables and user pages and takes them back when a region is unmapped or a process ends.
// Frames never used yet are still zero (RAM starts zeroed); a reused frame is zeroed
// before it is handed out again, so no process sees another's data.

import Machine

final class FrameAllocator {
    static let pageSize: UInt64 = 4096

    let memory: PhysicalMemory
    /// Frames past this index have never been handed out.
    private var nextFresh: UInt64 = 0
    private let frameCount: UInt64
    /// Released frames, reused first (last released, first reused).
    private var released: [UInt64] = []

    init(memory: PhysicalMemory) {
        self.memory = memory
        frameCount = memory.size / Self.pageSize
    }

    /// Frames handed out and not yet released.
    var framesInUse: UInt64 { nextFresh - UInt64(released.count) }
    var framesFree: UInt64 { frameCount - framesInUse }

    /// A zeroed frame's physical address, or nil when RAM is exhausted.
    func allocate() -> UInt64? {
        if let frame = released.popLast() {
            memory.zero(at: frame, count: Self.pageSize)
            return frame
        }
        guard nextFresh < frameCount else { return nil }
        defer { nextFresh += 1 }
        return memory.base + nextFresh * Self.pageSize
    }

    func release(_ frame: UInt64) {
        released.append(frame)
    }
}
