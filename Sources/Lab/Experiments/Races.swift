// Experiment 25, races (beyond the story: race detection): the bool flip
// (Guest/Programs/Explore/bool-flip.swift) run once with the race log on, read by the
// FastTrack detector (RaceMonitor): its race is reported with both accesses' lines, though
// this run's answer is right. The same flip with compare-and-swap and under a mutex is
// reported clean: atomics and the mutex's release/acquire order every access.

import Explore
import Kernel

extension Experiment {
    static let races = Experiment(
        number: 25, name: "races",
        summary: "Happens-before finds the bool flip's race in a right run; none with CAS or a mutex.",
        chapter: "Beyond the story: race detection",
        refuses: [.era: "a race is found from the order of synchronisation, not the timer: every era gives the same report."],
        body: { context in try RaceReports(context).run() })
}

struct RaceReports {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    static let programs = [
        (key: "plain", label: "plain load and store", file: "bool-flip.swift"),
        (key: "cas", label: "compare-and-swap", file: "bool-flip-cas.swift"),
        (key: "mutex", label: "a mutex (Sync.Mutex)", file: "bool-flip-mutex.swift"),
    ]

    /// One run of `file` with race detection; its ending and the races found.
    func detect(_ file: String) throws -> (ending: ProcessEnding, races: [RaceFinding]) {
        let executable = try context.program("Explore/" + file)
        let name = String(file.prefix { $0 != "." })
        var configuration = context.baseConfiguration()
        configuration.harts = context.options.harts ?? 1
        configuration.exploration.raceLog = true
        let kernel: Kernel
        do {
            kernel = try Kernel(executable: executable, name: name, arguments: [], configuration: configuration,
                                io: KernelIO(writeOutput: { _ in }, writeError: { _ in }), programs: [name: executable])
        } catch {
            throw LabError("cannot start \(file): \(error)")
        }
        let monitor = RaceMonitor()
        monitor.attach(to: kernel)
        let ending = kernel.run()
        monitor.drain()
        return (ending, monitor.races)
    }

    func run() throws -> Finding {
        var rows: [[String]] = [], figures: [String: Double] = [:], reports: [String] = []
        for program in Self.programs {
            let (ending, races) = try detect(program.file)
            rows.append([program.label, ending == .exited(status: 0) ? "right" : "\(ending)", "\(races.count)"])
            figures["\(program.key) races"] = Double(races.count)
            figures["\(program.key) right"] = ending == .exited(status: 0) ? 1 : 0
            if program.key == "plain" {
                // The flip's own race: one thread's read against the other's write, each named by its line.
                let readWrite = races.filter {
                    $0.first.isWrite != $0.second.isWrite
                        && $0.first.location.contains(program.file + ":") && $0.second.location.contains(program.file + ":")
                }
                figures["plain read-write races with both lines"] = Double(readWrite.count)
                figures["plain races on the flag"] = Double(races.filter { $0.variable.contains("flag") }.count)
                for race in races {
                    reports += ["  data race on \(race.variable):",
                                "    thread \(race.first.thread) \(race.first.isWrite ? "write" : "read") of \(race.first.size) at \(race.first.location)",
                                "    thread \(race.second.thread) \(race.second.isWrite ? "write" : "read") of \(race.second.size) at \(race.second.location)"]
                }
            }
        }
        var finding = Finding(point: """
            A race detector does not wait for the wrong answer: it follows what orders what (thread start and join, \
            atomics, a lock's release and the next acquire) and reports two accesses to one variable, one a write, \
            that nothing orders. The bool flip's read and write race even in a run whose answer is right; with \
            compare-and-swap every access is atomic, and under the mutex each flip is ordered after the other: no race.
            """)
        finding.add(table(["the flip, one run with --races", "answer", "races"], rows))
        if !reports.isEmpty { finding.add(["", "The bool flip's race, both accesses:"] + reports) }
        finding.figures = figures
        return finding
    }
}
