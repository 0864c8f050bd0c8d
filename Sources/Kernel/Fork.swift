// fork: a new process whose address space is a copy-on-write copy of its parent's
// (issue 16). clone without CLONE_VM arrives here from Clone.swift.

import Machine

extension Kernel {
    /// The fork half of clone: `flags` as clone got them, `stack` the child's sp (0: the
    /// parent's), and the parent/child tid addresses and tls for the flags that use them.
    func forkProcess(flags: UInt64, stack: UInt64, parentTIDAddress: UInt64, tls: UInt64, childTIDAddress: UInt64,
                     hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.clone.rawValue)   // part B
    }
}
