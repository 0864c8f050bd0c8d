// SKELETON (issue 14): I/O in the trace — reads, writes, accepts and connects with their
// byte counts, readiness waits and the wakes that end them, an arrow from a write to the
// read that consumed it. The trace part replaces this file.

import Machine

extension Kernel {
    /// `bytes` moved through descriptor `fd` by a read or a write.
    func traceTransfer(_ thread: Thread, on hart: Hart, fd: Int32, file: OpenFile, bytes: Int, isWrite: Bool) {}
}
