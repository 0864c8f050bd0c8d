// The kernel's accelerator scheduler: it shares the device's lanes among the contexts
// with work, round robin in the order they became ready. A context keeps the lanes for
// `sliceMicroseconds` while another waits; at the slice's end the driver asks the device
// for preemption (at the next instruction, or at the next work-group boundary, by the
// hardware's kind), and if the context has not left `watchdogMicroseconds` later the
// watchdog resets it (Windows' TDR: "Display driver stopped responding and has
// recovered"), its waiters get -ETIMEDOUT and the next context goes on.
//
// The device runs on its own clock. The kernel advances it to the CPU's simulated time
// whenever it needs to look (every accelerator call) and at a timer deadline on hart 0
// while work is outstanding (every `pollMicroseconds`, the device's interrupt, as the
// network's deadline does in Scheduler.swift): `run(until:)` stops at each event, so the
// driver switches contexts, asks for preemption and resets at the device's exact cycle,
// and wakes the threads waiting for a submission when it sees the submission end. With
// nothing outstanding no timer is set and nothing here runs.

import Machine
import MachineTools
import Trace

extension Kernel {
    /// Hart 0's timer serves the devices: the earlier of the network's deadline and the
    /// accelerator's (programTimer calls it only when there is an accelerator, so its
    /// path without one costs what the network's check alone did, and a test).
    @inline(never)
    var deviceDeadline: UInt64? {
        guard let driver = acceleratorDriver, let look = acceleratorDeadline(driver) else { return networkDeadline }
        return min(networkDeadline ?? .max, look)
    }

    /// The CPU cycle hart 0 must next look at the device (nil: nothing outstanding).
    func acceleratorDeadline(_ driver: AcceleratorDriver) -> UInt64? {
        guard driver.hasOutstandingWork else { return nil }
        let poll = max(100, driver.clock.cpuCycles(microseconds: driver.settings.pollMicroseconds))
        var deadline = driver.lastAdvance.addingSaturated(poll)
        for policy in [driver.sliceEnd, driver.watchdogAt] {
            if let policy { deadline = min(deadline, driver.clock.cpuCycle(atDevice: policy)) }
        }
        return deadline
    }

    /// On hart 0's interrupt: the device's events up to now.
    @inline(never)
    func processAcceleratorEvents(_ hart: Hart, _ driver: AcceleratorDriver) {
        guard hart.id == AcceleratorDriver.hart, driver.hasOutstandingWork else { return }
        advanceAccelerator(to: hart.cycle)
    }

    /// Runs the device up to the CPU's `cycle`, acting on each event at its cycle: trace,
    /// metrics, the next context on the lanes, slices, the watchdog, waking waiters. Then
    /// sets hart 0's timer for the next look.
    func advanceAccelerator(to cycle: UInt64) {
        guard let driver = acceleratorDriver else { return }
        let device = driver.device
        let target = driver.clock.deviceCycle(atCPU: cycle)
        driver.lastAdvance = max(driver.lastAdvance, cycle)
        dispatchAccelerator(driver)
        // Each round either reports an event, meets a policy deadline or reaches the target;
        // the bound only guards the host against a device that does none of these.
        var rounds = 0
        while rounds < 1_000_000 {
            rounds += 1
            let policy = [driver.sliceEnd, driver.watchdogAt].compactMap { $0 }.min()
            if let policy, device.cycle >= policy {
                applyAcceleratorPolicy(driver)   // clears the deadline it met
                continue
            }
            let events = device.run(until: min(target, policy ?? .max))
            guard !events.isEmpty else {
                if let policy, device.cycle >= policy { continue }
                break   // the device reached the target with nothing to report
            }
            for event in events { handleAcceleratorEvent(event, driver) }
        }
        checkAcceleratorInstructionLimit(driver)
        if !runEnded { programTimer(machine.harts[AcceleratorDriver.hart]) }
    }

    /// Puts the first ready context on free lanes.
    func dispatchAccelerator(_ driver: AcceleratorDriver) {
        guard driver.onLanes == nil, driver.device.contextOnLanes == nil else { return }
        while !driver.ready.isEmpty {
            let next = driver.ready.removeFirst()
            next.isQueued = false
            guard driver.contexts[next.deviceID] === next, !next.faulted, driver.device.hasWork(next.deviceID) else { continue }
            driver.device.switchTo(next.deviceID)
            driver.onLanes = next
            driver.sliceEnd = nil
            driver.preemptionAskedAt = nil
            driver.watchdogAt = nil
            return
        }
    }

    /// A context got work: it joins the ready queue (unless it has the lanes or is queued),
    /// and the context on the lanes gets a slice's end now that another waits.
    func acceleratorContextBecameReady(_ context: AcceleratorContext, _ driver: AcceleratorDriver) {
        guard driver.onLanes !== context, !context.isQueued else { return }
        context.isQueued = true
        driver.ready.append(context)
        startSliceIfContended(driver)
        dispatchAccelerator(driver)
    }

