// `interleave bench`'s own options refused before anything is measured: each message names
// what was wrong and what is accepted (a program's name, --targets with --only, --rounds
// out of range, a --json path with no folder to write in).

import Foundation
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
}
