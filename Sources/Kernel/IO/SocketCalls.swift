// SKELETON (issue 14): sockets — UNIX domain, and TCP and UDP on the loopback interface.
// The sockets part replaces this file.

import Machine

/// The run's socket namespace: bound UNIX names, loopback ports (Sockets part).
final class SocketLayer {
    init() {}
}

extension Kernel {
    func socket(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func socketPair(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func bind(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func listen(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    /// accept (flags 0) and accept4.
    func accept(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, withFlags: Bool) -> SystemCallResult { .error(.ENOSYS) }
    func connect(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func socketName(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, peer: Bool) -> SystemCallResult { .error(.ENOSYS) }
    func sendTo(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func receiveFrom(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func sendMessage(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func receiveMessage(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func setSocketOption(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func getSocketOption(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func shutdown(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
}
