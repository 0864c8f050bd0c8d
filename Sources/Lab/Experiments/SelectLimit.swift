// Experiment 21, select-limit (user space): why servers left select and poll for epoll
// (Lab/select-limit.c). First, select's descriptor sets have FD_SETSIZE (1024) bits, so
// a process with descriptors 0 to 1024 open cannot have select watch descriptor 1024;
// poll and epoll can. Then the cost of one call that finds the one busy descriptor
// among a growing number of idle ones: select and poll pass every watched descriptor on
// every call, so their simulated cost grows with the idle ones; epoll keeps a ready
// list, so its cost does not. It keeps no trace: `--svg` draws its plot.

import Kernel
import Trace

extension Experiment {
    static let selectLimit = Experiment(
        number: 21, name: "select-limit",
        summary: "select cannot watch descriptor 1024; poll's cost grows with idle descriptors, epoll's not.",
        chapter: "User space: select, poll and epoll",
        refuses: [.harts: "one thread makes every call; more harts change nothing.",
                  .era: "one thread makes every call; no scheduler decides anything."],
        body: { context in try SelectLimit(context).run() })
}

struct SelectLimit {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    var idleCounts: [Int] { small ? [16, 64, 256, 1024] : [16, 64, 256, 1024, 4096] }
    var calls: Int { small ? 20 : 100 }
    /// FD_SETSIZE: the bits in select's descriptor sets.
    let setSize = 1024

    struct Cost { var idle: Int; var poll: Double; var epoll: Double; var select: Double? }

    func run() throws -> Finding {
        var configuration = context.baseConfiguration()
        configuration.fileDescriptorLimit = 12_064
        configuration.memoryLimit = 256 << 20
        let result = try context.run(RunSpec(main: "select-limit", programs: ["select-limit": "Lab/select-limit.c"],
                                             arguments: ["\(calls)"] + idleCounts.map(String.init), configuration: configuration))
        let lines = result.lines(starting: "limit: ")
        func answer(_ label: String) -> Int? {
            lines.lazy.compactMap { line in signedInteger(after: label, in: line) }.first
        }
        let clock = Double(configuration.clockFrequency)
        var costs: [Cost] = []
        for line in result.lines(starting: "cost: ") {
            guard let idle = integer(after: "idle ", in: line), let calls = integer(after: "calls ", in: line), calls > 0,
                  let poll = integer(after: "poll-ns ", in: line), let epoll = integer(after: "epoll-ns ", in: line),
                  let select = signedInteger(after: "select-ns ", in: line) else { continue }
            func cycles(_ ns: Int) -> Double { Double(ns) * clock / 1e9 / Double(calls) }
            costs.append(Cost(idle: idle, poll: cycles(poll), epoll: cycles(epoll), select: select >= 0 ? cycles(select) : nil))
        }
        let below = answer("select \(3): "), atLimit = answer("select \(setSize): ")
        let pollRevents = answer("poll \(setSize): revents "), epollEvents = answer("epoll \(setSize): events ")
        guard case .exited(0) = result.ending, let below, let atLimit, let pollRevents, let epollEvents, costs.count == idleCounts.count else {
            throw LabError("select-limit did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        var finding = Finding(point: """
            select takes bit sets of FD_SETSIZE (1024) descriptors, so once a process has 1,025 descriptors open it \
            cannot watch the last one: the kernel refuses the call. poll and epoll take any descriptor. And select \
            and poll cost time for every descriptor they watch, ready or not, on every call: with thousands of idle \
            connections each call passes them all. epoll is told once what to watch and keeps a list of the ready \
            ones, so a call costs the same however many idle ones there are.
            """)
        finding.add(["Descriptors 0 to \(setSize) open; descriptor \(setSize) is a pipe with a byte waiting:"] + table(
            ["call", "watching", "answer"],
            [["select (pselect6)", "descriptor 3 (a readable pipe)", Self.answerText(below, ready: "1 descriptor ready")],
             ["select (pselect6)", "descriptor \(setSize)", Self.answerText(atLimit, ready: "1 descriptor ready")],
             ["poll (ppoll)", "descriptor \(setSize)", Self.answerText(pollRevents, ready: "POLLIN", isEvents: true)],
             ["epoll_wait", "descriptor \(setSize)", Self.answerText(epollEvents, ready: "EPOLLIN", isEvents: true)]]))
        let rows = costs.map { cost in
            ["\(cost.idle)", cost.select.map { fixed($0, decimals: 0) } ?? "-", fixed(cost.poll, decimals: 0), fixed(cost.epoll, decimals: 0)]
        }
        finding.add(["", "Simulated cycles per call that finds the one busy pipe among idle ones:"]
                    + table(["idle descriptors", "select", "poll", "epoll_wait"], rows))
        let plot = Plot(title: "Cycles per readiness call against idle descriptors", xLabel: "idle descriptors (log scale)",
                        yLabel: "simulated cycles per call", yScale: .log10,
                        series: [Plot.Series(name: "poll", points: costs.map { Plot.Point(x: Double($0.idle), y: $0.poll) }),
                                 Plot.Series(name: "epoll_wait", points: costs.map { Plot.Point(x: Double($0.idle), y: $0.epoll) }),
                                 Plot.Series(name: "select", points: costs.compactMap { cost in cost.select.map { Plot.Point(x: Double(cost.idle), y: $0) } })])
        finding.add([""] + plot.terminal())
        finding.plot = plot
        finding.note("""
            Each idle descriptor is the read end of an empty pipe (both ends open); the busy one, a pipe with a byte \
            waiting, is watched last. Each figure is the mean over \(calls) calls with a zero timeout, timed on the \
            simulated clock, the program's own work between calls included (select overwrites its sets, so each call \
            first copies a master set, as every caller must). select is measured only while every descriptor is below \
            \(setSize).
            """)
        finding.figures = ["select below limit": Double(below), "select at limit": Double(atLimit),
                           "poll at limit revents": Double(pollRevents), "epoll at limit events": Double(epollEvents),
                           "calls": Double(calls)]
        for cost in costs {
            finding.figures["poll \(cost.idle) cycles"] = cost.poll
            finding.figures["epoll \(cost.idle) cycles"] = cost.epoll
            if let select = cost.select { finding.figures["select \(cost.idle) cycles"] = select }
        }
        return finding
    }

    /// "EINVAL (refused)", "1 descriptor ready", "POLLIN"...
    static func answerText(_ value: Int, ready: String, isEvents: Bool = false) -> String {
        if value < 0 { return value == -22 ? "-22 EINVAL: refused" : "\(value) (an error)" }
        if isEvents { return value & 1 != 0 ? "ready: \(ready)" : "\(value) (not ready)" }
        return value > 0 ? ready : "0 (nothing ready)"
    }
}

/// The integer, with an optional minus sign, right after `label` in `line`.
func signedInteger(after label: String, in line: String) -> Int? {
    guard let range = line.range(of: label) else { return nil }
    let rest = line[range.upperBound...]
    if rest.first == "-" { return Int(rest.dropFirst().prefix { $0.isNumber }).map { -$0 } }
    return Int(rest.prefix { $0.isNumber })
}
