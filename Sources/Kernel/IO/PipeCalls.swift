// The calls that make pipes and eventfds (Pipe.swift, EventCounter.swift hold the
// objects; read, write, close, poll and epoll work on them through FileObject):
//   pipe2(fds, flags)          two descriptors, fds[0] the read end, fds[1] the write end;
//                              flags O_NONBLOCK and O_CLOEXEC (others EINVAL)
//   eventfd2(initval, flags)   EFD_NONBLOCK, EFD_CLOEXEC, EFD_SEMAPHORE (others EINVAL)
//   fcntl F_GETPIPE_SZ / F_SETPIPE_SZ: a pipe's capacity (EBADF on anything else)

import Machine

extension Kernel {
    static let F_SETPIPE_SZ: Int32 = 1031, F_GETPIPE_SZ: Int32 = 1032
    static let eventSemaphore: UInt32 = 1   // EFD_SEMAPHORE

    func makePipe(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let address = arguments[0], flags = OpenFlags(rawValue: UInt32(bitPattern: arguments.int32(1)))
        guard flags.subtracting([.nonBlocking, .closeOnExec]).isEmpty else { return .error(.EINVAL) }
        let buffer = PipeBuffer()
        let shared = flags.intersection(.nonBlocking)
        let reader = OpenFile(PipeEnd(buffer, isReadEnd: true), flags: shared, serial: nextFileSerial())
        let writer = OpenFile(PipeEnd(buffer, isReadEnd: false), flags: shared.union(.writeOnly), serial: nextFileSerial())
        let closeOnExec = flags.contains(.closeOnExec)
        let context = ioContext(hart, thread)
        // As Linux: EMFILE before EFAULT; a failure leaves no descriptor behind.
        guard let readFD = thread.process.descriptors.install(reader, closeOnExec: closeOnExec) else { return .error(.EMFILE) }
        guard let writeFD = thread.process.descriptors.install(writer, closeOnExec: closeOnExec) else {
            discard(readFD, thread: thread, context)
            return .error(.EMFILE)
        }
        let numbers = Array(littleEndianBytes(UInt64(UInt32(bitPattern: readFD)) | UInt64(UInt32(bitPattern: writeFD)) << 32))
        guard case .success = thread.process.addressSpace.copyOut(numbers, to: address) else {
            discard(writeFD, thread: thread, context)
            discard(readFD, thread: thread, context)
            return .error(.EFAULT)
        }
        return .value(0)
    }

    func makeEventCounter(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let initial = UInt64(UInt32(truncatingIfNeeded: arguments[0]))
        let raw = UInt32(bitPattern: arguments.int32(1))
        let flags = OpenFlags(rawValue: raw & ~Kernel.eventSemaphore)
        guard flags.subtracting([.nonBlocking, .closeOnExec]).isEmpty else { return .error(.EINVAL) }
        let counter = EventCounter(initial: initial, isSemaphore: raw & Kernel.eventSemaphore != 0)
        let file = OpenFile(counter, flags: flags.intersection(.nonBlocking).union(.readWrite), serial: nextFileSerial())
        guard let fd = thread.process.descriptors.install(file, closeOnExec: flags.contains(.closeOnExec)) else {
            return .error(.EMFILE)
        }
        return .value(Int64(fd))
    }

    /// fcntl's F_GETPIPE_SZ and F_SETPIPE_SZ. The new size is rounded up to a power of two
    /// of at least a page, as Linux does; past 1 MiB (Linux's pipe-max-size) it is EPERM,
    /// below the bytes waiting EBUSY.
    func pipeSize(_ command: Int32, file: OpenFile, argument: UInt64, _ context: IOContext) -> SystemCallResult {
        guard let end = file.object as? PipeEnd else { return .error(.EBADF) }
        if command == Kernel.F_GETPIPE_SZ { return .value(Int64(end.buffer.capacity)) }
        let requested = UInt64(UInt32(truncatingIfNeeded: argument))
        guard requested <= 1 << 31 else { return .error(.EINVAL) }
        var size: UInt64 = AddressSpace.pageSize
        while size < requested { size <<= 1 }
        guard size <= UInt64(PipeBuffer.maximumCapacity) else { return .error(.EPERM) }
        if let errno = end.buffer.resize(to: Int(size)) { return .error(errno) }
        end.buffer.writeWaiters.wake([.output, .writeNormal], context)   // there may be more room
        return .value(Int64(size))
    }

    /// Takes back a descriptor a failed call had installed.
    private func discard(_ fd: Int32, thread: Thread, _ context: IOContext) {
        if let file = thread.process.descriptors.remove(fd) { releaseFile(file, context) }
    }
}
