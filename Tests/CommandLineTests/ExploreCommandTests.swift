// `interleave explore`, `explore merge` and `run --replay` as a person types them, on the
// hand-assembled two-thread yield program (no toolchain needed): the summary is the same
// twice; a failure (here: --expect-exit the program does not meet) prints a token that
// `run --replay` follows; shards merge to the whole; hostile tokens, JSON files and
// option values end with one clear sentence and status 2.

import Foundation
import Testing

@Suite("Explore command")
struct ExploreCommandTests {
    let cli = CommandLineTests()

    @Test("the summary is the same for the same seed; the rate goes to standard error")
    func deterministicSummary() throws {
        let folder = try CommandLineTests.folder()
        let program = try CommandLineTests.program(in: folder)
        let first = try cli.interleave(["explore", "--strategy", "random", "--runs", "40", "--seed", "5", program])
        let second = try cli.interleave(["explore", "--strategy", "random", "--runs", "40", "--seed", "5", program])
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output == second.output)
        #expect(first.output.contains("random seed=5 runs=40: 40 schedules run"))
        #expect(first.output.contains("no failure found"))
        #expect(!first.output.contains("per second"))
        #expect(first.error.contains("schedules per second"))
    }

    @Test("a failure prints its replay token, and run --replay follows it")
    func failureAndReplay() throws {
        let folder = try CommandLineTests.folder()
        let program = try CommandLineTests.program(in: folder)
        let explored = try cli.interleave(["explore", "--expect-exit", "3", program])
        #expect(explored.status == 1, "\(explored.error)")
        #expect(explored.output.contains("failure: exit status 0, expected 3"))
        let line = try #require(explored.output.split(separator: "\n").first { $0.hasPrefix("replay: interleave run ") })
        let token = try #require(line.split(separator: " ").last.map(String.init))
        #expect(token.hasPrefix("il-"))
        let replayed = try cli.interleave(["run", program, "--replay", token])
        #expect(replayed.status == 0, "\(replayed.error)")
        // The same token for another build of the program (one more byte) is refused by name.
        let other = folder.appendingPathComponent("other.elf").path
        try (Data(contentsOf: URL(fileURLWithPath: program)) + [0]).write(to: URL(fileURLWithPath: other))
        let refused = try cli.interleave(["run", other, "--replay", token])
        #expect(refused.status == 2)
        #expect(refused.error.contains("made for another program"))
    }

    @Test("two shards' results merge to the whole exploration's distinct schedules")
    func shardsMerge() throws {
        let folder = try CommandLineTests.folder()
        let program = try CommandLineTests.program(in: folder)
        var distinct: [String] = []
        for shard in ["0/2", "1/2"] {
            let json = folder.appendingPathComponent("shard\(shard.prefix(1)).json").path
            let outcome = try cli.interleave(["explore", "--shard", shard, "--json", json, program])
            #expect(outcome.status == 0, "\(outcome.error)")
        }
        let whole = try cli.interleave(["explore", "--json", folder.appendingPathComponent("whole.json").path, program])
        let merged = try cli.interleave(["explore", "merge", folder.appendingPathComponent("shard0.json").path,
                                         folder.appendingPathComponent("shard1.json").path])
        #expect(merged.status == 0, "\(merged.error)")
        #expect(merged.output.contains("shards 0, 1 of 2 (complete)"))
        for text in [whole.output, merged.output] {
            let counts = text.split(separator: "\n").first?.split(separator: ":").last ?? ""
            distinct.append(String(counts.split(separator: ",").dropFirst().first ?? ""))
        }
        #expect(distinct[0] == distinct[1], "whole: \(whole.output) merged: \(merged.output)")
        let again = try cli.interleave(["explore", "merge", folder.appendingPathComponent("shard0.json").path,
                                        folder.appendingPathComponent("shard0.json").path])
        #expect(again.status == 2)
        #expect(again.error.contains("both results hold shard(s) [0]"))
    }

    @Test("hostile input: a clear sentence and status 2", arguments: [
        (["run", "PROGRAM", "--replay", "hello"], "not a replay token"),
        (["run", "PROGRAM", "--replay", "il-aaaa"], "replay token"),
        (["run", "PROGRAM", "--replay", "il-0000000000000000000000"], "replay token has '0'"),
        (["explore", "--shard", "2/2", "PROGRAM"], "shard index '2'"),
        (["explore", "--shard", "x", "PROGRAM"], "not of the form i/n"),
        (["explore", "--strategy", "dfs", "PROGRAM"], "dfs"),
        (["explore", "--runs", "0", "PROGRAM"], "--runs"),
        (["explore", "--time-budget", "-1", "PROGRAM"], "time-budget"),
        (["explore", "merge", "JSON"], "not exploration results JSON"),
        (["explore", "merge", "MISSING"], "cannot read"),
    ])
    func hostile(arguments: [String], message: String) throws {
        let folder = try CommandLineTests.folder()
        let program = try CommandLineTests.program(in: folder)
        let json = folder.appendingPathComponent("bad.json")
        try Data(#"{"format": 1, "program": "zz", "shards": [-1]}"#.utf8).write(to: json)
        let substituted = arguments.map {
            switch $0 {
            case "PROGRAM": program
            case "JSON": json.path
            case "MISSING": folder.appendingPathComponent("missing.json").path
            default: $0
            }
        }
        let outcome = try cli.interleave(substituted)
        #expect(outcome.status == 2, "\(substituted): \(outcome.status) \(outcome.error)")
        #expect(outcome.error.contains(message), "\(outcome.error)")
        #expect(!outcome.error.contains("Fatal error"))
    }
}
