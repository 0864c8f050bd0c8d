// The run loop: steps the machine in budgets of instructions until every process has
// ended, the instruction limit or the clock limit (2^62 cycles) is reached, or the harts deadlock; turns what the machine
// reports (a fatal fault, every hart waiting, power-off) into a process's ending.

import Machine

/// How one window of a multi-machine run ended for a machine.
public enum WindowOutcome: Sendable, Equatable {
    /// Every process has ended (the first program's ending).
    case ended(ProcessEnding)
    /// Every hart that can run reached the window's end.
    case reachedHorizon
    /// Every hart waits with nothing armed to wake it: only a packet can.
    case idle
}

extension Kernel {
    /// Runs until every process has exited or been killed, or the run reached the
    /// instruction limit; returns the first program's ending (`processEndings` has all).
    public func run() -> ProcessEnding {
        while true {
            if let ending = run(slice: 1 << 26) { return ending }
        }
    }

    /// Runs at most `slice` more instructions; nil if the program is still running then.
    /// Lets a caller show progress between slices without touching the simulation.
    public func run(slice: UInt64) -> ProcessEnding? {
        let sliceEnd = instructionsExecuted &+ max(1, slice)
        while !runEnded {
            if explorationAbandoned {
                endAbandonedRun()   // ScheduleHook.swift
                break
            }
            let executed = instructionsExecuted
            guard withinLimits(executed) else { break }
            guard executed < sliceEnd else { return nil }
            let budget = min(configuration.instructionLimit, sliceEnd) - executed
            let stop = if let filter = configuration.instructionTrace, trace != nil {
                runTracingInstructions(budget: budget, filter: filter)
            } else {
                machine.run(budget: budget)
            }
            switch stop {
            case .budgetExhausted, .hostRequest, .horizonReached: continue
            case .fatal(let report):
                killForFault(report)
            case .allHartsWaiting:
                endAll(.deadlock(deadlockReport()))
            case .powerOff, .toHost:
                endForMachineStop()
            }
        }
        return ending
    }

    /// Runs until every hart that can run has reached `cycle` (one window of a simulation
    /// of several machines, Sources/Network/Cluster.swift). Unlike `run`, harts that all
    /// wait for ever are not a deadlock here: a packet may still come to wake them.
    public func run(until cycle: UInt64) -> WindowOutcome {
        if let ending {
            runNetworkStack(until: cycle)
            return .ended(ending)
        }
        machine.horizon = cycle
        defer { machine.horizon = .max }
        while ending == nil {
            let executed = instructionsExecuted
            guard withinLimits(executed) else { break }
            let budget = min(configuration.instructionLimit - executed, 1 << 26)
            switch machine.run(budget: budget) {
            case .budgetExhausted, .hostRequest: continue
            case .horizonReached:
                // A window may not pass the most one run may simulate: there the run ends.
                guard cycle >= SimulatedTime.runLimit.cycles else { return .reachedHorizon }
                endAll(.clockLimit(clockLimitReport()))
            case .allHartsWaiting: return .idle
            case .fatal(let report):
                killForFault(report)
            case .powerOff, .toHost:
                endForMachineStop()
            }
        }
        return .ended(ending ?? .deadlock(deadlockReport()))
    }

    /// Ends the run at the instruction limit or the clock limit (2^62 cycles); false then.
    private func withinLimits(_ executed: UInt64) -> Bool {
        if executed >= configuration.instructionLimit {
            endAll(.instructionLimit(instructionLimitReport(busiestHart)))
            return false
        }
        if latestCycle >= SimulatedTime.runLimit.cycles {
            endAll(.clockLimit(clockLimitReport()))
            return false
        }
        return true
    }

    /// A fault the machine could not hand to the kernel ends the process on that hart.
    private func killForFault(_ report: FaultReport) {
        let hart = machine.harts[max(0, min(report.hart, machine.harts.count - 1))]
        let trap = TrapRecord(cause: report.cause, value: report.value, pc: report.pc, privilege: report.privilege)
        let victim = running[hart.id]?.process ?? firstProcess
        kill(victim, .killed(GuestFault(thread: running[hart.id], process: victim, hart: hart, trap: trap)))
    }

    /// A user program reached the bare machine's power-off or tohost devices: the run ends.
    private func endForMachineStop() {
        let hart = busiestHart, victim = running[hart.id]?.process ?? firstProcess
        endAll(.killed(GuestFault(thread: nil, process: victim, hart: hart,
                                  trap: hart.lastTrap ?? TrapRecord(cause: 2, value: 0, pc: hart.pc, privilege: .user))))
    }

    /// After every process has ended the machine stays on, as a computer does when its
    /// programs exit: its stack still retransmits a lost FIN, answers a stray segment with
    /// a reset and lets TIME_WAIT run out. No thread is left, so nothing but the stack runs:
    /// hart 0's clock moves to each of its events before `cycle` in turn.
    func runNetworkStack(until cycle: UInt64) {
        let hart = machine.harts[NetworkInterface.hart]
        while let event = networkDeadline, event < cycle {
            machine.advanceIdleClock(hart: hart.id, toCycle: event)
            processNetworkEvents(hart)
            // An event the stack left due (it cannot act on it now) must not loop for ever.
            if let again = networkDeadline, again <= hart.cycle {
                machine.advanceIdleClock(hart: hart.id, toCycle: hart.cycle.addingSaturated(1))
            }
        }
    }

    /// The first program's ending once every process has ended, else nil.
    public var runEnding: ProcessEnding? { ending }

    /// The earliest cycle at which this machine can next do anything on its own (a hart
    /// runs, or a timer fires: a sleeper's wake-up, a tick, a packet's arrival, a TCP
    /// timer); nil when it has ended, or when only a packet from outside could wake it.
    /// A simulation of several machines jumps over the time in which none can.
    public var nextActivityCycle: UInt64? {
        guard ending == nil else { return networkDeadline }
        return machine.nextActivityCycle
    }

    /// One line per thread of every process still running, each naming the process, the
    /// thread, what it is blocked in and where (the deadlock report's words): for a
    /// simulation of several machines that ended because nothing could happen any more.
    public var waitingThreadLines: [String] {
        var lines: [String] = []
        for owner in liveProcesses where !owner.hasEnded {
            for thread in owner.liveThreads.values.sorted(by: { $0.tid < $1.tid }) {
                let location = owner.symbolize(thread.context.pc).map { " at \($0)" } ?? ""
                lines.append("process \(owner.pid) (\(owner.name)), thread \(thread.tid): \(describeState(of: thread))\(location)")
            }
        }
        return lines
    }

    /// A thread's state in a report: "blocked in futex_wait on 0x…", "ready", ….
    func describeState(of thread: Thread) -> String {
        switch thread.state {
        case .blocked(let reason): "blocked in \(reason)"
        case .exited(let status): "exited with status \(status)"
        case .ready: "ready"
        case .running(let hart): "running on hart \(hart)"
        }
    }

    /// The clock of the hart furthest ahead.
    var latestCycle: UInt64 { machine.harts.reduce(0) { max($0, $1.cycle) } }

    var instructionsExecuted: UInt64 { machine.harts.reduce(0) { $0 &+ $1.instret } }

    /// The hart with the most instructions retired: where a runaway program is.
    var busiestHart: Hart { machine.harts.max { $0.instret < $1.instret } ?? machine.harts[0] }

    /// Where the program is now: `function+0x1c`, or the PC in hex.
    public var currentLocation: String {
        let hart = busiestHart, pc = hart.pc
        return (running[hart.id]?.process ?? firstProcess).symbolize(pc) ?? "0x\(String(pc, radix: 16))"
    }
}
