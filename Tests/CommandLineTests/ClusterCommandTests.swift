// `interleave run` with several machines, refused as a person types it wrong: a bad FILE@N,
// a machine without a program, every network option's bad values, a topology file's bad
// field named by its path, and the options that take one machine only. Each is status 2
// with a sentence saying what is accepted, before anything runs. The program is
// hand-assembled, so no toolchain is needed here.

import Foundation
import Testing

@Suite("Command line: several machines refused", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"))
struct ClusterCommandTests {
    let errors = OptionErrorTests()

    func expectRefusal(_ arguments: [String], saying parts: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        try errors.expectOptionError(["run"] + arguments, command: "interleave run", saying: parts, sourceLocation: sourceLocation)
    }

    @Test("FILE@N: the machine must exist and every machine needs a program")
    func placements() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        try expectRefusal([program + "@0"], saying: ["after @ comes the machine's number, 1...64, like client.c@2"])
        try expectRefusal([program, program + "@x"], saying: ["after @ comes the machine's number"])
        try expectRefusal([program, program + "@3", "--machines", "2"], saying: ["machine 3 does not exist: the run has 2 machines (--machines 2)"])
        try expectRefusal([program, "--machines", "2"], saying: ["machine 2 has no program: name one with FILE@2"])
        try expectRefusal([program + "@2"], saying: ["machine 1 has no program: name one with FILE@1"])
        try expectRefusal([program, "--machines", "65"], saying: ["--machines must be between 1 and 64, not 65"])
    }

    @Test("Every network option's bad values say what is accepted", arguments: [
        (["--latency-us", "0"], "--latency-us must be between 1.0 and 10000000.0, not 0.0"),
        (["--latency-us", "-5"], "--latency-us must be between 1.0 and 10000000.0, not -5.0"),
        (["--bandwidth-mbps", "0"], "--bandwidth-mbps must be between 0.001 and 1000000.0"),
        (["--mtu", "67"], "--mtu must be between 68 and 65535, not 67"),
        (["--mtu", "1.5"], "--mtu 1.5: not accepted: it takes a whole number"),
        (["--queue-packets", "-1"], "--queue-packets must be between 0 and 1000000, not -1"),
        (["--drop", "1.5"], "--drop must be between 0.0 and 1.0, not 1.5"),
        (["--duplicate", "-0.1"], "--duplicate must be between 0.0 and 1.0, not -0.1"),
        (["--reorder", "2"], "--reorder must be between 0.0 and 1.0, not 2.0"),
        (["--drop", "lots"], "--drop lots: not accepted"),
        (["--reorder-delay-us", "-1"], "--reorder-delay-us must be between 0.0 and 10000000.0"),
        (["--link-jitter-us", "20000000"], "--link-jitter-us must be between 0.0 and 10000000.0"),
        (["--partition", "1,x"], "--partition 1,x: x is not a machine number (1...64); the form is SIDE[|OTHER][@START[-HEAL]]"),
        (["--partition", "1@5parsecs"], "--partition 1@5parsecs: 5parsecs is not a time: write a number and its unit"),
        (["--partition", "1@3ms-2ms"], "--partition 1@3ms-2ms: the heal (2ms) must come after the start (3ms)"),
        (["--crash", "2"], "--crash 2: it needs @TIME; the form is MACHINE@TIME[-RESTART]"),
        (["--crash", "0@1ms"], "--crash 0@1ms: 0 is not a machine number (1...64)"),
        (["--clock-offset", "2"], "--clock-offset 2: it needs =OFFSET; the form is MACHINE=OFFSET"),
        (["--clock-offset", "2=+2d"], "--clock-offset 2=+2d: +2d is not an offset"),
        (["--clock-drift", "2=abc"], "--clock-drift 2=abc: abc is not a drift: write whole parts per million, -100000...100000"),
        (["--clock-drift", "2=+200000ppm"], "--clock-drift 2=+200000ppm: +200000ppm is not a drift"),
    ])
    func networkOptions(option: [String], message: String) throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        try expectRefusal([program, program + "@2"] + option, saying: [message])
    }

    @Test("Machine numbers in partitions, crashes and clocks must exist in the run")
    func machineNumbers() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        try expectRefusal([program, program + "@2", "--partition", "1|3"], saying: ["the other side must be every machine not in the first (2)"])
        try expectRefusal([program, program + "@2", "--partition", "1,2"], saying: ["a side with every machine separates nothing"])
        try expectRefusal([program, program + "@2", "--crash", "3@1ms"], saying: ["--crash 3@1ms: machine 3 does not exist: the run has 2 machines"])
        try expectRefusal([program, program + "@2", "--clock-drift", "3=+5ppm"], saying: ["--clock-drift 3=+5ppm: machine 3 does not exist"])
    }

    @Test("A topology file's mistakes name the field's path")
    func topologyErrors() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        func file(_ text: String) throws -> String {
            let path = folder.appendingPathComponent("topology.json").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let twoHarts = try file(#"{"machines": [{"programs": ["yield.elf"]}, {"harts": 0, "programs": ["yield.elf"]}]}"#)
        try expectRefusal(["--topology", twoHarts], saying: ["--topology \(twoHarts): machines[1].harts: must be a whole number 1...64, not 0"])
        let syntax = try file("{\n  \"machines\": [\n    {\"programs\": [\"yield.elf\"],}\n  ]\n}")
        try expectRefusal(["--topology", syntax], saying: ["not valid JSON at line 3, column 32: expected a key in double quotes"])
        let caches = try file(#"{"machines": [{"caches": "pentium", "programs": ["yield.elf"]}]}"#)
        try expectRefusal(["--topology", caches], saying: ["machines[0]: --caches pentium: not one of off"])
        let missing = try file(#"{"machines": [{"programs": ["nothing-here.elf"]}]}"#)
        let outcome = try errors.interleave(["run", "--topology", missing])
        #expect(outcome.status == 2 && outcome.error.contains("nothing-here.elf"), "\(outcome.error)")
        let good = try file(#"{"machines": [{"programs": ["yield.elf"]}, {"programs": ["yield.elf"]}]}"#)
        try expectRefusal(["--topology", good, "--machines", "3"], saying: ["--machines 3 and the topology file's 2 machines disagree"])
        try expectRefusal(["--topology", folder.appendingPathComponent("none.json").path], saying: ["none.json: cannot read it"])
        let stray = try errors.interleave(["run", "--topology", good, "extra-argument"])
        #expect(stray.status == 2 && stray.error.contains("no such file: 'extra-argument'"), "\(stray.error)")
        _ = program
    }

    @Test("Options that show one machine are refused for several, with the reason")
    func singleMachineOptions() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let trace = folder.appendingPathComponent("t.json").path
        for option in [["--timeline"], ["--svg", folder.appendingPathComponent("t.svg").path], ["--switch-log", "-"], ["--input-every-ms", "1"]] {
            try expectRefusal([program, program + "@2"] + option, saying: ["\(option[0]) takes one machine; this run has several"])
        }
        _ = trace
    }
}
