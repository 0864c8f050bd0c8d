// Trace.swift: marks a guest program puts into the kernel's trace, so a timeline can
// show what the program meant, not just what the hardware did: who asked for a lock,
// who found it taken and waited, for how long, who let it go.
//
// Every lock in this module makes these marks. Most runs record no trace, so a mark
// must cost next to nothing then: whether the run records one is asked once
// (trace_enabled), cached in a global, and each mark after that is a load and a branch.
// Under qemu-riscv64, or a kernel without the calls, the answer is -ENOSYS: off.

import Synchronization

/// What a mark says. The numbers are the trace_mark call's first argument and must
/// match the host's `MarkKind` (Sources/Trace/TraceEvent.swift).
public enum TraceMarkKind: Int, Sendable {
    /// A thread asks for a lock (object: the lock's address).
    case acquire = 1
    /// It found the lock taken and will wait; made once per acquisition.
    case contended = 2
    /// It holds the lock now; value: how long it waited (spin iterations, or sleeps).
    case acquired = 3
    /// It let the lock go.
    case release = 4
    /// A semaphore's count after a wait or a signal (value).
    case count = 5
    /// The program's own mark with a number (value), e.g. a job id.
    case user = 6
    /// The start and the end of a span the program names with a label.
    case begin = 7
    case end = 8
}

/// Whether the run records a trace: 0 not asked yet, 1 off, 2 on. An atomic so that
/// threads asking at once is defined behaviour; they all get the same answer.
let traceState = Atomic<Int>(0)

public enum Trace {
    /// True when the run records a trace. The kernel is asked the first time only.
    @inline(__always)
    public static var isEnabled: Bool {
        let state = traceState.load(ordering: .relaxed)
        if state != 0 { return state == 2 }
        return askKernel()
    }

    /// Kept out of line so the fast path of every mark stays a load and a branch.
    @inline(never)
    static func askKernel() -> Bool {
        let answer = System.syscall(SystemCallNumber.traceEnabled)
        let on = answer == 1          // 0, or -ENOSYS from a kernel without tracing: off
        traceState.store(on ? 2 : 1, ordering: .relaxed)
        return on
    }

    /// Puts a mark into the trace: `kind`, the address of the object it is about (0:
    /// none), and a number. Nothing happens when the run records no trace.
    @inline(__always)
    public static func mark(_ kind: TraceMarkKind, object: UInt = 0, value: Int = 0) {
        if isEnabled { send(kind, object: object, value: value) }
    }

    @inline(never)
    static func send(_ kind: TraceMarkKind, object: UInt, value: Int) {
        System.syscall(SystemCallNumber.traceMark, kind.rawValue, Int(bitPattern: object), value)
    }

    /// A user mark with a number: a job id, a round, a phase.
    @inline(__always)
    public static func mark(_ value: Int) {
        mark(.user, value: value)
    }

    /// Puts a piece of text into the trace beside the calling thread's marks.
    public static func label(_ text: StaticString) {
        guard isEnabled else { return }
        System.syscall(SystemCallNumber.traceLabel, Int(bitPattern: text.utf8Start), text.utf8CodeUnitCount)
    }

    /// Puts a piece of text into the trace (a copy is made only when tracing is on).
    public static func label(_ text: String) {
        guard isEnabled else { return }
        var copy = text
        copy.withUTF8 { bytes in
            _ = System.syscall(SystemCallNumber.traceLabel, Int(bitPattern: bytes.baseAddress), bytes.count)
        }
    }

    /// Opens a span (a label, then a begin mark with `value`); `end` closes it.
    public static func begin(_ name: StaticString, value: Int = 0) {
        guard isEnabled else { return }
        label(name)
        send(.begin, object: 0, value: value)
    }

    /// Closes the span `begin` opened.
    public static func end(value: Int = 0) {
        mark(.end, value: value)
    }

    /// Runs `body` inside a span named `name`.
    public static func span<Result, Failure: Error>(_ name: StaticString, value: Int = 0,
                                                    _ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        begin(name, value: value)
        defer { end(value: value) }
        return try body()
    }
}

/// The marks a lock makes, named by the address of the lock's word (the one a futex
/// waits on, so marks and the kernel's futex events name the same object):
/// `TraceMark.acquire(word)` and so on. Each is a load and a branch when the run records
/// no trace.
public enum TraceMark {
    /// `object` is asked for.
    @inline(__always)
    public static func acquire(_ object: UnsafeRawPointer) {
        Trace.mark(.acquire, object: UInt(bitPattern: object))
    }

    /// `object` was found taken; the caller will wait (once per acquisition).
    @inline(__always)
    public static func contended(_ object: UnsafeRawPointer) {
        Trace.mark(.contended, object: UInt(bitPattern: object))
    }

    /// The caller holds `object` now, after `waits` spin iterations or sleeps.
    @inline(__always)
    public static func acquired(_ object: UnsafeRawPointer, waits: Int) {
        Trace.mark(.acquired, object: UInt(bitPattern: object), value: waits)
    }

    /// The caller lets `object` go.
    @inline(__always)
    public static func release(_ object: UnsafeRawPointer) {
        Trace.mark(.release, object: UInt(bitPattern: object))
    }

    /// A semaphore's count is now `value`.
    @inline(__always)
    public static func count(_ object: UnsafeRawPointer, _ value: Int) {
        Trace.mark(.count, object: UInt(bitPattern: object), value: value)
    }
}
