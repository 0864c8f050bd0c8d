// execve: a process replaces its program — a new address space from an ELF file of the
// run or of the file system, the same pid, descriptors kept unless close-on-exec (issue 16).

import Machine

extension Kernel {
    func execute(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(SystemCall.execve.rawValue)   // part B
    }
}
