// The kernel's side of the race log (Machine/RaceLog.swift): which thread runs on each
// hart, and the synchronisation the kernel itself performs — thread start, end and join,
// futex wakes, process reaping, bytes through pipes, frames given to a new owner — each
// written in order with the harts' accesses. Every hook is one test of an optional when
// race detection is off. Also what the race monitor (Explore) reads of the kernel: the
// live threads when it attaches, and names for the places a race touched.

import Machine

extension Kernel {
    /// The race log, when the configuration asked for race detection.
    public var raceLog: RaceLog? { machine.raceLog }

    /// Makes the log (Kernel.init, when `configuration.exploration.raceLog` is on).
    func installRaceLog() {
        let log = RaceLog()
        machine.installRaceLog(log)
        frames.raceLog = log
    }

    /// The thread that is making the current system call, if any.
    var raceLogCaller: Int32 {
        guard let index = handlingHart, index >= 0, index < running.count else { return -1 }
        return running[index]?.tid ?? -1
    }

    /// `thread` now runs on `hart` (the context switch).
    @inline(__always)
    func raceLogRunning(_ thread: Thread, on hart: Hart) {
        guard let log = machine.raceLog else { return }
        log.append(RaceLogRecord(kind: .running, thread: thread.tid, physical: UInt64(hart.id)))
    }

    /// A new thread (its creator: the thread in the current system call, or none).
    func raceLogSpawn(_ thread: Thread) {
        guard let log = machine.raceLog else { return }
        log.append(RaceLogRecord(kind: .spawn, thread: raceLogCaller, physical: UInt64(UInt32(bitPattern: thread.process.pid)),
                                 virtual: UInt64(UInt32(bitPattern: thread.tid))))
    }

    /// A thread ended (its last access is logged).
    func raceLogExit(_ thread: Thread) {
        machine.raceLog?.append(RaceLogRecord(kind: .exit, thread: thread.tid))
    }

    /// `joiner` learned that thread `tid` ended (thread_join returned its status).
    func raceLogJoin(_ joiner: Thread, ended tid: Int32) {
        machine.raceLog?.append(RaceLogRecord(kind: .join, thread: joiner.tid, virtual: UInt64(UInt32(bitPattern: tid))))
    }

    /// `waiter` reaped process `pid` (wait4, waitid): it knows everything that process did.
    func raceLogJoinProcess(_ waiter: Thread, pid: Int32) {
        machine.raceLog?.append(RaceLogRecord(kind: .joinProcess, thread: waiter.tid, physical: UInt64(UInt32(bitPattern: pid))))
    }

    /// A futex wake by `waker` made `woken` runnable.
    func raceLogWake(_ waker: Int32, _ woken: Thread) {
        machine.raceLog?.append(RaceLogRecord(kind: .wake, thread: waker, virtual: UInt64(UInt32(bitPattern: woken.tid))))
    }

    /// `thread` releases into the word at virtual `address` of its process (its
    /// clear-child-tid word at its end: a join that reads the word zero acquires it).
    func raceLogRelease(_ thread: Thread, at address: UInt64) {
        guard let log = machine.raceLog, let physical = raceLogPhysical(address, in: thread.process) else { return }
        log.append(RaceLogRecord(kind: .releaseObject, thread: thread.tid, physical: physical, virtual: address))
    }

    /// `thread` wrote (`sending`) or read `count` bytes of a byte stream (`stream`, from `RaceLog.newStream`).
    func raceLogStream(_ thread: Thread?, stream: UInt64, count: Int, sending: Bool) {
        guard let log = machine.raceLog, let thread, count > 0 else { return }
        log.append(RaceLogRecord(kind: sending ? .send : .receive, thread: thread.tid, physical: stream, virtual: UInt64(count)))
    }

    /// A name for a new byte stream, 0 without the log.
    func raceLogNewStream() -> UInt64 { machine.raceLog?.newStream() ?? 0 }

    /// Reads the log now: a process is about to lose its address space and leave the
    /// table, and its races are named from them.
    func raceLogFlush() { machine.raceLog?.flush() }

    /// The physical address behind `address` in `process`, without faulting anything in.
    func raceLogPhysical(_ address: UInt64, in process: Process) -> UInt64? {
        guard let (frame, _) = process.addressSpace.pageTable.lookup(AddressSpace.pageDown(address)) else { return nil }
        return frame | (address & (AddressSpace.pageSize - 1))
    }

    // MARK: what the race monitor reads

    /// The live threads (tid, pid, the hart each runs on), ascending by tid: what a
    /// monitor attaching to this kernel (new, or restored from a snapshot) starts from.
    public func raceLogLiveThreads() -> [(tid: Int32, pid: Int32, hart: Int?)] {
        threads.values.sorted { $0.tid < $1.tid }.map { thread in
            var hart: Int? = nil
            if case .running(let index) = thread.state { hart = index }
            return (thread.tid, thread.process.pid, hart)
        }
    }

    /// The variable at virtual `address` of process `pid`, for a race report: `symbol+0x8`
    /// for a global, "stack of thread N" inside a thread's stack, "heap 0x…" otherwise.
    public func describeRaceVariable(at address: UInt64, pid: Int32) -> String {
        if let symbol = describeData(at: address, pid: pid) { return symbol }
        let hex = "0x" + String(address, radix: 16)
        guard let process = processTable[pid] else { return hex }
        for (tid, thread) in process.liveThreads.sorted(by: { $0.key < $1.key }) {
            if let stack = thread.stack, stack.contains(address) { return "stack of thread \(tid) (\(hex))" }
        }
        if let region = process.addressSpace.region(containing: address) {
            switch region.kind {
            case .stack: return region.end == UserLayout.stackTop ? "stack of thread \(process.mainThreadID) (\(hex))" : "stack \(hex)"
            case .heap: return "heap \(hex)"
            default: break
            }
        }
        return "heap \(hex)"
    }
}

extension Kernel {
    /// Bytes written into or read from a pipe (Pipe.swift).
    @inline(__always)
    func raceLogPipe(_ buffer: PipeBuffer, _ thread: Thread?, count: Int, sending: Bool) {
        raceLogBytes(&buffer.raceStream, thread, count: count, sending: sending)
    }

    /// Bytes written into or read from a byte stream (a pipe; a local stream socket, named
    /// by its receiving end) whose log name is `stream` (given on first use).
    @inline(__always)
    func raceLogBytes(_ stream: inout UInt64, _ thread: Thread?, count: Int, sending: Bool) {
        guard machine.raceLog != nil else { return }
        if stream == 0 { stream = raceLogNewStream() }
        raceLogStream(thread, stream: stream, count: count, sending: sending)
    }
}
