// `interleave lab list` and `interleave lab run NAME`: the story's experiments (Sources/Lab),
// each run with its own programs and configurations, printing what it shows and the
// measured evidence. --timeline, --trace and --svg show one run the experiment picks;
// --svg draws the experiment's plot instead when it has one and no trace (caches).

import ArgumentParser
import Kernel
import Lab
import Trace

struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run the story's experiments, each with its claim measured.",
        subcommands: [LabListCommand.self, LabRunCommand.self]
    )
}

struct LabListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Name each experiment with a one-line summary.")

    func run() throws {
        let width = Catalog.experiments.map(\.name.count).max() ?? 0
        for experiment in Catalog.experiments {
            let number = (experiment.number < 10 ? " " : "") + "\(experiment.number)"
            let name = experiment.name + String(repeating: " ", count: width - experiment.name.count)
            print("\(number)  \(name)  \(experiment.summary)\(experiment.isRunnable ? "" : " (later)")")
        }
    }
}

struct LabRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one experiment: what it shows, then the measured evidence.",
        discussion: "Everything printed comes from simulated cycles: the same options give the same output. Experiments: \(Catalog.names.joined(separator: ", "))."
    )

    @Argument(help: "The experiment (`interleave lab list` names them).")
    var name: String

    @Option(help: "The seed (experiments that sweep seeds start from it) \(OptionRange.text(OptionRange.labSeed)).")
    var seed: UInt64 = 1

    @Option(help: "Harts (cores), where the experiment takes them \(OptionRange.text(OptionRange.harts)).")
    var harts: Int?

    func validate() throws {
        try OptionRange.check(seed, OptionRange.labSeed, option: "seed")
        if let harts { try OptionRange.check(harts, OptionRange.harts, option: "harts") }
    }

    @Option(help: "An era's scheduling preset, where the experiment takes one: dos, win1, win95, xp, server, linux, linux-server or tickless.")
    var era: Era?

    @OptionGroup(title: "Caches for the runs whose experiment chooses none") var cacheOptions: CacheOptions

    @OptionGroup(title: "Trace of the run the experiment shows") var traceOptions: TraceOptions

    @Option(help: "The Swift toolchain to build with (default: beside `swift`, or $INTERLEAVE_TOOLCHAIN).")
    var toolchain: String?

    func run() throws {
        guard let experiment = Catalog.experiment(named: name) else {
            throw fail("no experiment named \(name); the experiments are: \(Catalog.names.joined(separator: ", "))")
        }
        let options = try cacheOptions.labOptions(LabOptions(seed: seed, harts: harts, era: era))
        do { try experiment.validate(options) } catch { throw ValidationError(error.message) }
        if traceOptions.isEnabled { try traceOptions.preflight(clockFrequency: labClock) }
        var session: TraceSession? = nil
        var sessionError: Error? = nil
        let context: LabContext
        do {
            context = try LabContext.standard(
                options: options, toolchainPath: toolchain,
                makeRecorder: traceOptions.isEnabled ? { clock, harts in
                    do { session = try traceOptions.start(clockFrequency: clock, harts: harts) } catch { sessionError = error }
                    return session?.recorder ?? TraceRecorder(capacity: 1000, clockFrequency: clock, harts: harts)
                } : nil,
                configureTraced: { configuration in configuration.instructionTrace = session?.instructionFilter },
                progress: { line in printError("interleave: \(line)") })
        } catch {
            throw fail("\(error)", status: 1)
        }
        let finding: Finding
        do {
            finding = try experiment.run(context)
        } catch {
            session?.abandon()
            throw fail("\(name): \(error)", status: 1)
        }
        if let sessionError { throw sessionError }
        // Raw writes, so the text comes before the timeline the session writes the same way.
        writeStandardOutput(Array((finding.text + "\n").utf8))
        if let session {
            writeStandardOutput([10])
            try session.finish(endCycle: finding.traceEndCycle ?? 0, title: finding.traceTitle ?? name)
        } else if let svgPath = traceOptions.svgPath, let plot = finding.plot {
            // An experiment that measures curves, not an interleaving, draws its plot instead of a timeline.
            guard writeAtomically(svgPath, Array(plot.svg().utf8)) else { throw fail("cannot write the picture to \(svgPath)") }
        } else if traceOptions.isEnabled {
            printError("interleave: \(name) kept no trace to show")
        }
    }
}
