// Test support for the corpus (Guest/Programs/Explore/): the programs by name, each with
// what it is (buggy, and how its failure shows; or correct), built with the project's
// toolchain as `interleave run` builds them and cached in .build/interleave-test-cache.
// Suites that build carry `.needsCorpusToolchain` (and the C programs
// `.needsCorpusGlibc`): skipped, with the reason, when the tools are missing; with
// INTERLEAVE_REQUIRE_TOOLS=1 (as CI sets) they run and fail instead.

import Explore
import Foundation
import Kernel
import Synchronization
import Testing
import Toolchain

/// One corpus program and what exploring it must find.
struct CorpusProgram: Sendable, CustomTestStringConvertible {
    enum Verdict: Sendable, Equatable {
        /// A bug that ends a failing run with this exit status.
        case exits(Int32)
        /// A bug that ends a failing run with every thread waiting.
        case deadlocks
        /// No interleaving fails.
        case correct
    }

    var file: String
    var verdict: Verdict
    var isC: Bool { file.hasSuffix(".c") }
    var name: String { String(file.prefix { $0 != "." }) + (isC ? "-c" : "") }
    var testDescription: String { file }

    /// Whether `reason` (an `ExploreFailure.reason`) is the failure this program's bug gives.
    func isItsFailure(_ reason: String) -> Bool {
        switch verdict {
        case .exits(let status): reason.contains("exit status \(status)")
        case .deadlocks: reason.lowercased().contains("deadlock")
        case .correct: false
        }
    }

    /// Whether a run's ending is the failure this program's bug gives.
    func isItsFailure(_ ending: ProcessEnding) -> Bool {
        switch (verdict, ending) {
        case (.exits(let status), .exited(let actual)): status == actual
        case (.deadlocks, .deadlock): true
        default: false
        }
    }
}

enum GuestCorpus {
    static let buggySwift: [CorpusProgram] = [
        CorpusProgram(file: "bool-flip.swift", verdict: .exits(1)),
        CorpusProgram(file: "order-violation.swift", verdict: .exits(1)),
        CorpusProgram(file: "lock-order.swift", verdict: .deadlocks),
        CorpusProgram(file: "lost-wakeup.swift", verdict: .deadlocks),
        CorpusProgram(file: "broken-lock.swift", verdict: .exits(1)),
    ]
    static let correctSwift: [CorpusProgram] = [
        CorpusProgram(file: "bool-flip-cas.swift", verdict: .correct),
        CorpusProgram(file: "bool-flip-mutex.swift", verdict: .correct),
        CorpusProgram(file: "counter-cas.swift", verdict: .correct),
        CorpusProgram(file: "counter-mutex.swift", verdict: .correct),
        CorpusProgram(file: "condition-loop.swift", verdict: .correct),
        CorpusProgram(file: "lock-order-fixed.swift", verdict: .correct),
    ]
    static let buggyC: [CorpusProgram] = [
        CorpusProgram(file: "counter.c", verdict: .exits(1)),
        CorpusProgram(file: "lock-order.c", verdict: .deadlocks),
    ]
    static let correctC: [CorpusProgram] = [
        CorpusProgram(file: "counter-mutex.c", verdict: .correct),
    ]
    static var all: [CorpusProgram] { buggySwift + correctSwift + buggyC + correctC }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let builder: Result<GuestBuilder, any Error> = Result {
        try GuestBuilder(toolchain: Toolchain.locate(explicitPath: nil), guestRoot: packageRoot + "/Guest",
                         cacheDirectory: packageRoot + "/.build/interleave-test-cache")
    }
    static var toolsRequired: Bool { ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1" }
    static var hasSwiftToolchain: Bool { (try? builder.get()) != nil }
    static var hasGlibc: Bool { hasSwiftToolchain && (try? LinuxCToolchain.locate()) != nil }

    private static let built = Mutex<[String: [UInt8]]>([:])

    /// The program's ELF, built once per test process.
    static func executable(_ program: CorpusProgram) throws -> [UInt8] {
        if let bytes = built.withLock({ $0[program.file] }) { return bytes }
        let path = packageRoot + "/Guest/Programs/Explore/" + program.file
        let result = try builder.get().build(sources: [path], optimization: .speed)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
        built.withLock { $0[program.file] = bytes }
        return bytes
    }

    /// One plain run (no exploration): its ending and standard output.
    static func run(_ program: CorpusProgram, configure: (inout KernelConfiguration) -> Void = { _ in })
        throws -> (ending: ProcessEnding, output: String) {
        let elf = try executable(program)
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 64 << 20
        configure(&configuration)
        let output = Mutex<[UInt8]>([])
        let io = KernelIO(writeOutput: { bytes in output.withLock { $0 += bytes } },
                          writeError: { bytes in output.withLock { $0 += bytes } })
        let kernel = try Kernel(executable: elf, name: program.name, arguments: [], configuration: configuration,
                                io: io, programs: [program.name: elf])
        let ending = kernel.run()
        return (ending, String(decoding: output.withLock { $0 }, as: UTF8.self))
    }
}

extension Trait where Self == ConditionTrait {
    static var needsCorpusToolchain: Self {
        .enabled(if: GuestCorpus.hasSwiftToolchain || GuestCorpus.toolsRequired,
                 "needs a Swift toolchain with Embedded Swift for riscv64 (set INTERLEAVE_TOOLCHAIN)")
    }

    static var needsCorpusGlibc: Self {
        .enabled(if: GuestCorpus.hasGlibc || GuestCorpus.toolsRequired,
                 "needs riscv64-linux-gnu-gcc and riscv64 glibc (Debian packages \(LinuxCToolchain.packages)) and a Swift toolchain")
    }
}

extension GuestCorpus {
    /// Schedules each correct program is explored for: enough for every schedule with one
    /// preemption and many with two, small enough for a debug build.
    static let correctBudget = 2_000

    /// Explores the program as `interleave explore` would (the default configuration).
    static func explore(_ program: CorpusProgram, _ options: ExploreOptions) throws -> ExploreOutcome {
        let session = try ExploreSession(executable: executable(program), name: program.name, arguments: [],
                                         configuration: KernelConfiguration(), programs: [program.name: executable(program)])
        return session.explore(options)
    }
}
