// Waiting for one of many descriptors: pselect6 and ppoll (Linux's fs/select.c). Both
// look at every watched descriptor on every call — and if none is ready, put the thread
// on every one's wait queue, and look at all of them again when any wakes it. That scan
// is what they cost (PollCost.swift); epoll (EpollCalls.swift) avoids it.
//
// A call that blocks runs again from the start when woken (WaitQueue.swift), keeping
// its first deadline; it returns when a scan finds something ready, or with 0 when a
// scan after the deadline finds nothing. Both write the time left back to a given
// timeout, as Linux's raw calls do (a zero timeout is left alone). The signal mask
// argument is checked as Linux checks it and otherwise has no effect here: no signal
// this kernel delivers interrupts a wait.

import Machine

extension Kernel {
    /// FD_SETSIZE: the bits in an fd_set. This kernel holds select to it (Linux's kernel
    /// takes any size its descriptor table has, only the C library stops at 1024), so a
    /// program sees why descriptor 1024 cannot be watched with select.
    static let selectSetSize = 1024
    /// Linux's smallest descriptor table (NR_OPEN_DEFAULT, BITS_PER_LONG).
    static let smallestDescriptorTable = 64

    // MARK: pselect6

    /// pselect6(nfds, readfds, writefds, exceptfds, timeout, &{sigmask, sigsetsize}).
    func selectDescriptors(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let process = thread.process
        let requested = arguments.int32(0)
        let sets = [arguments[1], arguments[2], arguments[3]]
        let timeoutAddress = arguments[4]
        // The sixth argument points at {const sigset_t *mask; size_t size}, read first.
        var mask: (address: UInt64, size: UInt64) = (0, 0)
        if arguments[5] != 0 {
            guard case .success(let pack) = process.addressSpace.copyIn(from: arguments[5], count: 16) else { return .error(.EFAULT) }
            mask = (littleEndianWord(pack, at: 0), littleEndianWord(pack, at: 8))
        }
        let timeout: SimulatedTime?
        switch readTimeout(timeoutAddress, process: process) {
        case .failure(let errno): return .error(errno)
        case .success(let value): timeout = value
        }
        if let errno = applyCallSignalMask(mask.address, size: mask.size, thread: thread) { return .error(errno) }
        guard requested >= 0 else { return .error(.EINVAL) }
        // Linux looks at no more bits than its descriptor table has slots.
        let count = min(Int(requested), linuxTableSize(process))
        guard count <= Kernel.selectSetSize else { return .error(.EINVAL) }
        let deadline = callDeadline(thread, hart: hart, timeout: timeout)
        // Each set as 64-bit words (the C long of riscv64); a null set is empty.
        let words = (count + 63) / 64
        var bits: [[UInt64]] = []
        for address in sets {
            guard address != 0, words > 0 else {
                bits.append([UInt64](repeating: 0, count: words))
                continue
            }
            guard case .success(let bytes) = process.addressSpace.copyIn(from: address, count: words * 8) else {
                return finishTimedWait(.error(.EFAULT), thread: thread, hart: hart, timeout: timeout, at: timeoutAddress)
            }
            bits.append((0..<words).map { littleEndianWord(bytes, at: $0 * 8) })
        }
        // Bits past nfds are not looked at.
        if count % 64 != 0, words > 0 {
            for set in 0..<3 { bits[set][words - 1] &= (1 << UInt64(count % 64)) - 1 }
        }
        // Every named descriptor must be open (EBADF), before any is asked.
        var watched: [(fd: Int, file: OpenFile)] = []
        for word in 0..<words {
            var any = bits[0][word] | bits[1][word] | bits[2][word]
            while any != 0 {
                let fd = word * 64 + any.trailingZeroBitCount
                any &= any - 1
                guard let file = process.descriptors.file(Int32(fd)) else {
                    return finishTimedWait(.error(.EBADF), thread: thread, hart: hart, timeout: timeout, at: timeoutAddress)
                }
                watched.append((fd, file))
            }
        }
        hart.advanceClock(by: ReadinessCost.scan(watched.count, clockFrequency: configuration.clockFrequency))
        // POLLIN_SET, POLLOUT_SET and POLLEX_SET of fs/select.c.
        let readable: PollEvents = [.input, .readNormal, .hangUp, .error]
        let writable: PollEvents = [.output, .writeNormal, .error]
        let exceptional: PollEvents = [.priority]
        var results = [[UInt64]](repeating: [UInt64](repeating: 0, count: words), count: 3)
        var found = 0
        for (fd, file) in watched {
            let events = file.object.readiness(for: file)
            let word = fd / 64, bit: UInt64 = 1 << UInt64(fd % 64)
            for (set, wanted) in [readable, writable, exceptional].enumerated()
                where bits[set][word] & bit != 0 && !events.isDisjoint(with: wanted) {
                results[set][word] |= bit
                found += 1
            }
        }
        if found == 0, timeout != .zero, !deadlinePassed(thread, hart: hart) {
            blockForIO(thread, on: hart, queues: watched.map { $0.file.object.waiters }, deadline: deadline,
                       "pselect6 on \(watched.count) descriptor\(watched.count == 1 ? "" : "s")")
            return .noReturn
        }
        for (set, address) in sets.enumerated() where address != 0 && words > 0 {
            let bytes = results[set].flatMap { littleEndianBytes($0) }
            guard case .success = process.addressSpace.copyOut(bytes, to: address) else {
                return finishTimedWait(.error(.EFAULT), thread: thread, hart: hart, timeout: timeout, at: timeoutAddress)
            }
        }
        return finishTimedWait(.value(Int64(found)), thread: thread, hart: hart, timeout: timeout, at: timeoutAddress)
    }

