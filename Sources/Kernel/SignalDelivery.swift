// Signal delivery (issue 16): raising signals at processes and threads, and acting on
// them on the thread's way back to user mode — a handler runs on riscv64's signal frame
// (SignalFrame.swift), or the default action ends, stops or continues the process. A
// signal for a thread running on another hart sends that hart an interrupt (Linux's
// kick); one for a blocked thread cuts its call short with EINTR, or has it run again
// after the handler under SA_RESTART. Faults go to a SIGSEGV, SIGILL or SIGBUS handler
// when the program installed one, and end the process with the fault report otherwise.

import Machine

extension Kernel {
    /// Raises `signal` at a process (kill, SIGCHLD, SIGPIPE): one of its threads that does
    /// not block it takes it, or it stays pending on the process. `sender` is nil
    /// when the kernel raises it.
    func sendSignal(_ signal: Int32, to process: Process, from sender: Thread?) {
        let info = SignalInfo(signal: signal, code: sender == nil ? SignalInfo.SI_KERNEL : SignalInfo.SI_USER,
                              pid: sender?.process.pid ?? 0)
        send(info, to: process)
    }

    /// Raises `signal` at one thread (tgkill, a fault, SIGURG for Go's preemption).
    func sendSignal(_ signal: Int32, toThread target: Thread, from sender: Thread?) {
        let info = SignalInfo(signal: signal, code: sender == nil ? SignalInfo.SI_KERNEL : SignalInfo.SI_TKILL,
                              pid: sender?.process.pid ?? 0)
        send(info, toThread: target)
    }

    /// SIGCHLD at `parent` about `child` (CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_STOPPED,
    /// CLD_CONTINUED; `status`: the exit status or the signal), with the siginfo a handler
    /// reads; none for a stop or continue when the parent asked so with SA_NOCLDSTOP.
    func sendChildSignal(to parent: Process, about child: Process, code: Int32, status: Int32) {
        if code == SignalInfo.CLD_STOPPED || code == SignalInfo.CLD_CONTINUED,
           parent.signals.action(SignalState.SIGCHLD).flags & SignalAction.noChildStop != 0 { return }
        send(SignalInfo(signal: SignalState.SIGCHLD, code: code, pid: child.pid, value: UInt64(UInt32(bitPattern: status))),
             to: parent)
    }

    // MARK: Raising

    /// Raises a signal at a process; false only when a real-time signal's queue is full.
    @discardableResult
    func send(_ info: SignalInfo, to process: Process) -> Bool {
        let signal = info.signal, bit = SignalState.bit(signal)
        guard bit != 0, !process.hasEnded else { return true }
        prepare(signal, in: process)
        if signal == SignalState.SIGKILL {
            terminate(process, by: info, at: nil)
            return true
        }
        let members = process.liveThreads.values.sorted { $0.tid < $1.tid }   // the main thread first
        if let waiter = members.first(where: { waits(for: signal, $0) }) {
            completeSignalWait(waiter, info)
            return true
        }
        guard let target = members.first(where: { $0.signalMask & bit == 0 }) else {
            return process.sharedPending.add(info)   // every thread blocks it
        }
        return arrive(info, at: target)
    }

    /// Raises a signal at one thread; false only when a real-time signal's queue is full.
    @discardableResult
    func send(_ info: SignalInfo, toThread target: Thread) -> Bool {
        let signal = info.signal, process = target.process
        guard SignalState.isValid(signal), !process.hasEnded, !target.isExited else { return true }
        prepare(signal, in: process)
        if signal == SignalState.SIGKILL {
            terminate(process, by: info, at: target)
            return true
        }
        if waits(for: signal, target) {
            completeSignalWait(target, info)
            return true
        }
        if target.signalMask & SignalState.bit(signal) != 0 { return target.pending.add(info) }
        return arrive(info, at: target)
    }

    /// A signal `target` does not block: ignored, fatal at once, a stop, or pending on the
    /// thread, which is told (interrupted, kicked, or it sees it when it next runs).
    private func arrive(_ info: SignalInfo, at target: Thread) -> Bool {
        let process = target.process, signals = process.signals
        if signals.isIgnored(info.signal) { return true }
        if signals.isFatal(info.signal) {
            terminate(process, by: info, at: target)
            return true
        }
        if signals.action(info.signal).handler == SignalAction.defaultHandler,
           SignalState.stopSignals & SignalState.bit(info.signal) != 0 {
            stop(process, by: info.signal)
            return true
        }
        guard target.pending.add(info) else { return false }
        notify(target)
        return true
    }

