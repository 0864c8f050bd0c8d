// The standard streams as file objects: fd 0 reads the run's input (EBADF when the host's
// was closed: then there is no fd 0 at all), fds 1 and 2 write to the run's output and
// error. Output counts against the output limit; a program that writes past it is
// stopped with a report (Linux's RLIMIT_FSIZE and SIGXFSZ are the model). They are
// ordinary descriptors: a program may close, dup or replace them, and children inherit them.

import Machine

final class StandardInput: FileObject {
    let kind = FileKind.terminal
    let waiters = WaitQueue()
    private let readInput: (Int) -> [UInt8]

    init(_ readInput: @escaping (Int) -> [UInt8]) { self.readInput = readInput }

    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> {
        .done(Array(readInput(count).prefix(count)))
    }

    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> { .failed(.EBADF) }

    func readiness(for file: OpenFile) -> PollEvents { .input }

    func status() -> FileStatus { FileStatus(kind: .terminal, permissions: 0o620) }
}

final class StandardOutput: FileObject {
    let kind = FileKind.terminal
    let waiters = WaitQueue()
    /// 1 or 2: which of the run's streams it writes to.
    let stream: Int32

    init(stream: Int32) { self.stream = stream }

    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> { .failed(.EBADF) }

    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> {
        context.kernel.outputCycle = max(context.kernel.outputCycle, context.cycle)
        return .done(Int(context.kernel.emit(bytes, to: stream)))
    }

    func readiness(for file: OpenFile) -> PollEvents { .output }

    func status() -> FileStatus { FileStatus(kind: .terminal, permissions: 0o620) }
}

extension Kernel {
    /// Passes output on, up to the limit; past it, the calling process is stopped.
    func emit(_ bytes: [UInt8], to stream: Int32) -> Int64 {
        let room = configuration.outputLimit - min(outputBytes, configuration.outputLimit)
        let allowed = Array(bytes.prefix(Int(min(room, UInt64(bytes.count)))))
        if !allowed.isEmpty {
            if stream == 1 { io.writeOutput(allowed) } else { io.writeError(allowed) }
            outputBytes += UInt64(allowed.count)
        }
        if allowed.count < bytes.count {
            kill(process, .outputLimit("process \(process.pid) (\(process.name)) stopped: it wrote more than the output limit of \(formatBytes(configuration.outputLimit)) (raise it with --max-output-mib)"))
        }
        return Int64(allowed.count)
    }

    /// The descriptors a program the run starts gets: 0 (unless the host's input is
    /// closed), 1 and 2, each its own open file description.
    func standardDescriptors() -> DescriptorTable {
        var table = DescriptorTable(limit: configuration.fileDescriptorLimit)
        if let readInput = io.readInput {
            _ = table.install(OpenFile(StandardInput(readInput), flags: [], serial: nextFileSerial()))
        }
        for stream: Int32 in [1, 2] {
            let file = OpenFile(StandardOutput(stream: stream), flags: .writeOnly, serial: nextFileSerial())
            _ = table.install(file, atOrAbove: Int(stream))
        }
        return table
    }

    func nextFileSerial() -> UInt64 {
        fileSerial &+= 1
        return fileSerial
    }
}
