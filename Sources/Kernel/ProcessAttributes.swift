// What a process carries for the calls start-up code makes about it (ProcessInfoCalls.swift):
// its file-creation mask, what prctl set, the path /proc/self/exe names, and the counts of
// its ended threads and reaped children that getrusage reports beside their run cycles
// (Process.endedThreadCycles and reapedChildrenCycles, kept by Fork.swift's side). A
// child inherits it (process_spawn, fork), as on Linux. The process group and session
// are Process.processGroupID and sessionID.

struct ProcessAttributes {
    /// umask: the permission bits openat and mkdirat take away (Linux's default 022).
    var fileCreationMask: UInt32 = 0o022
    /// The file /proc/self/exe names (nil: "/" + the program's name). execve sets it.
    var executablePath: String? = nil
    /// prctl: PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG (the signal sent to it
    /// when its parent ends; 0: none).
    var dumpable = true
    var noNewPrivileges = false
    var parentDeathSignal: Int32 = 0
    /// Context switches of its threads that have exited (its live threads count their own).
    var endedThreadSwitches: UInt64 = 0
    /// Of the children it has reaped (and theirs, as Linux counts RUSAGE_CHILDREN): their
    /// page faults, and the largest peak memory among them in pages.
    var reapedChildFaults: UInt64 = 0
    var reapedChildPeakPages: UInt64 = 0

    /// What a child gets from its parent: the mask, the executable path and the flags (the
    /// death signal and the counters start afresh).
    var inherited: ProcessAttributes {
        var child = ProcessAttributes()
        child.fileCreationMask = fileCreationMask
        child.executablePath = executablePath
        child.dumpable = dumpable
        child.noNewPrivileges = noNewPrivileges
        return child
    }

    /// A thread of the process exited: its switches stay counted for getrusage.
    mutating func countEnded(_ metrics: ThreadMetrics) {
        endedThreadSwitches &+= metrics.switches
    }
}

extension Process {
    /// The path /proc/self/exe reads as.
    var executablePath: String { attributes.executablePath ?? "/" + name }
}
