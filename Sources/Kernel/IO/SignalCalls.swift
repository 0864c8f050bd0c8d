// SKELETON (issue 14): the little of signals that pipes need — rt_sigaction and
// rt_sigprocmask for SIGPIPE, and SIGPIPE's default ending (status 141). The pipes part
// replaces this file.

import Machine

/// A process's signal dispositions and mask (only what SIGPIPE needs).
struct SignalState {
}

extension Kernel {
    func signalAction(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func signalMask(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    /// A write to a pipe or socket with no reader failed with EPIPE: SIGPIPE for the thread.
    func brokenPipe(_ thread: Thread, file: OpenFile) {}
}
