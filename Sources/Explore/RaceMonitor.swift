// Race detection on a running kernel: reads the kernel's race log (every guest memory
// access and synchronisation, in order) into the FastTrack detector, and turns its
// reports into findings a person can act on: both accesses with thread, kind, size, PC,
// function and line, and the variable by symbol and offset.
//
// CONTRACT (issue 18 wave): the public API below is fixed; the `races` part builds it.

import Kernel
import Machine

/// One data race, reported once per pair of code locations.
public struct RaceFinding: Sendable, Equatable, CustomStringConvertible {
    public struct Side: Sendable, Equatable {
        public var thread: Int32
        public var isWrite: Bool
        public var size: Int
        public var pc: UInt64
        /// `function+0x1c (file.swift:12)`, or the PC in hex without symbols.
        public var location: String

        public init(thread: Int32, isWrite: Bool, size: Int, pc: UInt64, location: String) {
            self.thread = thread
            self.isWrite = isWrite
            self.size = size
            self.pc = pc
            self.location = location
        }
    }

    public var address: UInt64
    /// `symbol+0x8`, or the address in hex when no symbol covers it (heap, stack).
    public var variable: String
    /// The earlier access and the one that raced with it.
    public var first: Side
    public var second: Side

    public init(address: UInt64, variable: String, first: Side, second: Side) {
        self.address = address
        self.variable = variable
        self.first = first
        self.second = second
    }

    public var description: String {
        func side(_ s: Side) -> String {
            "thread \(s.thread) \(s.isWrite ? "write" : "read") of \(s.size) at \(s.location)"
        }
        return "data race on \(variable): \(side(first)), then \(side(second))"
    }
}

/// Watches one kernel's run for races. Attach it right after the kernel is made (its
/// configuration has `exploration.raceLog` on) and before it runs.
///
/// The kernel's log calls the monitor whenever it fills and before a process leaves the
/// kernel's table, so every race is named (function, line, variable) while its process
/// is still there. One monitor may watch one kernel after another (an exploration restores
/// a snapshot per schedule and attaches again): `races` keeps each pair of code locations
/// once over all of them.
public final class RaceMonitor {
    public init() {}

    /// The kernel watched now (not retained: the caller owns it for the run).
    private weak var kernel: Kernel?
    private var detector = RaceDetector(memoryBase: 0, memorySize: 0, mainThread: -1)
    /// Detector slots by guest thread id (live threads), and each thread's process.
    private var slotOfThread: [Int32: Int] = [:]
    private var pidOfThread: [Int32: Int32] = [:]
    /// Per hart: the slot and the thread running there (-1: none known).
    private var slotOnHart: [Int] = []
    private var threadOnHart: [Int32] = []
    /// The clocks riding with the bytes in flight of each byte stream, by the log's stream name.
    private var streams: [UInt64: MessageClocks] = [:]
    /// Per process with ended threads: the join of their final clocks, for wait4.
    private var processClocks: [Int32: VectorClock] = [:]
    /// Pairs of code locations reported, over every kernel watched.
    private var reported: Set<PCPair> = []

    /// Starts watching `kernel` (a new run: the detector starts empty). A kernel without
    /// a race log (`exploration.raceLog` off) is not watched.
    public func attach(to kernel: Kernel) {
        if let old = self.kernel, old !== kernel { old.raceLog?.consumer = nil }
        self.kernel = kernel
        slotOfThread = [:]
        pidOfThread = [:]
        streams = [:]
        processClocks = [:]
        let harts = kernel.machine.harts.count
        slotOnHart = Array(repeating: -1, count: harts)
        threadOnHart = Array(repeating: -1, count: harts)
        let memory = kernel.machine.memory
        // Slot 0 is the kernel itself: threads it starts (the first process's) begin after it.
        detector = RaceDetector(memoryBase: memory.base, memorySize: memory.size, mainThread: -1)
        guard let log = kernel.raceLog else { return }
        log.clear()   // what the loader did happened before any thread: nothing to check
        log.consumer = { [weak self] log in self?.consume(log) }
        for thread in kernel.raceLogLiveThreads() {
            guard let slot = detector.spawn(parent: 0, thread: Int(thread.tid)) else { continue }
            slotOfThread[thread.tid] = slot
            pidOfThread[thread.tid] = thread.pid
            if let hart = thread.hart, hart >= 0, hart < harts {
                slotOnHart[hart] = slot
                threadOnHart[hart] = thread.tid
            }
        }
    }

