// What the kernel keeps about signals: a process's dispositions (rt_sigaction), the
// siginfo of each signal raised and not yet taken (pending sets per thread and per
// process), a thread's alternate signal stack, and each signal's default action and
// name — all as Linux riscv64 defines them. SignalDelivery.swift acts on them.

import Machine

/// One signal's disposition, as rt_sigaction reads and writes it.
struct SignalAction: Equatable {
    /// SIG_DFL (0), SIG_IGN (1), or a function's address.
    var handler: UInt64 = SignalAction.defaultHandler
    var flags: UInt64 = 0
    /// Signals blocked while the handler runs (bit n - 1 for signal n).
    var mask: UInt64 = 0

    static let defaultHandler: UInt64 = 0, ignoreHandler: UInt64 = 1
    /// The flags Linux keeps (UAPI_SA_FLAGS): SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO,
    /// SA_UNSUPPORTED, SA_EXPOSE_TAGBITS, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND.
    static let knownFlags: UInt64 = 0x1 | 0x2 | 0x4 | 0x400 | 0x800 | 0x0800_0000 | 0x1000_0000 | 0x4000_0000 | 0x8000_0000
    static let noChildStop: UInt64 = 0x1, noChildWait: UInt64 = 0x2, siginfo: UInt64 = 0x4
    static let onStack: UInt64 = 0x0800_0000, restart: UInt64 = 0x1000_0000
    static let noDefer: UInt64 = 0x4000_0000, resetHandler: UInt64 = 0x8000_0000
    static let size = 24

    /// Whether the handler is a function of the program (not SIG_DFL or SIG_IGN).
    var isFunction: Bool { handler > SignalAction.ignoreHandler }
}

/// What a signal does when its disposition is SIG_DFL (Linux's signal(7) table).
enum DefaultSignalAction: Equatable {
    case terminate, core, ignore, stop, `continue`

    init(_ signal: Int32) {
        switch signal {
        case 3, 4, 5, 6, 7, 8, 11, 24, 25, 31: self = .core          // QUIT ILL TRAP ABRT BUS FPE SEGV XCPU XFSZ SYS
        case 17, 23, 28: self = .ignore                                // CHLD URG WINCH
        case 18: self = .continue                                      // CONT
        case 19, 20, 21, 22: self = .stop                              // STOP TSTP TTIN TTOU
        default: self = .terminate                                     // the rest, real-time signals too
        }
    }
}

/// A process's signal dispositions (the mask and the pending signals are per thread, with
/// a shared pending set for the process: `Process.sharedPending`).
struct SignalState {
    static let signalCount: Int32 = 64
    static let SIGHUP: Int32 = 1, SIGINT: Int32 = 2, SIGILL: Int32 = 4, SIGTRAP: Int32 = 5, SIGABRT: Int32 = 6
    static let SIGBUS: Int32 = 7, SIGKILL: Int32 = 9, SIGUSR1: Int32 = 10, SIGSEGV: Int32 = 11, SIGUSR2: Int32 = 12
    static let SIGPIPE: Int32 = 13, SIGALRM: Int32 = 14, SIGTERM: Int32 = 15, SIGCHLD: Int32 = 17, SIGCONT: Int32 = 18
    static let SIGSTOP: Int32 = 19, SIGTSTP: Int32 = 20, SIGURG: Int32 = 23
    /// Never blocked, never caught or ignored.
    static let unblockable: UInt64 = SignalState.bit(SIGKILL) | SignalState.bit(SIGSTOP)
    /// Signals whose default is to do nothing: SIGCHLD, SIGCONT, SIGURG, SIGWINCH.
    static let ignoredByDefault: UInt64 = bit(17) | bit(18) | bit(23) | bit(28)
    /// The signals that stop a process by default, and the ones a fault raises (taken
    /// first, as Linux's SYNCHRONOUS_MASK: SEGV, BUS, ILL, TRAP, FPE, SYS).
    static let stopSignals: UInt64 = bit(19) | bit(20) | bit(21) | bit(22)
    static let synchronous: UInt64 = bit(11) | bit(7) | bit(4) | bit(5) | bit(8) | bit(31)
    /// Every signal 1...64.
    static let all: UInt64 = .max

    /// Dispositions of signals 1...64 by index n - 1; empty while all are SIG_DFL.
    private var actions: [SignalAction] = []

    static func bit(_ signal: Int32) -> UInt64 {
        signal >= 1 && signal <= signalCount ? 1 << UInt64(signal - 1) : 0
    }