    /// Ends a pselect6 or ppoll that got past its timeout's checks: the time left goes
    /// back to the caller's timeout (Linux's poll_select_finish).
    private func finishTimedWait(_ result: SystemCallResult, thread: Thread, hart: Hart, timeout: SimulatedTime?,
                                 at address: UInt64) -> SystemCallResult {
        if let timeout, timeout != .zero { writeTimeLeft(thread, hart: hart, to: address) }
        finishTimedCall(thread)
        return result
    }

    /// The number of slots Linux's descriptor table has for this process (its max_fds):
    /// 64, or the power of two above the highest descriptor the process has used.
    func linuxTableSize(_ process: Process) -> Int {
        let used = process.descriptors.peak
        guard used > Kernel.smallestDescriptorTable else { return Kernel.smallestDescriptorTable }
        return 1 << (Int.bitWidth - (used - 1).leadingZeroBitCount)
    }

    // MARK: ppoll

    /// ppoll(fds, nfds, timeout, sigmask, sigsetsize); each pollfd is {int fd; short
    /// events; short revents}.
    func pollDescriptors(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let process = thread.process
        let array = arguments[0], count = UInt64(UInt32(truncatingIfNeeded: arguments[1]))
        let timeoutAddress = arguments[2]
        let timeout: SimulatedTime?
        switch readTimeout(timeoutAddress, process: process) {
        case .failure(let errno): return .error(errno)
        case .success(let value): timeout = value
        }
        if let errno = applyCallSignalMask(arguments[3], size: arguments[4], thread: thread) { return .error(errno) }
        guard count <= UInt64(process.descriptors.softLimit) else { return .error(.EINVAL) }
        let deadline = callDeadline(thread, hart: hart, timeout: timeout)
        var entries: [UInt8] = []
        if count > 0 {
            guard case .success(let bytes) = process.addressSpace.copyIn(from: array, count: Int(count) * 8) else {
                return finishTimedWait(.error(.EFAULT), thread: thread, hart: hart, timeout: timeout, at: timeoutAddress)
            }
            entries = bytes
        }
        hart.advanceClock(by: ReadinessCost.scan(Int(count), clockFrequency: configuration.clockFrequency))
        var found = 0
        var queues: [WaitQueue] = []
        for index in 0..<Int(count) {
            let fd = Int32(truncatingIfNeeded: littleEndianWord(entries, at: index * 8, count: 4))
            let wanted = PollEvents(rawValue: UInt32(littleEndianWord(entries, at: index * 8 + 4, count: 2)))
            var answer: PollEvents = []
            if fd >= 0 {
                if let file = process.descriptors.file(fd) {
                    answer = file.object.readiness(for: file).intersection(wanted.union([.error, .hangUp]))
                    queues.append(file.object.waiters)
                } else {
                    answer = .invalid
                }
            }
            if !answer.isEmpty { found += 1 }
            entries[index * 8 + 6] = UInt8(truncatingIfNeeded: answer.rawValue)
            entries[index * 8 + 7] = UInt8(truncatingIfNeeded: answer.rawValue >> 8)
        }
        if found == 0, timeout != .zero, !deadlinePassed(thread, hart: hart) {
            blockForIO(thread, on: hart, queues: queues, deadline: deadline,
                       "ppoll on \(count) descriptor\(count == 1 ? "" : "s")")
            return .noReturn
        }
        if count > 0 {
            // Only the revents fields are written, as Linux's __put_user of each.
            for index in 0..<Int(count) {
                let field = Array(entries[index * 8 + 6 ..< index * 8 + 8])
                guard case .success = process.addressSpace.copyOut(field, to: array &+ UInt64(index * 8 + 6)) else {
                    return finishTimedWait(.error(.EFAULT), thread: thread, hart: hart, timeout: timeout, at: timeoutAddress)
                }
            }
        }
        return finishTimedWait(.value(Int64(found)), thread: thread, hart: hart, timeout: timeout, at: timeoutAddress)
    }

