// `interleave bench`'s own options refused before anything is measured: each message names
// what was wrong and what is accepted (a program's name, --targets with --only, --rounds
// out of range, a --json path with no folder to write in, --compare's files); and
// `--compare` of two --json files, which measures nothing.

import Foundation
import MachineTools
import Testing

@Suite("Bench options", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"))
struct BenchOptionTests {
    let errors = OptionErrorTests()

    @Test("an unknown program in --only lists every program, the C benchmark among them")
    func unknownProgram() throws {
        try errors.expectOptionError(["bench", "--only", "integer,coremark"], command: "interleave bench",
                                     saying: ["unknown program 'coremark'", "integer, memory, branches, calls",
                                              "sieve", "coremark-kind", "switches"])
    }

    @Test("--targets runs every program, so it refuses --only")
    func targetsWithOnly() throws {
        try errors.expectOptionError(["bench", "--targets", "--only", "integer"], command: "interleave bench",
                                     saying: ["--targets", "leave out --only"])
    }

    @Test("--rounds out of range, and --json where no file can be written, say what is accepted")
    func roundsAndJSON() throws {
        try errors.expectOptionError(["bench", "--rounds", "0"], command: "interleave bench",
                                     saying: ["--rounds must be between 1 and 20, not 0"])
        try errors.expectOptionError(["bench", "--json", "/no/such/folder/bench.json"], command: "interleave bench",
                                     saying: ["no folder /no/such/folder", "a file in an existing folder"])
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try errors.expectOptionError(["bench", "--json", folder.path], command: "interleave bench",
                                     saying: ["is a folder", "the path of a file"])
    }

    @Test("--compare with two --json files prints both runs side by side, read back from the files, and measures nothing")
    func compareTwoFiles() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, seconds: Double, startup: Double?) throws -> String {
            var report = BenchReport()
            for program in BenchTargets.ratioPrograms {
                report.programs.append(.init(name: program, kind: "generated", instructions: 100_000_000, seconds: seconds, qemuSeconds: 0.1))
            }
            report.kernelPaths = [.init(name: "syscalls", label: "system call", operations: 1_000_000, seconds: seconds / 5)]
            report.qemuStartupSeconds = startup
            let path = folder.appendingPathComponent(name).path
            try report.json(targets: BenchTargets.evaluate(report)).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let before = try write("before.json", seconds: 0.4, startup: nil), after = try write("after.json", seconds: 0.25, startup: 0.02)
        let outcome = try errors.interleave(["bench", "--compare", before, "--compare", after])
        #expect(outcome.status == 0, "\(outcome.error)")
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(lines.first { $0.hasPrefix("dictionary ") }?.split(separator: " ") == ["dictionary", "250.0", "400.0", "4.00x", "2.50x"],
                "\(outcome.output)")
        #expect(lines.contains { $0.hasPrefix("geometric mean") && $0.contains("4.00x over 9") && $0.hasSuffix("not met → not met") },
                "\(outcome.output)")
        #expect(lines.contains { $0.hasPrefix("system call round trip") && $0.contains(" 80 ns ") && $0.contains(" 50 ns ") },
                "\(outcome.output)")
        #expect(lines.contains { $0.hasPrefix("qemu start-up (s)") && $0.hasSuffix("0.020") }, "\(outcome.output)")
        #expect(!outcome.output.contains("MIPS   qemu (s)"), "it measured: \(outcome.output)")
        try errors.expectOptionError(["bench", "--compare", before, "--compare", after, "--compare", before], command: "interleave bench",
                                     saying: ["--compare takes one file", "or two", "not 3"])
        try errors.expectOptionError(["bench", "--compare", folder.appendingPathComponent("none.json").path], command: "interleave bench",
                                     saying: ["none.json: no such file", "a file that `bench --json` wrote"])
    }
}
