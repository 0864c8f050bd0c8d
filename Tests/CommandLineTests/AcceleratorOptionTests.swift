// `interleave run`'s accelerator options: each bad value gets one sentence saying what is
// accepted (status 2); any of them turns the accelerator on, which the --json metrics
// show; `explore` refuses the accelerator plainly.

import Foundation
import Testing

@Suite("Accelerator options", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"))
struct AcceleratorOptionTests {
    let cli = CommandLineTests()

    @Test("bad accelerator values are refused with the accepted range, status 2")
    func badValues() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let cases: [([String], String)] = [
            (["--accelerator-lanes", "0"], "--accelerator-lanes must be between 1 and 64, not 0"),
            (["--accelerator-lanes", "65"], "--accelerator-lanes must be between 1 and 64, not 65"),
            (["--accelerator-memory", "0"], "--accelerator-memory must be between 1 and 1024, not 0"),
            (["--accelerator-clock", "20000"], "--accelerator-clock must be between 1 and 10000, not 20000"),
            (["--accelerator-slice", "0"], "--accelerator-slice must be between 1 and 60000000, not 0"),
            (["--accelerator-watchdog", "0"], "--accelerator-watchdog must be between 0.001 and 600000.0, not 0.0"),
            (["--accelerator-preemption", "sometimes"], "--accelerator-preemption sometimes: not one of boundary, instruction"),
        ]
        for (options, message) in cases {
            let outcome = try #require(try cli.interleave(["run", program] + options))
            #expect(outcome.status == 2, "\(options): \(outcome.error)")
            #expect(outcome.error.contains(message), "\(options): \(outcome.error)")
        }
    }

    @Test("any accelerator option puts the accelerator on the machine, as the JSON metrics show")
    func optionImpliesAccelerator() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let without = try #require(try cli.interleave(["run", program, "--json", "-"]))
        #expect(without.status == 0 && !without.output.contains("\"accelerator\""))
        let with = try #require(try cli.interleave(["run", program, "--accelerator-lanes", "8", "--accelerator-preemption", "instruction",
                                                     "--accelerator-watchdog", "0.5", "--json", "-"]))
        #expect(with.status == 0, "\(with.error)")
        #expect(with.output.contains("\"lanes\": 8") && with.output.contains("\"preemption\": \"instruction\""), "\(with.output)")
        #expect(with.output.contains("\"watchdogMicroseconds\": 500"))
    }

    @Test("explore refuses the accelerator in one sentence")
    func exploreRefuses() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let outcome = try #require(try cli.interleave(["explore", program, "--accelerator"]))
        #expect(outcome.status == 2, "\(outcome.error)")
        #expect(outcome.error.contains("explore cannot run with an accelerator"), "\(outcome.error)")
    }
}
