// clone: new threads and new processes the way Linux makes them (issue 16). With
// CLONE_VM | CLONE_THREAD the new thread shares the caller's process; without CLONE_VM it
// is fork (Fork.swift). set_tid_address and the robust list are the per-thread words
// glibc and Go hand the kernel for thread exit.

import Machine

extension Kernel {
    /// clone(flags, stack, parent_tid, tls, child_tid) — riscv64's argument order.
    func clone(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        // Without CLONE_THREAD (0x10000): a new process (fork, vfork, posix_spawn), Fork.swift.
        if arguments[0] & 0x10000 == 0 {
            return forkProcess(flags: arguments[0], stack: arguments[1], parentTIDAddress: arguments[2], tls: arguments[3],
                               childTIDAddress: arguments[4], hart: hart, thread: thread)
        }
        return notImplemented(SystemCall.clone.rawValue)   // part A
    }

    /// set_tid_address(tidptr): the word cleared (and futex-woken) when the thread exits.
    func setThreadIDAddress(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        .value(Int64(thread.tid))   // part A stores the address
    }

    func setRobustList(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.setRobustList.rawValue)   // part A (walked by part D's robust futex release)
    }

    func getRobustList(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.getRobustList.rawValue)
    }
}
