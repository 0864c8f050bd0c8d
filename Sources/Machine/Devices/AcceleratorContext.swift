// One context on the accelerator, as a GPU driver gives one to each process that opens
// the device: the root of its Sv39 page table in device memory and the frames it owns,
// its queue of launches (the head one runs; items are counted, never listed), the lanes'
// registers an instruction-level preemption saved, and its counters.

/// A launch as the device runs it: which items were handed out and which returned.
struct AcceleratorSubmission {
    let number: UInt64
    let launch: AcceleratorLaunch
    /// The next item to hand out; items below it have started.
    var nextItem: UInt64 = 0
    /// Items that returned.
    var returned: UInt64 = 0
    /// The latest device cycle at which one of its items returned.
    var lastReturn: UInt64 = 0
}

/// One lane as an instruction-level preemption left it: its item, registers and PC.
struct SavedLane {
    var busy = false
    var item: UInt64 = 0
    var pc: UInt64 = 0
    var integers = [UInt64](repeating: 0, count: 32)
    var floats = [UInt64](repeating: 0, count: 32)
    var floatingPointControl: UInt64 = 0
}

final class AcceleratorContext {
    let number: Int
    /// Physical address of the root page table (in device memory).
    let root: UInt64
    /// Frames it owns: page tables, buffers, stacks, the return page.
    var frames = 1
    /// Launches in order; the first one is the one that runs. At most
    /// `AcceleratorConfiguration.maximumQueuedLaunches`.
    var queue: [AcceleratorSubmission] = []
    var nextSubmission: UInt64 = 1
    /// A lane trapped: its work was dropped and it takes no more.
    var faulted = false
    /// Every lane's state, when an instruction-level preemption took the lanes from it.
    var savedLanes: [SavedLane]? = nil
    var statistics = AcceleratorContextStatistics()

    init(number: Int, root: UInt64) {
        self.number = number
        self.root = root
    }

    /// The lanes' `satp` while it runs: Sv39, ASID 0, its root.
    var satp: UInt64 { 8 << 60 | (root >> 12) }

    /// Drops every queued and running launch and any saved lane state.
    func dropWork() {
        queue.removeAll()
        savedLanes = nil
    }
}
