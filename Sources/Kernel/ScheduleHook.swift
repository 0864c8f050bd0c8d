// The kernel's side of schedule points (issue 18; the contract is SchedulePoints.swift).
// With `configuration.exploration.schedulePoints` on, the kernel stops a thread before
// every operation where threads can affect each other — a shared page's access, an
// atomic, LR, SC (the machine stops there: SchedulePointWatch.swift), a system call that
// synchronises or communicates — and when a thread blocks or ends with two or more ready
// to take its hart; at each it asks `schedulePointHandler` which thread runs next. Time
// decides nothing in this mode: the policy is cooperative and there is no jitter, so a
// run is a pure function of program, configuration and the handler's answers.

import Machine

/// The kernel's schedule-point state (kept in `Kernel.schedulePoints`).
struct SchedulePointState {
    /// Exploration's schedule points are on (the configuration says so).
    let isOn: Bool
    /// Per hart: the serial of the thread that ran last on it (the query's `running`
    /// when a blocked or ended thread's hart is given to the next one).
    var lastSerial: [UInt32?]
    /// Per hart: that thread's id (to tell a thread that blocked from one that ended).
    var lastTID: [Int32]
    /// Points at which the handler was asked, for tests and statistics.
    var questions: UInt64 = 0
    /// The machine's trap hook under exploration (kept alive here; the harts hold it unretained).
    var trapHandler: SchedulePointTrapHandler? = nil
    /// Several harts (lock-step): per hart, the thread the handler chose to run there; the
    /// hart's wake-up puts it on (`dispatch`).
    var handOff: [Thread?]
    /// Several harts: the hart whose thread was just parked at a point (it idles).
    var parking: Int? = nil

    init(isOn: Bool, harts: Int) {
        self.isOn = isOn
        lastSerial = Array(repeating: nil, count: harts)
        lastTID = Array(repeating: 0, count: harts)
        handOff = Array(repeating: nil, count: harts)
    }
}

/// Object ids for footprints that are not memory: a tag in the top byte, so they never
/// equal a physical address (RAM lies far below 2^56).
enum ScheduleObject {
    static func virtualWord(_ pid: Int32, _ address: UInt64) -> UInt64 { 1 << 56 | UInt64(UInt32(bitPattern: pid)) << 40 ^ (address & 0xFF_FFFF_FFFF) }
    static func threadsOf(_ pid: Int32) -> UInt64 { 2 << 56 | UInt64(UInt32(bitPattern: pid)) }
    static let processes: UInt64 = 3 << 56
    static func openFile(_ serial: UInt64) -> UInt64 { 4 << 56 | (serial & 0xFF_FFFF_FFFF_FFFF) }
}

extension Kernel {
    /// Turns the machine's side on (Kernel.init, when the configuration asks for points).
    func attachSchedulePoints() {
        guard schedulePoints.isOn else { return }
        machine.attachSchedulePointWatch()
        frames.schedulePointWatch = machine.schedulePointWatch   // a reused frame starts untouched
        // Traps reach the kernel through the points' own hook, so the plain trap path
        // (TrapDispatch.swift) carries no check for exploration.
        let handler = SchedulePointTrapHandler(kernel: self)
        schedulePoints.trapHandler = handler
        machine.attachHostTrapHandler(unretained: handler)
    }

    /// Every trap from U-mode under exploration: a system call that is a point may stop
    /// before it runs; a call that made a thread is followed by a thread-start point; a
    /// stop of the machine at a point (cause 24) is decided here. The rest is `handleTrap`'s.
    func handleTrapUnderSchedulePoints(_ hart: Hart, _ trap: TrapRecord) {
        let isCall = trap.cause == ExceptionCause.environmentCallFromU.rawValue
        guard isCall || trap.cause == SchedulePointWatch.schedulePointCause, !runEnded, let thread = running[hart.id] else {
            return handleTrap(hart, trap)
        }
        if isCall {
            if !hart.schedulePointPassed, systemCallFootprint(hart, thread) != nil {
                atPoint(hart, thread) { stopsBeforeSystemCall(hart, thread, pc: trap.pc) }
                if running[hart.id] !== thread || explorationAbandoned { return }
            } else {
                hart.schedulePointPassed = false   // its point was passed: the call runs now
            }
            let threadsMade = threadRecords.count
            handleTrap(hart, trap)
            if threadRecords.count != threadsMade, running[hart.id] === thread {
                atPoint(hart, thread) { afterThreadMade(hart, thread) }
            }
            return
        }
        atPoint(hart, thread) { machineSchedulePoint(hart, thread, trap) }
    }

