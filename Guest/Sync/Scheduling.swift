// Scheduling.swift: a program's say in how the kernel schedules it — a thread's
// priority (0 lowest ... 31 highest; threads start at 8), the harts a thread may run
// on (an affinity mask, bit h for hart h), and which process is in the foreground (it
// gets the era's foreground boost: a higher priority, and on XP a longer slice).
// A thread id or pid of 0 means the caller's own; only threads of the caller's own
// process can be changed.

public enum Scheduling {
    public static let lowestPriority = 0, normalPriority = 8, highestPriority = 31

    /// Sets thread `thread`'s priority (0: the calling thread). Under a preemptive
    /// scheduler a ready thread of higher priority takes the hart of a lower one at once.
    public static func setPriority(_ priority: Int, of thread: Int = 0) throws(SystemError) {
        try System.checkedSyscall(SystemCallNumber.setPriority, thread, priority)
    }

    /// Lets thread `thread` (0: the calling one) run only on the harts in `mask` (bit h
    /// for hart h). A mask naming no existing hart is refused (EINVAL). A thread on a hart
    /// outside its new mask moves at once.
    public static func setAffinity(_ mask: UInt64, of thread: Int = 0) throws(SystemError) {
        try System.checkedSyscall(SystemCallNumber.setAffinity, thread, Int(bitPattern: UInt(mask)))
    }

    /// Makes process `pid` (0: the calling one) the foreground process: input goes to it
    /// and, under an era with a foreground boost, its threads get the boost.
    public static func setForeground(_ pid: Int = 0) throws(SystemError) {
        try System.checkedSyscall(SystemCallNumber.setForeground, pid)
    }
}
