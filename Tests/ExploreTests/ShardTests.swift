// `--shard i/n`: the shards' schedules are disjoint and together are the whole space, for
// bounded search (split by subtrees) and for the seeded strategies (split by run index).

import Testing
@testable import Explore

@Suite struct ShardTests {
    /// The decision lists of the completed (owned, not abandoned) runs.
    func schedules(_ program: ModelProgram, _ options: BoundedSearch.Options) -> [[UInt32]] {
        var explorer = Explorer(strategy: BoundedSearch(options: options))
        var out: [[UInt32]] = []
        while explorer.beginRun() {
            let outcome = run(program, &explorer)
            let summary = explorer.endRun(failed: outcome.failed)
            if !summary.abandoned { out.append(explorer.record.decisions) }
        }
        return out
    }

    @Test(arguments: [2, 3, 5])
    func boundedShardsAreDisjointAndComplete(count: Int) throws {
        for program in [Corpus.threeWriters, Corpus.brokenLock, Corpus.lockOrderDeadlock] {
            for sleepSets in [true, false] {
                let whole = schedules(program, .init(maxPreemptions: 2, sleepSets: sleepSets))
                var union: [[UInt32]] = []
                var perShard: [Int] = []
                for i in 0..<count {
                    let part = schedules(program, .init(maxPreemptions: 2, sleepSets: sleepSets, shard: try Shard(index: i, count: count), shardDepth: 2))
                    perShard.append(part.count)
                    union += part
                }
                #expect(union.count == whole.count, "\(program.name): shards ran \(perShard), whole \(whole.count)")
                #expect(Set(union.map { $0.map(String.init).joined(separator: ",") }) == Set(whole.map { $0.map(String.init).joined(separator: ",") }))
                if !sleepSets {   // with sleep sets a few schedules remain, and may fall in one shard
                    #expect(perShard.filter { $0 > 0 }.count > 1, "\(program.name): one shard did all the work \(perShard)")
                }
            }
        }
    }

    @Test func seededShardsSplitRunIndices() throws {
        let limit: UInt64 = 100
        var seen: [UInt64] = []
        for i in 0..<7 {
            let indices = RunIndices(limit: limit, shard: try Shard(index: i, count: 7))
            var position = 0
            while let r = indices.index(at: position) {
                seen.append(r)
                position += 1
            }
        }
        #expect(seen.sorted() == Array(0..<limit))
        // A shard's run r is the unsharded run r.
        let program = Corpus.brokenLock
        func decisions(_ shard: Shard) -> [UInt64: [UInt32]] {
            var explorer = Explorer(strategy: RandomStrategy(seed: 11, runs: RunIndices(limit: 20, shard: shard)))
            var out: [UInt64: [UInt32]] = [:]
            while explorer.beginRun() {
                let outcome = run(program, &explorer)
                explorer.endRun(failed: outcome.failed)
                out[explorer.strategy.currentRun] = explorer.record.decisions
            }
            return out
        }
        let whole = decisions(.whole)
        let a = decisions(try Shard(index: 0, count: 2)), b = decisions(try Shard(index: 1, count: 2))
        #expect(Set(a.keys).isDisjoint(with: b.keys))
        #expect(a.merging(b) { x, _ in x } == whole)
        #expect(RunIndices(limit: .max, shard: try Shard(index: 3, count: 4)).index(at: Int.max) == nil)
    }

    @Test func shardParsing() throws {
        #expect(try Shard(parsing: "2/5") == Shard(index: 2, count: 5))
        #expect(throws: ShardError.indexOutOfRange(index: "5", count: 5)) { try Shard(parsing: "5/5") }
        #expect(throws: ShardError.badCount("0")) { try Shard(parsing: "0/0") }
        #expect(throws: ShardError.malformed("3")) { try Shard(parsing: "3") }
        #expect(throws: ShardError.badCount("99999999999999999999")) { try Shard(parsing: "1/99999999999999999999") }
        #expect(throws: ShardError.indexOutOfRange(index: "-1", count: 4)) { try Shard(parsing: "-1/4") }
        #expect(ShardError.malformed("x").description.contains("i/n"))
    }
}