    /// Runs a point's decision as `handleTrap` runs a trap: the hart and process noted for
    /// what the switch consults, then the next thread's signals. The reservation stays (an
    /// SC whose point the same thread passes must still succeed; a switch drops it).
    private func atPoint(_ hart: Hart, _ thread: Thread, _ decide: () -> Void) {
        handlingHart = hart.id
        trapProcess = thread.process
        decide()
        if running[hart.id] !== thread {
            reschedule(hart)
            deliverSignalsOnReturn(hart)
        }
        trapProcess = nil
        handlingHart = nil
        if runEnded || explorationAbandoned { machine.stopRequested = true }
    }

    /// clone with a stack: the creator wrote the new thread's start (entry, argument) on
    /// the page the new stack pointer is in, before the clone that orders it before the
    /// thread's first step. That page goes to the new thread, so its stack stays private.
    func handOverStartPage(_ stack: UInt64, from parent: Thread, to child: Thread) {
        guard stack != 0, let watch = machine.schedulePointWatch,
              let leaf = child.process.addressSpace.pageTable.lookup(stack) else { return }
        let page = Int(truncatingIfNeeded: (leaf.frame &- machine.memory.base) >> 12)
        guard leaf.frame >= machine.memory.base, page < watch.pageCount,
              watch.owners[page] == UInt32(truncatingIfNeeded: parent.serial &+ 1) else { return }
        watch.owners[page] = UInt32(truncatingIfNeeded: child.serial &+ 1)
        for hart in machine.harts { hart.forgetFastTranslations() }   // the creator's fast entry for it goes
    }

    /// How many times the handler was asked (a point with one candidate asks nothing).
    public var schedulePointQuestions: UInt64 { schedulePoints.questions }

    /// Pages two or more threads have touched so far under exploration.
    public var sharedPageCount: Int { machine.schedulePointWatch?.sharedPages ?? 0 }

    // MARK: Switching in

    /// Under exploration, a thread put on a hart: the fast TLB holds only pages private
    /// to it, and if it stopped at a point, the operation it stopped before runs once.
    func enterUnderSchedulePoints(_ thread: Thread, on hart: Hart) {
        hart.forgetFastTranslations()
        hart.pointOwnerTag = UInt32(truncatingIfNeeded: thread.serial &+ 1)
        hart.schedulePointPassed = thread.atSchedulePoint
        thread.atSchedulePoint = false
        thread.pendingObject = 0
        thread.pendingKind = .local
        if hart.id < schedulePoints.lastSerial.count {
            schedulePoints.lastSerial[hart.id] = UInt32(truncatingIfNeeded: thread.serial)
            schedulePoints.lastTID[hart.id] = thread.tid
        }
    }

    // MARK: The points

    /// The machine stopped `thread` before a shared access, an atomic, LR or SC (the trap
    /// of cause `SchedulePointWatch.schedulePointCause`). The PC is on that instruction.
    func machineSchedulePoint(_ hart: Hart, _ thread: Thread, _ trap: TrapRecord) {
        let access = hart.pendingAccess
        let kind: PendingKind = switch access.kind {
        case .read: .read
        case .write: .write
        case .sync: .sync
        }
        let reason: SchedulePointReason = switch access.reason {
        case .sharedAccess: .sharedAccess
        case .atomic: .atomic
        case .loadReserved: .loadReserved
        case .storeConditional: .storeConditional
        }
        // Another thread took the hart (its own PC is in place), or the run ends.
        if stopAtPoint(hart, thread, object: access.physical, kind: kind, reason: reason, pc: trap.pc) { return }
        hart.restoreReservationAfterPoint()   // SchedulePointWatch.swift: the same thread goes on
        hart.setPC(trap.pc)   // the instruction runs again, past its point now
        hart.schedulePointPassed = true
    }