    /// Reads what the log holds now; call when the run has ended (and may call between slices).
    public func drain() {
        kernel?.raceLog?.flush()
    }

    /// The races found so far, each once, in the order found.
    public private(set) var races: [RaceFinding] = []

    /// Races beyond the detector's report limit, not kept.
    public var droppedRaces: Int { detector.droppedReports }

    // MARK: reading the log

    private func consume(_ log: RaceLog) {
        // The detector moves into a local for the batch: a class's stored property would be
        // checked for exclusive access (a runtime call) on every mutating use.
        var detector = RaceDetector(memoryBase: 0, memorySize: 0, mainThread: -1)
        swap(&detector, &self.detector)
        defer { swap(&detector, &self.detector) }
        let records = log.records
        var index = 0
        let count = log.count
        while index < count {
            let record = records[index]
            index &+= 1
            switch record.kind {
            case .read, .write:
                let hart = Int(record.thread)
                let slot = hart >= 0 && hart < slotOnHart.count ? slotOnHart[hart] : -1
                guard slot >= 0 else { continue }
                detector.access(slot: slot, address: record.physical, size: Int(record.size), isWrite: record.kind == .write,
                                pc: record.pc)
                if _slowPath(!detector.reports.isEmpty) {
                    swap(&detector, &self.detector)
                    name(record: record)
                    swap(&detector, &self.detector)
                }
            default:
                swap(&detector, &self.detector)
                apply(record)
                swap(&detector, &self.detector)
            }
        }
        log.clear()
    }

    @inline(__always)
    private func slot(_ tid: Int32) -> Int { slotOfThread[tid] ?? -1 }

    @inline(__always)
    private func slot(onHart hart: Int32) -> Int {
        let index = Int(hart)
        return index >= 0 && index < slotOnHart.count ? slotOnHart[index] : -1
    }

