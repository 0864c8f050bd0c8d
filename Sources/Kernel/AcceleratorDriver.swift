// The accelerator's driver state: which process holds which context (handles 1...16 per
// process, as a GPU driver gives a process its contexts), each context's buffers in its
// own address space (first fit from AcceleratorLayout.bufferBase, an unmapped guard page
// after each, at most 4,096 of them), its submissions, the threads waiting for them, and
// the program image the context holds a copy of (so a kernel function's address in the
// program is valid on the device). Every table here is bounded per process; nothing
// grows with what a guest did before. AcceleratorCalls.swift implements the calls on it,
// AcceleratorScheduler.swift shares the device among the contexts.

import Machine

/// One context a process opened on the device.
final class AcceleratorContext {
    /// The device's number for it, the kernel's (unique in the run, for the trace and the
    /// metrics), the process's handle, and the process.
    let deviceID: Int
    let serial: Int32
    let handle: Int
    let pid: Int32
    let processName: String
    /// Buffers by start address, sorted: [start, end) each, mapped read+write.
    var buffers: [(start: UInt64, end: UInt64)] = []
    /// The program's pages copied in: [start, end) and whether executable (kernel entries
    /// must lie in one of those).
    var programRanges: [(start: UInt64, end: UInt64, executable: Bool)] = []
    /// Submissions: the last one issued, and every one up to `finishedThrough` has ended
    /// (completed, or dropped by a reset or a fault). The device runs them in order.
    var lastIssued: UInt64 = 0
    var finishedThrough: UInt64 = 0
    /// Ranges of submissions a watchdog reset dropped (the most recent few), so a later
    /// wait on one answers -ETIMEDOUT.
    var resetRanges: [ClosedRange<UInt64>] = []
    /// A lane faulted: later calls get -EIO, waits on what was dropped -EFAULT; the
    /// submissions up to `completedBeforeFault` had completed.
    var faulted = false
    var completedBeforeFault: UInt64 = 0
    /// Unfinished submissions in order: number, device cycle of submission, and whether
    /// the head has started running (for the wait-to-first-run metric).
    var pending: [(submission: UInt64, submittedAt: UInt64)] = []
    var pendingHead = 0
    var headStarted = false
    /// Threads blocked in accel_wait on it, and the submission each waits for.
    var waiters: [(thread: Thread, submission: UInt64)] = []
    /// In the driver's ready queue; on the lanes (switched to) and switched in (running).
    var isQueued = false
    var isSwitchedIn = false
    /// What the kernel counted for it (the device's own counts are added when asked).
    var metrics: AcceleratorContextMetrics

    init(deviceID: Int, serial: Int32, handle: Int, pid: Int32, processName: String) {
        self.deviceID = deviceID
        self.serial = serial
        self.handle = handle
        self.pid = pid
        self.processName = processName
        metrics = AcceleratorContextMetrics(context: serial, pid: pid, handle: handle)
    }

    var pendingCount: Int { pending.count - pendingHead }
    var firstPending: (submission: UInt64, submittedAt: UInt64)? { pendingHead < pending.count ? pending[pendingHead] : nil }

