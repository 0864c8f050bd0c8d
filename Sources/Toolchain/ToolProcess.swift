// Running compilers: each tool is spawned with posix_spawn, its standard output and
// error go to a log file (no pipe to drain, so many can run at once), and the builder
// waits for each by its process id (never for "any child", which could reap processes
// that other code in the same host process started).

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One compiler or linker invocation.
struct ToolInvocation: Sendable {
    /// Short name for messages ("swiftc", "clang", "ld.lld").
    var name: String
    var executable: String
    var arguments: [String]
    /// File that receives the tool's standard output and error.
    var logPath: String
    /// TMPDIR for the tool. swift-driver 6.3 leaves a TemporaryDirectory.* folder behind
    /// on every run, so the builder points it at a folder it removes itself.
    var temporaryDirectory: String?

    /// The command as a person would type it (for messages about crashes).
    var commandLine: String {
        ([executable] + arguments).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    /// Starts the tool; it runs until `wait` is called on the result.
    func start() throws -> RunningTool {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        var variables = ProcessInfo.processInfo.environment
        if let temporaryDirectory { variables["TMPDIR"] = temporaryDirectory }
        let environment = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in environment { free(pointer) }
        }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        #if canImport(Darwin)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_CLOEXEC_DEFAULT))
        #else
        // Descriptors the host process holds (test runners, pipes to other children) must
        // not leak into compilers, or a reader waiting for end-of-file would wait for them.
        if let closeFrom = ToolInvocation.closeFrom { _ = closeFrom(&actions, 3) }
        #endif
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environment)
        guard status == 0 else {
            throw BuildError.toolDidNotStart(tool: name, path: executable, reason: String(cString: strerror(status)))
        }
        return RunningTool(invocation: self, pid: pid)
    }

    #if !canImport(Darwin)
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc 2.34's posix_spawn_file_actions_addclosefrom_np, looked up at run time so that
    /// older C libraries still build and run (they leak descriptors, nothing worse).
    private static let closeFrom: CloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
    #endif
}

/// A started tool, to be waited for exactly once.
struct RunningTool {
    let invocation: ToolInvocation
    let pid: pid_t

    /// Waits for the tool to end; the output is its standard output and error, verbatim.
    func wait() -> ToolOutcome {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { break }
        }
        return outcome(status: status)
    }

    /// The outcome if the tool has ended (it is then reaped), else nil.
    func poll() -> ToolOutcome? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 || (result < 0 && errno == EINTR) { return nil }
        return outcome(status: status)
    }

    private func outcome(status: Int32) -> ToolOutcome {
        let output = (try? FileSystem.read(invocation.logPath)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        if signal == 0 { return ToolOutcome(exitStatus: (status >> 8) & 0xff, signal: nil, output: output) }
        return ToolOutcome(exitStatus: nil, signal: signal, output: output)
    }

    /// Stops the tool (after another step failed) and reaps it.
    func cancel() {
        kill(pid, SIGTERM)
        _ = wait()
    }
}

/// How a tool ended.
struct ToolOutcome {
    var exitStatus: Int32?
    var signal: Int32?
    var output: String
    var succeeded: Bool { exitStatus == 0 }
}
