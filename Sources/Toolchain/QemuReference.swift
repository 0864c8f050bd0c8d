// `qemu-riscv64` (Debian's qemu-user), the reference the project compares against: the
// same static Linux riscv64 ELF runs under it and under the kernel, and their output and
// exit status must agree. Used by `interleave bench` and by the tests.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct QemuReference: Sendable {
    public let path: String

    /// The first `qemu-riscv64` on PATH (or in /usr/bin), or nil when it is not installed.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> QemuReference? {
        let folders = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/qemu-riscv64") {
            return QemuReference(path: folder + "/qemu-riscv64")
        }
        return nil
    }

    /// Host seconds a reference run may take before it is killed: qemu passes system calls
    /// to the host's Linux, so a program waiting on the host (a socket another test run on
    /// the same host took) could otherwise hang the caller. Killed, it reports 128 + 9.
    public static let hostTimeLimit: Double = 300

    /// Runs the ELF at `elfPath`: its standard output, its exit status (128 + the signal
    /// when a signal ended it, as a shell reports it), and the host seconds it took.
    public func run(elfPath: String, arguments: [String] = []) throws -> (output: [UInt8], status: Int32, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [elfPath] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let start = ContinuousClock.now
        try QemuReference.withNoSignalsBlocked { try process.run() }
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + QemuReference.hostTimeLimit, execute: watchdog)
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        let elapsed = (ContinuousClock.now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return ([UInt8](output), status, seconds)
    }

    /// Runs `body` (a spawn) with the calling thread blocking no signal, so the child starts
    /// as from a shell: a child inherits its spawner's mask, and the test runner's threads
    /// (Dispatch's workers) block most signals — a guest that raised one at itself waited.
    static func withNoSignalsBlocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t(), saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        return try body()
    }

    /// Runs an ELF given as bytes, from a temporary file (qemu needs it executable).
    public func run(elf: [UInt8], arguments: [String] = []) throws -> (output: [UInt8], status: Int32, seconds: Double) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-qemu-\(UUID().uuidString).elf")
        try Data(elf).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        return try run(elfPath: file.path, arguments: arguments)
    }
}