    /// What raising a signal does before it is queued: SIGCONT (and SIGKILL) continue a
    /// stopped process and drop pending stops; a stop signal drops a pending SIGCONT.
    private func prepare(_ signal: Int32, in process: Process) {
        if signal == SignalState.SIGCONT || signal == SignalState.SIGKILL {
            discardPending(SignalState.stopSignals, in: process)
            if process.stopSignal != nil { continueProcess(process) }
        } else if SignalState.stopSignals & SignalState.bit(signal) != 0 {
            discardPending(SignalState.bit(SignalState.SIGCONT), in: process)
        }
    }

    func discardPending(_ signals: UInt64, in process: Process) {
        process.sharedPending.discard(signals)
        for member in process.liveThreads.values { member.pending.discard(signals) }
    }

    /// Tells a thread a signal waits for it: a thread on another hart gets an interrupt
    /// (it acts on the signal before its next instruction), a blocked one is woken.
    private func notify(_ thread: Thread) {
        switch thread.state {
        case .running(let hart): if hart != handlingHart { machine.setWakeUp(hart: hart, true) }
        case .blocked(let reason): interruptWait(thread, reason)
        case .ready, .exited: break
        }
    }

    // MARK: Cutting a blocking call short

    /// Wakes a thread blocked in a call with -EINTR in a0 and the call noted as
    /// interrupted: delivery decides whether it stays EINTR or the call runs again.
    func interruptWait(_ thread: Thread, _ reason: BlockReason) {
        let number = thread.context.integers[17]
        let timed = thread.wakeDeadline != nil
        var restart = InterruptedCall.restart(forCall: number, timed: timed)
        switch reason {
        case .stopped: return   // a stopped process takes signals when it continues
        case .vfork: return     // as Linux's killable vfork wait: signals wait until the child execs or exits (Fork.swift)
        case .futex:
            // A PI lock waiter always tries again (ERESTARTNOINTR; part D's hook, PIFutex.swift).
            if futexes.waiter(of: thread)?.takesLock == true { restart = .always }
            futexes.remove(thread)
        case .sleep(let until): writeTimeLeft(thread, until: until, call: number)
        case .join(let tid): threads[tid]?.joiners.removeAll { $0 === thread }
        case .io:
            leaveWaitQueues(thread)
            thread.context.pc &+= 4   // blockForIO pointed it back at the ecall
            thread.restartsCall = false
            thread.ioDeadline = nil
            if thread.ioProgress > 0 {   // a write that took some bytes returns their count
                thread.context.integers[10] = UInt64(thread.ioProgress)
                thread.ioProgress = 0
                makeReady(thread, at: currentCycle)
                return
            }
        default: break   // process waits, messages, signal waits: nothing to take it off
        }
        thread.context.integers[10] = UInt64(bitPattern: -Errno.EINTR.rawValue)
        thread.interruptedCall = InterruptedCall(restart: restart, firstArgument: thread.callFirstArgument)
        makeReady(thread, at: currentCycle)
    }

    /// nanosleep and relative clock_nanosleep cut short write the time left to `rem`.
    private func writeTimeLeft(_ thread: Thread, until deadline: UInt64, call number: UInt64) {
        let remainder: UInt64
        if number == SystemCall.nanosleep.rawValue {
            remainder = thread.context.integers[11]
        } else if number == SystemCall.clockNanosleep.rawValue, thread.context.integers[11] & 1 == 0 {
            remainder = thread.context.integers[13]
        } else {
            return
        }
        guard remainder != 0 else { return }
        let left = SimulatedTime(cycles: deadline) - SimulatedTime(cycles: currentCycle)
        let (seconds, nanoseconds) = left.timespec(clockFrequency: configuration.clockFrequency)
        _ = thread.process.addressSpace.copyOut(littleEndianBytes(seconds) + littleEndianBytes(nanoseconds), to: remainder)
    }

    /// Whether `thread` sits in rt_sigtimedwait for `signal`.
    private func waits(for signal: Int32, _ thread: Thread) -> Bool {
        if case .blocked(.signalWait(let set)) = thread.state { return set & SignalState.bit(signal) != 0 }
        return false
    }

