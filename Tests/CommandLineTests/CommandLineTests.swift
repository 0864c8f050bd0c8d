// The command line itself, run as a person would: the trace views' bad input (an
// unwritable path, --from after --to, a window in which nothing happened) gives one
// sentence, a non-zero status and no file left behind; the timeline prints plain when
// piped; the lab names its experiments and refuses what one cannot take, with the reason.
// The programs are hand-assembled, so no toolchain is needed.

import Foundation
import Machine
import MachineTools
import Testing

@Suite("Command line")
struct CommandLineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The `interleave` built beside the tests (swift test builds every product), or nil;
    /// its absence fails the tests that run it.
    static let tool: String? = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("interleave").path
        return [beside, packageRoot + "/.build/debug/interleave"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// A fresh folder for one test's files.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Two threads that yield to each other three times, as an ELF file in `folder`.
    static func program(in folder: URL) throws -> String {
        var asm = Assembler(origin: 0x10000)
        asm.j("main")
        asm.li(.s0, 3)                                   // the worker, at origin + 4
        asm.label("worker")
        asm.li(.a7, 124)
        asm.ecall()
        asm.addi(.s0, .s0, -1)
        asm.bnez(.s0, "worker")
        asm.li(.a0, 0)
        asm.ret()
        asm.label("main")
        for (register, value) in [(Register.a0, Int64(0x10004)), (.a1, 0), (.a2, 64 << 10), (.a3, 0)] { asm.li(register, value) }
        asm.li(.a7, 0x1000)
        asm.ecall()
        asm.mv(.s1, .a0)
        asm.li(.s0, 3)
        asm.label("loop")
        asm.li(.a7, 124)
        asm.ecall()
        asm.addi(.s0, .s0, -1)
        asm.bnez(.s0, "loop")
        asm.mv(.a0, .s1)
        asm.li(.a7, 0x1001)
        asm.ecall()
        asm.li(.a0, 0)
        asm.li(.a7, 93)
        asm.ecall()
        let code = try asm.assemble()
        let elf = ELFWriter.executable(contents: code, address: 0x10000, entry: 0x10000, zeroFill: 0x1000, symbols: [("_start", 0x10000)])
        let path = folder.appendingPathComponent("yield.elf").path
        try Data(elf).write(to: URL(fileURLWithPath: path))
        return path
    }

    struct Outcome { var status: Int32; var output: String; var error: String }

    func interleave(_ arguments: [String]) throws -> Outcome {
        let tool = try #require(Self.tool, "no interleave executable beside the tests (swift test builds it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "80"
        process.environment = environment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                       error: String(decoding: errorData, as: UTF8.self))
    }

    func files(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0 != "yield.elf" }.sorted()
    }

    @Test("the timeline, the Perfetto trace and the picture of a good run; plain text when piped")
    func goodRun() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try Self.program(in: folder)
        let trace = folder.appendingPathComponent("t.json").path, svg = folder.appendingPathComponent("t.svg").path
        let outcome = try interleave(["run", program, "--timeline", "--trace", trace, "--svg", svg])
        #expect(outcome.status == 0, "\(outcome.error)")
        #expect(outcome.output.contains("Timeline:") && outcome.output.contains("switches: y yield"))
        #expect(!outcome.output.contains("\u{1B}["), "no colour when standard output is a pipe")
        #expect(outcome.output.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(files(in: folder) == ["t.json", "t.svg"])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any]
        #expect((json?["traceEvents"] as? [Any])?.isEmpty == false)
    }

    @Test("bad trace input: one sentence, status 2, no file left behind")
    func badInput() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = try Self.program(in: folder)
        let trace = folder.appendingPathComponent("t.json").path, svg = folder.appendingPathComponent("t.svg").path
        let cases: [([String], String)] = [
            (["--trace", folder.path + "/missing/t.json"], "cannot write the trace"),
            (["--svg", folder.path + "/missing/t.svg"], "cannot write the picture"),
            (["--trace", folder.path], "it is a folder"),
            (["--svg", svg, "--trace", trace, "--from", "5ms", "--to", "1ms"], "must come before --to"),
            (["--svg", svg, "--trace", trace, "--from", "500ms", "--to", "600ms"], "is after the run ended"),
            (["--timeline", "--from", "soon"], "--from must be a number of cycles"),
            (["--from", "1ms"], "need a view"),
        ]
        for (options, message) in cases {
            let outcome = try interleave(["run", program] + options)
            #expect(outcome.status == 2 || outcome.status == 64, "\(options): status \(outcome.status)")
            #expect(outcome.error.contains(message), "\(options): \(outcome.error)")
            #expect(files(in: folder).isEmpty, "\(options) left \(files(in: folder))")
        }
    }

    @Test("the lab lists twenty-nine experiments, names the known ones for an unknown name, and says why it refuses an option")
    func labInput() throws {
        let list = try interleave(["lab", "list"])
        #expect(list.status == 0)
        #expect(list.output.split(separator: "\n").count == 29)
        let unknown = try interleave(["lab", "run", "race-detector"])
        #expect(unknown.status == 2)
        #expect(unknown.error.contains("no experiment named race-detector") && unknown.error.contains("multicore-race"))
        let refused = try interleave(["lab", "run", "single-tasking", "--harts", "2"])
        #expect(refused.status == 2)
        #expect(refused.error.contains("takes no --harts:"))
        let tour = try interleave(["tour", "--chapter", "30"])
        #expect(tour.status != 0 && tour.error.contains("--chapter must be between 1 and 29"))
    }

    @Test("--era win95 has the starvation boost; --no-starvation-boost turns it off, --starvation-boost on under another era")
    func starvationBoostOption() throws {
        let program = Self.packageRoot + "/Guest/Programs/Lab/starvation.swift"
        let common = ["--clock-hz", "100000", "--stats"]
        let era = try interleave(["run", program, "--era", "win95"] + common)
        let off = try interleave(["run", program, "--era", "win95", "--no-starvation-boost"] + common)
        let on = try interleave(["run", program, "--era", "linux", "--starvation-boost"] + common)
        #expect(era.status == 0 && era.output.contains("chunks 60 of 60") && era.error.contains("2 starvation boosts"), "\(era.output)\(era.error)")
        #expect(off.status == 0 && off.output.contains("slices 0,") && !off.error.contains("starvation boosts"), "\(off.output)")
        #expect(on.status == 0 && on.error.contains("starvation boosts"), "\(on.error)")
    }
}
