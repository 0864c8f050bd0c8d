// Numeric options out of range: each is refused before the run with a message naming the
// option, the value and the accepted range (the ones that used to crash the tool first),
// and --help shows the range.

import Foundation
import Testing

@Suite("Option ranges", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable beside the tests"))
struct OptionRangeTests {
    static let refused: [(arguments: [String], message: String)] = [
        (["--clock-hz", "200000000000000", "--era", "server"], "--clock-hz must be between 1000 and 1000000000000, not 200000000000000"),
        (["--clock-hz", "1000000000000000000", "--scheduler", "tickless", "--slice-ms", "5"], "--clock-hz must be between"),
        (["--switch-cycles", "18446744073709551615"], "--switch-cycles must be between 0 and 1000000000, not 18446744073709551615"),
        (["--address-space-switch-cycles", "18446744073709551615"], "--address-space-switch-cycles must be between 0 and 1000000000"),
        (["--jitter", "18446744073709551615"], "--jitter must be between 0 and 1000000000"),
        (["--slice-ms", "0", "--scheduler", "tickless"], "--slice-ms must be between 0.001 and 60000.0, not 0.0"),
        (["--tick-ms", "1e300", "--scheduler", "round-robin"], "--tick-ms must be between"),
        (["--input-every-ms=-1"], "--input-every-ms must be between 0.0 and 60000.0"),
        (["--granularity", "0"], "--granularity must be between 1 and 1000000, not 0"),
        (["--max-instructions", "0"], "--max-instructions must be between 1 and"),
    ]

    @Test("run refuses each out-of-range value, naming option, value and range", arguments: 0..<refused.count)
    func runRefuses(index: Int) throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let (arguments, message) = Self.refused[index]
        let outcome = try #require(try CommandLineTests().interleave(["run", program] + arguments))
        #expect(outcome.status != 0)
        #expect(outcome.error.contains(message), "\(arguments): \(outcome.error)")
        #expect(!outcome.error.contains("Fatal error") && !outcome.error.contains("overflow"))
    }

    @Test("machine run, fuzz, lab and bench refuse out-of-range values too")
    func otherCommandsRefuse() throws {
        for (arguments, message) in [(["machine", "run", "x.elf", "--clock-hz", "0"], "--clock-hz must be between 1 and"),
                                     (["machine", "run", "x.elf", "--jitter", "18446744073709551615"], "--jitter must be between 0 and 1000000000"),
                                     (["machine", "fuzz", "--harts", "9"], "--harts must be between 1 and 4, not 9"),
                                     (["lab", "run", "race", "--seed", "18446744073709551615"], "--seed must be between 0 and 4611686018427387904"),
                                     (["bench", "--scale", "0"], "--scale must be between 1 and 1000, not 0")] {
            let outcome = try #require(try CommandLineTests().interleave(arguments))
            #expect(outcome.status != 0)
            #expect(outcome.error.contains(message), "\(arguments): \(outcome.error)")
        }
    }

    @Test("--help shows the ranges")
    func helpShowsRanges() throws {
        let outcome = try #require(try CommandLineTests().interleave(["run", "--help"]))
        let help = outcome.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for range in ["(1000...1000000000000)", "(0...1000000000)", "(1...1000000)", "(0.001...60000)"] {
            #expect(help.contains(range), "\(range) missing from run --help")
        }
    }
}
