// Replay tokens: round trips, clear errors for every way a token can be wrong, no crash on
// any text, and a failing schedule replayed from its token fails the same way.

import Machine
import Testing
@testable import Explore

@Suite struct ReplayTokenTests {
    @Test func roundTripsRandomTokens() throws {
        var g = SplitMix64(seed: 9)
        for _ in 0..<300 {
            let count = Int(g.next() % 200)
            var decisions: [UInt32] = []
            var current: UInt32 = 0
            for _ in 0..<count {
                if g.next() % 4 == 0 { current = UInt32(truncatingIfNeeded: g.next() % 3 == 0 ? g.next() : g.next() % 8) }
                decisions.append(current)
            }
            var options: [ReplayOption] = []
            for key in 0..<UInt8(g.next() % 5) { options.append(ReplayOption(key: key * 3, value: g.next() >> (g.next() % 64))) }
            let token = ReplayToken(programHash: g.next(), options: options, decisions: decisions)
            let parsed = try ReplayToken(parsing: token.text)
            #expect(parsed == token)
            #expect(try ReplayToken(parsing: "  " + token.text.uppercased() + "\n") == token)
        }
    }

    /// A character added at the end changes no whole byte, so the checksum cannot see it:
    /// only a canonical text (what `text` writes) is a token.
    @Test func aCharacterAddedAtTheEndIsRefused() throws {
        var g = SplitMix64(seed: 3)
        for _ in 0..<40 {
            let decisions = (0..<Int(g.next() % 30)).map { _ in UInt32(g.next() % 4) }
            let text = ReplayToken(programHash: g.next(), options: [], decisions: decisions).text
            for extra in ["a", "q", "7", "aa"] {
                #expect(throws: ReplayTokenError.self) { try ReplayToken(parsing: text + extra) }
            }
        }
    }

    @Test func keepRunningCostsNothingPerStep() {
        let token = ReplayToken(programHash: 1, options: [], decisions: [UInt32](repeating: 0, count: 10_000) + [1, 1, 1, 0])
        #expect(token.text.count < 40)
    }

    @Test func badTokensGiveClearErrors() throws {
        let token = ReplayToken(programHash: 0xABCD, options: [ReplayOption(key: 1, value: 4)], decisions: [0, 0, 1, 0]).text
        #expect(throws: ReplayTokenError.notAToken) { try ReplayToken(parsing: "hello") }
        #expect(throws: ReplayTokenError.notAToken) { try ReplayToken(parsing: "") }
        #expect(throws: ReplayTokenError.badCharacter("!", position: 5)) { try ReplayToken(parsing: "il-a!") }
        var flipped = Array(token)
        flipped[10] = flipped[10] == "a" ? "b" : "a"
        #expect(throws: ReplayTokenError.badChecksum) { try ReplayToken(parsing: String(flipped)) }
        #expect(throws: ReplayTokenError.self) { try ReplayToken(parsing: String(token.dropLast(3))) }
        #expect(throws: ReplayTokenError.truncated("the program hash and checksum")) { try ReplayToken(parsing: String(token.prefix(8))) }
        let v2 = ReplayToken.prefix + Base32.encode([2] + [UInt8](repeating: 0, count: 20))
        #expect(throws: ReplayTokenError.unsupportedVersion(2)) { try ReplayToken(parsing: v2) }
        let parsed = try ReplayToken(parsing: token)
        #expect(throws: ReplayTokenError.programMismatch(expected: 0x1234, found: 0xABCD)) { try parsed.check(programHash: 0x1234) }
        try parsed.check(programHash: 0xABCD)
        for error in [ReplayTokenError.badChecksum, .notAToken, .unsupportedVersion(9), .truncated("x")] {
            #expect(error.description.count > 20)
        }
    }

    /// Well-checksummed bodies with hostile contents: huge counts, over-long varints.
    @Test func hostileBodiesAreRefused() {
        func token(_ body: [UInt8]) -> String {
            let sum = ReplayToken.checksum(body[...])
            return ReplayToken.prefix + Base32.encode(body + (0..<4).map { UInt8(truncatingIfNeeded: sum >> (8 * UInt32($0))) })
        }
        let head: [UInt8] = [1] + [UInt8](repeating: 7, count: 8)
        var huge: [UInt8] = []
        Varint.append(UInt64.max, to: &huge)
        #expect(throws: ReplayTokenError.tooManyDecisions) { try ReplayToken(parsing: token(head + [0] + huge)) }
        #expect(throws: ReplayTokenError.self) { try ReplayToken(parsing: token(head + [0, 1, 0] + huge)) }   // repeat count too big
        #expect(throws: ReplayTokenError.self) { try ReplayToken(parsing: token(head + [0] + [UInt8](repeating: 0xFF, count: 12))) }
        #expect(throws: ReplayTokenError.optionsOutOfOrder) { try ReplayToken(parsing: token(head + [2, 5, 0, 5, 0, 0])) }
        #expect(throws: ReplayTokenError.trailingData) { try ReplayToken(parsing: token(head + [0, 0, 9])) }
        #expect(throws: ReplayTokenError.truncated("a repeat count")) { try ReplayToken(parsing: token(head + [0, 1, 3])) }
    }

    @Test func anyTextParsesOrFailsWithoutCrashing() {
        var g = SplitMix64(seed: 5)
        let valid = ReplayToken(programHash: 3, options: [], decisions: [0, 1, 1, 0, 2]).text
        var accepted = 0
        for i in 0..<3_000 {
            var bytes = Array(valid.utf8)
            if i % 2 == 0 {
                for _ in 0..<(1 + g.next() % 3) { bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next()) }
            } else {
                bytes = Array("il-".utf8) + (0..<(g.next() % 60)).map { _ in Base32.alphabet[Int(g.next() % 32)] }
            }
            if (try? ReplayToken(parsing: String(decoding: bytes, as: UTF8.self))) != nil { accepted += 1 }
        }
        #expect(accepted < 10)
    }

    @Test(arguments: Corpus.buggy.map(\.name))
    func replayReproducesTheFailure(name: String) throws {
        let program = Corpus.buggy.first { $0.name == name }!
        let (_, found) = explore(program, RandomStrategy(seed: 2, runs: RunIndices(limit: 5_000)))
        let failure = try #require(found)
        let text = ReplayToken(programHash: 77, options: [], decisions: failure.record.decisions).text
        let token = try ReplayToken(parsing: text)
        var replay = Explorer(strategy: ReplayStrategy(decisions: token.decisions, strict: true))
        let began = replay.beginRun()
        #expect(began)
        let outcome = run(program, &replay)
        replay.endRun(failed: outcome.failed)
        #expect(outcome == failure.outcome)
        #expect(replay.record == failure.record)
        #expect(replay.strategy.divergedAt == nil)
    }

    @Test func strictReplayStopsWhereTheScheduleCannotBeFollowed() {
        // Thread 1 of the order violation is not started at step 0.
        var strict = Explorer(strategy: ReplayStrategy(decisions: [1, 0, 0], strict: true))
        _ = strict.beginRun()
        #expect(run(Corpus.orderViolation, &strict) == .abandoned)
        #expect(strict.strategy.divergedAt == 0)
        var lenient = Explorer(strategy: ReplayStrategy(decisions: [1, 0, 0], strict: false))
        _ = lenient.beginRun()
        #expect(run(Corpus.orderViolation, &lenient) == .passed)
        #expect(lenient.strategy.divergedAt == 0)
        #expect(lenient.record.decisions == [0, 0, 1])
    }
}
