// wait4 and waitid: a parent collects a child's ending the Linux way (issue 16), beside
// the kernel's own process_wait (ProcessCalls.swift).

import Machine

extension Kernel {
    func wait4(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.wait4.rawValue)   // part B
    }

    func waitID(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.waitid.rawValue)   // part B
    }
}
