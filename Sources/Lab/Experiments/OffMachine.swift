// Experiment 23, off-machine (many machines): the job farm of `workers` (Lab/workers.c)
// with its three workers on three other machines, over TCP through a switch. The farm
// is machine 1 and listens on every address; each worker machine runs
// `workers worker remote 1`, which connects to 10.0.0.1. Swept: the links' one-way
// latency (10 µs, 100 µs, 1 ms) with one job and with eight jobs in flight per worker,
// and the links' bandwidth (100 Mbit/s, 1 Gbit/s, 10 Gbit/s) with small and big jobs;
// beside it the same farm on one machine over pipes, UNIX sockets and TCP on loopback.

import Kernel
import Network
import Trace

extension Experiment {
    static let offMachine = Experiment(
        number: 23, name: "off-machine",
        summary: "The job farm with workers on other machines: latency, bandwidth, jobs in flight.",
        chapter: "Many machines: work across a network",
        refuses: [.harts: "the farm and each worker get one hart each (four in all, as the one-machine runs have).",
                  .era: "every machine runs the same scheduler (round robin, 4 ms slice, tickless)."],
        body: { context in try OffMachine(context).run() })
}

struct OffMachine {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    let workerCount = 3
    /// A job: 2,000 rounds of the LCG, about a millisecond of the lab's clock.
    let work = 2000
    var jobs: Int { small ? 96 : 480 }
    /// A big job's extra bytes each way.
    let bigBytes = 16 << 10
    static let depths = [1, 8]
    static let latencies: [UInt64] = [10_000, 100_000, 1_000_000]
    static let bandwidths: [UInt64] = [100_000_000, 1_000_000_000, 10_000_000_000]
    /// The one-machine runs: channel, label, and whether each process keeps a hart of its own.
    static let localChannels = [("pipe", "pipes", false), ("unix", "UNIX socket pairs", false), ("tcp", "TCP on 127.0.0.1", false),
                                ("pipe", "pipes, pinned", true), ("tcp", "TCP on 127.0.0.1, pinned", true)]

    func configuration(harts: Int) -> KernelConfiguration {
        var configuration = context.baseConfiguration()
        configuration.harts = harts
        configuration.roundRobin(sliceMs: 4, tickMs: nil)
        return configuration
    }

    func farmArguments(_ channel: String, jobs: Int, depth: Int, bytes: Int, pinned: Bool = false) -> [String] {
        [channel, "\(workerCount)", "\(jobs)", "\(work)", "\(depth)", "\(bytes)", pinned ? "1" : "0"]
    }

    /// The farm's summary line, parsed.
    func measured(_ line: String, workerLines: [String], what: String) throws -> Workers.Measured {
        let perWorker = workerLines.compactMap { integer(after: " jobs ", in: $0) }
        guard let done = integer(after: "jobs ", in: line), let wrong = integer(after: "wrong ", in: line),
              let failed = integer(after: "failed-workers ", in: line), let elapsed = integer(after: "elapsed-ns ", in: line),
              let p50 = integer(after: "p50-ns ", in: line), let p99 = integer(after: "p99-ns ", in: line)
        else { throw LabError("off-machine (\(what)): the farm printed no summary: \(line)") }
        let sum = line.range(of: " sum ").flatMap { UInt64(line[$0.upperBound...].prefix { $0.isNumber }) } ?? 0
        return Workers.Measured(jobs: done, wrong: wrong, failedWorkers: failed, elapsedNs: elapsed, p50Ns: p50, p99Ns: p99,
                                perWorker: perWorker, processes: 0, sum: sum)
    }

