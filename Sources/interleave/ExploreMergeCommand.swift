// `interleave explore merge A.json B.json … [--json OUT]`: combines the results of the
// shards of one exploration (`interleave explore --shard i/n --json FILE` on n machines)
// into one summary: schedules, distinct schedules (the union of their happens-before
// hashes) and the failures' tokens. Results of other programs or strategies are refused.

import ArgumentParser
import Explore
import Foundation

struct ExploreMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the JSON results of an exploration's shards into one summary.",
        discussion: """
            Each FILE is what `interleave explore --shard i/n --json FILE` wrote. They must be of \
            the same program and strategy, split into the same number of shards, with no shard twice. \
            The exit status is 0 when no shard found a failure, 1 when one did, 2 for unreadable or \
            mismatched files.
            """
    )

    @Argument(help: "The shards' result files (JSON).")
    var files: [String] = []

    @Option(help: "Write the merged results as JSON to FILE.")
    var json: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("it needs <files>: the shards' result files, as written by `interleave explore --json FILE`") }
    }

    func run() throws {
        if let json { try OutputPaths.check([OutputPath(option: "--json", path: json, what: "the merged results")], inputs: files) }
        var merged: ExplorationResults? = nil
        for file in files {
            guard let bytes = readWholeFile(file) else { throw fail("cannot read \(file): no such file, or not readable") }
            guard bytes.count <= 1 << 30 else { throw fail("\(file) is larger than 1 GiB: not exploration results") }
            let results: ExplorationResults
            do { results = try ExplorationResults.read(json: Data(bytes)) } catch { throw fail("\(file): \(error)") }
            if let sofar = merged {
                do { merged = try ExplorationResults.merge(sofar, results) } catch { throw fail("\(file): \(error)") }
            } else {
                merged = results
            }
        }
        guard let merged else { throw fail("no results to merge") }
        for line in ExploreMergeCommand.summary(merged) { print(line) }
        if let json, !writeWholeFile(json, Array(merged.json())) {
            throw fail("cannot write the merged results to \(json): \(OutputPaths.systemReason())")
        }
        throw ExitCode(merged.failures.isEmpty ? 0 : 1)
    }

    static func summary(_ results: ExplorationResults) -> [String] {
        let missing = Set(0..<results.shardCount).subtracting(results.shards).sorted()
        var lines = ["\(results.strategy): \(results.schedules) schedules run, \(results.distinct) distinct, \(results.abandoned) abandoned",
                     "program \(results.program); shards \(results.shards.map(String.init).joined(separator: ", ")) of \(results.shardCount)"
                        + (missing.isEmpty ? " (complete)" : " (missing: \(missing.map(String.init).joined(separator: ", ")))")]
        if results.failures.isEmpty {
            lines.append("no failure found")
        } else {
            lines.append("\(results.failures.count) failure\(results.failures.count == 1 ? "" : "s"); replay each with interleave run FILE --replay TOKEN:")
            lines += results.failures.map { "  \($0)" }
        }
        return lines
    }
}
