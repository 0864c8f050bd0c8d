// A process: one program in its own address space, with the kernel's bookkeeping for
// it — its identity, its parent and children, its heap break, and how it ended. Every
// process has its own Sv39 page table, so two processes may use the same virtual
// address and reach different frames. The table of processes lives in the Kernel;
// ProcessCalls.swift creates processes, ends them, and implements spawn and wait.

import Machine
import MachineTools

final class Process {
    let pid: Int32
    /// The process that spawned it, or nil for a program the run started (and for an
    /// orphan whose parent has ended: nobody can wait for it any more).
    var parentID: Int32?
    /// Children that have not been waited for yet (running or ended), in spawn order.
    var children: [Int32] = []
    /// The program's name (its file name without the folder), for reports. execve
    /// replaces it, the image, the address space and the heap (Exec.swift).
    var name: String
    var image: ELFImage { didSet { lineTable = nil } }
    /// The image's source lines, read on a report's first use (Backtrace.swift).
    var lineTable: Result<DWARFLineTable, DWARFError>? = nil
    var addressSpace: AddressSpace
    /// The heap: `brk` moves `breakEnd` between `breakStart` and the next region above.
    var breakStart: UInt64
    var breakEnd: UInt64
    /// How it ended, once it has; its memory is freed then, the record stays for wait.
    var ending: ProcessEnding? = nil
    /// Its threads that have not exited, by id (ids grow, so their order is creation order).
    var liveThreads: [Int32: Thread] = [:]
    /// Exited threads nobody has joined yet, and their statuses: as Linux keeps a zombie
    /// until it is reaped, an unjoined thread costs this one entry (about 16 bytes) until
    /// a join takes it or the process ends; at most `Kernel.unjoinedThreadLimit` of them.
    var exitStatuses: [Int32: Int32] = [:]
    /// The main thread's exit status once it has exited (the process's, when its last
    /// thread ends without exit_group, as on Linux).
    var mainThreadStatus: Int32? = nil
    /// Live threads' clear-child-tid words, by address: a futex wait on one is a join
    /// (Clone.swift; the trace and the deadlock report name it so).
    var tidWordOwners: [UInt64: Int32] = [:]
    /// Bytes of stack of its spawned threads: those alive now, and every one ever made.
    var liveThreadStackBytes: UInt64 = 0
    var madeThreadStackBytes: UInt64 = 0
    /// umask, process group and session, prctl's settings, CPU time for getrusage
    /// (ProcessAttributes.swift).
    var attributes = ProcessAttributes()
    /// Its file descriptors (IO/DescriptorTable.swift), its working directory, and what it
    /// does with signals (IO/SignalCalls.swift).
    var descriptors = DescriptorTable()
    var workingDirectory = "/"
    var signals = SignalState()
    /// Linux-style process life (issue 16; Fork.swift, Exec.swift, ProcessWait.swift): the
    /// signal its parent gets when it ends (clone's low byte; SIGCHLD for fork, 0 for none),
    /// its process group and session (inherited), the parent's thread a vfork holds until
    /// this child execs or ends, and the wait queue of its own threads in wait4/waitid.
    var exitSignal: Int32 = 17
    var processGroupID: Int32
    var sessionID: Int32
    var vforkParent: Thread? = nil
    /// Its parent ended first: nobody can wait for it, so it leaves the process table when
    /// it ends (Kernel.retire).
    var isOrphan = false
    /// A stop (its signal) or a continue its parent's wait has not reported yet.
    var unreportedStop: Int32? = nil
    var unreportedContinue = false
    let childWaiters = WaitQueue()
    /// Cycles its ended threads ran, and those of its reaped children (with theirs): what
    /// wait4's rusage and getrusage(RUSAGE_CHILDREN) report.
    var endedThreadCycles: UInt64 = 0
    var reapedChildrenCycles: UInt64 = 0
    /// Signals raised at the process that every thread blocks, until one unblocks or
    /// waits for it (SignalDelivery.swift); the signal that stopped it, while stopped.
    var sharedPending = SignalQueue()
    var stopSignal: Int32? = nil

    init(pid: Int32, name: String, image: ELFImage, addressSpace: AddressSpace, breakStart: UInt64) {
        self.pid = pid
        self.name = name
        self.image = image
        self.addressSpace = addressSpace
        self.breakStart = breakStart
        self.breakEnd = breakStart
        processGroupID = pid
        sessionID = pid
    }

    /// The main thread's id: Linux gives a process's first thread the process's id.
    var mainThreadID: Int32 { pid }

    var hasEnded: Bool { ending != nil }

    /// `name+0x1c` for an address in the program, or nil.
    func symbolize(_ address: UInt64) -> String? {
        guard let (symbol, offset) = image.nearestSymbol(atOrBefore: address),
              symbol.size == 0 || offset < symbol.size || offset < 0x1000 else { return nil }
        let name = SymbolNames.demangle(symbol.name)
        return offset == 0 ? name : "\(name)+0x\(String(offset, radix: 16))"
    }
}

/// One process of a run, as the kernel reports it.
public struct ProcessSummary: Sendable, Equatable {
    public var pid: Int32
    /// The spawning process, or nil for a program the run started.
    public var parentID: Int32?
    public var name: String
    /// How it ended; nil while it still runs.
    public var ending: ProcessEnding?
    /// Pages given a frame on first touch, and the most memory it held at once.
    public var pageFaults: UInt64
    public var peakMemory: UInt64
    /// Stack reserved for its threads: the main thread's limit plus every spawned thread's
    /// stack (alive or ended) — 100 threads of 1 MiB reserve 100 MiB, touched or not.
    public var stackBytes: UInt64
}

/// Something the kernel refuses to start: the message says what and why.
public struct KernelError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
