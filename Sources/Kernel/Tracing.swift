// What the kernel tells the trace (Sources/Trace): every place where something a person
// would want to see happens — a thread starts, runs, stops, blocks, wakes, a system call
// returns, an interrupt arrives — calls one of these. With no recorder each is a single
// test of an optional, so tracing off costs nothing measurable. The guest's own marks come
// in through three calls of Interleave's own (0x1040–0x1042), which the Sync library uses
// to show lock acquire / contended / release in the timeline.

import Machine
import Trace

extension Kernel {
    static let traceMarkCall: UInt64 = 0x1040, traceLabelCall: UInt64 = 0x1041, traceEnabledCall: UInt64 = 0x1042
    /// The longest label a guest may record; longer ones are cut.
    static let traceLabelLimit: UInt64 = 256

    @inline(__always)
    func traceEvent(_ kind: TraceEventKind, on hart: Hart) {
        guard let trace else { return }
        trace.record(TraceEvent(cycle: hart.cycle, hart: Int32(hart.id), kind))
    }

    @inline(__always)
    func traceEvent(_ kind: TraceEventKind, cycle: UInt64, hart: Int = -1) {
        guard let trace else { return }
        trace.record(TraceEvent(cycle: cycle, hart: Int32(hart), kind))
    }

    /// A process and its main thread begin (names first, so a streaming view has them).
    func traceProcessStart(_ thread: Thread, cycle: UInt64) {
        guard let trace else { return }
        let process = thread.process
        trace.nameProcess(process.pid, program: process.name)
        trace.nameThread(thread.tid, process: process.pid, name: "main")
        traceEvent(.processStarted(pid: process.pid, parent: process.parentID ?? 0, name: trace.intern(process.name)), cycle: cycle)
        traceEvent(.threadStarted(tid: thread.tid, pid: process.pid), cycle: cycle)
        process.addressSpace.onDemandFault = { [unowned self] address in
            // A fault or a system call's copy, on behalf of the thread whose trap is handled.
            guard let index = handlingHart, index < running.count else { return }
            traceEvent(.pageFault(tid: running[index]?.tid ?? 0, address: address), on: machine.harts[index])
        }
    }

    func traceThreadStart(_ thread: Thread, on hart: Hart) {
        guard let trace else { return }
        trace.nameThread(thread.tid, process: thread.process.pid, name: "thread \(thread.tid)")
        traceEvent(.threadStarted(tid: thread.tid, pid: thread.process.pid), on: hart)
    }

    /// The thread left its hart: the trace's stop reason and what it waits on.
    func traceStop(_ thread: Thread, on hart: Hart, _ cause: LeaveCause) {
        guard trace != nil else { return }
        let reason: Trace.ThreadStopReason, object: UInt64
        switch cause {
        case .switched(let switched):
            object = 0
            reason = switch switched {
            case .sliceExpired: .sliceExpired
            case .yielded: .yielded
            case .preempted: .preempted
            case .migrated: .migrated
            case .programWaits: .programWaits
            case .blocked, .exited, .fromIdle: .yielded   // not given as .switched
            }
        case .blocked(let blocked):
            switch blocked {
            case .futex(let address, _):
                // A wait on a live thread's clear-child-tid word is a join (Clone.swift).
                if let owner = thread.process.tidWordOwners[address], owner != thread.tid {
                    (reason, object) = (.joining, UInt64(UInt32(bitPattern: owner)))
                } else {
                    (reason, object) = (.blockedOnFutex, address)
                }
            case .sleep(let until): (reason, object) = (.sleeping, until)
            case .join(let tid): (reason, object) = (.joining, UInt64(UInt32(bitPattern: tid)))
            case .processWait(let pid, _): (reason, object) = (.waitingForChild, UInt64(UInt32(bitPattern: pid)))
            case .message: (reason, object) = (.waitingForMessage, 0)
            case .io(_, let descriptor): (reason, object) = (.waitingForIO, descriptor)
            case .vfork(let child): (reason, object) = (.waitingForChild, UInt64(UInt32(bitPattern: child)))
            case .signalSuspend: (reason, object) = (.waitingForSignal, 0)
            case .signalWait(let set): (reason, object) = (.waitingForSignal, set)
            case .stopped(let signal): (reason, object) = (.stopped, UInt64(UInt32(bitPattern: signal)))
            case .accelerator(let context, _): (reason, object) = (.waitingForIO, UInt64(UInt32(bitPattern: context)))
            }
        case .exited(let status): (reason, object) = (.exited, UInt64(UInt32(bitPattern: status)))
        }
        traceEvent(.threadStops(tid: thread.tid, reason: reason, object: object), on: hart)
    }

