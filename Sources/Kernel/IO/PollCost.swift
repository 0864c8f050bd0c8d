// What waiting for readiness costs, in simulated time. The difference between select/poll
// and epoll is not in what they answer but in the work behind the answer: select and
// poll look at every watched descriptor on every call (and again after every wake), so
// their cost grows with the idle connections a server holds; epoll_wait looks only at
// the descriptors on its ready list, so its cost grows with the active ones alone. The
// kernel charges each call's work to the calling hart's clock, so the C10K difference
// shows up in simulated time (the lab's `select-limit` experiment measures it).
//
// The figures are nanoseconds of a Linux kernel on a server of the last decade,
// converted at the configured clock frequency (at the default 100 MHz, 100 ns is
// 10 cycles). Where they come from is in the README ("What readiness costs").

import Machine

/// The simulated cost of pselect6, ppoll, epoll_wait and epoll_ctl.
public enum ReadinessCost {
    /// Entering and leaving any of these calls: the trap, copying the arguments and the
    /// timeout, the signal-mask dance (a few hundred ns on Linux since KPTI).
    public static let callNanoseconds: UInt64 = 200
    /// select and poll, per watched descriptor and per scan: look the descriptor up, ask
    /// its object how ready it is (f_op->poll), and put a wait-queue entry on it.
    public static let perDescriptorNanoseconds: UInt64 = 100
    /// epoll_wait, per entry taken off the ready list: ask that one object again and
    /// copy its event out. The same per-descriptor work as poll's, for the ready ones only.
    public static let perReadyEntryNanoseconds: UInt64 = 100
    /// epoll_ctl: find the registration (a red-black tree on Linux), allocate or free
    /// it, hook it on the object's wait queue and poll the object once.
    public static let controlNanoseconds: UInt64 = 500

    /// Cycles of a select or poll call that scanned `descriptors` descriptors.
    static func scan(_ descriptors: Int, clockFrequency: UInt64) -> UInt64 {
        cycles(callNanoseconds.addingSaturated(times(descriptors, perDescriptorNanoseconds)),
               clockFrequency: clockFrequency)
    }

    /// Cycles of an epoll_wait call that took `entries` entries off its ready list.
    static func wait(_ entries: Int, clockFrequency: UInt64) -> UInt64 {
        cycles(callNanoseconds.addingSaturated(times(entries, perReadyEntryNanoseconds)),
               clockFrequency: clockFrequency)
    }

    /// Cycles of an epoll_ctl call.
    static func control(clockFrequency: UInt64) -> UInt64 {
        cycles(callNanoseconds.addingSaturated(controlNanoseconds), clockFrequency: clockFrequency)
    }

    static func cycles(_ nanoseconds: UInt64, clockFrequency: UInt64) -> UInt64 {
        SimulatedTime(nanoseconds, .nanoseconds, clockFrequency: clockFrequency).cycles
    }
}

/// `count × each`, or UInt64.max when it does not fit.
private func times(_ count: Int, _ each: UInt64) -> UInt64 {
    let (product, overflow) = each.multipliedReportingOverflow(by: UInt64(max(0, count)))
    return overflow ? .max : product
}
