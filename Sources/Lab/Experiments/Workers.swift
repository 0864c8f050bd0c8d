// Experiment 22, workers (user space): work moved to other processes. One job farm
// (Lab/workers.c) starts three worker processes and feeds them jobs over a pair of pipes
// each, over a UNIX socket pair each, and over a TCP connection each on 127.0.0.1,
// keeping two jobs in flight per worker; it checks every result and times every job on
// the simulated clock. The processes share no memory: only bytes through the channels.

import Kernel

extension Experiment {
    static let workers = Experiment(
        number: 22, name: "workers",
        summary: "A job farm of worker processes over pipes, UNIX sockets and TCP: no shared memory.",
        chapter: "User space: work in other processes",
        refuses: [.harts: "the farm and its three workers get a hart each (four).",
                  .era: "every channel runs under the same scheduler (round robin, 4 ms slice and tick)."],
        body: { context in try Workers(context).run() })
}

struct Workers {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    let workerCount = 3, work = 200, depth = 2
    var jobs: Int { small ? 150 : 600 }
    static let channels = [("pipe", "pipes"), ("unix", "UNIX socket pairs"), ("tcp", "TCP on 127.0.0.1")]

    struct Measured {
        var jobs: Int
        var wrong: Int
        var failedWorkers: Int
        var elapsedNs: Int
        var p50Ns: Int
        var p99Ns: Int
        var perWorker: [Int]
        var processes: Int
        /// The sum of the results: the same over every channel as the farm alone's.
        var sum: UInt64
        var jobsPerSecond: Double { Double(jobs) / max(1e-9, Double(elapsedNs) / 1e9) }
    }

    func measure(_ channel: String, traced: Bool = false) throws -> (Measured, RunResult) {
        var configuration = context.baseConfiguration()
        configuration.harts = workerCount + 1
        configuration.roundRobin(sliceMs: 4, tickMs: 4)
        let result = try context.run(RunSpec(main: "workers", programs: ["workers": "Lab/workers.c"],
                                             arguments: [channel, "\(workerCount)", "\(jobs)", "\(work)", "\(depth)"],
                                             configuration: configuration, traced: traced))
        let line = result.lines(starting: "farm: channel ").first ?? ""
        let perWorker = result.lines(starting: "farm: worker ").compactMap { integer(after: " jobs ", in: $0) }
        guard case .exited(0) = result.ending, let done = integer(after: "jobs ", in: line), let wrong = integer(after: "wrong ", in: line),
              let failed = integer(after: "failed-workers ", in: line), let elapsed = integer(after: "elapsed-ns ", in: line),
              let p50 = integer(after: "p50-ns ", in: line), let p99 = integer(after: "p99-ns ", in: line),
              perWorker.count == (channel == "self" ? 0 : workerCount)
        else {
            throw LabError("workers (\(channel)) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        let sum = line.range(of: " sum ").flatMap { UInt64(line[$0.upperBound...].prefix { $0.isNumber }) } ?? 0
        return (Measured(jobs: done, wrong: wrong, failedWorkers: failed, elapsedNs: elapsed, p50Ns: p50, p99Ns: p99,
                         perWorker: perWorker, processes: result.statistics.processes.count, sum: sum), result)
    }

    func run() throws -> Finding {
        var finding = Finding(point: """
            Work can leave the process: a farm hands jobs to worker processes and takes the results back through a \
            channel, and nothing else is shared — each worker has its own memory, so no lock is needed and a worker \
            that crashes takes nobody else's data with it. The channel is the price: every job is two writes, two \
            reads and the wake-ups between them, whether over a pipe, a UNIX socket or TCP on the loopback interface. \
            With jobs that take a few times what the channel costs, three workers on three more harts do nearly \
            three times the farm's work alone. The three channels cost about the same here: this kernel moves bytes through each \
            with the same copy and the same wake-up, where Linux's TCP adds its protocol's work even on loopback.
            """)
        var rows: [[String]] = [], figures: [String: Double] = ["workers": Double(workerCount), "jobs": Double(jobs)]
        context.progress("workers: the farm alone")
        let (alone, _) = try measure("self")
        figures["self jobs per second"] = alone.jobsPerSecond
        figures["self p50 µs"] = Double(alone.p50Ns) / 1000
        rows.append(["none: the farm alone", "\(alone.jobs)", "\(Int(alone.jobsPerSecond.rounded()))",
                     duration(microseconds: Double(alone.p50Ns) / 1000), duration(microseconds: Double(alone.p99Ns) / 1000),
                     "-", "\(alone.wrong)"])
        for (channel, label) in Self.channels {
            context.progress("workers: \(label)")
            let (measured, _) = try measure(channel)
            figures["\(channel) jobs"] = Double(measured.jobs)
            figures["\(channel) wrong"] = Double(measured.wrong)
            figures["\(channel) failed workers"] = Double(measured.failedWorkers)
            figures["\(channel) jobs per second"] = measured.jobsPerSecond
            figures["\(channel) p50 µs"] = Double(measured.p50Ns) / 1000
            figures["\(channel) p99 µs"] = Double(measured.p99Ns) / 1000
            figures["\(channel) processes"] = Double(measured.processes)
            figures["\(channel) fewest jobs per worker"] = Double(measured.perWorker.min() ?? 0)
            figures["\(channel) speed-up"] = measured.jobsPerSecond / max(1e-9, alone.jobsPerSecond)
            figures["\(channel) sum matches"] = measured.sum == alone.sum && alone.sum != 0 ? 1 : 0
            rows.append([label, "\(measured.jobs)", "\(Int(measured.jobsPerSecond.rounded()))",
                         duration(microseconds: Double(measured.p50Ns) / 1000), duration(microseconds: Double(measured.p99Ns) / 1000),
                         measured.perWorker.map(String.init).joined(separator: " / "), "\(measured.wrong)"])
        }
        finding.add(table(["channel", "jobs", "jobs/s", "p50 latency", "p99 latency", "jobs per worker", "answered twice or unknown"], rows))
        let speedUps = Self.channels.map { "\(fixed(figures["\($0.0) speed-up"] ?? 0))× over \($0.1)" }
        let sums = Self.channels.allSatisfy { figures["\($0.0) sum matches"] == 1 }
        finding.add(["", "Three workers against the farm alone: " + speedUps.joined(separator: ", ") + ".",
                     sums ? "Over every channel the results sum to what the farm alone computed."
                          : "The results do NOT sum to what the farm alone computed over every channel."])
        finding.note("""
            \(workerCount) worker processes, started by the farm with process_spawn; with pipes and socket pairs they \
            inherit their ends as descriptors, over TCP each connects to the farm's listener. The farm keeps \(depth) \
            jobs in flight per worker and waits for results with epoll; a job is \(work) rounds of a 64-bit LCG, 16 \
            bytes out and 16 back; latency is from the job's write to its result's read, on the simulated clock (the \
            farm alone: the job's own time). \
            Four harts (the farm and each worker on its own), round robin, 4 ms slice and tick.
            """)
        if context.makeRecorder != nil {
            context.show(try measure("pipe", traced: true).1, in: &finding, title: "workers over pipes")
        }
        finding.figures = figures
        return finding
    }
}