    /// Before a system call: true when the call must not run now (another thread runs
    /// first, the PC left on the ecall, or the run was abandoned). A call that is no
    /// point, or whose point was passed, runs.
    @discardableResult
    func stopsBeforeSystemCall(_ hart: Hart, _ thread: Thread, pc: UInt64) -> Bool {
        guard let (object, reason) = systemCallFootprint(hart, thread) else { return false }
        return stopAtPoint(hart, thread, object: object, kind: .sync, reason: reason, pc: pc)
    }

    /// After a call that made a thread (clone, thread_spawn, fork, process_spawn): a point
    /// where the new thread may run first. The caller is past its call (not before an
    /// operation), so if another thread takes the hart it resumes with no mark.
    func afterThreadMade(_ hart: Hart, _ thread: Thread) {
        guard running[hart.id] === thread, !runEnded else { return }
        _ = stopAtPoint(hart, thread, object: 0, kind: .local, reason: .threadStart, pc: hart.pc, waitsBeforeOperation: false)
    }

    /// What a call that synchronises or communicates touches; nil for the others.
    func systemCallFootprint(_ hart: Hart, _ thread: Thread) -> (UInt64, SchedulePointReason)? {
        let number = hart.register(17), a0 = hart.register(10)
        let process = thread.process
        switch SystemCall(rawValue: number) {
        case .futex?:
            return (futexObject(a0, in: process), .systemCall)
        case .clone?:
            let newThread = a0 & 0x10000 != 0   // CLONE_THREAD
            return newThread ? (ScheduleObject.threadsOf(process.pid), .threadStart) : (ScheduleObject.processes, .processStart)
        case .exit?:
            return (ScheduleObject.threadsOf(process.pid), .threadEnd)
        case .exitGroup?:
            return (ScheduleObject.processes, .processEnd)
        case .wait4?, .waitid?, .execve?, .kill?, .tkill?, .tgkill?:
            return (ScheduleObject.processes, .systemCall)
        case .read?, .write?, .readv?, .writev?, .pread64?, .pwrite64?, .sendto?, .recvfrom?, .sendmsg?, .recvmsg?,
             .accept?, .accept4?, .connect?, .shutdown?, .close?:
            let serial = process.descriptors.file(Int32(truncatingIfNeeded: a0))?.serial ?? 0
            return (ScheduleObject.openFile(serial), .systemCall)
        case nil where number == Kernel.threadSpawn:
            return (ScheduleObject.threadsOf(process.pid), .threadStart)
        case nil where number == Kernel.threadJoin:
            return (ScheduleObject.threadsOf(process.pid), .systemCall)
        case nil where number == Kernel.processSpawn || number == Kernel.processWait:
            return (ScheduleObject.processes, .processStart)
        default:
            return nil
        }
    }

    /// A futex word's object: its physical address when mapped (so a word shared between
    /// processes is one object), else the process and virtual address.
    func futexObject(_ address: UInt64, in process: Process) -> UInt64 {
        if let leaf = process.addressSpace.pageTable.lookup(address) { return leaf.frame | (address & 0xFFF) }
        return ScheduleObject.virtualWord(process.pid, address)
    }

