// Experiment 3, preemptive (Windows 95 on): the cooperative experiment's hog under a
// timer. Every slice the kernel takes the CPU back, so the message loop and the ticker
// progress; the slice length trades switches (and their cost) against input latency.

import Kernel

extension Experiment {
    static let preemptive = Experiment(
        number: 3, name: "preemptive",
        summary: "Windows 95: the same hog under a timer; time slice against switches and latency.",
        chapter: "Windows 95: preemptive multitasking",
        refuses: [.harts: "a second hart would give the hog a core of its own; the point is how one CPU is shared by the timer.",
                  .era: "it compares the eras' slices itself (15.6, 60 and 120 ms on a 15.6 ms tick, 4 ms on a 4 ms tick)."],
        body: { context in try Preemptive(context).run() })
}

struct Preemptive {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    func run() throws -> Finding {
        let small = context.options.size == .small
        let rounds = small ? 360_000 : 860_000            // about 250 or 600 ms of computing
        let events = small ? 60 : 130, ticks = small ? 60 : 130
        let settings: [(label: String, slice: Double?, tick: Double?)] = [
            ("cooperative (no timer)", nil, nil),
            ("15.6 ms slice, 15.6 ms tick", 15.6, 15.6),
            ("60 ms slice, 15.6 ms tick", 60, 15.6),
            ("120 ms slice, 15.6 ms tick", 120, 15.6),
            ("4 ms slice, 4 ms tick", 4, 4),
        ]
        var runs: [DesktopRun] = []
        for setting in settings {
            var configuration = context.baseConfiguration()
            if let slice = setting.slice { configuration.roundRobin(sliceMs: slice, tickMs: setting.tick) }
            runs.append(try context.desktop(configuration, rounds: rounds, ticks: ticks, inputEveryMs: 5, inputEvents: events,
                                            traced: setting.slice == 15.6))
        }
        var finding = Finding(point: """
            With a timer the kernel takes the CPU back from the hog at the end of every time slice, so the \
            message loop and the ticker progress all along. A longer slice means fewer switches and a little more \
            work done, but input waits up to a whole slice; a 4 ms tick answers fastest and switches most.
            """)
        let rows = zip(settings, runs).map { setting, run in
            [setting.label, "\(run.switches)", duration(microseconds: run.workTime),
             "\(Int((Double(rounds) * 1000 / run.workTime).rounded()))",
             duration(microseconds: run.latencyMedian), duration(microseconds: run.latencyMaximum),
             run.tickerGap.map { duration(microseconds: $0) } ?? "-"]
        }
        finding.add(table(["scheduler", "switches", "hog's time", "hog rounds per ms", "input median", "maximum", "ticker's longest gap"], rows))
        let base = context.baseConfiguration()
        finding.note("""
            The hog computes \(rounds) rounds in a process of its own; a cursor move every 5 ms goes to the foreground \
            message loop; the ticker asks for the CPU every 5 ms. A switch costs \(base.switchCost) cycles \
            (\(base.switchCost + base.addressSpaceSwitchCost) to another process), at \(labClock / 1_000_000) MHz.
            """)
        let keys = ["cooperative", "15.6", "60", "120", "4"]
        for (key, run) in zip(keys, runs) {
            finding.figures["\(key) switches"] = Double(run.switches)
            finding.figures["\(key) hog µs"] = run.workTime
            finding.figures["\(key) max latency µs"] = run.latencyMaximum
            finding.figures["\(key) ticker gap µs"] = run.tickerGap ?? 0
        }
        if let shown = runs.dropFirst().first { context.show(shown.result, in: &finding, title: "preemptive: 15.6 ms slices") }
        return finding
    }
}