    /// The farm and its workers on one machine of four harts.
    func local(_ channel: String, jobs: Int, depth: Int, bytes: Int, pinned: Bool = false) throws -> Workers.Measured {
        let result = try context.run(RunSpec(main: "workers", programs: ["workers": "Lab/workers.c"],
                                             arguments: farmArguments(channel, jobs: jobs, depth: depth, bytes: bytes, pinned: pinned),
                                             configuration: configuration(harts: workerCount + 1)))
        guard case .exited(0) = result.ending, let line = result.lines(starting: "farm: channel ").first else {
            throw LabError("off-machine (\(channel) on one machine) did not finish: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return try measured(line, workerLines: result.lines(starting: "farm: worker "), what: channel)
    }

    /// The farm on machine 1, a worker on each of machines 2, 3 and 4.
    func remote(latency: UInt64, bandwidth: UInt64, jobs: Int, depth: Int, bytes: Int) throws -> (Workers.Measured, ClusterRunResult) {
        var network = NetworkSettings()
        network.link.latencyNanoseconds = latency
        network.link.bandwidthBitsPerSecond = bandwidth
        let farm = LabMachine(name: "farm", programs: [("workers", "Lab/workers.c",
                                                        farmArguments("remote", jobs: jobs, depth: depth, bytes: bytes))])
        let workers = (0..<workerCount).map { index in
            LabMachine(name: "worker\(index + 1)", programs: [("workers", "Lab/workers.c", ["worker", "remote", "1"])])
        }
        let result = try context.runCluster(ClusterRunSpec(machines: [farm] + workers, configuration: configuration(harts: 1),
                                                           network: network, seed: context.options.seed))
        let what = "\(duration(microseconds: Double(latency) / 1000)) links at \(rate(bandwidth)), depth \(depth)"
        guard let line = result.lines(0, starting: "farm: channel ").first, !result.quiescent,
              result.outcome.endings.allSatisfy({ if case .exited(0)? = $0 { true } else { false } })
        else {
            throw LabError("off-machine (\(what)) did not finish: \(result.outcome.endings), quiescent \(result.quiescent)\n"
                           + result.outputs.joined(separator: "\n") + result.errors.joined(separator: "\n")
                           + result.outcome.stillWaiting.joined(separator: "\n"))
        }
        return (try measured(line, workerLines: result.lines(0, starting: "farm: worker "), what: what), result)
    }

    func rate(_ bitsPerSecond: UInt64) -> String {
        bitsPerSecond >= 1_000_000_000 ? "\(bitsPerSecond / 1_000_000_000) Gbit/s" : "\(bitsPerSecond / 1_000_000) Mbit/s"
    }

    func row(_ label: String, _ measured: Workers.Measured, depth: Int, bytes: Int) -> [String] {
        [label, "\(depth)", bytes == 0 ? "16 B" : size(UInt64(bytes + 16)), "\(Int(measured.jobsPerSecond.rounded()))",
         duration(microseconds: Double(measured.p50Ns) / 1000), duration(microseconds: Double(measured.p99Ns) / 1000),
         "\(measured.wrong)"]
    }

    func run() throws -> Finding {
        var figures: [String: Double] = ["workers": Double(workerCount), "jobs": Double(jobs)]
        var rows: [[String]] = []
        var correct = true
        func record(_ key: String, _ measured: Workers.Measured) {
            figures["\(key) jobs per second"] = measured.jobsPerSecond
            figures["\(key) p50 µs"] = Double(measured.p50Ns) / 1000
            figures["\(key) p99 µs"] = Double(measured.p99Ns) / 1000
            figures["\(key) jobs"] = Double(measured.jobs)
            figures["\(key) wrong"] = Double(measured.wrong)
            if measured.jobs != jobs && measured.jobs != jobs / 2 || measured.wrong != 0 { correct = false }
        }

        context.progress("off-machine: the farm alone")
        let alone = try local("self", jobs: jobs, depth: 1, bytes: 0)
        figures["self p50 µs"] = Double(alone.p50Ns) / 1000
        figures["self jobs per second"] = alone.jobsPerSecond

        // One machine: the farm and its workers on four harts.
        for depth in Self.depths {
            for (channel, label, pinned) in Self.localChannels {
                context.progress("off-machine: one machine, \(label), \(depth) in flight")
                let measured = try local(channel, jobs: jobs, depth: depth, bytes: 0, pinned: pinned)
                record("local \(channel)\(pinned ? " pinned" : "") depth \(depth)", measured)
                rows.append(row("one machine, \(label)", measured, depth: depth, bytes: 0))
            }
        }
        // Four machines, 1 Gbit/s links: latency against jobs in flight.
        var latencySeries: [Int: [Plot.Point]] = [:]
        var sample: ClusterRunResult?
        for depth in Self.depths {
            for latency in Self.latencies {
                let label = "4 machines, \(duration(microseconds: Double(latency) / 1000)) links"
                context.progress("off-machine: \(label), \(depth) in flight")
                let (measured, result) = try remote(latency: latency, bandwidth: 1_000_000_000, jobs: jobs, depth: depth, bytes: 0)
                if sample == nil { sample = result }
                record("remote \(latency / 1000)us depth \(depth)", measured)
                rows.append(row(label + ", 1 Gbit/s", measured, depth: depth, bytes: 0))
                latencySeries[depth, default: []].append(Plot.Point(x: Double(latency) / 1000, y: measured.jobsPerSecond))
            }
        }
        // Four machines, 10 µs links: bandwidth against the size of a job.
        let latency: UInt64 = 10_000, depth = 2
        for bytes in [0, bigBytes] {
            for bandwidth in Self.bandwidths {
                let label = "4 machines, 10 µs links, \(rate(bandwidth))"
                context.progress("off-machine: \(label), \(bytes == 0 ? "small" : "big") jobs")
                let count = bytes == 0 ? jobs : jobs / 2
                let (measured, _) = try remote(latency: latency, bandwidth: bandwidth, jobs: count, depth: depth, bytes: bytes)
                record("remote \(bandwidth / 1_000_000)Mbit \(bytes == 0 ? "small" : "big")", measured)
                rows.append(row(label, measured, depth: depth, bytes: bytes))
            }
        }
        figures["every job answered once"] = correct ? 1 : 0

        var finding = Finding(point: """
            Moving the workers to other machines puts the network between the farm and its work: each job now waits \
            for its bytes to cross two links to the worker and two back. With one job in flight per worker the \
            workers idle for that round trip, so throughput falls as the links' latency grows — at 1 ms a link, a \
            millisecond's job takes five; with eight jobs in flight the next job is already there when one is done, \
            and the farm keeps its throughput even at 1 ms. Bandwidth hardly matters for 16-byte jobs but decides \
            how fast big ones go: at 100 Mbit/s the farm's own link is the bottleneck. The same farm on one machine, \
            each process kept on a hart of its own, is the fastest of all: nothing but a copy and a wake-up between \
            the processes. Left to move between harts, its processes pay an address-space switch (a TLB flush) at \
            nearly every wake-up, which at this machine's costs is slower than a 10 µs network with one process a \
            machine.
            """)
        finding.add(table(["where", "in flight", "job size", "jobs/s", "p50 latency", "p99 latency", "answered twice or unknown"], rows))
        let best = Self.latencies.map { figures["remote \($0 / 1000)us depth 1 jobs per second"] ?? 0 }
        let deep = Self.latencies.map { figures["remote \($0 / 1000)us depth 8 jobs per second"] ?? 0 }
        finding.add(["",
                     "One in flight, 10 µs → 1 ms links: \(Int(best[0].rounded())) → \(Int(best[2].rounded())) jobs/s "
                     + "(\(fixed(best[2] / max(1e-9, best[0])))×); eight in flight: \(Int(deep[0].rounded())) → "
                     + "\(Int(deep[2].rounded())) jobs/s (\(fixed(deep[2] / max(1e-9, deep[0])))×).",
                     correct ? "Every job was answered once, on every machine and channel."
                             : "Some job was NOT answered exactly once."])
        let plot = Plot(title: "Jobs per second against link latency (three workers on other machines)",
                        xLabel: "one-way link latency (µs, log scale)", yLabel: "jobs per second (log scale)", yScale: .log10,
                        series: Self.depths.map { depth in
                            Plot.Series(name: "\(depth) in flight per worker", points: latencySeries[depth] ?? [])
                        } + Self.depths.map { depth in
                            let same = figures["local tcp pinned depth \(depth) jobs per second"] ?? 0
                            return Plot.Series(name: "one machine, TCP loopback, pinned, \(depth) in flight",
                                               points: Self.latencies.map { Plot.Point(x: Double($0) / 1000, y: same) })
                        },
                        xTickText: { duration(microseconds: $0) })
        finding.add([""] + plot.terminal())
        finding.plot = plot
        if let sample {
            finding.note("""
                A job is \(work) rounds of a 64-bit LCG (the farm alone: \(duration(microseconds: Double(alone.p50Ns) / 1000)) \
                a job), 16 bytes out and 16 back, or \(size(UInt64(bigBytes))) more each way for a big one; \(jobs) jobs \
                (half as many big ones). Four machines of one hart each joined by one switch, each link the same both \
                ways; a packet crosses the sender's link and the receiver's, each with its latency and its \
                serialisation at the link's bandwidth. The one-machine runs have four harts, as many as the processes; \
                pinned, the farm keeps hart 0 and worker i hart i (set_affinity), else the kernel wakes a process on \
                whichever hart is idle, and a hart that last ran another process switches address space (800 cycles \
                for the switch, against 200 for a thread of the same process). Round robin, 4 ms slice, tickless. The first networked run put \(sample.packets) packets \
                (\(size(UInt64(sample.wireBytes)))) on the wire.
                """)
        }
        finding.figures = figures
        return finding
    }
}