    /// Asks the handler at a point where `thread`, running on `hart`, is about to do an
    /// operation on `object`. Returns false when `thread` goes on; true when it must not
    /// (another thread took the hart, the thread waits at the point; or the run ends).
    func stopAtPoint(_ hart: Hart, _ thread: Thread, object: UInt64, kind: PendingKind,
                     reason: SchedulePointReason, pc: UInt64, waitsBeforeOperation: Bool = true) -> Bool {
        if explorationAbandoned { machine.stopRequested = true; return true }
        let own = ScheduleCandidate(serial: UInt32(truncatingIfNeeded: thread.serial), tid: thread.tid, object: object, kind: kind)
        let others = readyCandidates(for: hart, excluding: thread)
        guard !others.isEmpty else { return false }
        var candidates = others
        candidates.append(own)
        candidates.sort { $0.serial < $1.serial }
        let query = ScheduleQuery(hart: hart.id, running: own.serial, candidates: candidates, pc: pc, reason: reason)
        switch ask(query, default: own.serial) {
        case .abandon:
            abandonExploration()
            return true
        case .run(let serial):
            guard serial != own.serial, let next = others.firstThread(serial, in: self) else { return false }
            thread.atSchedulePoint = waitsBeforeOperation
            thread.pendingObject = waitsBeforeOperation ? object : 0
            thread.pendingKind = waitsBeforeOperation ? kind : .local
            scheduler.remove(next)
            let target = targetHart(for: next, stoppedOn: hart)
            if target == hart.id {
                preempt(thread, on: hart, reason: .preempted, next: next)
            } else {
                // Several harts, lock-step: the stopped thread parks (its hart idles) and the
                // chosen one goes on on its own hart, which its wake-up hands it to.
                schedulePoints.handOff[target] = next
                schedulePoints.parking = hart.id
                preempt(thread, on: hart, reason: .preempted)
                schedulePoints.parking = nil
                machine.setWakeUp(hart: target, true)
            }
            return true
        }
    }

    /// Several harts: where the chosen thread goes on — the hart it ran on last when that
    /// one is idle, the lowest idle hart for a thread that never ran, else the hart that
    /// stopped (a preemption there, as on one hart).
    func targetHart(for next: Thread, stoppedOn hart: Hart) -> Int {
        guard running.count > 1 else { return hart.id }
        func free(_ index: Int) -> Bool {
            index != hart.id && running[index] == nil && schedulePoints.handOff[index] == nil && scheduler.mayRun(next, on: index)
        }
        if let last = next.lastHart { return last < running.count && free(last) ? last : hart.id }
        return running.indices.first(where: free) ?? hart.id
    }

    /// Several harts, in `dispatch`: nil when the hart chooses as on one hart (no other hart
    /// runs); `.some(nil)` when it must idle (its thread was parked, or another hart runs:
    /// lock-step); `.some(thread)` for the thread the handler handed to it.
    func takeHandOffUnderSchedulePoints(_ hart: Hart) -> Thread?? {
        if let handed = schedulePoints.handOff[hart.id] {
            schedulePoints.handOff[hart.id] = nil
            return .some(handed)
        }
        if schedulePoints.parking == hart.id { return .some(nil) }
        if running.indices.contains(where: { $0 != hart.id && running[$0] != nil }) { return .some(nil) }
        if schedulePoints.handOff.contains(where: { $0 != nil }) { return .some(nil) }
        return nil
    }

    /// Several harts: the hart idles until a hand-off wakes it.
    func idleUnderSchedulePoints(_ hart: Hart) {
        running[hart.id] = nil
        hartIdles(hart)
        programTimer(hart)
        hart.park()
    }

    /// Under exploration, the hart of a thread that blocked or ended (`running[hart]` is
    /// nil) goes to the thread the handler picks among the ready ones, when there are two
    /// or more; nil leaves it to the scheduler (one candidate, or an abandoned run).
    func chooseNextUnderSchedulePoints(_ hart: Hart, excluding: Thread? = nil) -> Thread? {
        guard !explorationAbandoned else { return nil }
        let candidates = readyCandidates(for: hart, excluding: excluding)
        guard candidates.count >= 2 else { return nil }
        let last = hart.id < schedulePoints.lastSerial.count ? schedulePoints.lastSerial[hart.id] : nil
        let lastEnded = hart.id < schedulePoints.lastTID.count && threads[schedulePoints.lastTID[hart.id]] == nil
        let reason: SchedulePointReason = excluding != nil ? .systemCall : lastEnded ? .threadEnd : .blocked
        let query = ScheduleQuery(hart: hart.id, running: last, candidates: candidates, pc: excluding?.context.pc ?? 0, reason: reason)
        // Without a handler: the scheduler's own choice (its queue order).
        guard schedulePointHandler != nil else { return nil }
        switch ask(query, default: candidates[0].serial) {
        case .abandon:
            abandonExploration()
            return nil
        case .run(let serial):
            guard let next = candidates.firstThread(serial, in: self) else { return nil }
            scheduler.remove(next)
            return next
        }
    }