    // MARK: The guest's marks

    /// trace_mark(kind, object, value) → 0: a mark in the trace (MarkKind's numbers);
    /// -EINVAL for an unknown kind. Costs the call and nothing else when tracing is off.
    func traceMark(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard let kind = MarkKind(rawValue: UInt8(truncatingIfNeeded: arguments[0])), arguments[0] <= 0xFF else {
            return .error(.EINVAL)
        }
        traceEvent(.mark(tid: thread.tid, kind: kind, object: arguments[1], value: arguments[2]), on: hart)
        return .value(0)
    }

    /// trace_label(text, length) → 0: a label in the trace (UTF-8, cut at 256 bytes);
    /// -EFAULT for text the thread cannot read.
    func traceLabel(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let count = Int(min(arguments[1], Kernel.traceLabelLimit))
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: arguments[0], count: count) else {
            return .error(.EFAULT)
        }
        guard let trace else { return .value(0) }
        traceEvent(.label(tid: thread.tid, text: trace.intern(String(decoding: bytes, as: UTF8.self))), on: hart)
        return .value(0)
    }

    // MARK: Instructions

    /// Runs up to `budget` instructions one at a time, recording those of the chosen
    /// thread or address range: slow, and only when asked for.
    func runTracingInstructions(budget: UInt64, filter: InstructionTraceFilter) -> StopReason {
        var onHart = running.map { $0?.tid ?? 0 }
        var stepped: UInt64 = 0
        while stepped < budget {
            for index in running.indices { onHart[index] = running[index]?.tid ?? 0 }
            let (stop, retired) = machine.stepTraced()
            if let stop { return stop }
            guard let retired else { continue }
            stepped &+= 1
            let tid = retired.hart < onHart.count ? onHart[retired.hart] : 0
            if filter.matches(tid: tid, pc: retired.pc) {
                traceEvent(.instruction(tid: tid, pc: retired.pc, bits: retired.bits), on: machine.harts[retired.hart])
            }
        }
        return .budgetExhausted
    }
}

/// Which instructions a trace records one by one.
public enum InstructionTraceFilter: Sendable, Equatable {
    case thread(Int32)
    /// PCs from the lower bound up to, not including, the upper.
    case addresses(Range<UInt64>)

    func matches(tid: Int32, pc: UInt64) -> Bool {
        switch self {
        case .thread(let wanted): tid == wanted
        case .addresses(let range): range.contains(pc)
        }
    }

    /// "thread:3" or "0x10000-0x10400"; nil for anything else.
    public init?(_ text: String) {
        if text.hasPrefix("thread:") {
            guard let tid = Int32(text.dropFirst(7)), tid > 0 else { return nil }
            self = .thread(tid)
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        func hex(_ part: Substring) -> UInt64? {
            part.hasPrefix("0x") ? UInt64(part.dropFirst(2), radix: 16) : UInt64(part, radix: 16)
        }
        guard parts.count == 2, let low = hex(parts[0]), let high = hex(parts[1]), low < high else { return nil }
        self = .addresses(low..<high)
    }

    public static let accepted = "thread:N (a thread id) or START-END (hexadecimal PCs, e.g. 0x10000-0x10400)"
}