    static func isValid(_ signal: Int32) -> Bool { signal >= 1 && signal <= signalCount }

    func action(_ signal: Int32) -> SignalAction {
        actions.isEmpty || !SignalState.isValid(signal) ? SignalAction() : actions[Int(signal - 1)]
    }

    mutating func setAction(_ signal: Int32, _ action: SignalAction) {
        guard SignalState.isValid(signal) else { return }
        if actions.isEmpty {
            if action == SignalAction() { return }
            actions = Array(repeating: SignalAction(), count: Int(SignalState.signalCount))
        }
        actions[Int(signal - 1)] = action
    }

    /// Whether the signal, arriving now, would be thrown away: SIG_IGN, or SIG_DFL with a
    /// default of doing nothing (SIGCONT still continues a stopped process first).
    func isIgnored(_ signal: Int32) -> Bool {
        let action = action(signal)
        if action.handler == SignalAction.ignoreHandler { return true }
        return action.handler == SignalAction.defaultHandler && SignalState.ignoredByDefault & SignalState.bit(signal) != 0
    }

    /// Whether its arrival ends the process (SIG_DFL with a terminate or core default).
    func isFatal(_ signal: Int32) -> Bool {
        guard action(signal).handler == SignalAction.defaultHandler else { return false }
        let kind = DefaultSignalAction(signal)
        return kind == .terminate || kind == .core
    }

    /// What a program started by process_spawn gets, as across execve: ignored signals stay
    /// ignored, handled ones go back to their default.
    var acrossExec: SignalState {
        var state = SignalState()
        for signal in 1...SignalState.signalCount where action(signal).handler == SignalAction.ignoreHandler {
            state.setAction(signal, SignalAction(handler: SignalAction.ignoreHandler))
        }
        return state
    }
}

/// A signal's siginfo: what the handler's second argument and rt_sigtimedwait report.
struct SignalInfo: Equatable {
    var signal: Int32
    /// si_code: SI_USER (kill), SI_KERNEL, SI_TKILL (tkill, tgkill), SI_QUEUE, a fault's
    /// code (SEGV_MAPERR ...), a child's (CLD_EXITED ...).
    var code: Int32
    /// Sender's pid (kill, tkill, SIGCHLD: the child).
    var pid: Int32 = 0
    /// The word at offset 24: a SIGCHLD's status, a queued signal's value.
    var value: UInt64 = 0
    /// A fault's address (si_addr, at offset 16 instead of the pid).
    var address: UInt64? = nil
    /// Raw bytes given by rt_sigqueueinfo (128), kept as the program wrote them.
    var raw: [UInt8]? = nil

    static let SI_USER: Int32 = 0, SI_KERNEL: Int32 = 0x80, SI_QUEUE: Int32 = -1, SI_TKILL: Int32 = -6
    static let CLD_EXITED: Int32 = 1, CLD_KILLED: Int32 = 2, CLD_DUMPED: Int32 = 3, CLD_STOPPED: Int32 = 5, CLD_CONTINUED: Int32 = 6
    static let size = 128

    /// Linux's 128-byte siginfo_t.
    var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: SignalInfo.size)
        if let raw, raw.count == SignalInfo.size { bytes = raw }
        func put(_ value: UInt64, at offset: Int, count: Int) {
            for index in 0..<count { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }
        put(UInt64(UInt32(bitPattern: signal)), at: 0, count: 4)
        if raw != nil { return bytes }
        put(UInt64(UInt32(bitPattern: code)), at: 8, count: 4)
        if let address {
            put(address, at: 16, count: 8)
        } else {
            put(UInt64(UInt32(bitPattern: pid)), at: 16, count: 4)   // si_uid (20) stays 0: everyone is root
            put(value, at: 24, count: signal == SignalState.SIGCHLD ? 4 : 8)
        }
        return bytes
    }
}

/// Signals raised and not yet taken, with their siginfo: a standard signal (1...31) is
/// pending at most once (a second is merged into the first), real-time ones (32...64)
/// queue each instance in order, up to `queueLimit` entries in all.
struct SignalQueue {
    private(set) var bits: UInt64 = 0
    private var entries: [SignalInfo] = []
    static let queueLimit = 1024

    var isEmpty: Bool { bits == 0 }

    /// Adds one; false when a real-time signal finds the queue full (EAGAIN).
    @discardableResult
    mutating func add(_ info: SignalInfo) -> Bool {
        let bit = SignalState.bit(info.signal)
        guard bit != 0 else { return false }
        if info.signal < 32, bits & bit != 0 { return true }
        guard entries.count < SignalQueue.queueLimit else { return info.signal < 32 }
        entries.append(info)
        bits |= bit
        return true
    }

