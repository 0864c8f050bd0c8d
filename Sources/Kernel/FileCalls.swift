// The standard streams: read from fd 0 (EBADF when the host's was closed), write and
// writev to fds 1 and 2. Output counts against the output limit; a program that writes
// past it is stopped with a report (Linux's RLIMIT_FSIZE and SIGXFSZ are the model).

import Machine

extension Kernel {
    /// Most bytes one read or write moves (a partial transfer is legal; callers loop).
    static let transferLimit: UInt64 = 1 << 20

    func read(_ arguments: SystemCallArguments) -> SystemCallResult {
        let fd = arguments.int32(0), buffer = arguments[1], count = min(arguments[2], Kernel.transferLimit)
        guard fd == 0, let readInput = io.readInput else { return .error(.EBADF) }
        guard count > 0 else { return .value(0) }
        // Check the buffer before consuming input, so a bad pointer loses nothing.
        guard case .success = process.addressSpace.resolve(buffer, for: .write) else { return .error(.EFAULT) }
        let bytes = Array(readInput(Int(count)).prefix(Int(count)))
        guard case .success = process.addressSpace.copyOut(bytes, to: buffer) else { return .error(.EFAULT) }
        return .value(Int64(bytes.count))
    }

    func write(_ arguments: SystemCallArguments) -> SystemCallResult {
        let fd = arguments.int32(0), buffer = arguments[1], count = min(arguments[2], Kernel.transferLimit)
        guard fd == 1 || fd == 2 else { return .error(.EBADF) }
        guard case .success(let bytes) = process.addressSpace.copyIn(from: buffer, count: Int(count)) else {
            return .error(.EFAULT)
        }
        return .value(emit(bytes, to: fd))
    }

    /// writev(fd, iov, iovcnt): each iovec is {base, length}.
    func writeVector(_ arguments: SystemCallArguments) -> SystemCallResult {
        let fd = arguments.int32(0), vector = arguments[1], count = arguments.int32(2)
        guard fd == 1 || fd == 2 else { return .error(.EBADF) }
        guard count >= 0, count <= 1024 else { return .error(.EINVAL) }
        guard case .success(let table) = process.addressSpace.copyIn(from: vector, count: Int(count) * 16) else {
            return .error(.EFAULT)
        }
        var bytes: [UInt8] = []
        for index in 0..<Int(count) {
            let base = littleEndianWord(table, at: index * 16), length = littleEndianWord(table, at: index * 16 + 8)
            guard length <= Kernel.transferLimit - UInt64(bytes.count) else { return .error(.EINVAL) }
            guard case .success(let piece) = process.addressSpace.copyIn(from: base, count: Int(length)) else {
                return .error(.EFAULT)
            }
            bytes += piece
        }
        return .value(emit(bytes, to: fd))
    }

    /// Passes output on, up to the limit; past it, the process is stopped.
    private func emit(_ bytes: [UInt8], to fd: Int32) -> Int64 {
        let room = configuration.outputLimit - min(outputBytes, configuration.outputLimit)
        let allowed = Array(bytes.prefix(Int(min(room, UInt64(bytes.count)))))
        if !allowed.isEmpty {
            if fd == 1 { io.writeOutput(allowed) } else { io.writeError(allowed) }
            outputBytes += UInt64(allowed.count)
        }
        if allowed.count < bytes.count {
            kill(process, .outputLimit("process \(process.pid) (\(process.name)) stopped: it wrote more than the output limit of \(formatBytes(configuration.outputLimit)) (raise it with --max-output-mib)"))
        }
        return Int64(allowed.count)
    }
}