    /// sched_yield under exploration: the hart goes to another ready thread (the handler
    /// picks among them: no preemption, the caller gave the hart up), or the caller goes on.
    func yieldUnderSchedulePoints(_ hart: Hart, _ thread: Thread) -> SystemCallResult {
        let others = readyCandidates(for: hart, excluding: thread)
        guard !others.isEmpty else { return .value(0) }
        let next: Thread?
        if others.count == 1 {
            next = others.firstThread(others[0].serial, in: self)
            if let next { scheduler.remove(next) }
        } else {
            next = chooseNextUnderSchedulePoints(hart, excluding: thread) ?? scheduler.next(for: hart.id)
        }
        guard let next, !runEnded, !explorationAbandoned else { return .value(0) }
        hart.setRegister(10, 0)
        preempt(thread, on: hart, reason: .yielded, next: next)
        return .noReturn
    }

    /// The ready threads that may run on `hart`, ascending by serial, each with what it
    /// does next. Live threads only: the cost follows what runs now, not what ran before.
    func readyCandidates(for hart: Hart, excluding: Thread?) -> [ScheduleCandidate] {
        var candidates: [ScheduleCandidate] = []
        for thread in threads.values where thread !== excluding {
            guard case .ready = thread.state, scheduler.mayRun(thread, on: hart.id) else { continue }
            candidates.append(ScheduleCandidate(serial: UInt32(truncatingIfNeeded: thread.serial), tid: thread.tid,
                                                object: thread.pendingObject, kind: thread.pendingKind))
        }
        candidates.sort { $0.serial < $1.serial }
        return candidates
    }

    /// One question to the handler (or the default answer without one).
    private func ask(_ query: ScheduleQuery, default serial: UInt32) -> ScheduleAnswer {
        guard let handler = schedulePointHandler else { return .run(serial: serial) }
        schedulePoints.questions &+= 1
        return handler.choose(query)
    }

    /// `.abandon`: the run ends at once (RunLoop.swift ends it when the machine stops).
    func abandonExploration() {
        explorationAbandoned = true
        machine.stopRequested = true
    }

    /// Ends an abandoned run: every process still running ends, quietly; the run's ending
    /// is the first program's if it had ended, else a deadlock "abandoned by the explorer".
    func endAbandonedRun() {
        let reason = ProcessEnding.deadlock("abandoned by the explorer")
        let firstEnding = firstProcess.ending
        quietEndings = true
        for victim in liveProcesses.filter({ !$0.hasEnded }) { kill(victim, reason) }
        quietEndings = false
        if ending == nil { ending = firstEnding ?? reason }
    }
}

/// The machine's trap hook under exploration: forwards to the kernel's points first.
final class SchedulePointTrapHandler: HostTrapHandler {
    unowned(unsafe) let kernel: Kernel

    init(kernel: Kernel) { self.kernel = kernel }

    func handleTrap(_ hart: Hart, _ trap: TrapRecord) { kernel.handleTrapUnderSchedulePoints(hart, trap) }
}

extension [ScheduleCandidate] {
    /// The live thread behind the candidate with `serial`, if it is one of these.
    func firstThread(_ serial: UInt32, in kernel: Kernel) -> Thread? {
        guard let candidate = first(where: { $0.serial == serial }) else { return nil }
        return kernel.threads[candidate.tid]
    }
}
