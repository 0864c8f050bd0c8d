// Bad options as a person types them, in every subcommand: one format
// ("interleave CMD: …" and a hint to --help), status 2; negative numbers read as values;
// outputs that would overwrite an input refused before the run, with the system's reason
// for an unwritable one; a misspelt option warned about; the tour's chapter choice.

import Foundation
import Testing

@Suite("Option errors", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"))
struct OptionErrorTests {
    let cli = CommandLineTests()

    func interleave(_ arguments: [String]) throws -> CommandLineTests.Outcome {
        try #require(try cli.interleave(arguments))
    }

    /// Checks the one format: the command named first, the reason, the hint, status 2.
    func expectOptionError(_ arguments: [String], command: String, saying parts: [String],
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try interleave(arguments)
        #expect(outcome.status == 2, "\(arguments): status \(outcome.status)", sourceLocation: sourceLocation)
        #expect(outcome.error.hasPrefix("\(command): "), "\(arguments): \(outcome.error)", sourceLocation: sourceLocation)
        #expect(outcome.error.contains("See '\(command) --help'."), "\(arguments): \(outcome.error)", sourceLocation: sourceLocation)
        #expect(!outcome.error.contains("Error:") && !outcome.error.contains("Usage:"), "\(arguments): \(outcome.error)",
                sourceLocation: sourceLocation)
        for part in parts {
            #expect(outcome.error.contains(part), "\(arguments): expected '\(part)' in \(outcome.error)", sourceLocation: sourceLocation)
        }
    }

    @Test("every subcommand reports a bad option in one format with status 2")
    func oneFormat() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        try expectOptionError(["run", program, "--seed", "-1"], command: "interleave run", saying: ["--seed -1", "cannot be negative"])
        try expectOptionError(["run", program, "--harts", "abc"], command: "interleave run", saying: ["--harts abc", "(1...64)"])
        try expectOptionError(["run", program, "--era", "vista"], command: "interleave run", saying: ["--era vista: not one of dos, win1"])
        try expectOptionError(["run", program, "--memory-mib", "0"], command: "interleave run", saying: ["--memory-mib"])
        try expectOptionError(["run"], command: "interleave run", saying: ["it needs <file>"])
        try expectOptionError(["machine", "run", program, "--ram-mib", "0"], command: "interleave machine run", saying: ["--ram-mib"])
        try expectOptionError(["machine", "fuzz", "--bogus"], command: "interleave machine fuzz", saying: ["--bogus is not an option"])
        try expectOptionError(["lab", "run", "race", "--harts", "2"], command: "interleave lab run", saying: ["takes no --harts"])
        try expectOptionError(["tour", "--chapter", "99"], command: "interleave tour", saying: ["--chapter must be between 1 and 28"])
        try expectOptionError(["bench", "--onyl", "x"], command: "interleave bench", saying: ["did you mean --only?"])
        try expectOptionError(["build"], command: "interleave build", saying: ["name the source files"])
        try expectOptionError(["build", program, "-o", program], command: "interleave build", saying: ["-o", "is an input"])
        try expectOptionError(["disasm"], command: "interleave disasm", saying: ["it needs <file>"])
        try expectOptionError(["disassemble"], command: "interleave", saying: ["no command disassemble", "disasm"])
    }

    @Test("a negative number is the option's value, not a missing one")
    func negativeNumbers() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let harts = try interleave(["run", program, "--harts", "-1"])
        #expect(harts.status == 2)
        #expect(harts.error.contains("-1") && harts.error.contains("harts"), "\(harts.error)")
        #expect(!harts.error.lowercased().contains("missing value"), "\(harts.error)")
        try expectOptionError(["run", program, "--scheduler", "round-robin", "--slice-ms", "-5"], command: "interleave run",
                              saying: ["--slice-ms", "-5"])
        // After `--` a negative number is the program's.
        let passed = try interleave(["run", program, "--", "--harts", "-1"])
        #expect(passed.status == 0, "\(passed.error)")
    }

    @Test("--slice-ms 0 says it must be more than 0; machine run --clock-hz 0 names the clock, not the timer")
    func individualMessages() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let slice = try interleave(["run", program, "--scheduler", "round-robin", "--slice-ms", "0"])
        #expect(slice.status == 2)
        #expect(slice.error.contains("--slice-ms") && !slice.error.contains("between 0 and"), "\(slice.error)")
        try expectOptionError(["machine", "run", program, "--clock-hz", "0"], command: "interleave machine run", saying: ["--clock-hz"])
        let clock = try interleave(["machine", "run", program, "--clock-hz", "0"])
        #expect(!clock.error.contains("timer"), "\(clock.error)")
        try expectOptionError(["machine", "run", program, "--timer-hz", "0"], command: "interleave machine run", saying: ["--timer-hz"])
    }

    @Test("an output that is an input or another output is refused before the run, and nothing is written")
    func outputsAreNotInputs() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let original = try Data(contentsOf: URL(fileURLWithPath: program))
        let json = folder.appendingPathComponent("m.json").path
        let sameProgram = folder.path + "/./" + URL(fileURLWithPath: program).lastPathComponent
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link.elf", withDestinationPath: program)
        let cases: [([String], [String])] = [
            (["--trace", program], ["--trace", "is an input"]),
            (["--svg", sameProgram], ["--svg", "is an input"]),
            (["--json", folder.path + "/link.elf"], ["--json", "is an input"]),
            (["--switch-log", program], ["--switch-log", "is an input"]),
            (["--json", json, "--trace", json], ["--trace and --json name the same file", "--json"]),
            (["--json", json, "--switch-log", folder.path + "/../" + folder.lastPathComponent + "/m.json"], ["name the same file"]),
        ]
        for (options, parts) in cases {
            try expectOptionError(["run", program] + options, command: "interleave run", saying: parts)
            #expect(try Data(contentsOf: URL(fileURLWithPath: program)) == original, "\(options) changed the program")
            #expect(!FileManager.default.fileExists(atPath: json), "\(options) wrote \(json)")
        }
    }

    @Test("--json and --switch-log are checked before the run and give the system's reason")
    func unwritableOutputs() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let cases: [([String], [String])] = [
            (["--json", folder.path + "/missing/m.json"], ["cannot write the metrics", "no such file or directory"]),
            (["--switch-log", folder.path + "/missing/s.txt"], ["cannot write the switch log", "no such file or directory"]),
            (["--json", folder.path], ["cannot write the metrics", "it is a folder"]),
            (["--switch-log", program + "/s.txt"], ["is not a folder"]),
        ]
        for (options, parts) in cases {
            let outcome = try interleave(["run", program] + options)
            #expect(outcome.status == 2, "\(options): \(outcome.status)")
            #expect(outcome.output.isEmpty, "\(options): the program ran")
            for part in parts { #expect(outcome.error.contains(part), "\(options): \(outcome.error)") }
        }
    }

    @Test("an argument like a misspelt option goes to the program, with a warning naming the nearest option")
    func misspeltOption() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let outcome = try interleave(["run", program, "--hart", "2"])
        #expect(outcome.status == 0, "the program still runs: \(outcome.error)")
        #expect(outcome.error.contains("warning: --hart is not an option of interleave run") && outcome.error.contains("did you mean --harts?"),
                "\(outcome.error)")
        let far = try interleave(["run", program, "--verbose-output"])
        #expect(far.status == 0)
        #expect(!far.error.contains("warning"), "nothing close: no warning; \(far.error)")
        let afterTerminator = try interleave(["run", program, "--", "--hart"])
        #expect(!afterTerminator.error.contains("warning"), "after -- the program's own: \(afterTerminator.error)")
    }

    @Test("--from past the end of the run says when the run ended")
    func fromPastTheEnd() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let outcome = try interleave(["run", program, "--timeline", "--from", "900ms"])
        #expect(outcome.status == 2)
        #expect(outcome.error.contains("is after the run ended, at cycle") && outcome.error.contains(" ms)"), "\(outcome.error)")
    }

    @Test("tour: --chapter runs one chapter, --chapters a range, and bad choices are refused")
    func tourChapters() throws {
        try expectOptionError(["tour", "--chapters", "9-3"], command: "interleave tour", saying: ["--chapters must be a range"])
        try expectOptionError(["tour", "--chapters", "0-3"], command: "interleave tour", saying: ["--chapters must be a range"])
        try expectOptionError(["tour", "--chapter", "2", "--chapters", "3-4"], command: "interleave tour", saying: ["give one of them"])
    }

    /// True when a `swift` is on PATH or INTERLEAVE_TOOLCHAIN names one, as the lab needs to build its programs.
    static let hasToolchain: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if environment["INTERLEAVE_TOOLCHAIN"] != nil { return true }
        return (environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/swift")
        }
    }()

    @Test("tour --chapter 2 runs chapter 2 only", .enabled(if: hasToolchain, "the lab builds its programs with the Swift toolchain"))
    func tourOneChapter() throws {
        let outcome = try interleave(["tour", "--chapter", "2", "--no-timelines"])
        #expect(outcome.status == 0, "\(outcome.error)")
        #expect(outcome.output.contains("\n2. cooperative"), "\(outcome.output)")
        #expect(!outcome.output.contains("\n1. ") && !outcome.output.contains("\n3. "), "only chapter 2: \(outcome.output)")
    }
}
