// Determinism across processes: Swift seeds its hasher per process, so a Dictionary or
// Set iterated on the way to the output would order it differently from one process to
// the next while every in-process comparison still agreed. Here the built `interleave`
// runs twice in processes of its own, on the same program, seed and options, and the
// bytes of every output (--json, --trace, --svg, --switch-log, the timeline) must match.
// The guest is built once by `interleave build`, with the toolchain the tool finds; no
// toolchain is a failure here, as the rest of the command line needs one too.

import Foundation
import Machine
import MachineTools
import Testing

@Suite("Command line: the same run in two processes")
struct CrossProcessDeterminismTests {
    /// One run's outputs: standard output and error, and each file it wrote.
    struct Outputs: Equatable {
        var status: Int32
        var output: String
        var error: String
        var files: [String: Data]
    }

    /// Runs `interleave arguments` in `folder` with a fresh hash seed (no
    /// SWIFT_DETERMINISTIC_HASHING), then reads back the files named in `files`.
    static func interleave(_ arguments: [String], in folder: URL, files: [String]) throws -> Outputs {
        let tool = try #require(CommandLineTests.tool, "no interleave executable beside the tests (swift test builds it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "100"
        environment.removeValue(forKey: "SWIFT_DETERMINISTIC_HASHING")
        process.environment = environment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let errorReader = PipeReader(error)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var contents: [String: Data] = [:]
        for name in files {
            contents[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where !name.hasSuffix(".elf") {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        return Outputs(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                       error: String(decoding: errorReader.finish(), as: UTF8.self), files: contents)
    }

    /// Says which output differs first, and where.
    static func expectSame(_ first: Outputs, _ second: Outputs, _ what: String) {
        #expect(first.status == second.status, "\(what): status")
        #expect(first.output == second.output, "\(what): standard output differs at \(firstDifference(Data(first.output.utf8), Data(second.output.utf8)))")
        // The first run may build guests, and says so on standard error, and --stats ends
        // with the host's own time ("0.01 s on the host (0.04 MIPS)"); the rest must match.
        func report(_ text: String) -> [String] {
            text.split(separator: "\n").filter { !$0.hasPrefix("interleave: compiling ") && !$0.hasPrefix("interleave: linking ") }
                .map { String($0).replacing(/[0-9.]+ s on the host \([0-9.]+ MIPS\)/, with: "host time") }
        }
        #expect(report(first.error) == report(second.error), "\(what): standard error")
        for (name, data) in first.files {
            #expect(data == second.files[name], "\(what): \(name) differs at byte \(firstDifference(data, second.files[name] ?? Data()))")
        }
    }

    static func firstDifference(_ a: Data, _ b: Data) -> String {
        let index = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        let context = { (data: Data) in String(decoding: data.dropFirst(max(0, index - 40)).prefix(100), as: UTF8.self) }
        return "\(index): «\(context(a))» against «\(context(b))»"
    }

    @Test("a two-hart futex ping-pong: --json, --trace, --svg, --switch-log and the timeline are byte-identical")
    func pingPong() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let build = try Self.interleave(["build", CommandLineTests.packageRoot + "/Guest/Programs/Threads/ping-pong.swift",
                                         "-o", "ping-pong.elf"], in: folder, files: [])
        try #require(build.status == 0, "the guest did not build: \(build.error)")
        let arguments = ["run", "ping-pong.elf", "300", "--harts", "2", "--seed", "7", "--jitter", "3", "--json", "run.json",
                         "--trace", "run.trace.json", "--svg", "run.svg", "--switch-log", "switches.txt", "--timeline"]
        let files = ["run.json", "run.trace.json", "run.svg", "switches.txt"]
        let first = try Self.interleave(arguments, in: folder, files: files)
        let second = try Self.interleave(arguments, in: folder, files: files)
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains("Timeline:"))
        #expect(first.files.values.allSatisfy { !$0.isEmpty })
        Self.expectSame(first, second, "ping-pong")
    }

    @Test("three processes, one making calls the kernel lacks: --json, --stats and the trace are byte-identical")
    func processesAndUnknownCalls() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let yield = try CommandLineTests.program(in: folder)
        var asm = Assembler(origin: 0x10000)
        for number: Int64 in [300, 17, 450, 23, 999, 61, 0x1FFF, 300, 25, 1000, 59] {
            asm.li(.a7, number)
            asm.ecall()
        }
        asm.li(.a0, 3)
        asm.li(.a7, 93)
        asm.ecall()
        let unknown = ELFWriter.executable(contents: try asm.assemble(), address: 0x10000, entry: 0x10000, zeroFill: 0x1000,
                                           symbols: [("_start", 0x10000)])
        try Data(unknown).write(to: folder.appendingPathComponent("unknown.elf"))
        let arguments = ["run", yield, "unknown.elf", yield, "--harts", "2", "--seed", "11", "--json", "run.json", "--stats",
                         "--trace", "run.trace.json", "--timeline"]
        let first = try Self.interleave(arguments, in: folder, files: ["run.json", "run.trace.json"])
        let second = try Self.interleave(arguments, in: folder, files: ["run.json", "run.trace.json"])
        #expect(first.status == 0, "\(first.error)")
        #expect(String(decoding: first.files["run.json"] ?? Data(), as: UTF8.self).contains("\"450\""), "the unknown calls are counted")
        Self.expectSame(first, second, "three processes")
    }

    @Test("a lab experiment with its timeline and trace prints the same bytes in two processes")
    func labRun() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = ["lab", "run", "multicore-race", "--seed", "3", "--timeline", "--trace", "lab.trace.json"]
        let first = try Self.interleave(arguments, in: folder, files: ["lab.trace.json"])
        let second = try Self.interleave(arguments, in: folder, files: ["lab.trace.json"])
        #expect(first.status == 0, "\(first.error)")
        Self.expectSame(first, second, "lab multicore-race")
    }
}

/// Drains a pipe on another thread, so a child that fills one pipe does not block.
final class PipeReader: @unchecked Sendable {
    private let group = DispatchGroup()
    private var data = Data()

    init(_ pipe: Pipe) {
        group.enter()
        DispatchQueue.global().async { [self] in
            data = pipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
    }

    /// Everything the pipe carried, once its writer closed it.
    func finish() -> Data {
        group.wait()
        return data
    }
}
