// Experiment 20, event-loop (user space): one thread on epoll against one thread per
// connection, serving 100, 1,000 and 10,000 connections (100 and 1,000 at the small
// size) of a load generator that keeps one request in flight on each
// (Lab/event-loop-server.c, Lab/event-loop-client.c). The server runs on hart 0, the
// client on hart 1, over TCP loopback. Per run: the server's stacks reserved and memory
// touched, its context switches, requests per simulated second and the client's p50 and
// p99 latency on the simulated clock.
//
// The limits a run starts with are raised to fit 10,000 connections: threads (10,000
// and a few), stack bytes per process (1 GiB), memory (1 GiB), descriptors (10,064)
// and instructions; each thread of the threaded server gets a 64 KiB stack.

import Kernel
import Machine

extension Experiment {
    static let eventLoop = Experiment(
        number: 20, name: "event-loop",
        summary: "One thread on epoll against a thread per connection: memory, switches, latency.",
        chapter: "User space: asynchronous I/O and an event loop",
        refuses: [.harts: "the server runs on hart 0 and its load generator on hart 1: it needs exactly two.",
                  .era: "both servers run under the same scheduler (round robin, 4 ms slice and tick, as desktop Linux) so only the server differs."],
        body: { context in try EventLoop(context).run() })
}

struct EventLoop {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    var connectionCounts: [Int] { small ? [100, 1000] : [100, 1000, 10_000] }
    let requests = 3
    let stackKiB = 64
    let transport = "tcp"

    struct Measured {
        var connections: Int
        var reservedBytes: UInt64
        var touchedBytes: UInt64
        var switches: UInt64
        var requests: Int
        var served: Int
        var elapsedNs: Int
        var p50Ns: Int
        var p99Ns: Int
        var threads: Int
        var requestsPerSecond: Double { Double(requests) / max(1e-9, Double(elapsedNs) / 1e9) }
    }

    func configuration(connections: Int) -> KernelConfiguration {
        var configuration = context.baseConfiguration()
        configuration.harts = 2
        configuration.roundRobin(sliceMs: 4, tickMs: 4)
        configuration.memoryLimit = 1 << 30
        configuration.threadLimit = connections + 16
        configuration.threadStackLimit = 1 << 30
        configuration.fileDescriptorLimit = connections + 64
        configuration.instructionLimit = 4_000_000_000
        return configuration
    }

    func measure(_ mode: String, connections: Int, traced: Bool = false) throws -> (Measured, RunResult) {
        let result = try context.run(RunSpec(
            main: "event-loop-server",
            programs: ["event-loop-server": "Lab/event-loop-server.c", "event-loop-client": "Lab/event-loop-client.c"],
            arguments: [mode, "\(connections)", "\(requests)", transport, "\(stackKiB)"],
            configuration: configuration(connections: connections), traced: traced))
        let client = result.lines(starting: "client: ").first ?? ""
        let server = result.lines(starting: "server \(mode): ").first ?? ""
        guard case .exited(0) = result.ending, let measured = integer(after: "requests ", in: client),
              let elapsed = integer(after: "elapsed-ns ", in: client), let p50 = integer(after: "p50-ns ", in: client),
              let p99 = integer(after: "p99-ns ", in: client), let served = integer(after: "served ", in: server),
              let summary = result.statistics.processes.first
        else {
            throw LabError("event-loop (\(mode), \(connections) connections) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        let threads = result.statistics.threads.filter { $0.pid == summary.pid }
        return (Measured(connections: connections, reservedBytes: summary.stackBytes, touchedBytes: summary.peakMemory,
                         switches: threads.reduce(0) { $0 + $1.metrics.switches }, requests: measured, served: served,
                         elapsedNs: elapsed, p50Ns: p50, p99Ns: p99, threads: threads.count), result)
    }

    func run() throws -> Finding {
        var finding = Finding(point: """
            An event loop serves every connection from one thread: it asks epoll which sockets are ready and \
            handles each without blocking, so it needs one stack and sleeps only when nothing is ready. A thread \
            per connection reserves a stack for each connection and blocks in read on each, so every request \
            costs a switch to its thread and back. At 10,000 connections that is 10,000 stacks and more than a \
            switch per request for the threads, against one stack and a switch for every several requests for \
            the loop — which also answers more requests per second, with a far shorter tail of latencies.
            """)
        var rows: [[String]] = []
        var figures: [String: Double] = ["requests per connection": Double(requests), "stack KiB": Double(stackKiB)]
        for connections in connectionCounts {
            for (mode, label) in [("epoll", "event loop (epoll)"), ("threads", "thread per connection")] {
                context.progress("event-loop: \(label), \(connections) connections")
                let (measured, _) = try measure(mode, connections: connections)
                let key = "\(mode) \(connections)"
                figures["\(key) reserved"] = Double(measured.reservedBytes)
                figures["\(key) touched"] = Double(measured.touchedBytes)
                figures["\(key) switches"] = Double(measured.switches)
                figures["\(key) requests"] = Double(measured.requests)
                figures["\(key) served"] = Double(measured.served)
                figures["\(key) requests per second"] = measured.requestsPerSecond
                figures["\(key) p50 µs"] = Double(measured.p50Ns) / 1000
                figures["\(key) p99 µs"] = Double(measured.p99Ns) / 1000
                figures["\(key) threads"] = Double(measured.threads)
                rows.append(["\(connections)", label, "\(measured.threads)", size(measured.reservedBytes), size(measured.touchedBytes),
                             "\(measured.switches)", "\(Int(measured.requestsPerSecond.rounded()))",
                             duration(microseconds: Double(measured.p50Ns) / 1000), duration(microseconds: Double(measured.p99Ns) / 1000)])
            }
        }
        finding.add(table(["connections", "server", "threads", "stacks reserved", "memory touched", "switches",
                           "requests/s", "p50", "p99"], rows))
        finding.note("""
            The server (hart 0) starts the load generator (hart 1), which opens every connection over TCP loopback, \
            then keeps one 16-byte request in flight on each until each has had \(requests) answers, watching all \
            of them with epoll; it times each request on the simulated clock. Threads, stacks reserved, memory \
            touched and switches are the server process's; each of its connection threads has a \(stackKiB) KiB \
            stack, and its main thread reserves the 8 MiB stack limit. Round robin, 4 ms slice and tick. The runs' \
            limits are raised to fit: threads, stack bytes, memory (1 GiB), descriptors.
            """)
        if context.makeRecorder != nil {
            let shown = connectionCounts.first ?? 100
            context.show(try measure("epoll", connections: shown, traced: true).1, in: &finding,
                         title: "event-loop: one thread on epoll, \(shown) connections")
        }
        finding.figures = figures
        return finding
    }
}
