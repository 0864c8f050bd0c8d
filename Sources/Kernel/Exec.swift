// execve: a process replaces its program — a new address space from an ELF file of the
// run or of the file system, the same pid, descriptors kept unless close-on-exec (issue 16).
//   execve(path, argv, envp) → no return on success. `path` is looked up in the file
//     system first (a regular file with an execute bit, read whole, through the disk for
//     a mounted one); if nothing is there, a run's program answers to its name as a bare
//     or "./" path and in /, /bin, /usr/bin and /usr/local/bin (so execvp and posix_spawnp
//     with glibc's default PATH find it). Not an RV64 ELF file: ENOEXEC.
// Once the new program is loaded (until then a failure leaves the caller as it was): the
// process's other threads end, a vfork parent goes on, the old address space goes (the
// vfork parent keeps it), close-on-exec descriptors close, handled signals go back to
// their default (ignored stay ignored), the mask and pending signals stay, and the caller
// — which takes over the pid if it was not the main thread — starts at the new entry
// point with the new stack (argc, argv, envp, auxv) and every other register zero.

import Machine

extension Kernel {
    /// Folders where a run's programs can be found by name when no file is there.
    static let programFolders: Set<String> = ["", ".", "/", "/bin", "/usr/bin", "/usr/local/bin"]
    /// Linux's MAX_ARG_STRLEN-like bound on argv and envp together (the loader's too).
    static let executeArgumentBytesLimit = 256 << 10

