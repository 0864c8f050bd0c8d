// The calls start-up code makes to learn about its process and tune it (issue 16):
// readlinkat("/proc/self/exe"), CPU affinity, madvise, mremap, resource usage, sysinfo,
// process groups, umask, prctl, gettimeofday; rseq and membarrier answer ENOSYS.

import Machine

extension Kernel {
    func processInformation(_ number: UInt64, _ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        notImplemented(number)   // part E
    }
}
