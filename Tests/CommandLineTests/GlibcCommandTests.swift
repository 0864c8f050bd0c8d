// C with glibc from the command line, as a person types it: `interleave build` with -I and
// -D writes a static program that `interleave run` runs; a textbook pthread program runs on
// four harts with --trace, each thread a named lane of the Perfetto file; a bad -D, -I or
// --libc is refused in the one format with status 2. Needs riscv64-linux-gnu-gcc and
// Debian's riscv64 glibc (and the Swift toolchain, which `interleave build` locates first).

import Foundation
import Testing

enum GlibcCommandSupport {
    /// Whether riscv64-linux-gnu-gcc is on PATH with Debian's static riscv64 glibc.
    static let installed: Bool = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let compiler = path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/riscv64-linux-gnu-gcc") }
        return compiler && FileManager.default.fileExists(atPath: "/usr/riscv64-linux-gnu/lib/libc.a")
    }()
    static let required = ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1"
}

@Suite("Command line: C with glibc",
       .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"),
       .enabled(if: GlibcCommandSupport.installed || GlibcCommandSupport.required,
                "needs riscv64-linux-gnu-gcc and riscv64 glibc (Debian packages gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)"))
struct GlibcCommandTests {
    /// Runs interleave with its build cache in `folder`.
    func interleave(_ arguments: [String], cache folder: URL) throws -> CommandLineTests.Outcome {
        let tool = try #require(CommandLineTests.tool)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["INTERLEAVE_CACHE"] = folder.appendingPathComponent("cache").path
        process.environment = environment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return .init(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                     error: String(decoding: errorData, as: UTF8.self))
    }

    @Test("build with -I and -D, then run the ELF")
    func buildThenRun() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("include"), withIntermediateDirectories: true)
        try "#define QUESTION \"six times seven\"\n".write(to: folder.appendingPathComponent("include/question.h"), atomically: true, encoding: .utf8)
        try """
            #include <stdio.h>
            #include <question.h>
            int main(void) { printf("%s is %d\\n", QUESTION, ANSWER); return ANSWER - 40; }

            """.write(to: folder.appendingPathComponent("answer.c"), atomically: true, encoding: .utf8)
        let built = try interleave(["build", "answer.c", "-I", "include", "-DANSWER=42", "-o", "answer.elf"], cache: folder)
        #expect(built.status == 0, "\(built.error)")
        #expect(built.output == "answer.elf\n")
        #expect(built.error.contains("compiling answer.c against glibc (riscv64-linux-gnu-gcc -O2)…"))
        let ran = try interleave(["run", "answer.elf"], cache: folder)
        #expect(ran.output == "six times seven is 42\n", "\(ran.error)")
        #expect(ran.status == 2)
    }

    @Test("a pthread program on four harts, traced: every thread is a named lane")
    func tracedThreads() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = CommandLineTests.packageRoot + "/Guest/Programs/C/pthread-join.c"
        let trace = folder.appendingPathComponent("threads.json").path
        let outcome = try interleave(["run", source, "--harts", "4", "--trace", trace], cache: folder)
        #expect(outcome.status == 0, "\(outcome.error)")
        #expect(outcome.output.hasSuffix("total 800020000, expected 800020000\n"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any]
        let events = try #require(json?["traceEvents"] as? [[String: Any]])
        let threadNames = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
            .compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(Set(threadNames.filter { !$0.hasPrefix("hart") }).count >= 5, "\(threadNames)")
    }

    @Test("a bad -D, -I or --libc: one sentence, status 2")
    func badOptions() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "int main(void) { return 0; }\n".write(to: folder.appendingPathComponent("empty.c"), atomically: true, encoding: .utf8)
        for (arguments, message) in [
            (["build", "empty.c", "-D", "2fast"], "-D 2fast: not a macro definition (-D takes NAME or NAME=VALUE"),
            (["run", "empty.c", "-I", "missing"], "-I missing: no such folder"),
            (["build", "empty.c", "--libc", "musl"], "auto, glibc, interleave"),
        ] {
            let outcome = try interleave(arguments, cache: folder)
            #expect(outcome.status == 2, "\(arguments): \(outcome.error)")
            #expect(outcome.error.contains(message), "\(arguments): \(outcome.error)")
        }
    }
}