    // MARK: Shared by the readiness calls

    /// A timespec timeout at `address`: nil for a null pointer (wait for ever), EFAULT,
    /// or EINVAL for a negative or malformed one.
    func readTimeout(_ address: UInt64, process: Process) -> Result<SimulatedTime?, Errno> {
        guard address != 0 else { return .success(nil) }
        guard case .success(let bytes) = process.addressSpace.copyIn(from: address, count: 16) else { return .failure(.EFAULT) }
        guard let time = time(ofTimespec: bytes) else { return .failure(.EINVAL) }
        return .success(time)
    }

    /// The sigmask argument: none, or a sigsetsize of 8 and a readable set, which becomes
    /// the thread's mask for the call (the old one comes back when it returns, or, when a
    /// signal cuts it short, when that signal's handler returns: SignalDelivery.swift).
    func applyCallSignalMask(_ address: UInt64, size: UInt64, thread: Thread) -> Errno? {
        guard address != 0 else { return nil }
        guard size == Kernel.signalSetSize else { return .EINVAL }
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: address, count: 8) else { return .EFAULT }
        if thread.savedSignalMask == nil { thread.savedSignalMask = thread.signalMask }
        thread.signalMask = littleEndianWord(bytes, at: 0) & ~SignalState.unblockable
        return nil
    }

    /// Writes the time left before the call's deadline to the timespec at `address`; a
    /// failed write is ignored, as Linux ignores it (the call itself succeeded).
    func writeTimeLeft(_ thread: Thread, hart: Hart, to address: UInt64) {
        guard address != 0, let deadline = thread.ioDeadline else { return }
        let left = SimulatedTime(cycles: deadline) - SimulatedTime(cycles: hart.cycle)
        let (seconds, nanoseconds) = left.timespec(clockFrequency: configuration.clockFrequency)
        _ = thread.process.addressSpace.copyOut(littleEndianBytes(seconds) + littleEndianBytes(nanoseconds), to: address)
    }
}