    /// While another context waits, the one running has a slice that ends.
    func startSliceIfContended(_ driver: AcceleratorDriver) {
        guard let running = driver.onLanes, running.isSwitchedIn, driver.sliceEnd == nil, driver.preemptionAskedAt == nil,
              !driver.ready.isEmpty else { return }
        driver.sliceEnd = driver.device.cycle.addingSaturated(driver.clock.deviceCycles(microseconds: driver.settings.sliceMicroseconds))
    }

    /// The slice's end (ask the context to leave, if another still waits) or the watchdog's.
    func applyAcceleratorPolicy(_ driver: AcceleratorDriver) {
        let now = driver.device.cycle
        if let watchdog = driver.watchdogAt, now >= watchdog {
            driver.watchdogAt = nil
            if let running = driver.onLanes { resetAcceleratorContext(running, driver) }
            return
        }
        if let sliceEnd = driver.sliceEnd, now >= sliceEnd {
            driver.sliceEnd = nil
            guard let running = driver.onLanes, !driver.ready.isEmpty else { return }
            driver.device.requestPreemption()
            running.metrics.preemptionRequests &+= 1
            driver.preemptionAskedAt = now
            driver.watchdogAt = now.addingSaturated(driver.clock.deviceCycles(microseconds: driver.settings.watchdogMicroseconds))
        }
    }

    /// The watchdog's reset: the context's work is dropped, its waiters get -ETIMEDOUT,
    /// the run's report says so, and the next context takes the lanes.
    func resetAcceleratorContext(_ context: AcceleratorContext, _ driver: AcceleratorDriver) {
        let cycle = driver.device.cycle
        driver.device.reset(context.deviceID)
        context.metrics.resets &+= 1
        context.metrics.resetSubmissions &+= context.lastIssued - min(context.lastIssued, context.finishedThrough)
        context.dropByReset()
        context.dropPending()
        let asked = driver.preemptionAskedAt.map { driver.clock.microseconds(deviceCycles: cycle - min(cycle, $0)) / 1_000 } ?? 0
        noteAccelerator("interleave: the accelerator stopped responding and has recovered: \(context.name) kept the lanes "
                        + "\(asked) ms after it was asked to leave, and the watchdog (TDR) reset it; its waiting submissions end with -ETIMEDOUT", driver)
        traceAccelerator(context, .reset, deviceCycle: cycle)
        if driver.onLanes === context { driver.leaveLanes() }
        wakeAcceleratorWaiters(context)
        dispatchAccelerator(driver)
    }

    func handleAcceleratorEvent(_ event: AcceleratorEvent, _ driver: AcceleratorDriver) {
        switch event {
        case .switchedIn(let id, let cycle):
            guard let context = driver.contexts[id] else { return }
            context.isSwitchedIn = true
            if let head = context.firstPending, !context.headStarted { startAcceleratorSubmission(head, of: context, at: cycle) }
            traceAccelerator(context, .runs, deviceCycle: cycle)
            startSliceIfContended(driver)
        case .switchedOut(let id, let cycle, let why):
            let context = driver.contexts[id]
            if let context, driver.onLanes === context { driver.leaveLanes() }
            if let context {
                switch why {
                case .preempted:
                    traceAccelerator(context, .preempted, deviceCycle: cycle)
                    if driver.device.hasWork(id) { acceleratorContextBecameReady(context, driver) }
                case .idle:
                    traceAccelerator(context, .idle, deviceCycle: cycle)
                    if driver.device.hasWork(id) { acceleratorContextBecameReady(context, driver) }
                case .reset, .faulted, .destroyed: break   // traced where the driver learned of it
                }
            }
            dispatchAccelerator(driver)
        case .completed(let id, let submission, let cycle):
            guard let context = driver.contexts[id] else { return }
            while let head = context.firstPending, head.submission <= submission {
                if !context.headStarted { startAcceleratorSubmission(head, of: context, at: cycle) }
                let latency = cycle - min(cycle, head.submittedAt)
                context.metrics.completions &+= 1
                context.metrics.latencyCycles &+= latency
                context.metrics.longestLatencyCycles = max(context.metrics.longestLatencyCycles, latency)
                context.popPending()
                context.headStarted = false
            }
            context.finishedThrough = max(context.finishedThrough, min(submission, context.lastIssued))
            traceAccelerator(context, .completed, deviceCycle: cycle, submission: submission)
            if let next = context.firstPending, context.isSwitchedIn, driver.onLanes === context { startAcceleratorSubmission(next, of: context, at: cycle) }
            wakeAcceleratorWaiters(context)
        case .faulted(let fault, let cycle):
            guard let context = driver.contexts[fault.context] else { return }
            context.completedBeforeFault = context.finishedThrough
            context.faulted = true
            context.finishedThrough = context.lastIssued
            context.dropPending()
            context.metrics.faults &+= 1
            noteAccelerator(acceleratorFaultReport(fault, context), driver)
            traceAccelerator(context, .faulted, deviceCycle: cycle, submission: fault.submission)
            if driver.onLanes === context, driver.device.contextOnLanes != fault.context { driver.leaveLanes() }
            wakeAcceleratorWaiters(context)
            dispatchAccelerator(driver)
        }
    }

