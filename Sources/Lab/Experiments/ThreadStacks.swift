// Experiment 12, thread-stacks (Windows 95 on): 100 threads, each with its own stack.
// A stack is reserved address space — 100 threads of 1 MiB reserve 100 MiB — but a page
// gets memory only when touched, so what the threads really use hardly depends on it.

import Kernel

extension Experiment {
    static let threadStacks = Experiment(
        number: 12, name: "thread-stacks",
        summary: "100 threads with 1 MiB stacks against 64 KiB stacks: memory counted.",
        chapter: "Windows 95: processes and threads",
        refuses: [.harts: "stack memory does not depend on the number of harts.",
                  .era: "stack memory does not depend on the scheduler."],
        body: { context in try ThreadStacks(context).run() })
}

struct ThreadStacks {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    func run() throws -> Finding {
        let threads = 100
        var finding = Finding(point: """
            Every thread has a stack of its own, reserved when it starts: 100 threads with 1 MiB stacks reserve \
            100 MiB of address space, with 64 KiB stacks 6.25 MiB. Memory is given a page at a time on first \
            touch, so the memory the threads really use is nearly the same either way.
            """)
        var rows: [[String]] = []
        for stackKiB in [1024, 64] {
            var configuration = context.baseConfiguration()
            configuration.memoryLimit = 128 << 20
            let result = try context.run(RunSpec(main: "many-threads", programs: ["many-threads": "Lab/many-threads.swift"],
                                                 arguments: ["\(threads)", "\(stackKiB)"], configuration: configuration,
                                                 traced: stackKiB == 64))
            guard case .exited(0) = result.ending else { throw LabError("many-threads did not finish: \(result.ending)") }
            let spawned = result.statistics.threads.filter { $0.metrics.stackBytes > 0 }
            let reserved = spawned.reduce(0) { $0 + $1.metrics.stackBytes }
            let touched = result.statistics.peakMemory
            rows.append(["\(spawned.count) × \(size(UInt64(stackKiB) << 10))", size(reserved), size(touched),
                         "\(result.statistics.pageFaults)"])
            finding.figures["\(stackKiB) KiB threads"] = Double(spawned.count)
            finding.figures["\(stackKiB) KiB reserved"] = Double(reserved)
            finding.figures["\(stackKiB) KiB touched"] = Double(touched)
            if stackKiB == 64 { context.show(result, in: &finding, title: "100 threads with 64 KiB stacks") }
        }
        finding.add(table(["threads × stack", "stacks reserved", "memory touched (peak)", "page faults"], rows))
        finding.note("Each thread sleeps 1 ms, so all \(threads) are alive at once; the main thread's own stack is not counted.")
        return finding
    }
}
