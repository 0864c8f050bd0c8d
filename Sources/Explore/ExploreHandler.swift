// The bridge between the kernel's schedule points and a search strategy: each
// `ScheduleQuery` becomes the groundwork's `SchedulePoint` (threads by their dense serial,
// footprints from what each candidate touches next), the `Explorer` answers, and every
// preemption is remembered with the thread and PC it interrupted, for the failure report.

import Kernel

/// Where a run's preemption fell: the thread that was interrupted and its PC.
public struct PreemptionSite: Sendable, Equatable {
    /// The index of the decision that preempted (in the run's decisions).
    public var step: Int
    /// The preempted thread, as the guest sees it (gettid).
    public var thread: Int32
    /// Its process, when the kernel still knew it at the point.
    public var pid: Int32?
    public var pc: UInt64
    /// `function+0x1c (file.swift:12)`, filled only when the handler describes (a report's run).
    public var location: String?
}

extension AccessKind {
    /// The explorer's view of the kernel's pending kind (the two enums mirror each other).
    @inlinable
    init(_ kind: PendingKind) {
        switch kind {
        case .read: self = .read
        case .write: self = .write
        case .sync: self = .sync
        case .local: self = .local
        }
    }
}

/// A `SchedulePointHandler` driven by one strategy. Generic, so the call from the point to
/// the strategy is direct; one existential call per point (the kernel's) is all it costs.
final class ExploreHandler<Strategy: ScheduleStrategy>: SchedulePointHandler {
    var explorer: Explorer<Strategy>
    /// The current run's preemptions, in order.
    private(set) var preemptions: [PreemptionSite] = []
    /// Set for a report's run: each preemption is named as it happens (the thread's process
    /// may be gone when the run ends). Unowned use: only while that kernel runs.
    weak var describing: Kernel?
    /// Set for shrinking by departures (DepartureShrink.swift): receives each point's PC.
    var location: PointLocation?
    private var point = SchedulePoint()

    init(strategy: Strategy) {
        explorer = Explorer(strategy: strategy)
    }

    /// Starts the next run; false when the strategy has nothing left.
    func beginRun() -> Bool {
        preemptions.removeAll(keepingCapacity: true)
        return explorer.beginRun()
    }

    func choose(_ query: ScheduleQuery) -> ScheduleAnswer {
        point.reset(running: query.running)
        for candidate in query.candidates {
            point.add(thread: candidate.serial, next: Footprint(object: candidate.object, kind: AccessKind(candidate.kind)))
        }
        location?.pc = query.pc
        let before = explorer.record.preemptionSteps.count
        switch explorer.choose(point) {
        case .abandon:
            return .abandon
        case .run(let thread):
            if explorer.record.preemptionSteps.count != before, let running = query.running {
                notePreemption(of: running, query: query)
            }
            return .run(serial: thread)
        }
    }

    private func notePreemption(of running: UInt32, query: ScheduleQuery) {
        let tid = query.candidates.first { $0.serial == running }?.tid ?? Int32(truncatingIfNeeded: running)
        var site = PreemptionSite(step: explorer.record.decisions.count - 1, thread: tid, pid: nil, pc: query.pc, location: nil)
        if let kernel = describing {
            site.pid = kernel.pid(ofThread: tid)
            site.location = site.pid.map { kernel.describeCode(at: query.pc, pid: $0) } ?? "0x\(String(query.pc, radix: 16))"
        }
        preemptions.append(site)
    }
}
