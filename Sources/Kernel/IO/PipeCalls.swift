// SKELETON (issue 14): pipes and eventfd. The pipes part replaces this file (Pipe.swift,
// EventCounter.swift hold the objects).

import Machine

extension Kernel {
    func makePipe(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
    func makeEventCounter(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult { .error(.ENOSYS) }
}
