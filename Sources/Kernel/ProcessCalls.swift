// Processes: making one (a fresh Sv39 address space, the ELF loaded into it, the
// trampoline page, a main thread whose id is the pid), ending one (its threads stop,
// its frames go back, a waiting parent wakes, and the run ends when no process is
// left), and the two calls of Interleave's own that guests use:
//   process_spawn(path, argv, 0, 0) → the child's pid: `path` names one of the run's
//     programs (`interleave run a.swift b.swift` gives them as `a` and `b`); argv is a
//     NULL-terminated array of C strings (NULL: argv is just the name).
//   process_wait(pid, status) → pid: waits until child `pid` (-1: any child) ends and
//     stores its status as Linux's wait does (exit status << 8, or the signal number).
// Threads and processes share one id counter, as on Linux: the main thread's tid is the pid.

import Machine
import Trace

extension Kernel {
    static let processSpawn: UInt64 = 0x1010, processWait: UInt64 = 0x1011
    /// Limits on what process_spawn copies in.
    static let programNameLimit = 4096, argumentCountLimit = 1024, argumentBytesLimit = 256 << 10

    /// Loads `image` into a new address space as process `pid`, with its trampoline page.
    /// Frees what it took if the program does not fit.
    static func makeProcess(pid: Int32, name: String, image: ELFImage, arguments: [String], environment: [String],
                            memory: PhysicalMemory, frames: FrameAllocator, configuration: KernelConfiguration,
                            randomBytes: [UInt8]) throws(KernelError) -> (Process, LoadedProgram) {
        let (space, loaded) = try loadAddressSpace(name: name, image: image, arguments: arguments, environment: environment,
                                                   memory: memory, frames: frames, configuration: configuration,
                                                   randomBytes: randomBytes)
        return (Process(pid: pid, name: name, image: image, addressSpace: space, breakStart: loaded.breakStart), loaded)
    }

    /// A new address space with `image` loaded and the trampoline page (process start and
    /// execve). Frees what it took if the program does not fit.
    static func loadAddressSpace(name: String, image: ELFImage, arguments: [String], environment: [String],
                                 memory: PhysicalMemory, frames: FrameAllocator, configuration: KernelConfiguration,
                                 randomBytes: [UInt8]) throws(KernelError) -> (AddressSpace, LoadedProgram) {
        guard let space = AddressSpace(memory: memory, frames: frames,
                                       pageLimit: configuration.memoryLimit / AddressSpace.pageSize) else {
            throw KernelError("no memory for \(name)'s page table")
        }
        do throws(KernelError) {
            let loaded = try ProgramLoader.load(image, into: space, arguments: arguments, environment: environment,
                                                stackLimit: configuration.stackLimit, randomBytes: randomBytes)
            guard let trampoline = space.populate(UserLayout.trampoline, permissions: PTE.read | PTE.execute) else {
                throw KernelError("no memory for the thread trampoline")
            }
            memory.write(UserLayout.trampolineCode, at: trampoline)
            space.addRegion(MemoryRegion(start: UserLayout.trampoline, end: UserLayout.trampoline + UserLayout.pageSize,
                                         permissions: PTE.read | PTE.execute, kind: .trampoline))
            return (space, loaded)
        } catch {
            space.release()
            throw error
        }
    }