    private func apply(_ record: RaceLogRecord) {
        switch record.kind {
        case .read, .write:
            let slot = slot(onHart: record.thread)
            guard slot >= 0 else { return }
            detector.access(slot: slot, address: record.physical, size: Int(record.size), isWrite: record.kind == .write,
                            pc: record.pc)
            if _slowPath(!detector.reports.isEmpty) { name(record: record) }
        case .atomic:
            detector.atomic(slot: slot(onHart: record.thread), address: record.physical, reads: true, writes: true,
                            acquire: record.bits & 2 != 0, release: record.bits & 1 != 0)
        case .loadReserved:
            detector.loadReserved(slot: slot(onHart: record.thread), address: record.physical, acquire: record.bits & 2 != 0)
        case .storeConditional:
            // A successful SC ends an atomic read-modify-write begun by its LR: a compare-and-swap,
            // what locks are made of. It is taken as acquire-release whatever its bits: glibc
            // puts the ordering of its locks in other places than the aq/rl bits (its mutex
            // takes the lock with `lr.w; sc.w.aq`, its rwlock's writer unlock releases with a
            // bare `lr.w; sc.w`), and the machine is sequentially consistent anyway. The
            // price: a race ordered only by a relaxed compare-and-swap is not reported.
            guard record.bits & 4 != 0 else { return }
            detector.atomic(slot: slot(onHart: record.thread), address: record.physical, reads: true, writes: true,
                            acquire: true, release: true)
        case .fence:
            detector.fence(slot: slot(onHart: record.thread), predecessor: record.bits >> 4, successor: record.bits & 0xF)
        case .running:
            let hart = Int(truncatingIfNeeded: record.physical)
            guard hart >= 0, hart < slotOnHart.count else { return }
            slotOnHart[hart] = slot(record.thread)
            threadOnHart[hart] = record.thread
        case .spawn:
            let child = Int32(truncatingIfNeeded: record.virtual)
            guard slotOfThread[child] == nil else { return }   // exec keeps the thread going
            let parent = record.thread < 0 ? 0 : slot(record.thread)
            guard let slot = detector.spawn(parent: parent >= 0 ? parent : 0, thread: Int(child)) else { return }
            slotOfThread[child] = slot
            pidOfThread[child] = Int32(truncatingIfNeeded: record.physical)
        case .exit:
            let slot = slot(record.thread)
            guard slot >= 0 else { return }
            if let pid = pidOfThread[record.thread] { processClocks[pid, default: VectorClock()].join(detector.clocks[slot]) }
            detector.exit(slot: slot)
            slotOfThread[record.thread] = nil
            for hart in slotOnHart.indices where slotOnHart[hart] == slot {
                slotOnHart[hart] = -1
                threadOnHart[hart] = -1
            }
        case .join:
            let ended = Int(Int32(truncatingIfNeeded: record.virtual))
            detector.join(slot: slot(record.thread), thread: ended)
            detector.forgetEnded(thread: ended)
        case .joinProcess:
            let pid = Int32(truncatingIfNeeded: record.physical)
            if let clock = processClocks.removeValue(forKey: pid) { detector.acquire(slot: slot(record.thread), clock: clock) }
        case .wake:
            detector.wake(from: slot(record.thread), to: slot(Int32(truncatingIfNeeded: record.virtual)))
        case .releaseObject:
            detector.release(slot: slot(record.thread), object: record.physical)
        case .acquireObject:
            detector.acquire(slot: slot(record.thread), object: record.physical)
        case .send:
            detector.send(slot: slot(record.thread), count: record.virtual, on: &streams[record.physical, default: MessageClocks()])
        case .receive:
            detector.receive(slot: slot(record.thread), count: record.virtual, on: &streams[record.physical, default: MessageClocks()])
        case .forget:
            detector.forget(address: record.physical, count: record.virtual)
        }
    }

    /// Whether a variable's symbol says it is an atomic (Swift's `Synchronization.Atomic`,
    /// `AtomicLazyReference`): its relaxed loads and stores are plain instructions.
    static func declaresAtomic(_ variable: String) -> Bool {
        variable.contains("Synchronization.Atomic")
    }

    /// Names the detector's new reports, found at the access `record` (the detector then
    /// keeps only which pairs it has seen):
    /// its process is in the kernel's table now, so functions, lines and the variable are known.
    private func name(record: RaceLogRecord) {
        let reports = detector.takeReports()
        let currentThread = threadOnHart.indices.contains(Int(record.thread)) ? threadOnHart[Int(record.thread)] : -1
        let pid = pidOfThread[currentThread] ?? -1
        for report in reports {
            guard reported.insert(report.pcPair).inserted else { continue }
            let virtual = record.virtual &+ (report.address &- record.physical)
            func side(_ access: RaceAccess, thread: Int32) -> RaceFinding.Side {
                let owner = pidOfThread[thread] ?? pid
                let location = kernel?.describeCode(at: access.pc, pid: owner) ?? "0x" + String(access.pc, radix: 16)
                return RaceFinding.Side(thread: thread, isWrite: access.isWrite, size: access.size, pc: access.pc, location: location)
            }
            let variable = kernel?.describeRaceVariable(at: virtual, pid: pid) ?? "0x" + String(virtual, radix: 16)
            if RaceMonitor.declaresAtomic(variable) {
                // Relaxed atomic loads and stores compile to plain ones, so only the variable's
                // declared type tells them apart: from now on the location is a synchronisation
                // location (its plain accesses count as relaxed atomics), and this is no race.
                _ = detector.shadow.syncClock(report.address)
                continue
            }
            races.append(RaceFinding(address: virtual, variable: variable,
                                     first: side(report.previous, thread: Int32(truncatingIfNeeded: report.previous.thread)),
                                     second: side(report.current, thread: currentThread)))
        }
    }
}
