// `interleave bench --only explore`: schedules per second exploring a two-thread program
// of about 10,000 instructions (Guest/Programs/Explore/session-bench.swift) with random
// search (bounded search ends after about a hundred schedules of it, too few to time) —
// what one schedule costs: restoring the snapshot, the schedule points, the run.
// The target is at least 1,000 per second with the snapshot part's restore.

import Explore
import Foundation
import Kernel

struct ExploreBenchmarks {
    /// The name `--only` accepts for this row.
    static let names = ["explore"]
    static let runs = 3_000

    let build: (String) throws -> [UInt8]

    func run() throws {
        let elf = try build("Explore/session-bench.swift")
        let session = try ExploreSession(executable: elf, name: "session-bench", arguments: [])
        var options = ExploreOptions()
        options.strategy = .random
        options.runs = Self.runs
        let outcome = session.explore(options)
        if let failure = outcome.failure { throw fail("explore: session-bench failed under exploration: \(failure.reason)", status: 1) }
        let runs = outcome.stats.schedules + outcome.stats.abandoned
        let rate = outcome.hostSeconds > 0 ? Double(runs) / outcome.hostSeconds : 0
        print("")
        print("exploration                      schedules   abandoned    time (s)   schedules per second")
        print(pad("random, two threads", 30) + pad("\(outcome.stats.schedules)", 13, left: true)
              + pad("\(outcome.stats.abandoned)", 12, left: true) + pad(format(outcome.hostSeconds, 3), 12, left: true)
              + pad(format(rate, 0), 23, left: true))
    }
}
