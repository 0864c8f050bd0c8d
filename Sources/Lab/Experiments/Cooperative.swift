// Experiment 2, cooperative (Windows 1.0, 1985): a message loop in the foreground, a
// ticker, and a hog that computes without ever asking for a message. Nothing takes the
// CPU from the hog: input waits as long as the hog runs, and so does every other program.
// A foreground program that does its own long work stays responsive only by polling its
// queue with peek_message — and still freezes the others.

import Kernel

extension Experiment {
    static let cooperative = Experiment(
        number: 2, name: "cooperative",
        summary: "Windows 1.0: a hog that never asks for a message freezes every program.",
        chapter: "Windows 1.0 (1985): cooperative multitasking",
        refuses: [.harts: "a second hart would give the hog a core of its own, and this experiment is about one CPU shared by courtesy.",
                  .era: "it is Windows 1.0's cooperative scheduler by definition."],
        body: { context in try Cooperative(context).run() })
}

struct Cooperative {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    func run() throws -> Finding {
        let small = context.options.size == .small
        let rounds = small ? 40_000 : 100_000            // about 7 cycles a round: 28 or 70 ms at 10 MHz
        let events = small ? 45 : 100, ticks = small ? 20 : 44, poll = 1_000
        var configuration = context.baseConfiguration()
        Era.win1.apply(to: &configuration)
        let once = try context.desktop(configuration, rounds: rounds, ticks: ticks, inputEveryMs: 2, inputEvents: events, traced: true)
        let twice = try context.desktop(configuration, rounds: 2 * rounds, ticks: ticks, inputEveryMs: 2, inputEvents: events)
        let polling = try context.desktop(configuration, role: "poller", rounds: 2 * rounds, poll: poll, ticks: ticks,
                                          inputEveryMs: 2, inputEvents: events)
        var finding = Finding(point: """
            Under cooperative multitasking a program keeps the CPU until it asks for a message: a hog that never \
            asks freezes every program, input waits as long as the hog computes, and twice the hog means twice \
            the freeze, without bound. A program that polls its queue with peek_message between pieces of work \
            stays responsive itself, but still gives nobody else the CPU.
            """)
        func row(_ label: String, _ run: DesktopRun) -> [String] {
            [label, duration(microseconds: run.workTime), duration(microseconds: run.latencyMedian),
             duration(microseconds: run.latencyMaximum), run.tickerGap.map { duration(microseconds: $0) } ?? "-"]
        }
        finding.add(table(["the hog", "computes for", "input latency median", "maximum", "ticker's longest gap"], [
            row("\(rounds) rounds, never asks", once),
            row("\(2 * rounds) rounds, never asks", twice),
            row("\(2 * rounds) rounds, peeks every \(poll)", polling),
        ]))
        finding.note("""
            A cursor move every 2 ms goes to the foreground program: the message loop, or the polling hog itself; \
            the ticker, a process of its own, asks for the CPU every 5 ms. One hart, simulated at \(labClock / 1_000_000) MHz.
            """)
        finding.figures = [
            "hog µs": once.workTime, "hog max latency µs": once.latencyMaximum, "hog ticker gap µs": once.tickerGap ?? 0,
            "twice hog µs": twice.workTime, "twice max latency µs": twice.latencyMaximum, "twice ticker gap µs": twice.tickerGap ?? 0,
            "polling µs": polling.workTime, "polling max latency µs": polling.latencyMaximum, "polling ticker gap µs": polling.tickerGap ?? 0,
        ]
        context.show(once.result, in: &finding, title: "cooperative: a hog freezes the message loop")
        return finding
    }
}