    func execute(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let process = thread.process
        let path: [UInt8]
        switch pathArgument(arguments[0], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let bytes): path = bytes
        }
        var budget = Kernel.executeArgumentBytesLimit
        let argv: [String], envp: [String]
        switch copyInStringArray(arguments[1], space: process.addressSpace, budget: &budget) {
        case .failure(let errno): return .error(errno)
        case .success(let strings): argv = strings
        }
        switch copyInStringArray(arguments[2], space: process.addressSpace, budget: &budget) {
        case .failure(let errno): return .error(errno)
        case .success(let strings): envp = strings
        }
        let image: ELFImage
        switch findProgram(path, hart: hart, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(nil): return .noReturn   // waiting for the disk; the call runs again
        case .success(let found?): image = found
        }
        let name = String(decoding: path.split(separator: 0x2F).last ?? [], as: UTF8.self)
        let space: AddressSpace, loaded: LoadedProgram
        do {
            (space, loaded) = try Kernel.loadAddressSpace(name: name, image: image, arguments: argv, environment: envp,
                                                          memory: machine.memory, frames: frames,
                                                          configuration: configuration, randomBytes: nextRandomBytes())
        } catch {
            if error.message.contains("segment") { return .error(.ENOEXEC) }
            return .error(error.message.contains("arguments") ? .E2BIG : .ENOMEM)
        }
        // The point of no return.
        for other in process.liveThreads.values.sorted(by: { $0.tid < $1.tid }) where other !== thread {
            other.stack = nil   // its stack goes with the old address space
            finish(other, status: 0)
        }
        if thread.clearChildTIDAddress != 0, process.addressSpace.users > 1 {
            // As Linux's mm_release: a vfork child's clear-tid word is cleared in the memory it shared.
            _ = process.addressSpace.copyOut([0, 0, 0, 0], to: thread.clearChildTIDAddress)
            wakeFutexWaiters(address: thread.clearChildTIDAddress, in: process, count: 1, cycle: hart.cycle)
        }
        thread.clearChildTIDAddress = 0
        releaseRobustFutexes(of: thread)   // RobustFutex.swift
        thread.robustListHead = 0
        thread.robustListLength = 0
        releaseAddressSpace(of: process)
        releaseVforkParent(of: process)
        process.addressSpace = space
        process.name = name
        process.attributes.executablePath = path.first == 0x2F ? String(decoding: path, as: UTF8.self) : nil   // /proc/self/exe
        process.attributes.dumpable = true
        thread.name = nil   // Linux names the thread after the new program
        process.image = image
        process.breakStart = loaded.breakStart
        process.breakEnd = loaded.breakStart
        process.liveThreadStackBytes = 0
        process.exitStatuses = [:]
        closeOnExec(process, hart: hart, thread: thread)
        process.signals = process.signals.acrossExec
        if let trace {
            trace.nameProcess(process.pid, program: name)
            space.onDemandFault = { [unowned self] address in
                guard let index = handlingHart, index < running.count else { return }
                traceEvent(.pageFault(tid: running[index]?.tid ?? 0, address: address), on: machine.harts[index])
            }
        }
        var context = ThreadContext()
        context.pc = loaded.entry
        context.integers[2] = loaded.stackPointer
        context.integers[1] = UserLayout.trampoline
        thread.stack = nil
        if thread.tid == process.pid {
            thread.context = context
            hart.dropReservation()
            hart.setAddressTranslation(space.satp)
            restoreContext(of: thread, onto: hart)
        } else {
            takeOverPid(from: thread, context: context, hart: hart)
        }
        return .noReturn
    }

    /// Reads a NULL-terminated array of C strings (argv, envp; a null array is empty),
    /// taking their bytes from `budget`: E2BIG past it, EFAULT for a bad pointer.
    func copyInStringArray(_ address: UInt64, space: AddressSpace, budget: inout Int) -> Result<[String], Errno> {
        var strings: [String] = []
        guard address != 0 else { return .success(strings) }
        while true {
            let (slot, overflow) = address.addingReportingOverflow(UInt64(strings.count) &* 8)
            guard !overflow, case .success(let word) = space.copyIn(from: slot, count: 8) else { return .failure(.EFAULT) }
            let pointer = littleEndianWord(word, at: 0)
            if pointer == 0 { return .success(strings) }
            guard budget > 8 else { return .failure(.E2BIG) }
            guard case .success(let bytes) = space.copyInString(from: pointer, limit: budget) else {
                // Either a bad pointer or a string longer than what is left.
                if case .success = space.copyInString(from: pointer, limit: 1) { return .failure(.E2BIG) }
                return .failure(.EFAULT)
            }
            budget -= bytes.count + 1 + 8
            guard budget >= 0 else { return .failure(.E2BIG) }
            strings.append(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The program `path` names: a file of the file system, or else one of the run's
    /// programs. nil: the file's pages are coming from the disk and the thread now waits
    /// for them (the call runs again).
    func findProgram(_ path: [UInt8], hart: Hart, thread: Thread) -> Result<ELFImage?, Errno> {
        let found: Inode
        switch locate(Kernel.AT_FDCWD, path: path, thread: thread) {
        case .failure(.ENOENT): return runProgram(named: path)
        case .failure(let errno): return .failure(errno)
        case .success(let location):
            guard let inode = location.existing else { return runProgram(named: path) }
            found = inode
        }
        guard !found.isDirectory, found.permissions & 0o111 != 0 else { return .failure(.EACCES) }
        guard found.size <= configuration.memoryLimit else { return .failure(.ENOMEM) }
        switch fileSystem.read(found, at: 0, count: Int(found.size), ioContext(hart, thread)) {
        case .failed(let errno): return .failure(errno)
        case .wouldBlock: return .failure(.EIO)
        case .waitUntil(let cycle):
            blockForIO(thread, on: hart, queues: [], deadline: cycle, "execve reading its program (the disk)")
            return .success(nil)
        case .done(let bytes):
            do { return .success(try ELFImage(bytes: bytes)) } catch { return .failure(.ENOEXEC) }
        }
    }

    /// One of the run's programs, for a path with nothing at it in the file system: its
    /// name alone or in one of `programFolders`; ENOENT otherwise.
    private func runProgram(named path: [UInt8]) -> Result<ELFImage?, Errno> {
        let text = String(decoding: path, as: UTF8.self)
        var folder = "", name = text
        if let slash = text.lastIndex(of: "/") {
            folder = String(text[..<slash])
            name = String(text[text.index(after: slash)...])
        }
        if folder.isEmpty, text.hasPrefix("/") { folder = "/" }
        guard Kernel.programFolders.contains(folder), let image = programs[name] else { return .failure(.ENOENT) }
        return .success(image)
    }

    /// execve from a thread that is not the main one: as Linux's de_thread, the program
    /// goes on in a thread whose id is the pid (a new one here, started with `context`),
    /// and the caller ends, giving its hart to the next ready thread.
    private func takeOverPid(from thread: Thread, context: ThreadContext, hart: Hart) {
        let process = thread.process
        let leader = Thread(tid: process.pid, process: process)
        leader.context = context
        leader.signalMask = thread.signalMask
        leader.pending = thread.pending
        leader.priority = thread.priority
        leader.affinity = thread.affinity
        leader.stateSince = hart.cycle
        register(leader)
        traceThreadStart(leader, on: hart)
        makeReady(leader, at: hart.cycle)
        finish(thread, status: 0)
        process.exitStatuses = [:]
    }

    /// Closes the descriptors marked close-on-exec.
    private func closeOnExec(_ process: Process, hart: Hart, thread: Thread) {
        let context = ioContext(hart, thread)
        for entry in process.descriptors.descriptors where entry.closeOnExec {
            if let file = process.descriptors.remove(entry.fd) { releaseFile(file, context) }
        }
    }
}
