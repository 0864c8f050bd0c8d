// Experiment 26, partition (many machines): a client on machine 2 asks a counter
// service on machine 1 (Net/counter.swift, on the guest library's RequestClient and
// RequestServer) to add one, every 20 ms. While the third request is being done, the
// network between them is cut: the request got through, its answer does not. Four runs:
// a client that waits for ever, with the partition never healing and with it healing;
// a client with a timeout and retries, the partition healing; and the same client with a
// server that remembers request ids.

import Kernel
import Network

extension Experiment {
    static let partition = Experiment(
        number: 26, name: "partition",
        summary: "A client cut off from its server: waits for ever, retries (done twice), ids (once).",
        chapter: "Many machines: when the network fails",
        refuses: [.harts: "each machine has one hart: the client and the server are one thread each.",
                  .era: "both machines run the same scheduler (round robin, 4 ms slice, tickless)."],
        body: { context in try PartitionExperiment(context).run() })
}

struct PartitionExperiment {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    let requests = 5
    /// The cut: from 62 ms (request 3 reached the server at about 60 ms; its answer leaves
    /// at about 65 ms) to 200 ms, or for ever.
    let cutAt: UInt64 = 62_000_000
    let healAt: UInt64 = 200_000_000
    let timeoutMs = 30, retries = 10

    struct Scenario {
        var key: String
        var label: String
        var heals: Bool
        var timeoutMs: Int
        var retries: Int
        var remember: Bool
    }

    var scenarios: [Scenario] {
        [Scenario(key: "naive forever", label: "no timeout, partition never heals", heals: false, timeoutMs: 0, retries: 0, remember: false),
         Scenario(key: "naive heals", label: "no timeout, partition heals at 200 ms", heals: true, timeoutMs: 0, retries: 0, remember: false),
         Scenario(key: "retry", label: "timeout \(timeoutMs) ms and retries", heals: true, timeoutMs: timeoutMs, retries: retries, remember: false),
         Scenario(key: "retry ids", label: "retries, server remembers ids", heals: true, timeoutMs: timeoutMs, retries: retries, remember: true)]
    }

    struct Outcome {
        var result: ClusterRunResult
        var clientDone: Bool
        var counter: Int?
        var timeouts: Int
        var resends: Int
        var answers: [String]
        var serverLine: String?
    }

    func run(_ scenario: Scenario) throws -> Outcome {
        var network = NetworkSettings()
        network.link.latencyNanoseconds = 100_000
        network.partitions = [Partition(side: [2], startNanoseconds: cutAt, healNanoseconds: scenario.heals ? healAt : nil)]
        var configuration = context.baseConfiguration()
        configuration.harts = 1
        configuration.roundRobin(sliceMs: 4, tickMs: nil)
        let server = LabMachine(name: "server", programs: [("counter", "Net/counter.swift", ["server"] + (scenario.remember ? ["remember"] : []))])
        let client = LabMachine(name: "client", programs: [("counter", "Net/counter.swift",
                                                            ["client", "1", "\(requests)", "\(scenario.timeoutMs)", "\(scenario.retries)"])])
        let result = try context.runCluster(ClusterRunSpec(machines: [server, client], configuration: configuration,
                                                           network: network, seed: context.options.seed))
        let done = result.lines(1, starting: "client: done ").first
        return Outcome(result: result, clientDone: done != nil,
                       counter: done.flatMap { integer(after: "counter is ", in: $0) },
                       timeouts: done.flatMap { integer(after: "timeouts ", in: $0) } ?? 0,
                       resends: done.flatMap { integer(after: "resends ", in: $0) } ?? 0,
                       answers: result.lines(1, starting: "client: inc "),
                       serverLine: result.lines(0, starting: "server: ").first)
    }

    func run() throws -> Finding {
        var figures: [String: Double] = ["requests": Double(requests)]
        var rows: [[String]] = []
        var finding = Finding(point: """
            A request that got through and an answer that did not look the same to the client: silence. A client that \
            waits for ever is stuck for as long as the network is cut — for good, if it never heals: the server's TCP \
            gives up on the connection, the client has nothing to send, and the run ends with every machine idle and \
            the client still waiting. A timeout and a retry get the client going again, but the server did the work \
            the first time: an increment sent twice counts twice. Giving each request an id the server remembers \
            makes the repeat harmless: the server answers it from memory and the count is right.
            """)
        var stuck: [String] = []
        for scenario in scenarios {
            context.progress("partition: \(scenario.label)")
            let outcome = try run(scenario)
            figures["\(scenario.key) client finished"] = outcome.clientDone ? 1 : 0
            figures["\(scenario.key) quiescent"] = outcome.result.quiescent ? 1 : 0
            figures["\(scenario.key) counter"] = outcome.counter.map(Double.init) ?? -1
            figures["\(scenario.key) timeouts"] = Double(outcome.timeouts)
            figures["\(scenario.key) resends"] = Double(outcome.resends)
            figures["\(scenario.key) answers"] = Double(outcome.answers.count)
            figures["\(scenario.key) end ms"] = Double(outcome.result.outcome.endCycle) * 1000 / Double(labClock)
            figures["\(scenario.key) from memory"] = Double(outcome.serverLine.flatMap { integer(after: "from memory ", in: $0) } ?? 0)
            figures["\(scenario.key) handled"] = Double(outcome.serverLine.flatMap { integer(after: "handled ", in: $0) } ?? 0)
            let third = outcome.answers.first { $0.hasPrefix("client: inc 3 ") }.flatMap { integer(after: " at ", in: $0) }
            figures["\(scenario.key) third answered ms"] = third.map(Double.init) ?? -1
            let ending = outcome.result.quiescent ? "quiescent: nothing more can happen" : "every program ended"
            rows.append([scenario.label, "\(outcome.answers.count) of \(requests)", third.map { "\($0) ms" } ?? "never",
                         outcome.counter.map { "\($0)" } ?? "-", "\(outcome.resends)",
                         duration(cycles: outcome.result.outcome.endCycle, clock: labClock), ending])
            if outcome.result.quiescent { stuck = outcome.result.outcome.stillWaiting }
        }
        finding.add(table(["client", "answers", "3rd answered", "server's count", "resends", "run ended at", "how"], rows))
        let expected = requests
        let counts = ["naive heals", "retry", "retry ids"].map { Int(figures["\($0) counter"] ?? -1) }
        finding.add(["",
                     "\(expected) increments asked for; the server counted \(counts[0]) with a patient client, \(counts[1]) with "
                     + "retries (request 3 done twice), \(counts[2]) with retries and remembered ids."])
        if !stuck.isEmpty {
            finding.add(["", "Still waiting when the run went quiet (partition never healing):"] + stuck.map { "  " + $0 })
        }
        finding.note("""
            Two machines of one hart each, 100 µs links to one switch; machine 2 (the client) is cut off from 62 ms, \
            while the server does request 3 (each increment takes it 5 ms), until 200 ms or for ever. The client sends \
            an increment every 20 ms, \(requests) in all; with a timeout each attempt may take \(timeoutMs) ms, then \
            it closes the connection, connects again and sends the same request (same id), up to \(retries) times. \
            TCP itself retransmits what was not acknowledged (from 200 ms on, doubling), so a patient client gets the \
            answer once the partition heals; it only gives up on a connection after 15 retransmissions, about 15 \
            minutes of simulated time — idle machines cost the simulation nothing, so the run gets there.
            """)
        finding.figures = figures
        return finding
    }
}
