// The little of signals that pipes need (issue 16 does the rest):
//   rt_sigaction(sig, act, oact, sigsetsize)   stores and reports the disposition of any
//       signal 1...64 (riscv64's struct sigaction: handler, flags, mask — 24 bytes);
//       SIGKILL and SIGSTOP cannot be changed (EINVAL); sigsetsize must be 8
//   rt_sigprocmask(how, set, oset, sigsetsize) SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK on the
//       calling thread's mask (SIGKILL and SIGSTOP are never blocked)
// and SIGPIPE: a write to a pipe with no reader left raises it. Its default ends the
// process with status 141 (128 + 13); ignored, the call returns EPIPE; blocked, it stays
// pending (the call returns EPIPE) and ends the process when unblocked unless it is
// ignored by then. Handlers that are functions are stored and reported but not run yet:
// a signal with one is dropped (so a write returns EPIPE, as with SIG_IGN).

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
    static let size = 24
}

/// A process's signal dispositions (the mask and pending signals are per thread).
struct SignalState {
    static let signalCount: Int32 = 64
    static let SIGKILL: Int32 = 9, SIGPIPE: Int32 = 13, SIGSTOP: Int32 = 19
    /// Never blocked, never caught or ignored.
    static let unblockable: UInt64 = SignalState.bit(SIGKILL) | SignalState.bit(SIGSTOP)
    /// Signals whose default is to do nothing: SIGCHLD, SIGCONT, SIGURG, SIGWINCH.
    static let ignoredByDefault: UInt64 = bit(17) | bit(18) | bit(23) | bit(28)

    /// Dispositions of signals 1...64 by index n - 1; empty while all are SIG_DFL.
    private var actions: [SignalAction] = []

    static func bit(_ signal: Int32) -> UInt64 { 1 << UInt64(signal - 1) }

    func action(_ signal: Int32) -> SignalAction {
        actions.isEmpty ? SignalAction() : actions[Int(signal - 1)]
    }

    mutating func setAction(_ signal: Int32, _ action: SignalAction) {
        if actions.isEmpty {
            if action == SignalAction() { return }
            actions = Array(repeating: SignalAction(), count: Int(SignalState.signalCount))
        }
        actions[Int(signal - 1)] = action
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

extension Kernel {
    static let SIG_BLOCK: Int32 = 0, SIG_UNBLOCK: Int32 = 1, SIG_SETMASK: Int32 = 2
    static let signalSetSize: UInt64 = 8

    func signalAction(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let signal = arguments.int32(0), new = arguments[1], old = arguments[2]
        let process = thread.process
        guard arguments[3] == Kernel.signalSetSize else { return .error(.EINVAL) }
        var requested: SignalAction? = nil
        if new != 0 {
            guard case .success(let bytes) = process.addressSpace.copyIn(from: new, count: SignalAction.size) else {
                return .error(.EFAULT)
            }
            requested = SignalAction(handler: littleEndianWord(bytes, at: 0),
                                     flags: littleEndianWord(bytes, at: 8) & SignalAction.knownFlags,
                                     mask: littleEndianWord(bytes, at: 16) & ~SignalState.unblockable)
        }
        guard signal >= 1, signal <= SignalState.signalCount else { return .error(.EINVAL) }
        if requested != nil, signal == SignalState.SIGKILL || signal == SignalState.SIGSTOP { return .error(.EINVAL) }
        let previous = process.signals.action(signal)
        if let requested {
            process.signals.setAction(signal, requested)
            // POSIX: setting a pending signal to be ignored discards it.
            if requested.handler == SignalAction.ignoreHandler {
                for member in process.liveThreads.values { member.pendingSignals &= ~SignalState.bit(signal) }
            }
        }
        if old != 0 {
            let bytes = littleEndianBytes(previous.handler) + littleEndianBytes(previous.flags) + littleEndianBytes(previous.mask)
            guard case .success = process.addressSpace.copyOut(bytes, to: old) else { return .error(.EFAULT) }
        }
        return .value(0)
    }

    func signalMask(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let how = arguments.int32(0), new = arguments[1], old = arguments[2]
        guard arguments[3] == Kernel.signalSetSize else { return .error(.EINVAL) }
        let previous = thread.signalMask
        if new != 0 {
            guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: new, count: 8) else { return .error(.EFAULT) }
            let set = littleEndianWord(bytes, at: 0) & ~SignalState.unblockable
            switch how {
            case Kernel.SIG_BLOCK: thread.signalMask |= set
            case Kernel.SIG_UNBLOCK: thread.signalMask &= ~set
            case Kernel.SIG_SETMASK: thread.signalMask = set
            default: return .error(.EINVAL)
            }
        }
        var result = SystemCallResult.value(0)
        if old != 0, case .failure = thread.process.addressSpace.copyOut(littleEndianBytes(previous), to: old) {
            result = .error(.EFAULT)
        }
        // Signals pending and no longer blocked arrive now (on the way back to the program).
        let arrived = thread.pendingSignals & ~thread.signalMask
        if arrived != 0 {
            thread.pendingSignals &= ~arrived
            for signal in 1...SignalState.signalCount where arrived & SignalState.bit(signal) != 0 {
                deliver(signal, to: thread)
                if thread.process.hasEnded { return .noReturn }
            }
        }
        return result
    }

    /// A write to a pipe or socket with no reader failed with EPIPE: SIGPIPE for the thread.
    func brokenPipe(_ thread: Thread, file: OpenFile) {
        raise(SignalState.SIGPIPE, in: thread)
    }

    /// Sends `signal` to `thread`: pending while blocked, else delivered.
    func raise(_ signal: Int32, in thread: Thread) {
        let bit = SignalState.bit(signal)
        if thread.signalMask & bit != 0 {
            thread.pendingSignals |= bit
            return
        }
        deliver(signal, to: thread)
    }

    /// Acts on a signal that arrived: its default ends the process (unless the default is
    /// to do nothing); ignored, or with a handler (not run before issue 16), it is dropped.
    private func deliver(_ signal: Int32, to thread: Thread) {
        let action = thread.process.signals.action(signal)
        guard action.handler == SignalAction.defaultHandler, SignalState.ignoredByDefault & SignalState.bit(signal) == 0 else { return }
        let process = thread.process
        let why = signal == SignalState.SIGPIPE
            ? "it wrote to a pipe or socket whose reading end was closed (ignore or block SIGPIPE to get EPIPE instead)"
            : "its default action ends the process"
        kill(process, .signalled(signal: signal, report: "process \(process.pid) (\(process.name)) ended by \(Kernel.signalName(signal)): \(why)"))
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL", 10: "SIGUSR1",
                                      12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM"]
        return names[signal] ?? "signal \(signal)"
    }
}
