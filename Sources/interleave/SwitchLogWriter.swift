// `run --switch-log FILE`: every context switch of the run, one line each, read from the
// run's trace as it is recorded (Trace/SwitchLog.swift) and written as it goes, so a long
// run's log costs the host no memory and the kernel keeps no list of its own.

import Trace

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class SwitchLogWriter {
    private var reader = SwitchLog()
    private var file: UnsafeMutablePointer<FILE>?
    private let path: String
    private var failed = false

    /// Opens `path` (`-`: standard error) for writing; fails with the system's reason.
    init(path: String) throws {
        self.path = path
        file = path == "-" ? fdopen(dup(2), "w") : fopen(path, "w")
        guard file != nil else { throw fail("cannot write the switch log to \(path): \(OutputPaths.systemReason())") }
    }

    /// Reads every event `recorder` records from now on, after any reader already attached.
    func attach(to recorder: TraceRecorder) {
        let previous = recorder.sink
        recorder.sink = { [weak self] event, recorder in
            previous?(event, recorder)
            self?.receive(event)
        }
    }

    private func receive(_ event: TraceEvent) {
        for record in reader.receive(event) { write(record) }
    }

    private func write(_ record: ContextSwitchRecord) {
        guard let file, !failed else { return }
        if fputs(record.description + "\n", file) < 0 { failed = true }
    }

    /// Writes the harts left idle at the end and closes the file.
    func finish() throws {
        for record in reader.finish() { write(record) }
        guard let file else { return }
        self.file = nil
        if fclose(file) != 0 || failed {
            throw fail("cannot write the switch log to \(path): \(OutputPaths.systemReason())")
        }
    }

    /// Closes and removes the file (the run failed before it began).
    func abandon() {
        guard let file else { return }
        self.file = nil
        fclose(file)
        if path != "-" { unlink(path) }
    }
}