    /// rt_sigtimedwait's waiter gets the signal: its siginfo written, a0 the number.
    private func completeSignalWait(_ thread: Thread, _ info: SignalInfo) {
        var result = Int64(info.signal)
        if thread.signalWaitInfoAddress != 0,
           case .failure = thread.process.addressSpace.copyOut(info.bytes, to: thread.signalWaitInfoAddress) {
            result = -Errno.EFAULT.rawValue
        }
        thread.context.integers[10] = UInt64(bitPattern: result)
        makeReady(thread, at: currentCycle)
    }

    /// Whether a signal the thread does not block waits for it.
    func hasDeliverableSignal(_ thread: Thread) -> Bool {
        (thread.pending.bits | thread.process.sharedPending.bits) & ~thread.signalMask != 0
    }

    /// Whether the thread has signal work to do before it runs its next instruction.
    func needsSignalWork(_ thread: Thread) -> Bool { needsSignalWork(thread, thread.process) }

    /// The same, given the thread's process.
    @inline(__always)
    func needsSignalWork(_ thread: Thread, _ process: Process) -> Bool {
        thread.interruptedCall != nil || process.stopSignal != nil
            || (thread.pending.bits | process.sharedPending.bits) & ~thread.signalMask != 0
    }

    // MARK: On the way back to user mode

    /// Called at the end of every trap on `hart`: the thread about to run there acts on
    /// its signals — a handler's frame for each (nested, as Linux stacks them), a default
    /// action, a stop — and a call cut short learns whether it runs again.
    func deliverSignalsOnReturn(_ hart: Hart) {
        var rounds = 0
        while !runEnded, rounds < Int(SignalState.signalCount) + 2, let thread = running[hart.id], needsSignalWork(thread) {
            rounds += 1
            handleSignalWork(thread, on: hart)
        }
    }

    private func handleSignalWork(_ thread: Thread, on hart: Hart) {
        let process = thread.process
        if let signal = process.stopSignal {
            block(thread, on: hart, .stopped(signal: signal))   // its registers wait in the thread
            return
        }
        let allowed = ~thread.signalMask
        guard let info = thread.pending.take(from: allowed) ?? process.sharedPending.take(from: allowed) else {
            finishInterruptedCall(thread, on: hart, handler: nil)
            if let saved = thread.savedSignalMask {
                thread.signalMask = saved
                thread.savedSignalMask = nil
            }
            return
        }
        let action = process.signals.action(info.signal)
        if action.handler == SignalAction.ignoreHandler { return }
        if action.handler == SignalAction.defaultHandler {
            switch DefaultSignalAction(info.signal) {
            case .ignore, .continue: return
            case .stop: stop(process, by: info.signal)
            case .terminate, .core: terminate(process, by: info, at: thread)
            }
            return
        }
        runHandler(info, action, thread: thread, on: hart)
    }

    /// Settles a call a signal cut short: it runs again (PC back on the ecall, a0 as it
    /// was) or returns EINTR, by its kind and whether a handler (with SA_RESTART) runs.
    private func finishInterruptedCall(_ thread: Thread, on hart: Hart, handler: SignalAction?) {
        guard let call = thread.interruptedCall else { return }
        thread.interruptedCall = nil
        let again: Bool = switch call.restart {
        case .always: true
        case .never: false
        case .onlyWithoutHandler: handler == nil
        case .unlessHandlerWithoutRestart: handler.map { $0.flags & SignalAction.restart != 0 } ?? true
        }
        guard again else { return }
        hart.setPC(hart.pc &- 4)
        hart.setRegister(10, call.firstArgument)
    }

    /// Runs the program's handler for `info`: the frame on the stack (or the alternate
    /// stack), then the handler's mask, and SA_RESETHAND's return to SIG_DFL.
    private func runHandler(_ info: SignalInfo, _ action: SignalAction, thread: Thread, on hart: Hart) {
        finishInterruptedCall(thread, on: hart, handler: action)
        let frameMask = thread.savedSignalMask ?? thread.signalMask
        thread.savedSignalMask = nil
        guard pushSignalFrame(info, action, mask: frameMask, thread: thread, hart: hart) else {
            let sp = hart.register(2)
            terminate(thread.process, by: SignalInfo(signal: SignalState.SIGSEGV, code: SignalInfo.SI_KERNEL), at: thread,
                      why: "its \(Kernel.signalName(info.signal)) handler could not run: no room for the signal frame below sp 0x\(String(sp, radix: 16))"
                          + (thread.alternateStack.contains(sp) ? " on the alternate signal stack" : "") + " (a stack overflow?)")
            return
        }
        traceSignalDelivered(thread, signal: info.signal, handler: action.handler, hart: hart)
        if action.flags & SignalAction.resetHandler != 0 { thread.process.signals.setAction(info.signal, SignalAction()) }
        let deferred = action.flags & SignalAction.noDefer != 0 ? 0 : SignalState.bit(info.signal)
        thread.signalMask = (thread.signalMask | action.mask | deferred) & ~SignalState.unblockable
    }

