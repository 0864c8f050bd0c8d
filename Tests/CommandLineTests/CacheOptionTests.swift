// The caches' options as a person types them: presets, off and a JSON file accepted;
// every bad value refused in the house format with status 2 and what is accepted (a
// hierarchy file's mistakes name their field); --help lists the presets; --stats, --json
// and --c2c print the caches' counts; the same run twice gives the same bytes. The
// program is the hand-assembled one of CommandLineTests, so no toolchain is needed.

import Foundation
import Machine
import MachineTools
import Testing

@Suite("Cache options", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"))
struct CacheOptionTests {
    let cli = CommandLineTests()

    func interleave(_ arguments: [String]) throws -> CommandLineTests.Outcome {
        try #require(try cli.interleave(arguments))
    }

    /// Refused in the one format: the command, the reason, the hint, status 2.
    func expectRefused(_ arguments: [String], command: String = "interleave run", saying parts: [String],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try interleave(arguments)
        #expect(outcome.status == 2, "\(arguments): status \(outcome.status): \(outcome.error)", sourceLocation: sourceLocation)
        #expect(outcome.error.hasPrefix("\(command): "), "\(arguments): \(outcome.error)", sourceLocation: sourceLocation)
        #expect(outcome.error.contains("See '\(command) --help'."), "\(arguments): \(outcome.error)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(outcome.error.contains(part), "\(arguments): expected '\(part)' in \(outcome.error)", sourceLocation: sourceLocation)
        }
    }

    static let exampleFile = CommandLineTests.packageRoot + "/docs/hierarchy-example.json"

    /// The example file with `edit` applied to its JSON object, written into `folder`.
    static func hierarchyFile(in folder: URL, name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: exampleFile))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&object)
        let path = folder.appendingPathComponent(name).path
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("bad cache options are refused with status 2, saying what is accepted")
    func refusedOptions() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let presets = MemoryPreset.all.map(\.name).joined(separator: ", ")
        try expectRefused(["run", program, "--caches", "pentium"], saying: ["--caches pentium", "off, \(presets)", "JSON file"])
        try expectRefused(["run", program, "--coherence", "off"], saying: ["--coherence needs caches"])
        try expectRefused(["run", program, "--caches", "core2", "--coherence", "maybe"], saying: ["--coherence maybe"])
        try expectRefused(["run", program, "--smt", "3"], saying: ["--smt must be 1 or 2, not 3"])
        try expectRefused(["run", program, "--smt", "2"], saying: ["--smt 2 needs at least 2 harts"])
        try expectRefused(["run", program, "--smt", "-1"], saying: ["--smt"])
        try expectRefused(["run", program, "--c2c"], saying: ["--c2c needs caches"])
        try expectRefused(["run", program, "--caches", "core2", "--trace-coherence"], saying: ["--trace-coherence needs --trace"])
        try expectRefused(["run", program, "--trace-coherence", "--trace", folder.path + "/t.json"], saying: ["--trace-coherence needs caches"])
        try expectRefused(["run", program, "--caches", folder.path + "/none.json"], saying: ["cannot read", "none.json"])
        try expectRefused(["lab", "run", "race", "--caches", "pentium"], command: "interleave lab run", saying: ["--caches pentium"])
        try expectRefused(["tour", "--smt", "4"], command: "interleave tour", saying: ["--smt must be 1 or 2"])
    }

    @Test("a hierarchy file's mistakes name the field and what it takes")
    func badHierarchyFiles() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        func cache(_ object: [String: Any], _ key: String, _ field: String, _ value: Any?) -> [String: Any] {
            var result = object
            var inner = result[key] as? [String: Any] ?? [:]
            inner[field] = value
            result[key] = inner
            return result
        }
        let cases: [(String, (inout [String: Any]) -> Void, [String])] = [
            ("unknown.json", { $0 = cache($0, "l1d", "hitLatecy", 3) }, ["unknown field l1d.hitLatecy", "hitLatency"]),
            ("unknown-top.json", { $0["l3"] = $0["llc"] }, ["unknown field l3", "the fields are"]),
            ("type.json", { $0 = cache($0, "l1d", "size", "32K") }, ["l1d.size must be a whole number"]),
            ("missing.json", { $0["memoryLatency"] = nil }, ["the field memoryLatency is missing"]),
            ("size.json", { $0 = cache($0, "llc", "size", 1000) }, ["llc: the size must be a power of two"]),
            ("ways.json", { $0 = cache($0, "l1i", "associativity", 3) }, ["l1i: the associativity must be a power of two from 1 to 64, not 3"]),
            ("line.json", { $0 = cache($0, "l2", "lineSize", 128) }, ["l2: every level must use the same line size"]),
            ("policy.json", { $0 = cache($0, "llc", "replacement", "fifo") }, ["llc.replacement must be one of lru, plru, not \"fifo\""]),
            ("latency.json", { $0["memoryLatency"] = 0 }, ["the memory latency must be 1 to"]),
            ("smt.json", { $0["threadsPerCore"] = 4 }, ["threadsPerCore must be 1 or 2, not 4"]),
            ("coherent.json", { $0["coherent"] = "yes" }, ["coherent must be true or false"]),
        ]
        for (name, edit, parts) in cases {
            let path = try Self.hierarchyFile(in: folder, name: name, edit)
            try expectRefused(["run", program, "--caches", path], saying: ["--caches \(path): "] + parts)
        }
        let broken = folder.appendingPathComponent("broken.json").path
        try Data("{\"l1i\": ".utf8).write(to: URL(fileURLWithPath: broken))
        try expectRefused(["run", program, "--caches", broken], saying: ["not valid JSON"])
    }

    @Test("the example hierarchy file loads, with its L2, and so does every preset")
    func exampleFileAndPresets() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let example = try interleave(["run", program, "--harts", "2", "--caches", Self.exampleFile, "--json", "-"])
        #expect(example.status == 0, "\(example.error)")
        #expect(example.output.contains("\"caches\": \"example\""), "\(example.output)")
        #expect(example.output.contains("\"l2\": {"), "the example has an L2 per core")
        for preset in MemoryPreset.all {
            let outcome = try interleave(["run", program, "--harts", "2", "--caches", preset.name, "--json", "-"])
            #expect(outcome.status == 0, "\(preset.name): \(outcome.error)")
            #expect(outcome.output.contains("\"caches\": \"\(preset.name)\""))
            #expect(outcome.output.contains("\"threadsPerCore\": \(min(2, preset.threadsPerCore))"), "\(preset.name): the preset's SMT")
        }
        let off = try interleave(["run", program, "--harts", "2", "--caches", "zen4", "--smt", "1", "--coherence", "off", "--json", "-"])
        #expect(off.status == 0, "\(off.error)")
        #expect(off.output.contains("\"coherence\": false") && off.output.contains("\"threadsPerCore\": 1"))
    }

    @Test("machine run takes the caches' options too: a bare-metal program runs with them, bad values are refused")
    func bareMachine() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Stores to a word, reads it back, and exits through the test device with 0x5555.
        var asm = Assembler(origin: 0x8000_0000)
        asm.label("start")
        asm.li(.t0, 0x8000_1000)
        asm.li(.t1, 7)
        asm.sd(.t1, 0, .t0)
        asm.li(.t0, 0x10_0000)
        asm.li(.t1, 0x5555)
        asm.sw(.t1, 0, .t0)
        asm.label("spin")
        asm.j("spin")
        let code = try asm.assemble()
        let elf = ELFWriter.executable(contents: code, address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x2000,
                                       symbols: [("_start", 0x8000_0000)])
        let path = folder.appendingPathComponent("bare.elf").path
        try Data(elf).write(to: URL(fileURLWithPath: path))
        for caches in ["off", "core2", "zen4", Self.exampleFile] {
            let outcome = try interleave(["machine", "run", path, "--caches", caches, "--harts", "2"])
            #expect(outcome.status == 0, "--caches \(caches): \(outcome.error)")
        }
        try expectRefused(["machine", "run", path, "--smt", "2"], command: "interleave machine run", saying: ["--smt 2 needs at least 2 harts"])
        try expectRefused(["machine", "run", path, "--caches", "vax"], command: "interleave machine run", saying: ["--caches vax"])
    }

    @Test("--help lists every preset with its summary")
    func helpListsPresets() throws {
        let help = try interleave(["run", "--help"])
        let words = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for preset in MemoryPreset.all {
            let summary = preset.summary.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(words.contains("\(preset.name) \(summary)"), "\(preset.name) not listed with its summary")
        }
        for option in ["--caches", "--coherence", "--smt", "--c2c", "--trace-coherence"] {
            #expect(help.output.contains(option), "\(option) not in --help")
        }
        let lab = try interleave(["lab", "run", "--help"])
        #expect(lab.output.contains("--caches") && lab.output.contains("--smt"))
    }

    @Test("--stats prints the caches' table, --c2c its report, and the same run twice gives the same bytes")
    func statsAndDeterminism() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try CommandLineTests.program(in: folder)
        let arguments = ["run", program, "--harts", "2", "--caches", "core2", "--stats", "--c2c", "--json", "-", "--jitter", "9", "--seed", "4"]
        let first = try interleave(arguments)
        #expect(first.status == 0, "\(first.error)")
        for part in ["interleave: caches core2, coherence on (MESI), 2 cores", "L1I", "L1D", "LLC", "compulsory", "capacity",
                     "conflict", "coherence", "write-backs", "HITM", "memory:", "MESI transitions:", "misses after a migration",
                     "interleave: c2c:"] {
            #expect(first.error.contains(part), "no '\(part)' in --stats: \(first.error)")
        }
        #expect(first.output.contains("\"memory\": {") && first.output.contains("\"contendedLines\": ["))
        let second = try interleave(arguments)
        #expect(first.output == second.output, "the JSON differs between two identical runs")
        let statistics = { (text: String) in text.split(separator: "\n").filter { !$0.contains("on the host") } }
        #expect(statistics(first.error) == statistics(second.error))
    }
}
