// `interleave tour`: the story, runnable. Walks the lab's experiments in the story's order,
// one chapter each: the point in two or three sentences, the evidence measured just now,
// and a small timeline where seeing the interleaving is the point. Every figure comes
// from simulated cycles, so the tour reads the same on every machine and every day.

import ArgumentParser
import Foundation
import Kernel
import Lab
import Trace

struct TourCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tour",
        abstract: "Walk the story from DOS to many cores: every experiment of the lab, in order, measured now.",
        discussion: """
            Each chapter runs one experiment (`interleave lab list` names them; `interleave lab run \
            NAME --timeline` runs one with its options). Chapters whose point is an interleaving \
            draw a small timeline of the run they describe. The whole tour takes well under a \
            minute in a release build.
            """
    )

    @Option(help: "The seed every experiment starts from; the same seed gives the same tour \(OptionRange.text(OptionRange.labSeed)).")
    var seed: UInt64 = 1

    @Option(help: "Run this chapter only (1...19).")
    var chapter: Int?

    @Option(help: ArgumentHelp("Run these chapters: a range (5-14), from one to the end (5-) or one (5).", valueName: "first-last"))
    var chapters: String?

    @Flag(inversion: .prefixedNo, help: "Draw the chapters' timelines.")
    var timelines = true

    @Option(help: "Columns for the timelines (default: the terminal's width, at most 100) (40...1000).")
    var timelineWidth: Int?

    @OptionGroup(title: "Caches for the chapters whose experiment chooses none") var cacheOptions: CacheOptions

    @Option(help: "The Swift toolchain to build with (default: beside `swift`, or $INTERLEAVE_TOOLCHAIN).")
    var toolchain: String?

    /// The chapters where a picture of the run says more than its figures.
    static let drawn: Set<String> = ["single-tasking", "race", "multicore-race", "semaphore-pool", "gpu-sharing"]

    /// The chapters asked for: --chapter N, --chapters FIRST-LAST, or all of them.
    func selectedChapters() throws -> ClosedRange<Int> {
        let last = Catalog.experiments.map(\.number).max() ?? 1
        if let chapter {
            guard chapters == nil else { throw ValidationError("--chapter and --chapters both choose chapters: give one of them") }
            guard (1...last).contains(chapter) else { throw ValidationError("--chapter must be between 1 and \(last), not \(chapter)") }
            return chapter...chapter
        }
        guard let chapters else { return 1...last }
        let parts = chapters.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let first = parts.first.flatMap { Int($0) }
        let end = parts.count == 1 ? first : parts[1].isEmpty ? last : Int(parts[1])
        guard let first, let end, (1...last).contains(first), (1...last).contains(end), first <= end else {
            throw ValidationError("--chapters must be a range of chapters from 1 to \(last) such as 5-14, 5- or 5, not '\(chapters)'")
        }
        return first...end
    }

    func validate() throws {
        try OptionRange.check(seed, OptionRange.labSeed, option: "seed")
        _ = try selectedChapters()
        if let timelineWidth, !(40...1000).contains(timelineWidth) {
            throw ValidationError("--timeline-width must be between 40 and 1000 columns, not \(timelineWidth)")
        }
    }

    func run() throws {
        let start = Date()
        let selected = try selectedChapters()
        let chapters = Catalog.experiments.filter { selected.contains($0.number) }
        let options = try cacheOptions.labOptions(LabOptions(seed: seed))
        say("""
            Interleave: a tour of concurrency from the ground up. Each chapter below is an experiment \
            run just now on a simulated RISC-V machine under the teaching kernel; every figure comes \
            from simulated cycles (a \(labClock / 1_000_000) MHz clock), so it is the same on any \
            computer. Run any chapter yourself with `interleave lab run NAME`.
            """)
        var skipped: [String] = []
        for experiment in chapters {
            guard experiment.isRunnable else { skipped.append(experiment.name); continue }
            let draw = timelines && Self.drawn.contains(experiment.name)
            let context: LabContext
            do {
                context = try LabContext.standard(
                    options: options, toolchainPath: toolchain,
                    makeRecorder: draw ? { clock, harts in TraceRecorder(clockFrequency: clock, harts: harts) } : nil,
                    progress: { line in printError("interleave: \(line)") })
            } catch {
                throw fail("\(error)", status: 1)
            }
            let finding: Finding
            do { finding = try experiment.run(context) } catch { throw fail("\(experiment.name): \(error)", status: 1) }
            var text = "\n" + String(repeating: "━", count: 88) + "\n" + finding.text + "\n"
            if draw, let log = finding.trace {
                let width = timelineWidth ?? min(100, TerminalTimeline.terminalWidth())
                text += "\n" + TerminalTimeline(log: log, width: width, color: TerminalTimeline.colorWanted(),
                                                endCycle: finding.traceEndCycle).render()
            }
            writeStandardOutput(Array(text.utf8))
        }
        var ending = "\n" + String(repeating: "━", count: 88) + "\n"
        if !skipped.isEmpty { ending += "Not yet runnable: \(skipped.joined(separator: ", ")).\n" }
        ending += "The tour took \(String(format: "%.1f", Date().timeIntervalSince(start))) s of host time.\n"
        writeStandardOutput(Array(ending.utf8))
    }

    func say(_ text: String) {
        writeStandardOutput(Array((wrap(text, width: 88) + "\n").utf8))
    }
}