    // MARK: Default actions

    /// Ends `process` by a signal's default action (or a signal that could not be handled).
    func terminate(_ process: Process, by info: SignalInfo, at thread: Thread?, why: String? = nil) {
        let signal = info.signal
        var reason: String
        if let why {
            reason = why
        } else if signal == SignalState.SIGPIPE {
            reason = "it wrote to a pipe or socket whose reading end was closed (ignore or block SIGPIPE to get EPIPE instead)"
        } else if signal == SignalState.SIGABRT, info.pid == process.pid, info.code == SignalInfo.SI_TKILL {
            reason = "the program called abort() (a failed assert() does)"
        } else {
            let sender = switch info.code {
            case SignalInfo.SI_USER: info.pid == process.pid ? "sent by the process itself with kill" : "sent by process \(info.pid) with kill"
            case SignalInfo.SI_TKILL: info.pid == process.pid ? "sent by the process itself with tgkill" : "sent by process \(info.pid) with tgkill"
            case SignalInfo.SI_QUEUE: "sent by process \(info.pid) with sigqueue"
            default: "raised by the kernel"
            }
            reason = sender + (signal == SignalState.SIGKILL ? "; it cannot be caught" : "; its default action ends the process")
        }
        if DefaultSignalAction(signal) == .core { reason += " (Linux would dump core; no core file is written)" }
        var lines = ["process \(process.pid) (\(process.name)) ended by \(Kernel.signalName(signal)): \(reason)"]
        if let thread, case .running(let index) = thread.state, index == handlingHart {
            let hart = machine.harts[index]
            let place = process.symbolize(hart.pc).map { " in \($0)" } ?? ""
            lines.append("  thread \(thread.tid) at pc 0x\(String(hart.pc, radix: 16))\(place)")
            lines += callerLines(process.describeCallers(pc: hart.pc, returnAddress: hart.register(1), stackPointer: hart.register(2),
                                                         framePointer: hart.register(8)), indent: "  ")
        }
        kill(process, .signalled(signal: signal, report: lines.joined(separator: "\n")))
    }

    /// A stop signal's default: every thread of the process stops — running ones on their
    /// way back to user mode, ready ones now, blocked ones when they wake — until SIGCONT.
    func stop(_ process: Process, by signal: Int32) {
        guard process.stopSignal == nil, !process.hasEnded else { return }
        process.stopSignal = signal
        let cycle = currentCycle
        for thread in process.liveThreads.values.sorted(by: { $0.tid < $1.tid }) {
            switch thread.state {
            case .running(let hart): if hart != handlingHart { machine.setWakeUp(hart: hart, true) }
            case .ready:
                scheduler.remove(thread)
                thread.transition(to: .blocked(.stopped(signal: signal)), at: cycle)
            case .blocked, .exited: break
            }
        }
        if let parentID = process.parentID, let parent = processTable[parentID], !parent.hasEnded {
            sendChildSignal(to: parent, about: process, code: SignalInfo.CLD_STOPPED, status: signal)
            childStopped(process, parent: parent, signal: signal)   // wait4's WUNTRACED (ProcessWait.swift)
        }
    }

    /// SIGCONT: a stopped process's threads run again (those that were blocked in a call
    /// before the stop stay blocked in it).
    func continueProcess(_ process: Process) {
        guard process.stopSignal != nil else { return }
        process.stopSignal = nil
        let cycle = currentCycle
        for thread in process.liveThreads.values.sorted(by: { $0.tid < $1.tid }) {
            if case .blocked(.stopped) = thread.state { makeReady(thread, at: cycle) }
        }
        if let parentID = process.parentID, let parent = processTable[parentID], !parent.hasEnded {
            sendChildSignal(to: parent, about: process, code: SignalInfo.CLD_CONTINUED, status: SignalState.SIGCONT)
            childContinued(process, parent: parent)   // wait4's WCONTINUED (ProcessWait.swift)
        }
    }

