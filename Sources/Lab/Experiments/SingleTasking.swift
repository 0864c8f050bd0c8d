// Experiment 1, single-tasking (DOS, 1983): two programs started together. Under DOS the
// second waits until the first has exited, even while the first only waits for its disk;
// under Windows 1.0's cooperative scheduler the second runs in that wait.

import Kernel

extension Experiment {
    static let singleTasking = Experiment(
        number: 1, name: "single-tasking",
        summary: "DOS: the second program waits until the first has exited.",
        chapter: "DOS (1983): single-tasking",
        refuses: [.harts: "DOS ran one program at a time on one processor, so a second hart would have nothing to run.",
                  .era: "it compares DOS with Windows 1.0 itself."],
        body: { context in try SingleTasking(context).run() })
}

struct SingleTasking {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    /// Start and end of each program, in µs, from their own output.
    struct Times { var firstStart, firstEnd, secondStart, secondEnd: Double }

    func times(_ era: Era) throws -> (Times, RunResult) {
        var configuration = context.baseConfiguration()
        era.apply(to: &configuration)
        let result = try context.run(RunSpec(main: "first", programs: ["first": "Lab/task.swift", "second": "Lab/task.swift"],
                                             alsoStarting: ["second"], configuration: configuration, traced: era == .dos))
        guard let firstStart = result.number(after: "starts at ", in: "first"), let firstEnd = result.number(after: "ends at ", in: "first"),
              let secondStart = result.number(after: "starts at ", in: "second"), let secondEnd = result.number(after: "ends at ", in: "second")
        else { throw LabError("single-tasking: the programs did not report their times (\(result.ending))") }
        return (Times(firstStart: firstStart, firstEnd: firstEnd, secondStart: secondStart, secondEnd: secondEnd), result)
    }

    func run() throws -> Finding {
        let (dos, dosRun) = try times(.dos)
        let (win1, _) = try times(.win1)
        var finding = Finding(point: """
            Under DOS a program has the machine to itself until it exits: the second program starts only \
            when the first has ended, even though the first spends most of its time waiting for the disk. \
            Windows 1.0 runs the second program in that wait, and both are done sooner.
            """)
        func span(_ start: Double, _ end: Double) -> String { "\(duration(microseconds: start)) – \(duration(microseconds: end))" }
        finding.add(table(["system", "first program", "second program", "all done at"], [
            ["DOS (single-tasking)", span(dos.firstStart, dos.firstEnd), span(dos.secondStart, dos.secondEnd), duration(microseconds: max(dos.firstEnd, dos.secondEnd))],
            ["Windows 1.0 (cooperative)", span(win1.firstStart, win1.firstEnd), span(win1.secondStart, win1.secondEnd), duration(microseconds: max(win1.firstEnd, win1.secondEnd))],
        ]))
        finding.note("Each program computes, waits 20 ms for the disk (a sleep), computes again; times are simulated, from each program's own clock.")
        finding.figures = [
            "dos first ends µs": dos.firstEnd, "dos second starts µs": dos.secondStart,
            "win1 first ends µs": win1.firstEnd, "win1 second starts µs": win1.secondStart,
            "dos all done µs": max(dos.firstEnd, dos.secondEnd), "win1 all done µs": max(win1.firstEnd, win1.secondEnd),
        ]
        context.show(dosRun, in: &finding, title: "single-tasking under DOS")
        return finding
    }
}