    func popPending() {
        pendingHead += 1
        if pendingHead >= 64, pendingHead * 2 >= pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    /// Forgets every submission still queued or running (a reset or a fault dropped them).
    func dropPending() {
        pending.removeAll()
        pendingHead = 0
        headStarted = false
    }

    /// "process 2 (vector-add), context 3".
    var name: String { "process \(pid) (\(processName)), context \(serial)" }

    /// The buffer that holds all of [address, address + length), if one does.
    func buffer(holding address: UInt64, length: UInt64) -> (start: UInt64, end: UInt64)? {
        let (end, overflow) = address.addingReportingOverflow(length)
        guard !overflow else { return nil }
        for buffer in buffers where buffer.start <= address && end <= buffer.end { return buffer }
        return nil
    }

    /// Where a buffer of `bytes` (whole pages) fits first, with a free guard page after it
    /// and after the one before it; nil when the buffer space has no such gap.
    func firstFit(bytes: UInt64) -> UInt64? {
        let page = AddressSpace.pageSize
        var candidate = AcceleratorLayout.bufferBase
        for buffer in buffers {
            if candidate < buffer.start, bytes <= buffer.start - candidate, buffer.start - candidate - bytes >= page { return candidate }
            candidate = max(candidate, buffer.end.addingSaturated(page))
        }
        guard candidate < AcceleratorLayout.bufferLimit, bytes <= AcceleratorLayout.bufferLimit - candidate else { return nil }
        return candidate
    }

    func insertBuffer(start: UInt64, end: UInt64) {
        let index = buffers.firstIndex { $0.start > start } ?? buffers.count
        buffers.insert((start, end), at: index)
    }

    /// The outcome of a submission that has finished: 0, or the errno it ended with.
    func outcome(of submission: UInt64) -> Errno? {
        if faulted, submission > completedBeforeFault { return .EFAULT }
        for range in resetRanges where range.contains(submission) { return .ETIMEDOUT }
        return nil
    }

    /// Notes that the submissions after `finishedThrough` up to `lastIssued` were dropped
    /// by a reset (the latest `resetMemory` such ranges are remembered).
    func dropByReset() {
        guard lastIssued > finishedThrough else { return }
        if resetRanges.count >= AcceleratorDriver.resetMemory { resetRanges.removeFirst() }
        resetRanges.append((finishedThrough + 1)...lastIssued)
        finishedThrough = lastIssued
    }
}

/// The driver: the device, the policy's settings, the contexts and the ready queue.
final class AcceleratorDriver {
    let device: Accelerator
    let settings: AcceleratorSettings
    let clock: AcceleratorClock
    /// Live contexts by device number, and each process's handles (slot i: handle i + 1).
    var contexts: [Int: AcceleratorContext] = [:]
    var handles: [Int32: [AcceleratorContext?]] = [:]
    var nextSerial: Int32 = 1
    /// Contexts with work waiting for the lanes, in the order they became ready.
    var ready: [AcceleratorContext] = []
    /// The context the driver put on the lanes (switching in, running, or asked to leave).
    var onLanes: AcceleratorContext? = nil
    /// Device cycles: where the running context's slice ends (nil: none, nobody waits),
    /// when it was asked to leave, and where the watchdog resets it.
    var sliceEnd: UInt64? = nil
    var preemptionAskedAt: UInt64? = nil
    var watchdogAt: UInt64? = nil
    /// The CPU cycle (hart 0's clock) the driver next looks at the device, while work is
    /// outstanding; the last CPU cycle it advanced the device to.
    var lastAdvance: UInt64 = 0
    /// Metrics of every context made in the run (index: serial - 1), up to `recordLimit`.
    var records: [AcceleratorContextMetrics] = []
    var unrecordedContexts: UInt64 = 0
    /// Instructions the lanes retired for contexts since destroyed (the live ones' are
    /// the device's): the run's instruction limit counts the lanes too.
    var destroyedInstructions: UInt64 = 0
    /// Notes for the run's report (resets, faults), as written on standard error.
    var notes: [String] = []

    static let handlesPerProcess = 16
    static let buffersPerContext = 4_096
    static let pendingPerContext = AcceleratorConfiguration.maximumQueuedLaunches
    static let resetMemory = 64
    static let recordLimit = 4_096
    static let noteLimit = 256
    /// The hart whose timer the driver uses to look at the device (its interrupt): the
    /// network's, so the timer's check of both is one comparison.
    static let hart = NetworkInterface.hart
    /// DMA bandwidth of the driver's copies: bytes per simulated second (8 GB/s).
    static let copyBandwidth: UInt64 = 8_000_000_000
    /// Most bytes one copy call moves (the host copies it in chunks of `copyChunk`).
    static let copyLimit: UInt64 = 1 << 30
    static let copyChunk = 64 << 10
    /// Most items in one launch and most items in a work-group.
    static let itemLimit: UInt64 = 1 << 32
    static let groupLimit: UInt64 = 1 << 20

    init(device: Accelerator, settings: AcceleratorSettings, cpuFrequency: UInt64) {
        self.device = device
        self.settings = settings
        clock = AcceleratorClock(cpuFrequency: cpuFrequency, deviceFrequency: device.configuration.clockFrequency)
    }

    /// The context behind a process's handle, or nil.
    func context(pid: Int32, handle: UInt64) -> AcceleratorContext? {
        guard handle >= 1, handle <= UInt64(Self.handlesPerProcess), let slots = handles[pid] else { return nil }
        return slots[Int(handle) - 1]
    }

    /// The lowest free handle of a process (1...16), or nil when it has 16 contexts.
    func freeHandle(pid: Int32) -> Int? {
        let slots = handles[pid] ?? Array(repeating: nil, count: Self.handlesPerProcess)
        return slots.firstIndex { $0 == nil }.map { $0 + 1 }
    }

