// Results JSON: two shards' results merge into one whose counts are the whole
// exploration's; results that do not belong together and hostile JSON are refused.

import Foundation
import Testing
@testable import Explore

@Suite struct ExplorationResultsTests {
    func results(_ shard: Shard) -> ExplorationResults {
        let (explorer, _) = explore(Corpus.threeWriters, BoundedSearch(options: .init(maxPreemptions: 2, shard: shard, shardDepth: 2)))
        return ExplorationResults(programHash: 0xBEEF, strategy: "bounded K<=2 sleep-sets", shard: shard,
                                  stats: explorer.stats, orderHashes: explorer.orderHashes, failures: [])
    }

    @Test func twoShardsMergeIntoTheWhole() throws {
        let whole = results(.whole)
        let a = results(try Shard(index: 0, count: 2)), b = results(try Shard(index: 1, count: 2))
        let readA = try ExplorationResults.read(json: a.json())
        #expect(readA == a)
        let merged = try ExplorationResults.merge(readA, try ExplorationResults.read(json: b.json()))
        #expect(merged.complete)
        #expect(merged.shards == [0, 1])
        #expect(merged.schedules == whole.schedules)
        #expect(merged.distinct == whole.distinct)
        #expect(merged.orderHashes == whole.orderHashes)
        #expect(try ExplorationResults.merge(b, a) == merged)
    }

    @Test func mismatchedResultsAreRefused() throws {
        let a = results(try Shard(index: 0, count: 2))
        #expect(throws: ExplorationResultsError.self) { try ExplorationResults.merge(a, a) }
        var other = results(try Shard(index: 1, count: 2))
        other.program = "1234"
        #expect(throws: ExplorationResultsError.mismatch("programs differ (beef and 1234)")) { try ExplorationResults.merge(a, other) }
        other = results(try Shard(index: 1, count: 2))
        other.strategy = "random"
        #expect(throws: ExplorationResultsError.self) { try ExplorationResults.merge(a, other) }
        let three = results(try Shard(index: 1, count: 3))
        #expect(throws: ExplorationResultsError.self) { try ExplorationResults.merge(a, three) }
    }

    @Test func hostileJSONIsRefusedClearly() {
        let bad = [
            "", "[]", "{\"format\": 1}", "null",
            #"{"format":1,"program":"zz","strategy":"s","shardCount":2,"shards":[0],"schedules":1,"abandoned":0,"orderHashes":[],"failures":[]}"#,
            #"{"format":1,"program":"ab","strategy":"s","shardCount":2,"shards":[5],"schedules":1,"abandoned":0,"orderHashes":[],"failures":[]}"#,
            #"{"format":1,"program":"ab","strategy":"s","shardCount":0,"shards":[0],"schedules":1,"abandoned":0,"orderHashes":[],"failures":[]}"#,
            #"{"format":1,"program":"ab","strategy":"s","shardCount":2,"shards":[0],"schedules":-1,"abandoned":0,"orderHashes":[],"failures":[]}"#,
            #"{"format":1,"program":"ab","strategy":"s","shardCount":2,"shards":[0],"schedules":1,"abandoned":0,"orderHashes":["b","a"],"failures":[]}"#,
            #"{"format":2,"program":"ab","strategy":"s","shardCount":2,"shards":[0],"schedules":1,"abandoned":0,"orderHashes":[],"failures":[]}"#,
            #"{"format":1,"program":"ab","strategy":"s","shardCount":2,"shards":[0],"schedules":1e400,"abandoned":0,"orderHashes":[],"failures":[]}"#,
        ]
        for text in bad {
            #expect(throws: ExplorationResultsError.self, "\(text)") { try ExplorationResults.read(json: Data(text.utf8)) }
        }
        var big = results(.whole)
        big.schedules = Int.max
        var big2 = big
        big2.shards = [0]
        big.shardCount = 2; big.shards = [1]; big2.shardCount = 2
        #expect(throws: ExplorationResultsError.invalid("counts too large to add")) { try ExplorationResults.merge(big, big2) }
    }
}
