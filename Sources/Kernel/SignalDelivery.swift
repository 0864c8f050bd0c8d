// Signal delivery (issue 16): raising signals at processes and threads, running a handler
// on return to user mode with riscv64's signal frame (siginfo + ucontext), rt_sigreturn,
// the alternate signal stack, and the calls that wait for signals.

import Machine

extension Kernel {
    func killCall(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.kill.rawValue)   // part C
    }

    /// tkill(tid, sig) and tgkill(tgid, tid, sig).
    func threadKill(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, group: Bool) -> SystemCallResult {
        notImplemented(group ? SystemCall.tgkill.rawValue : SystemCall.tkill.rawValue)   // part C
    }

    func alternateSignalStack(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.sigaltstack.rawValue)   // part C
    }

    func signalReturn(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.rtSigreturn.rawValue)   // part C
    }

    func signalSuspend(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.rtSigsuspend.rawValue)   // part C
    }

    func signalsPending(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.rtSigpending.rawValue)   // part C
    }

    func signalTimedWait(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.rtSigtimedwait.rawValue)   // part C
    }
}

extension Kernel {
    /// Raises `signal` at a process (kill, SIGCHLD, SIGPIPE): one of its threads that does
    /// not block it takes it, or it stays pending on the process (part C). `sender` is nil
    /// when the kernel raises it.
    func sendSignal(_ signal: Int32, to process: Process, from sender: Thread?) {
    }

    /// Raises `signal` at one thread (tgkill, a fault, SIGURG for Go's preemption) (part C).
    func sendSignal(_ signal: Int32, toThread target: Thread, from sender: Thread?) {
    }
}