    /// Takes the signal to handle next among `allowed`: faults' signals first, then the
    /// lowest number (Linux's order); each signal's instances in the order they came.
    mutating func take(from allowed: UInt64) -> SignalInfo? {
        let candidates = bits & allowed
        guard candidates != 0 else { return nil }
        let preferred = candidates & SignalState.synchronous != 0 ? candidates & SignalState.synchronous : candidates
        let signal = Int32(preferred.trailingZeroBitCount + 1)
        guard let index = entries.firstIndex(where: { $0.signal == signal }) else {
            bits &= ~SignalState.bit(signal)
            return SignalInfo(signal: signal, code: SignalInfo.SI_KERNEL)
        }
        let info = entries.remove(at: index)
        if !entries.contains(where: { $0.signal == signal }) { bits &= ~SignalState.bit(signal) }
        return info
    }

    /// Throws away every pending instance of the signals in `signals`.
    mutating func discard(_ signals: UInt64) {
        guard bits & signals != 0 else { return }
        entries.removeAll { SignalState.bit($0.signal) & signals != 0 }
        bits &= ~signals
    }

    mutating func removeAll() {
        bits = 0
        entries = []
    }
}

/// A thread's alternate signal stack (sigaltstack).
struct AlternateSignalStack: Equatable {
    var base: UInt64 = 0
    var size: UInt64 = 0
    /// The flags it was set with (SS_AUTODISARM is the one kept).
    var flags: UInt32 = AlternateSignalStack.disable

    static let onStack: UInt32 = 1, disable: UInt32 = 2, autoDisarm: UInt32 = 1 << 31
    /// MINSIGSTKSZ on riscv64.
    static let minimumSize: UInt64 = 2048

    var isEnabled: Bool { size != 0 }

    /// Whether `sp` is on it (the stack grows down: base < sp <= base + size).
    func contains(_ sp: UInt64) -> Bool {
        guard isEnabled, flags & AlternateSignalStack.autoDisarm == 0 else { return false }
        return sp > base && sp &- base <= size
    }

    /// ss_flags as sigaltstack and the signal frame report them for a thread at `sp`.
    func reportedFlags(sp: UInt64) -> UInt32 {
        let state = !isEnabled ? AlternateSignalStack.disable : contains(sp) ? AlternateSignalStack.onStack : 0
        return state | (flags & AlternateSignalStack.autoDisarm)
    }
}

/// A blocking call a signal cut short: a0 holds -EINTR until delivery decides whether the
/// call runs again (Linux's ERESTARTSYS, ERESTARTNOHAND, ERESTART_RESTARTBLOCK, ERESTARTNOINTR).
struct InterruptedCall: Equatable {
    enum Restart: Equatable {
        /// Runs again after a handler with SA_RESTART, or when no handler ran (ERESTARTSYS).
        case unlessHandlerWithoutRestart
        /// EINTR after a handler, runs again when none ran (ERESTARTNOHAND, RESTARTBLOCK).
        case onlyWithoutHandler
        /// Always runs again (ERESTARTNOINTR: the kernel's own calls).
        case always
        /// Always EINTR.
        case never
    }
    var restart: Restart
    /// a0 as the call got it (Linux's orig_a0), for running it again.
    var firstArgument: UInt64

    /// How a blocking call `number` (with or without a timeout) is cut short.
    static func restart(forCall number: UInt64, timed: Bool) -> Restart {
        switch number {
        case 0x1000...: .always
        case 22, 72, 73, 133, 441: .onlyWithoutHandler      // epoll_pwait, pselect6, ppoll, rt_sigsuspend, epoll_pwait2
        case 101, 115: .onlyWithoutHandler                   // nanosleep, clock_nanosleep
        case 98: timed ? .onlyWithoutHandler : .unlessHandlerWithoutRestart   // futex
        case 137: .never                                     // rt_sigtimedwait
        default: .unlessHandlerWithoutRestart
        }
    }
}

extension Kernel {
    static func signalName(_ signal: Int32) -> String {
        let names = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
                     "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
                     "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
                     "SIGIO", "SIGPWR", "SIGSYS"]
        if signal >= 1, Int(signal) <= names.count { return names[Int(signal) - 1] }
        if signal >= 32, signal <= 64 { return "real-time signal \(signal)" }
        return "signal \(signal)"
    }
}
