// clone: new threads and new processes the way Linux makes them (issue 16). With
// CLONE_VM | CLONE_THREAD the new thread shares the caller's process; without CLONE_VM it
// is fork (Fork.swift). set_tid_address and the robust list are the per-thread words
// glibc and Go hand the kernel for thread exit.

import Machine

extension Kernel {
    /// clone(flags, stack, parent_tid, tls, child_tid) — riscv64's argument order.
    func clone(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.clone.rawValue)   // part A
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
