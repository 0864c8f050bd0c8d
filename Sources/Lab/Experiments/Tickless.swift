// Experiment 11, tickless (Windows 8, Linux NO_HZ): a program that wakes ten times a
// second and sleeps in between. A periodic tick interrupts every hart whether or not
// there is anything to do; a tickless kernel sets the timer only for the next deadline.

import Kernel
import Machine

extension Experiment {
    static let tickless = Experiment(
        number: 11, name: "tickless",
        summary: "Timer interrupts and idle wake-ups: a 15.6 ms tick, a 4 ms tick and tickless.",
        chapter: "Windows 8 / Linux NO_HZ: tickless kernels",
        refuses: [.era: "it compares a 15.6 ms tick, a 4 ms tick and tickless itself."],
        body: { context in try Tickless(context).run() })
}

struct Tickless {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    func run() throws -> Finding {
        let wakeups = 10, periodMs = 100
        let harts = context.options.harts ?? 1
        let settings: [(label: String, key: String, slice: Double, tick: Double?)] = [
            ("15.6 ms tick (Windows)", "15.6", 20, 15.6),
            ("4 ms tick (Linux, HZ=250)", "4", 4, 4),
            ("tickless (NO_HZ)", "tickless", 4, nil),
        ]
        var finding = Finding(point: """
            A periodic tick interrupts every hart every tick, busy or idle: a program that sleeps almost all \
            the time still costs hundreds of interrupts a second, and each one wakes an idle core for nothing. \
            A tickless kernel programs the timer for the next deadline, so the interrupts follow the work.
            """)
        var rows: [[String]] = []
        for setting in settings {
            var configuration = context.baseConfiguration()
            configuration.harts = harts
            configuration.roundRobin(sliceMs: setting.slice, tickMs: setting.tick)
            let result = try context.run(RunSpec(main: "idle", programs: ["idle": "Lab/idle.swift"], arguments: ["\(wakeups)", "\(periodMs)"],
                                                 configuration: configuration, traced: setting.key == "4"))
            guard case .exited(0) = result.ending else { throw LabError("idle did not finish: \(result.ending)") }
            let statistics = result.statistics
            rows.append([setting.label, "\(statistics.timerInterrupts)", "\(statistics.idleWakeUps)",
                         statistics.harts.map { "\($0.timerInterrupts)" }.joined(separator: " / "),
                         duration(cycles: statistics.cycles, clock: configuration.clockFrequency)])
            finding.figures["\(setting.key) timer interrupts"] = Double(statistics.timerInterrupts)
            finding.figures["\(setting.key) idle wake-ups"] = Double(statistics.idleWakeUps)
            finding.figures["\(setting.key) run ms"] = Double(SimulatedTime(cycles: statistics.cycles).microseconds(clockFrequency: configuration.clockFrequency)) / 1000
            if setting.key == "4" { context.show(result, in: &finding, title: "a mostly idle program under a 4 ms tick") }
        }
        finding.figures["wake-ups"] = Double(wakeups)
        finding.figures["harts"] = Double(harts)
        finding.add(table(["kernel", "timer interrupts", "idle wake-ups", "per hart", "run time"], rows))
        finding.note("The program wakes \(wakeups) times, every \(periodMs) ms, for a moment of work; \(harts) hart\(harts == 1 ? "" : "s"). An idle wake-up is an interrupt that found nothing to run.")
        // Under a tick, timers expire at ticks: each sleep lasts until the first tick at or after its end.
        let perSleep = { (key: String) in fixed((finding.figures["\(key) run ms"] ?? 0) / Double(wakeups), decimals: 1) }
        finding.note("With a tick, a sleep ends at the first tick at or after its deadline, as on Windows and HZ Linux: each \(periodMs) ms sleep lasted about \(perSleep("15.6")) ms on the 15.6 ms tick and \(perSleep("4")) ms on the 4 ms tick; tickless wakes on time (\(perSleep("tickless")) ms).")
        return finding
    }
}