    func register(_ context: AcceleratorContext) {
        var slots = handles[context.pid] ?? Array(repeating: nil, count: Self.handlesPerProcess)
        slots[context.handle - 1] = context
        handles[context.pid] = slots
        contexts[context.deviceID] = context
        if records.count < Self.recordLimit, Int(context.serial) == records.count + 1 {
            records.append(context.metrics)
        } else {
            unrecordedContexts &+= 1
        }
    }

    /// Forgets a context (the device has destroyed it, its record is saved): its handle,
    /// the ready queue, the lanes.
    func unregister(_ context: AcceleratorContext) {
        if var slots = handles[context.pid] {
            slots[context.handle - 1] = nil
            handles[context.pid] = slots.allSatisfy { $0 == nil } ? nil : slots
        }
        contexts[context.deviceID] = nil
        ready.removeAll { $0 === context }
        context.isQueued = false
        context.waiters = []
        if onLanes === context { leaveLanes() }
    }

    /// The lanes are free: no slice, no preemption asked, no watchdog.
    func leaveLanes() {
        onLanes?.isSwitchedIn = false
        onLanes = nil
        sliceEnd = nil
        preemptionAskedAt = nil
        watchdogAt = nil
    }

    /// Copies the context's metrics, with the device's counts, into the run's records.
    func saveRecord(of context: AcceleratorContext) {
        let index = Int(context.serial) - 1
        guard index >= 0, index < records.count else { return }
        records[index] = metrics(of: context)
    }

    /// The context's metrics now: the kernel's counts and the device's.
    func metrics(of context: AcceleratorContext) -> AcceleratorContextMetrics {
        var metrics = context.metrics
        if let device = device.statistics(of: context.deviceID) { metrics.device = device }
        return metrics
    }

    /// Instructions the lanes have retired in the run, for the instruction limit.
    var instructionsRetired: UInt64 {
        contexts.values.reduce(destroyedInstructions) { $0 &+ (device.statistics(of: $1.deviceID)?.instructions ?? 0) }
    }

    /// Whether anything is queued or running on the device (the driver must look at it).
    var hasOutstandingWork: Bool { onLanes != nil || !ready.isEmpty }

    /// CPU cycles a DMA copy of `bytes` takes at `copyBandwidth` (at least one).
    func copyCycles(_ bytes: UInt64) -> UInt64 {
        max(1, AcceleratorClock.scale(bytes, by: clock.cpuFrequency, over: Self.copyBandwidth, roundingUp: true))
    }
}

extension Kernel {
    /// The driver, made with the kernel when the machine has an accelerator.
    static func makeAcceleratorDriver(machine: Machine, configuration: KernelConfiguration) -> AcceleratorDriver? {
        guard let device = machine.accelerator, let settings = configuration.accelerator else { return nil }
        return AcceleratorDriver(device: device, settings: settings, cpuFrequency: configuration.clockFrequency)
    }

    /// Copies the process's loaded program into a new context at the same addresses:
    /// every page of its program regions, code executable, data writable; pages never
    /// touched stay zero, as they are in the process. False when the device is out of memory.
    func copyProgramImage(of process: Process, into context: AcceleratorContext, driver: AcceleratorDriver) -> (ok: Bool, bytes: UInt64) {
        let space = process.addressSpace
        var copied: UInt64 = 0
        for region in space.regions where region.kind == .program {
            let length = region.end - region.start
            let writable = region.permissions & PTE.write != 0, executable = region.permissions & PTE.execute != 0
            guard driver.device.map(context.deviceID, at: region.start, bytes: length, writable: writable, executable: executable) else {
                return (false, copied)
            }
            if context.programRanges.count < UserLayout.maximumSegments * 2 {
                context.programRanges.append((region.start, region.end, executable))
            }
            // Only the pages the process has (absent tables skipped whole); the rest stay zero.
            var failed = false
            space.pageTable.forEachMappedPage(from: region.start, to: region.end) { page in
                guard !failed, let (frame, _) = space.pageTable.lookup(page),
                      let bytes = space.memory.read(at: frame, count: Int(AddressSpace.pageSize)), bytes.contains(where: { $0 != 0 }) else { return }
                if driver.device.write(context.deviceID, at: page, bytes) { copied &+= AddressSpace.pageSize } else { failed = true }
            }
            if failed { return (false, copied) }
        }
        return (true, copied)
    }
}
