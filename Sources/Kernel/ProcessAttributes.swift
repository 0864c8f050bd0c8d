// What a process carries for the calls start-up code makes about it (ProcessInfoCalls.swift):
// its file-creation mask, its process group and session, what prctl set, the path
// /proc/self/exe names, and the CPU time of its ended threads and reaped children that
// getrusage and times report. A child inherits it (process_spawn, fork), as on Linux.

struct ProcessAttributes {
    /// umask: the permission bits openat and mkdirat take away (Linux's default 022).
    var fileCreationMask: UInt32 = 0o022
    /// Its process group and session; 0 means its own pid (a program the run starts leads
    /// its own group and session, as `setsid prog` would make it).
    var processGroup: Int32 = 0
    var session: Int32 = 0
    /// The file /proc/self/exe names (nil: "/" + the program's name). execve sets it.
    var executablePath: String? = nil
    /// prctl: PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG (the signal sent to it
    /// when its parent ends; 0: none).
    var dumpable = true
    var noNewPrivileges = false
    var parentDeathSignal: Int32 = 0
    /// Run cycles of its threads that have exited (its live threads count their own).
    var endedThreadCycles: UInt64 = 0
    var endedThreadSwitches: UInt64 = 0
    /// Of the children it has reaped (and theirs, as Linux counts RUSAGE_CHILDREN): their
    /// run cycles, their page faults, and the largest peak memory among them in pages.
    var reapedChildCycles: UInt64 = 0
    var reapedChildFaults: UInt64 = 0
    var reapedChildPeakPages: UInt64 = 0

    /// What a child gets from its parent: the mask, group, session and flags (fork keeps
    /// the executable path too; the death signal and the counters start afresh).
    func inherited(parentPID: Int32) -> ProcessAttributes {
        var child = ProcessAttributes()
        child.fileCreationMask = fileCreationMask
        child.processGroup = processGroup == 0 ? parentPID : processGroup
        child.session = session == 0 ? parentPID : session
        child.executablePath = executablePath
        child.dumpable = dumpable
        child.noNewPrivileges = noNewPrivileges
        return child
    }

    /// A thread of the process exited: its time and switches stay counted for getrusage.
    mutating func countEnded(_ metrics: ThreadMetrics) {
        endedThreadCycles &+= metrics.runCycles
        endedThreadSwitches &+= metrics.switches
    }
}

extension Process {
    /// Its process group's id and its session's id.
    var processGroupID: Int32 { attributes.processGroup == 0 ? pid : attributes.processGroup }
    var sessionID: Int32 { attributes.session == 0 ? pid : attributes.session }

    /// The path /proc/self/exe reads as.
    var executablePath: String { attributes.executablePath ?? "/" + name }
}
