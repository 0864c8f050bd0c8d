// epoll's system calls: epoll_create1, epoll_ctl, epoll_pwait and epoll_pwait2, with
// Linux's checks in Linux's order (fs/eventpoll.c). The instance and its ready list are
// in Epoll.swift. epoll_wait costs a fixed amount plus a little per ready-list entry it
// looks at (PollCost.swift), however many descriptors are registered.
//
// struct epoll_event is 16 bytes on riscv64 — u32 events, 4 bytes of padding, u64 data —
// not the packed 12 bytes of x86-64.

import Machine

extension Kernel {
    static let epollEventSize = 16
    /// EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event).
    static let epollMaximumEvents = Int(Int32.max) / epollEventSize

    /// epoll_create1(flags): EPOLL_CLOEXEC (O_CLOEXEC) is the only flag.
    func epollCreate(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let flags = UInt32(truncatingIfNeeded: arguments[0])
        guard flags & ~OpenFlags.closeOnExec.rawValue == 0 else { return .error(.EINVAL) }
        let file = OpenFile(EpollInstance(), flags: .readWrite, serial: nextFileSerial())
        guard let fd = thread.process.descriptors.install(file, closeOnExec: flags != 0) else { return .error(.EMFILE) }
        return .value(Int64(fd))
    }

    /// epoll_ctl(epfd, op, fd, event).
    func epollControl(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let process = thread.process
        let epfd = arguments.int32(0), operation = arguments.int32(1), fd = arguments.int32(2)
        var interest: UInt32 = 0, data: UInt64 = 0
        // Every operation but DEL reads the event first, even an unknown one.
        if operation != EpollFlag.delete {
            guard case .success(let bytes) = process.addressSpace.copyIn(from: arguments[3], count: Kernel.epollEventSize) else {
                return .error(.EFAULT)
            }
            interest = UInt32(littleEndianWord(bytes, at: 0, count: 4))
            data = littleEndianWord(bytes, at: 8)
        }
        guard let epollFile = process.descriptors.file(epfd), let target = process.descriptors.file(fd) else { return .error(.EBADF) }
        // Regular files and directories are always ready: Linux refuses to watch them.
        if target.object.kind == .regular || target.object.kind == .directory { return .error(.EPERM) }
        guard epollFile !== target, let epoll = epollFile.object as? EpollInstance else { return .error(.EINVAL) }
        if operation != EpollFlag.delete, interest & EpollFlag.exclusive != 0 {
            if operation == EpollFlag.modify { return .error(.EINVAL) }
            if operation == EpollFlag.add,
               target.object is EpollInstance || interest & ~EpollFlag.exclusiveCompatible != 0 { return .error(.EINVAL) }
        }
        if operation == EpollFlag.add, let inner = target.object as? EpollInstance, epoll.wouldLoop(adding: inner) {
            return .error(.ELOOP)
        }
        hart.advanceClock(by: ReadinessCost.control(clockFrequency: configuration.clockFrequency))
        let key = EpollKey(file: target.serial, fd: fd)
        let existing = epoll.registration(key)
        let context = ioContext(hart, thread)
        let always = PollEvents.error.rawValue | PollEvents.hangUp.rawValue
        switch operation {
        case EpollFlag.add:
            guard existing == nil else { return .error(.EEXIST) }
            epoll.add(target, fd: fd, interest: interest | always, data: data, context)
        case EpollFlag.delete:
            guard let existing else { return .error(.ENOENT) }
            epoll.remove(existing)
        case EpollFlag.modify:
            guard let existing else { return .error(.ENOENT) }
            guard existing.interest & EpollFlag.exclusive == 0 else { return .error(.EINVAL) }
            epoll.modify(existing, interest: interest | always, data: data, context)
        default:
            return .error(.EINVAL)
        }
        return .value(0)
    }

    /// epoll_pwait(epfd, events, maxevents, timeout ms, sigmask, sigsetsize) and
    /// epoll_pwait2 (the same with a timespec timeout, not written back).
    func epollWait(_ arguments: SystemCallArguments, hart: Hart, thread: Thread, timespec: Bool) -> SystemCallResult {
        let process = thread.process
        let epfd = arguments.int32(0), buffer = arguments[1], maximum = arguments.int32(2)
        let timeout: SimulatedTime?
        if timespec {
            switch readTimeout(arguments[3], process: process) {
            case .failure(let errno): return .error(errno)
            case .success(let value): timeout = value
            }
        } else {
            let milliseconds = arguments.int32(3)
            timeout = milliseconds < 0 ? nil
                : .milliseconds(UInt64(milliseconds), clockFrequency: configuration.clockFrequency)
        }
        if let errno = applyCallSignalMask(arguments[4], size: arguments[5], thread: thread) { return .error(errno) }
        guard maximum > 0, Int(maximum) <= Kernel.epollMaximumEvents else { return .error(.EINVAL) }
        // access_ok: the whole array must lie in the address space's range.
        let (_, wraps) = buffer.addingReportingOverflow(UInt64(maximum) * UInt64(Kernel.epollEventSize))
        guard !wraps else { return .error(.EFAULT) }
        guard let file = process.descriptors.file(epfd) else { return .error(.EBADF) }
        guard let epoll = file.object as? EpollInstance else { return .error(.EINVAL) }
        let deadline = callDeadline(thread, hart: hart, timeout: timeout)
        let (delivered, examined, faulted) = epoll.collect(limit: Int(maximum)) { index, event in
            let address = buffer &+ UInt64(index * Kernel.epollEventSize)
            guard case .success = process.addressSpace.copyOut(littleEndianBytes(UInt64(event.events), count: 4), to: address),
                  case .success = process.addressSpace.copyOut(littleEndianBytes(event.data), to: address &+ 8) else { return false }
            return true
        }
        hart.advanceClock(by: ReadinessCost.wait(examined, clockFrequency: configuration.clockFrequency))
        if delivered == 0, faulted {
            // The first event could not be copied out (it stays on the ready list).
            finishTimedCall(thread)
            return .error(.EFAULT)
        }
        if delivered == 0, timeout != .zero, !deadlinePassed(thread, hart: hart) {
            blockForIO(thread, on: hart, queues: [epoll.waiters], deadline: deadline, "epoll_wait on descriptor \(epfd)",
                       object: UInt64(UInt32(bitPattern: epfd)))
            return .noReturn
        }
        finishTimedCall(thread)
        return .value(Int64(delivered))
    }
}