    /// The head submission begins to run: its wait from submission is measured.
    func startAcceleratorSubmission(_ head: (submission: UInt64, submittedAt: UInt64), of context: AcceleratorContext, at cycle: UInt64) {
        context.headStarted = true
        let wait = cycle - min(cycle, head.submittedAt)
        context.metrics.started &+= 1
        context.metrics.waitCycles &+= wait
        context.metrics.longestWaitCycles = max(context.metrics.longestWaitCycles, wait)
    }

    /// Wakes the threads waiting for submissions that have ended, each with its answer.
    func wakeAcceleratorWaiters(_ context: AcceleratorContext) {
        guard !context.waiters.isEmpty else { return }
        var staying: [(thread: Thread, submission: UInt64)] = []
        for waiter in context.waiters {
            guard case .blocked(.accelerator(let serial, let submission)) = waiter.thread.state,
                  serial == context.serial, submission == waiter.submission else { continue }   // gone, or woken by a signal
            if submission <= context.finishedThrough {
                let answer = context.outcome(of: submission).map { -$0.rawValue } ?? 0
                waiter.thread.context.integers[10] = UInt64(bitPattern: answer)
                makeReady(waiter.thread, at: currentCycle)
            } else {
                staying.append(waiter)
            }
        }
        context.waiters = staying
    }

    /// "interleave: accelerator fault in process 2 (stray), context 1: lane 0, item 3 ..."
    func acceleratorFaultReport(_ fault: AcceleratorFault, _ context: AcceleratorContext) -> String {
        let process = processTable[context.pid]
        let location = process?.symbolize(fault.pc).map { " in \($0)" } ?? ""
        let instruction = fault.instructionBits.map { "  \(Disassembler.disassemble($0, pc: fault.pc))" } ?? ""
        return "interleave: accelerator fault in \(context.name), submission \(fault.submission): lane \(fault.lane), item \(fault.item), "
            + "pc 0x\(String(fault.pc, radix: 16))\(location)\(instruction); address 0x\(String(fault.address, radix: 16)): \(fault.reason). "
            + "Its waiting submissions end with -EFAULT; the process goes on"
    }

    /// A note on standard error, kept for the run's report too (the latest few).
    func noteAccelerator(_ text: String, _ driver: AcceleratorDriver) {
        if driver.notes.count < AcceleratorDriver.noteLimit { driver.notes.append(text) }
        io.writeError(Array((text + "\n").utf8))
    }

    func traceAccelerator(_ context: AcceleratorContext, _ kind: AcceleratorTraceKind, deviceCycle: UInt64, submission: UInt64 = 0) {
        guard trace != nil, let driver = acceleratorDriver else { return }
        traceEvent(.accelerator(AcceleratorTrace(context: context.serial, pid: context.pid, kind: kind, submission: submission)),
                   cycle: driver.clock.cpuCycle(atDevice: deviceCycle))
    }

    /// The lanes count toward the run's instruction limit, so a runaway kernel nobody
    /// waits behind cannot keep a run going for ever.
    func checkAcceleratorInstructionLimit(_ driver: AcceleratorDriver) {
        guard !runEnded else { return }
        let retired = driver.instructionsRetired
        guard retired >= configuration.instructionLimit else { return }
        endAll(.instructionLimit("the accelerator's lanes ran \(retired) instructions, the limit (raise it with --max-instructions)"))
    }

    /// A process ended: its contexts are destroyed, and the next context takes the lanes.
    func acceleratorProcessEnded(_ process: Process) {
        guard let driver = acceleratorDriver, let slots = driver.handles[process.pid] else { return }
        for case let context? in slots { destroyAcceleratorContext(context, driver) }
        if !runEnded { programTimer(machine.harts[AcceleratorDriver.hart]) }   // the next context's work needs looking at
    }

    /// Destroys a context on the device and in the driver; its waiters get -EBADF.
    func destroyAcceleratorContext(_ context: AcceleratorContext, _ driver: AcceleratorDriver) {
        let cycle = driver.device.cycle
        driver.saveRecord(of: context)
        driver.destroyedInstructions &+= driver.device.statistics(of: context.deviceID)?.instructions ?? 0
        for waiter in context.waiters {
            guard case .blocked(.accelerator(let serial, _)) = waiter.thread.state, serial == context.serial else { continue }
            waiter.thread.context.integers[10] = UInt64(bitPattern: -Errno.EBADF.rawValue)
            makeReady(waiter.thread, at: currentCycle)
        }
        driver.device.destroyContext(context.deviceID)
        traceAccelerator(context, .destroyed, deviceCycle: cycle)
        driver.unregister(context)
        dispatchAccelerator(driver)
    }
}