    /// 16 seeded bytes for a new process's AT_RANDOM.
    func nextRandomBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<2 { bytes += littleEndianBytes(random.next()) }
        return bytes
    }

    /// Makes a process of `image` with the next id, registers it and its main thread, and
    /// returns the thread (not yet ready: the caller queues it).
    func startProcess(name: String, image: ELFImage, arguments: [String], parentID: Int32?,
                      randomBytes: [UInt8], cycle: UInt64) throws(KernelError) -> Thread {
        let pid = nextThreadID
        let (process, loaded) = try Kernel.makeProcess(pid: pid, name: name, image: image, arguments: arguments,
                                                       environment: environment, memory: machine.memory, frames: frames,
                                                       configuration: configuration, randomBytes: randomBytes)
        nextThreadID += 1
        process.parentID = parentID
        if let parentID, let parent = processTable[parentID] { process.attributes = parent.attributes.inherited }
        processTable[pid] = process
        processOrder.append(pid)
        let main = Thread(tid: pid, process: process)
        main.context.pc = loaded.entry
        main.context.integers[2] = loaded.stackPointer
        main.context.integers[1] = UserLayout.trampoline
        main.stateSince = cycle
        register(main)
        traceProcessStart(main, cycle: cycle)
        return main
    }

    /// Every process's ending so far, by pid (pid 1 is the first program).
    public var processEndings: [Int32: ProcessEnding] {
        var endings: [Int32: ProcessEnding] = [:]
        for summary in processes { if let ending = summary.ending { endings[summary.pid] = ending } }
        return endings
    }

    /// Every process of the run, in the order they started (those reaped from their records).
    public var processes: [ProcessSummary] {
        processOrder.compactMap { pid in processTable[pid].map(summary(of:)) ?? retiredProcesses[pid] }
    }

    func summary(of process: Process) -> ProcessSummary {
        ProcessSummary(pid: process.pid, parentID: process.parentID, name: process.name, ending: process.ending,
                       pageFaults: process.addressSpace.demandFaults,
                       peakMemory: process.addressSpace.peakResidentPages * AddressSpace.pageSize,
                       stackBytes: configuration.stackLimit + process.madeThreadStackBytes)
    }

    /// An ended process nobody will wait for any more (reaped, or an orphan) leaves the
    /// process table, as Linux frees a reaped zombie: what stays is its summary for the
    /// statistics (about 100 bytes), so a program that forks and waits a million times
    /// does not keep a million processes.
    func retire(_ process: Process) {
        guard process.hasEnded, process !== firstProcess, processTable[process.pid] === process else { return }
        retiredProcesses[process.pid] = summary(of: process)
        processTable[process.pid] = nil
    }

    // MARK: Ending a process

    /// The last thread of `process` has finished: it ended (with `status`, unless it was
    /// killed before). Frees its memory, reports a failure, wakes its parent, and ends
    /// the run when no process is left.
    func processFinished(_ process: Process, status: Int32) {
        raceLogFlush()   // its races are named while its address space is there
        let ending = process.ending ?? .exited(status: status)
        process.ending = ending
        traceEvent(.processEnded(pid: process.pid, status: Int32(truncatingIfNeeded: ending.status)),
                   cycle: machine.harts.map(\.cycle).max() ?? 0)
        releaseAddressSpace(of: process)   // Fork.swift: a vfork child's parent keeps it
        releaseVforkParent(of: process)
        closeAllDescriptors(of: process, cycle: machine.harts.map(\.cycle).max() ?? 0)
        if acceleratorDriver != nil { acceleratorProcessEnded(process) }   // its contexts go (AcceleratorScheduler.swift)
        if process !== firstProcess, !quietEndings, ending.isFailure {
            io.writeError(Array("interleave: \(ending)\n".utf8))
        }
        sendParentDeathSignals(of: process)   // PR_SET_PDEATHSIG (ProcessInfoCalls.swift)
        for pid in process.children {
            guard let child = processTable[pid] else { continue }
            child.parentID = nil
            child.isOrphan = true
            retire(child)   // a zombie nobody can reap now
        }
        process.children = []
        if process.isOrphan { retire(process) }
        if let parentID = process.parentID, let parent = processTable[parentID], !parent.hasEnded {
            childEnded(process, parent: parent)   // ProcessWait.swift: SIGCHLD, wait4 and waitid
            wakeWaiter(in: parent, for: process)
        }
        if liveProcesses.allSatisfy(\.hasEnded) {
            if self.ending == nil { self.ending = firstProcess.ending ?? ending }
            machine.stopRequested = true
        }
    }

    /// Ends every process still running with `reason` (the instruction limit, a deadlock):
    /// one report for all, written here unless the first program is among them (the
    /// caller of `run` reports its ending).
    func endAll(_ reason: ProcessEnding) {
        let victims = liveProcesses.filter { !$0.hasEnded }
        if !victims.contains(where: { $0 === firstProcess }), reason.isFailure {
            io.writeError(Array("interleave: \(reason)\n".utf8))
        }
        quietEndings = true
        for victim in victims { kill(victim, reason) }
        quietEndings = false
        if ending == nil { ending = firstProcess.ending ?? reason }
    }

    /// The current simulated cycle: the handled hart's, or the latest of all.
    var currentCycle: UInt64 {
        if let index = handlingHart { return machine.harts[index].cycle }
        return machine.harts.map(\.cycle).max() ?? 0
    }

    // MARK: process_spawn

    func spawnProcess(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let caller = thread.process
        guard arguments[2] == 0, arguments[3] == 0 else { return .error(.EINVAL) }
        guard case .success(let path) = caller.addressSpace.copyInString(from: arguments[0], limit: Kernel.programNameLimit) else {
            return .error(.EFAULT)
        }
        let name = String(decoding: path, as: UTF8.self)
        var argv: [String] = [name]
        if arguments[1] != 0 {
            argv = []
            var total = 0
            while true {
                guard argv.count < Kernel.argumentCountLimit else { return .error(.E2BIG) }
                let (slot, overflow) = arguments[1].addingReportingOverflow(UInt64(argv.count) * 8)
                guard !overflow, case .success(let word) = caller.addressSpace.copyIn(from: slot, count: 8) else { return .error(.EFAULT) }
                let pointer = littleEndianWord(word, at: 0)
                if pointer == 0 { break }
                guard case .success(let bytes) = caller.addressSpace.copyInString(from: pointer, limit: Kernel.argumentBytesLimit - total + 1) else {
                    return .error(.EFAULT)
                }
                total += bytes.count + 1
                guard total <= Kernel.argumentBytesLimit else { return .error(.E2BIG) }
                argv.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        guard let image = programs[name] else { return .error(.ENOENT) }
        guard liveProcesses.lazy.filter({ !$0.hasEnded }).count < configuration.processLimit,
              hasRoomForThread else { return .error(.EAGAIN) }
        let main: Thread
        do {
            main = try startProcess(name: name, image: image, arguments: argv, parentID: caller.pid,
                                    randomBytes: nextRandomBytes(), cycle: hart.cycle)
        } catch {
            return .error(.ENOMEM)
        }
        main.process.descriptors = inheritedDescriptors(from: caller)
        main.process.workingDirectory = caller.workingDirectory
        main.process.signals = caller.signals.acrossExec   // IO/SignalCalls.swift
        main.process.processGroupID = caller.processGroupID
        main.process.sessionID = caller.sessionID
        main.signalMask = thread.signalMask
        caller.children.append(main.process.pid)
        makeReady(main, at: hart.cycle)
        return .value(Int64(main.process.pid))
    }

    // MARK: process_wait

    func waitProcess(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let pid = arguments.int32(0), statusAddress = arguments[1]
        let parent = thread.process
        guard pid > 0 || pid == -1 else { return .error(.EINVAL) }
        guard pid == -1 ? !parent.children.isEmpty : parent.children.contains(pid) else { return .error(.ECHILD) }
        if statusAddress != 0 {
            guard case .success = parent.addressSpace.resolve(statusAddress, for: .write),
                  case .success = parent.addressSpace.resolve(statusAddress &+ 3, for: .write) else { return .error(.EFAULT) }
        }
        let candidates = pid == -1 ? parent.children : [pid]
        if let ended = candidates.compactMap({ processTable[$0] }).first(where: \.hasEnded) {
            raceLogJoinProcess(thread, pid: ended.pid)
            return .value(reap(ended, by: parent, statusAddress: statusAddress))
        }
        block(thread, on: hart, .processWait(pid: pid, statusAddress: statusAddress))
        return .noReturn
    }

    /// Takes an ended child off its parent's list and stores its wait status; the result
    /// for a0: the child's pid, or -EFAULT if the status cannot be written.
    func reap(_ child: Process, by parent: Process, statusAddress: UInt64) -> Int64 {
        parent.children.removeAll { $0 == child.pid }
        parent.reapedChildrenCycles &+= child.endedThreadCycles &+ child.reapedChildrenCycles
        accountReaped(child, by: parent)   // RUSAGE_CHILDREN's faults and peak (ResourceUsage.swift)
        retire(child)
        let status = child.ending?.waitStatus ?? 0
        if statusAddress != 0 {
            let bytes = Array(littleEndianBytes(UInt64(UInt32(bitPattern: status))).prefix(4))
            guard case .success = parent.addressSpace.copyOut(bytes, to: statusAddress) else { return -Errno.EFAULT.rawValue }
        }
        return Int64(child.pid)
    }

    /// `child` has ended: the first of its parent's threads waiting for it (or for any
    /// child) gets it; waiters left with nothing to wait for get ECHILD.
    func wakeWaiter(in parent: Process, for child: Process) {
        let cycle = currentCycle
        let waiters = parent.liveThreads.values.sorted { $0.tid < $1.tid }
        for waiter in waiters {
            guard case .blocked(.processWait(let pid, let statusAddress)) = waiter.state else { continue }
            let result: Int64
            if parent.children.contains(child.pid), pid == child.pid || pid == -1 {
                raceLogJoinProcess(waiter, pid: child.pid)
                result = reap(child, by: parent, statusAddress: statusAddress)
            } else if pid == -1 ? parent.children.isEmpty : !parent.children.contains(pid) {
                result = -Errno.ECHILD.rawValue
            } else {
                continue
            }
            waiter.context.integers[10] = UInt64(bitPattern: result)
            makeReady(waiter, at: cycle)
        }
    }
}

extension ProcessEnding {
    /// The status word Linux's wait gives a parent: the exit status << 8, or the number
    /// of the signal that ended it (SIGKILL for memory and deadlock, SIGXFSZ for output,
    /// SIGXCPU for the instruction limit, SIGALRM for the clock limit).
    var waitStatus: Int32 {
        switch self {
        case .exited(let status): (status & 0xFF) << 8
        case .killed(let fault): fault.signal
        case .outOfMemory, .deadlock: 9
        case .outputLimit: 25
        case .instructionLimit: 24
        case .clockLimit: 14
        case .signalled(let signal, _): signal
        }
    }

    /// Whether a person should be told: anything but exit.
    var isFailure: Bool { if case .exited = self { false } else { true } }
}