    // MARK: Faults

    /// A fault in user mode: with a handler for its signal installed and not blocked, the
    /// handler runs (its frame's pc is the faulting instruction, run again if it returns);
    /// otherwise the process ends with the fault report, as Linux's forced signal ends it
    /// when the signal is blocked, ignored or left at its default.
    func handleFault(_ thread: Thread, on hart: Hart, trap: TrapRecord) {
        let (signal, code, address) = faultSignal(trap, process: thread.process)
        let action = thread.process.signals.action(signal)
        var note: String? = nil
        if !runEnded, action.isFunction {
            if thread.signalMask & SignalState.bit(signal) != 0 {
                note = "Its \(Kernel.signalName(signal)) handler did not run: the thread blocks \(Kernel.signalName(signal))."
            } else {
                let pc = hart.pc
                hart.setPC(trap.pc)
                if runFaultHandler(SignalInfo(signal: signal, code: code, address: address), action, thread: thread, hart: hart) { return }
                hart.setPC(pc)
                note = "Its \(Kernel.signalName(signal)) handler could not run: no room for the signal frame below sp 0x\(String(hart.register(2), radix: 16)) (a handler for a stack overflow needs sigaltstack and SA_ONSTACK)."
            }
        }
        var fault = GuestFault(thread: thread, process: thread.process, hart: hart, trap: trap)
        if let note { fault.explanation += " " + note }
        kill(thread.process, .killed(fault))
    }

    private func runFaultHandler(_ info: SignalInfo, _ action: SignalAction, thread: Thread, hart: Hart) -> Bool {
        let signal = info.signal
        guard pushSignalFrame(info, action, mask: thread.signalMask, thread: thread, hart: hart) else { return false }
        traceSignalDelivered(thread, signal: signal, handler: action.handler, hart: hart)
        if action.flags & SignalAction.resetHandler != 0 { thread.process.signals.setAction(signal, SignalAction()) }
        let deferred = action.flags & SignalAction.noDefer != 0 ? 0 : SignalState.bit(signal)
        thread.signalMask = (thread.signalMask | action.mask | deferred) & ~SignalState.unblockable
        return true
    }

    /// The signal, si_code and si_addr Linux riscv64 gives a trap: SIGSEGV (SEGV_MAPERR
    /// outside every mapping, SEGV_ACCERR inside one), SIGBUS (BUS_ADRALN), SIGILL
    /// (ILL_ILLOPC, at the PC), SIGTRAP (TRAP_BRKPT, at the PC).
    func faultSignal(_ trap: TrapRecord, process: Process) -> (Int32, Int32, UInt64) {
        switch trap.cause {
        case ExceptionCause.illegalInstruction.rawValue: return (SignalState.SIGILL, 1, trap.pc)
        case ExceptionCause.breakpoint.rawValue: return (SignalState.SIGTRAP, 1, trap.pc)
        case ExceptionCause.instructionAddressMisaligned.rawValue, ExceptionCause.loadAddressMisaligned.rawValue,
             ExceptionCause.storeAddressMisaligned.rawValue:
            return (SignalState.SIGBUS, 1, trap.value)
        default:
            return (SignalState.SIGSEGV, process.addressSpace.region(containing: trap.value) == nil ? 1 : 2, trap.value)
        }
    }
}

extension Kernel {
    /// After a system call: a thread that blocked while a signal it does not block was
    /// already pending is cut short at once (the pselect/ppoll/sigsuspend race); a call
    /// that set a mask for itself and was not cut short puts the old mask back.
    func settleSignalsAfterCall(_ thread: Thread, _ result: SystemCallResult) {
        if case .noReturn = result {
            if case .blocked(let reason) = thread.state, hasDeliverableSignal(thread) { interruptWait(thread, reason) }
            return
        }
        if thread.interruptedCall == nil, let saved = thread.savedSignalMask {
            thread.signalMask = saved
            thread.savedSignalMask = nil
        }
    }
}

extension Kernel {
    /// A handler starts: an instant on the thread's lane in the trace.
    func traceSignalDelivered(_ thread: Thread, signal: Int32, handler: UInt64, hart: Hart) {
        guard trace != nil else { return }
        traceEvent(.signalHandled(tid: thread.tid, signal: signal, handler: handler), on: hart)
    }
}
