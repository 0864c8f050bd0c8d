// `interleave explore [options] FILE [ARGS...]`: runs a program under many schedules
// (random, PCT or bounded preemptions) and stops at the first failure, shrunk and given as
// a replay token, or after the budget; `--shard i/n` and `--json` let several machines
// split one exploration and `interleave explore merge` combine their results.
// The options that shape a run (--harts, --memory-mib, --era, …) are `interleave run`'s,
// parsed by RunCommand itself so the two never disagree.

import ArgumentParser
import Explore
import Foundation
import Kernel
import Toolchain

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Run a program under many schedules; stop at the first failure and print its replay token.",
        discussion: """
            FILE is built as `interleave run` builds it; the options that shape a run (--harts, \
            --memory-mib, --max-instructions, --granularity, --era, --scheduler, --slice-ms, …) are \
            run's and mean the same. A failure is a non-zero exit status (or not --expect-exit's), a \
            fault, a deadlock, the instruction limit, or --expect-output's text missing. Each run \
            may take 50 times the instructions of the run without preemptions (at least a million, \
            at most --max-instructions), so a schedule that spins for ever ends as a failure.

            A failure is shrunk to the fewest preemptions and the shortest run that still fail, \
            then reported with the run's output, `replay: interleave run FILE --replay il-…` and each \
            preemption by thread, function and line. The exit status is 0 when nothing failed, 1 \
            when something did (or --races found a data race), 2 for a bad option.

            The summary (standard output) is the same for the same program, options and seed; \
            schedules per second and progress go to standard error.

            Several machines: `--shard i/n` (i from 0) explores one of n disjoint parts and \
            `--json FILE` writes its results; `interleave explore merge A.json B.json …` combines them.
            """,
        subcommands: [ExploreMergeCommand.self]
    )

    @Option(help: "The search: random, pct (probabilistic concurrency testing) or bounded (every schedule with at most --preemptions preemptions, K = 0, 1, …).")
    var strategy: StrategyName = .bounded

    @Option(help: "PCT's depth d: bugs needing d − 1 ordering constraints (1...64).")
    var depth: Int = 3

    @Option(help: "Bounded search's largest number of preemptions K (0...64).")
    var preemptions: Int = 2

    @Option(help: "Most schedules to run (1...1000000000).")
    var runs: Int = 10_000

    @Option(help: "Most seconds of host time to spend (the only input that is not deterministic).")
    var timeBudget: Double?

    @Option(help: "Seed of the exploration and of the program's random numbers (any 64-bit value).")
    var seed: UInt64 = 0

    @Option(help: "Explore only part i of n (i from 0), e.g. 0/4, for a Kubernetes indexed Job or a Slurm array.")
    var shard: String?

    @Option(help: "Write the exploration's results as JSON to FILE (for `interleave explore merge`).")
    var json: String?

    @Flag(help: "Detect data races in every schedule and report each once.")
    var races = false

    @Option(help: "A run that exits with another status is a failure (0...255).")
    var expectExit: Int32?

    @Option(help: "A run whose output lacks TEXT is a failure.")
    var expectOutput: String?

    @Flag(help: "Report the failing schedule as found, without shrinking it.")
    var noShrink = false

    @Argument(parsing: .allUnrecognized, help: "FILE (.swift, .c, .S, .s or .elf), `interleave run`'s options, then the program's arguments.")
    var arguments: [String] = []

    enum StrategyName: String, ExpressibleByArgument, CaseIterable {
        case random, pct, bounded
    }

    func validate() throws {
        try OptionRange.check(depth, 1...64, option: "depth")
        try OptionRange.check(preemptions, 0...64, option: "preemptions")
        try OptionRange.check(runs, 1...1_000_000_000, option: "runs")
        if let timeBudget, !(timeBudget > 0 && timeBudget <= 31_536_000) {
            throw ValidationError("--time-budget \(timeBudget): not accepted (seconds of host time, more than 0 and at most a year)")
        }
        if let expectExit { try OptionRange.check(expectExit, 0...255, option: "expect-exit") }
        if let shard {
            do { _ = try Shard(parsing: shard) } catch { throw ValidationError("--shard \(shard): \(error)") }
        }
        if arguments.isEmpty { throw ValidationError("it needs <file>: the program, FILE.swift, FILE.c, FILE.S, FILE.s or FILE.elf") }
    }

    /// The exploration's settings from the options.
    func exploreOptions() throws -> ExploreOptions {
        var options = ExploreOptions()
        switch strategy {
        case .random: options.strategy = .random
        case .pct: options.strategy = .pct(depth: depth)
        case .bounded: options.strategy = .bounded(maxPreemptions: preemptions)
        }
        options.runs = runs
        options.timeBudgetSeconds = timeBudget
        options.seed = seed
        if let shard { options.shard = try Shard(parsing: shard) }
        options.races = races
        options.expectExit = expectExit
        options.expectOutput = expectOutput
        options.shrink = !noShrink
        return options
    }

    /// `interleave run`'s reading of FILE, its options and the program's arguments.
    func runCommand() throws -> RunCommand {
        do {
            return try RunCommand.parse(arguments)
        } catch {
            throw ValidationError(RunCommand.message(for: error))
        }
    }

    func run() throws {
        // `explore merge …`: the program arguments swallow the subcommand's name, so it is
        // dispatched here (with --json, which this command reads first).
        if arguments.first == "merge" {
            var merge = ExploreMergeCommand()
            merge.files = Array(arguments.dropFirst())
            merge.json = json
            try merge.validate()
            try merge.run()
            return
        }
        let run = try runCommand()
        guard let file = run.file, !run.isCluster else {
            throw ValidationError("explore runs one program on one machine: give FILE without @N and without network options")
        }
        guard !run.acceleratorOptions.isRequested else {
            throw ValidationError("explore cannot run with an accelerator: its snapshots do not hold the device's state; drop the --accelerator options")
        }
        guard run.extraProgramFiles.isEmpty, run.startablePrograms.isEmpty else {
            throw ValidationError("explore runs one program: give one FILE (more programs beside it are not explored yet)")
        }
        let options = try exploreOptions()
        if let json { try OutputPaths.check([OutputPath(option: "--json", path: json, what: "the results")], inputs: [file]) }
        let executable: [UInt8]
        if file.hasSuffix(".elf") || !BuildError.acceptedExtensions.contains(where: { file.hasSuffix($0) }) && isELF(file) {
            guard let bytes = readWholeFile(file) else { throw fail("cannot read \(file): no such file, or not readable") }
            executable = bytes
        } else {
            let built = try run.buildProgram(file)
            guard let bytes = readWholeFile(built) else { throw fail("the build produced no program at \(built)") }
            executable = bytes
        }
        var configuration = try run.kernelConfiguration()
        configuration.seed = seed
        let name = baseName(file)
        let session: ExploreSession
        do {
            session = try ExploreSession(executable: executable, name: name, arguments: run.programArguments,
                                         configuration: configuration, programs: [name: executable])
        } catch {
            throw fail("cannot run \(file): \(error)")
        }
        let outcome = session.explore(options) { stats in
            printError("interleave explore: \(stats.schedules) schedules, \(stats.distinct) distinct, \(stats.abandoned) abandoned so far")
        }
        if let failure = outcome.failure {
            print(failure.report(replayCommand: "interleave run \(file)", programArguments: run.programArguments))
        }
        for line in outcome.summaryLines { print(line) }
        printError("interleave explore: " + outcome.rateLine)
        if let json, let results = outcome.results {
            if !writeWholeFile(json, Array(results.json())) {
                throw fail("cannot write the results to \(json): \(OutputPaths.systemReason())")
            }
        }
        throw ExitCode(outcome.failure != nil || !outcome.races.isEmpty ? 1 : 0)
    }
}
