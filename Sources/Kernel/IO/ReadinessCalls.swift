// SKELETON (issue 14): readiness — pselect6, ppoll, epoll. The readiness part replaces
// this file (Epoll.swift holds the epoll object).

import Machine

extension Kernel {
    func selectDescriptors(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func pollDescriptors(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func epollCreate(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func epollControl(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    /// epoll_pwait (timeout in milliseconds) and epoll_pwait2 (a timespec).
    func epollWait(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, timespec: Bool) -> SystemCallResult { .error(.ENOSYS) }
}
