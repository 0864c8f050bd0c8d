// `run --switch-log` as a person uses it: every switch of the run, read from its trace,
// to a file or to standard error, the same with or without the other trace views.

import Foundation
import Testing

@Suite("Switch log", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"))
struct SwitchLogCommandTests {
    @Test("--switch-log names every switch; the same with --trace; `-` writes to standard error")
    func switchLog() throws {
        let cli = CommandLineTests()
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let alone = folder.appendingPathComponent("alone.txt").path, traced = folder.appendingPathComponent("traced.txt").path
        let first = try #require(try cli.interleave(["run", program, "--switch-log", alone]))
        #expect(first.status == 0, "\(first.error)")
        let second = try #require(try cli.interleave(["run", program, "--switch-log", traced, "--trace", folder.path + "/t.json"]))
        #expect(second.status == 0, "\(second.error)")
        let text = try String(contentsOfFile: alone, encoding: .utf8)
        #expect(text == (try String(contentsOfFile: traced, encoding: .utf8)))
        let lines = text.split(separator: "\n")
        #expect(lines.first == "cycle 0 hart 0: idle -> thread 1 (from idle)")
        #expect(lines.filter { $0.hasSuffix("(yielded)") }.count >= 6, "\(text)")
        #expect(lines.last?.contains("-> idle (exited with status 0)") == true, "\(text)")
        let standardError = try #require(try cli.interleave(["run", program, "--switch-log", "-"]))
        #expect(standardError.error == text)
    }
}
