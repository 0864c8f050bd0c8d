// Sending and receiving with flags and addresses: sendto, recvfrom, sendmsg and recvmsg
// (struct msghdr with iovecs and a name; control messages are accepted and left empty).
// A blocking send of a stream keeps going until every byte is taken, and a receive with
// MSG_WAITALL until the count is reached: what was moved before a wait is kept in the
// thread (`ioProgress`) and the call, run again, goes on from there.

import Machine

extension Kernel {
    /// Linux's struct msghdr on riscv64: name, namelen, iov, iovlen, control, controllen, flags.
    static let messageHeaderSize = 56

    /// sendto(fd, buf, len, flags, dest_addr, addrlen)
    func sendTo(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0)
        let file: OpenFile, socket: Socket
        switch socketFile(fd, thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): (file, socket) = found
        }
        let count = min(arguments[2], Kernel.transferLimit)
        let destination: SocketAddress?
        switch sendDestination(socket, address: arguments[4], length: arguments.int32(5), thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): destination = found
        }
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: arguments[1], count: Int(count)) else {
            return .error(.EFAULT)
        }
        return sendBytes(file, socket, fd: fd, bytes, to: destination, flags: SendFlags(rawValue: UInt32(truncatingIfNeeded: arguments[3])),
                         hart: hart, thread: thread)
    }

    /// sendmsg(fd, msg, flags)
    func sendMessage(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0)
        let file: OpenFile, socket: Socket
        switch socketFile(fd, thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): (file, socket) = found
        }
        let header: MessageHeader
        switch messageHeader(arguments[1], thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): header = found
        }
        let vector: [(base: UInt64, length: UInt64)]
        switch ioVectors(header.vector, count: header.vectorCount, process: thread.process, forWriting: false) {
        case .failure(let errno): return .error(errno)
        case .success(let pieces): vector = pieces
        }
        let destination: SocketAddress?
        switch sendDestination(socket, address: header.name, length: header.nameLength, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): destination = found
        }
        var bytes: [UInt8] = []
        for piece in vector {
            guard case .success(let part) = thread.process.addressSpace.copyIn(from: piece.base, count: Int(piece.length)) else {
                return .error(.EFAULT)
            }
            bytes += part
        }
        let rights: [OpenFile]
        switch rightsToSend(control: header.control, length: header.controlLength, socket: socket, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let files): rights = files
        }
        return sendBytes(file, socket, fd: fd, bytes, to: destination, flags: SendFlags(rawValue: UInt32(truncatingIfNeeded: arguments[2])),
                         rights: rights, hart: hart, thread: thread)
    }

    /// recvfrom(fd, buf, len, flags, src_addr, addrlen)
    func receiveFrom(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), buffer = arguments[1], address = arguments[4], lengthAddress = arguments[5]
        let file: OpenFile, socket: Socket
        switch socketFile(fd, thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): (file, socket) = found
        }
        let count = Int(min(arguments[2], Kernel.transferLimit))
        let process = thread.process
        guard isWritable(process, buffer, count: count) else { return .error(.EFAULT) }
        if address != 0, !canStoreSocketAddress(at: address, lengthAddress: lengthAddress, process: process) { return .error(.EFAULT) }
        let flags = ReceiveFlags(rawValue: UInt32(truncatingIfNeeded: arguments[3]))
        let outcome = receiveBytes(file, socket, fd: fd, count: count, flags: flags, hart: hart, thread: thread) { bytes, offset in
            guard case .success = process.addressSpace.copyOut(bytes, to: buffer &+ UInt64(offset)) else { return false }
            return true
        }
        switch outcome {
        case .failure(let box):
            return box.result
        case .success(let received):
            // recvfrom has no control buffer: passed descriptors are closed.
            for passed in received.rights { releaseFile(passed, ioContext(hart, thread)) }
            if address != 0 {
                if let source = received.source {
                    if let failure = storeSocketAddress(source, at: address, lengthAddress: lengthAddress, process: process) {
                        return .error(failure)
                    }
                } else if case .failure = process.addressSpace.copyOut(littleEndianBytes(0, count: 4), to: lengthAddress) {
                    return .error(.EFAULT)
                }
            }
            return .value(Int64(received.length))
        }
    }

    /// recvmsg(fd, msg, flags)
    func receiveMessage(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let fd = arguments.int32(0), headerAddress = arguments[1]
        let file: OpenFile, socket: Socket
        switch socketFile(fd, thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): (file, socket) = found
        }
        let header: MessageHeader
        switch messageHeader(headerAddress, thread: thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): header = found
        }
        let process = thread.process
        let vector: [(base: UInt64, length: UInt64)]
        switch ioVectors(header.vector, count: header.vectorCount, process: process, forWriting: true) {
        case .failure(let errno): return .error(errno)
        case .success(let pieces): vector = pieces
        }
        guard isWritable(process, headerAddress, count: Kernel.messageHeaderSize) else { return .error(.EFAULT) }
        if header.name != 0, !isWritable(process, header.name, count: min(Int(header.nameLength), SocketAddress.storageSize)) {
            return .error(.EFAULT)
        }
        let total = vector.reduce(0) { $0 + Int($1.length) }
        let flags = ReceiveFlags(rawValue: UInt32(truncatingIfNeeded: arguments[2]))
        let outcome = receiveBytes(file, socket, fd: fd, count: total, flags: flags, hart: hart, thread: thread) { bytes, offset in
            // Scatter into the iovecs, starting `offset` bytes in.
            var skip = offset, taken = 0
            for piece in vector where taken < bytes.count {
                let length = Int(piece.length)
                if skip >= length {
                    skip -= length
                    continue
                }
                let part = Array(bytes[taken..<min(bytes.count, taken + length - skip)])
                guard case .success = process.addressSpace.copyOut(part, to: piece.base &+ UInt64(skip)) else { return false }
                taken += part.count
                skip = 0
            }
            return true
        }
        switch outcome {
        case .failure(let box):
            return box.result
        case .success(let received):
            if header.name != 0 {
                let bytes = received.source?.bytes ?? []
                let room = Int(max(0, min(header.nameLength, Int32(SocketAddress.storageSize))))
                if !bytes.isEmpty, room > 0, case .failure = process.addressSpace.copyOut(Array(bytes.prefix(room)), to: header.name) {
                    return .error(.EFAULT)
                }
                _ = process.addressSpace.copyOut(littleEndianBytes(UInt64(bytes.count), count: 4), to: headerAddress &+ 8)
            }
            let control = deliverRights(received.rights, control: header.control, length: header.controlLength,
                                        closeOnExec: flags.rawValue & Kernel.controlCloseOnExec != 0, thread: thread,
                                        ioContext(hart, thread))
            _ = process.addressSpace.copyOut(littleEndianBytes(control.used), to: headerAddress &+ 40)
            var reported: UInt32 = received.truncated ? ReceiveFlags.truncate.rawValue : 0
            if control.truncated { reported |= Kernel.controlTruncated }
            _ = process.addressSpace.copyOut(littleEndianBytes(UInt64(reported), count: 4), to: headerAddress &+ 48)
            return .value(Int64(received.length))
        }
    }

    // MARK: Shared steps

    struct MessageHeader {
        var name: UInt64
        var nameLength: Int32
        var vector: UInt64
        var vectorCount: Int32
        var control: UInt64
        var controlLength: UInt64
    }

    /// Reads a msghdr: EFAULT for memory it cannot read, EMSGSIZE for more than 1024
    /// iovecs, EINVAL for a negative name length.
    private func messageHeader(_ address: UInt64, thread: Thread) -> Result<MessageHeader, Errno> {
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: address, count: Kernel.messageHeaderSize) else {
            return .failure(.EFAULT)
        }
        let name = littleEndianWord(bytes, at: 0)
        var nameLength = Int32(bitPattern: UInt32(truncatingIfNeeded: littleEndianWord(bytes, at: 8, count: 4)))
        guard nameLength >= 0 else { return .failure(.EINVAL) }
        nameLength = name == 0 ? 0 : min(nameLength, Int32(SocketAddress.storageSize))
        let count = littleEndianWord(bytes, at: 24)
        guard count <= UInt64(Kernel.vectorLimit) else { return .failure(.EMSGSIZE) }
        return .success(MessageHeader(name: name, nameLength: nameLength, vector: littleEndianWord(bytes, at: 16),
                                      vectorCount: Int32(count), control: littleEndianWord(bytes, at: 32),
                                      controlLength: littleEndianWord(bytes, at: 40)))
    }

    /// The destination a send names (nil: none given). A stream UNIX socket given one
    /// answers EISCONN or EOPNOTSUPP when it sends; TCP ignores it.
    private func sendDestination(_ socket: Socket, address: UInt64, length: Int32, thread: Thread) -> Result<SocketAddress?, Errno> {
        guard address != 0, length != 0 else { return .success(nil) }
        let raw: [UInt8]
        switch socketAddressBytes(address, length: length, process: thread.process) {
        case .failure(let errno): return .failure(errno)
        case .success(let bytes): raw = bytes
        }
        switch (socket.family, socket.type) {
        case (.unix, .stream):
            return .success(.unix(nil))
        case (.unix, .datagram):
            return SocketAddress.parseUnix(raw, workingDirectory: thread.process.workingDirectory).map { .unix($0) }
        case (.inet, .stream), (.unspecified, _):
            return .success(nil)
        case (.inet, .datagram):
            guard case .success(let parsed) = SocketAddress.parseInet(raw) else { return .failure(.EINVAL) }
            if parsed.family != SocketFamily.inet.rawValue, parsed.family != SocketFamily.unspecified.rawValue {
                return .failure(.EAFNOSUPPORT)
            }
            guard parsed.port != 0 else { return .failure(.EINVAL) }
            return .success(.inet(parsed.address, port: parsed.port))
        }
    }

    /// Sends `bytes`: blocking, until a stream has taken them all; non-blocking (the
    /// description's flag or MSG_DONTWAIT), what fits now or EAGAIN. EPIPE raises SIGPIPE
    /// unless MSG_NOSIGNAL.
    private func sendBytes(_ file: OpenFile, _ socket: Socket, fd: Int32, _ bytes: [UInt8], to destination: SocketAddress?,
                           flags: SendFlags, rights: [OpenFile] = [], hart: Hart, thread: Thread) -> SystemCallResult {
        let nonBlocking = file.isNonBlocking || flags.contains(.dontWait)
        var progress = thread.callRestarted ? min(thread.ioProgress, bytes.count) : 0
        thread.ioProgress = 0
        let context = ioContext(hart, thread)
        repeat {
            let rest = progress == 0 ? bytes : Array(bytes[progress...])
            // Passed descriptors go with the first bytes taken.
            switch socket.send(rest, to: destination, flags: flags, rights: progress == 0 ? rights : [], context) {
            case .done(let taken):
                traceTransfer(thread, on: hart, fd: fd, file: file, bytes: taken, isWrite: true)
                progress += max(0, taken)
                if socket.type == .datagram || taken <= 0 || nonBlocking || thread.process.hasEnded {
                    return .value(Int64(progress))
                }
            case .failed(let errno):
                if errno == .EPIPE, !flags.contains(.noSignal) { brokenPipe(thread, file: file) }
                return progress > 0 ? .value(Int64(progress)) : .error(errno)
            case .wouldBlock(let queue):
                if nonBlocking { return progress > 0 ? .value(Int64(progress)) : .error(.EAGAIN) }
                thread.ioProgress = progress
                blockForIO(thread, on: hart, queues: [queue], "send on descriptor \(fd)", object: UInt64(UInt32(bitPattern: fd)))
                return .noReturn
            case .waitUntil:
                return .error(.EINVAL)
            }
        } while progress < bytes.count
        return .value(Int64(progress))
    }

    struct ReceivedTotal {
        var length: Int
        var source: SocketAddress?
        var truncated: Bool
        var rights: [OpenFile]
    }

    /// Receives up to `count` bytes, handing each piece to `deliver` with its offset (false:
    /// EFAULT). The result's length is what the call returns (a datagram's whole length
    /// with MSG_TRUNC).
    private func receiveBytes(_ file: OpenFile, _ socket: Socket, fd: Int32, count: Int, flags: ReceiveFlags, hart: Hart, thread: Thread,
                              deliver: ([UInt8], Int) -> Bool) -> Result<ReceivedTotal, SystemCallResultBox> {
        let nonBlocking = file.isNonBlocking || flags.contains(.dontWait)
        let waitAll = flags.contains(.waitAll) && !flags.contains(.peek) && socket.type == .stream && !nonBlocking
        var progress = thread.callRestarted ? min(thread.ioProgress, count) : 0
        thread.ioProgress = 0
        let context = ioContext(hart, thread)
        while true {
            switch socket.receive(count - progress, flags: flags, context) {
            case .done(let received):
                guard deliver(received.bytes, progress) else {
                    for passed in received.rights { releaseFile(passed, context) }
                    return .failure(SystemCallResultBox(.error(.EFAULT)))
                }
                traceTransfer(thread, on: hart, fd: fd, file: file, bytes: received.bytes.count, isWrite: false,
                              consumes: !flags.contains(.peek))
                progress += received.bytes.count
                // MSG_WAITALL goes on, unless descriptors came: a read ends with them.
                if waitAll, progress < count, !received.bytes.isEmpty, received.rights.isEmpty { continue }
                let truncated = received.fullLength > received.bytes.count
                let length = socket.type == .datagram && flags.contains(.truncate) ? received.fullLength : progress
                return .success(ReceivedTotal(length: length, source: received.source, truncated: truncated,
                                              rights: received.rights))
            case .failed(let errno):
                return .failure(SystemCallResultBox(progress > 0 ? .value(Int64(progress)) : .error(errno)))
            case .wouldBlock(let queue):
                if nonBlocking || progress > 0 && !waitAll {
                    return .failure(SystemCallResultBox(progress > 0 ? .value(Int64(progress)) : .error(.EAGAIN)))
                }
                thread.ioProgress = progress
                blockForIO(thread, on: hart, queues: [queue], "receive on descriptor \(fd)", object: UInt64(UInt32(bitPattern: fd)))
                return .failure(SystemCallResultBox(.noReturn))
            case .waitUntil:
                return .failure(SystemCallResultBox(.error(.EINVAL)))
            }
        }
    }
}

/// A call's finished result carried through `Result`'s failure side.
struct SystemCallResultBox: Error {
    let result: SystemCallResult
    init(_ result: SystemCallResult) { self.result = result }
}
