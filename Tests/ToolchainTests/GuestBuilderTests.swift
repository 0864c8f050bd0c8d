// Building real guest programs with the toolchain: the ELF's header, its output under
// qemu-riscv64 when installed, the cache (a second build starts no process), compiler
// errors with file and line, Swift mixed with C and assembly, and every optimisation level.

import Foundation
import Testing
import Toolchain

/// Collects progress lines (builds call back on the calling thread).
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func add(_ line: String) { lock.withLock { stored.append(line) } }
}

@Suite(.enabled(if: TestToolchain.available, "no Swift toolchain with Embedded Swift for riscv64 was found"))
struct GuestBuilderTests {
    static let hello = """
        let greeting = "Hello"
        for name in ["RISC-V", "Swift"] {
            print("\\(greeting), \\(name)!")
        }

        """
    static let helloOutput = "Hello, RISC-V!\nHello, Swift!\n"

    @Test(.needsQemu) func buildsHelloIntoARISCVExecutable() throws {
        let scratch = try Scratch()
        let source = try scratch.write("hello.swift", Self.hello)
        let log = ProgressLog()
        let result = try scratch.builder(cold: true).build(sources: [source], progress: log.add)
        #expect(!result.cached)
        #expect(result.toolRuns >= 3)
        #expect(log.lines.contains { $0.hasPrefix("compiling the guest runtime (") })
        #expect(!log.lines.contains { $0.contains("Sync") })  // hello does not import Sync
        #expect(result.elfPath.hasPrefix(scratch.path + "/cache/"))
        #expect(result.elfPath.hasSuffix("/hello.elf"))
        #expect(log.lines.contains("compiling hello.swift (swiftc -O)…"))
        #expect(log.lines.contains("linking hello.elf (ld.lld)…"))
        let header = try ELFHeader(path: result.elfPath)
        #expect(header.isELF64LittleEndian)
        #expect(header.type == 2)        // ET_EXEC
        #expect(header.machine == 0xF3)  // EM_RISCV
        #expect(header.entry >= 0x10000)
        let run = try runUnderQemu(result.elfPath)
        #expect(run.output == Self.helloOutput)
        #expect(run.status == 0)
    }

    @Test(.needsQemu) func programsImportingSyncBuildItFirst() throws {
        let scratch = try Scratch()
        let source = try scratch.write("exits.swift", """
            import Sync

            print("leaving with 3")
            System.exit(3)

            """)
        let log = ProgressLog()
        let result = try scratch.builder(cold: true).build(sources: [source], progress: log.add)
        #expect(log.lines.contains { $0.hasPrefix("compiling the Sync module (") })
        #expect(log.lines.contains { $0.hasPrefix("compiling the guest runtime (") })
        #expect(log.lines.last == "linking exits.elf (ld.lld)…")
        let run = try runUnderQemu(result.elfPath)
        #expect(run.output == "leaving with 3\n")
        #expect(run.status == 3)
    }

    @Test func secondBuildComesFromTheCacheWithoutCompiling() throws {
        let scratch = try Scratch()
        let source = try scratch.write("hello.swift", Self.hello)
        let builder = try scratch.builder()
        let first = try builder.build(sources: [source])
        let log = ProgressLog()
        let second = try builder.build(sources: [source], progress: log.add)
        #expect(second.cached)
        #expect(second.toolRuns == 0)
        #expect(log.lines.isEmpty)
        #expect(second.elfPath == first.elfPath)

        // A changed program is built again, but the runtime and Sync module are reused.
        try scratch.write("hello.swift", Self.hello + "print(\"one more line\")\n")
        let changedLog = ProgressLog()
        let changed = try builder.build(sources: [source], progress: changedLog.add)
        #expect(!changed.cached)
        #expect(changed.toolRuns == 2)  // swiftc for the program, ld.lld
        #expect(!changedLog.lines.contains { $0.contains("runtime") || $0.contains("Sync") })
        #expect(changed.elfPath != first.elfPath)
    }

    @Test func outputIsCopiedWhereAsked() throws {
        let scratch = try Scratch()
        let source = try scratch.write("hello.swift", Self.hello)
        let builder = try scratch.builder()
        let output = scratch.path + "/out.elf"
        let result = try builder.build(sources: [source], output: output)
        #expect(result.elfPath == output)
        #expect(FileManager.default.isExecutableFile(atPath: output))
        let again = try builder.build(sources: [source], output: scratch.path + "/again.elf")
        #expect(again.cached)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(contentsOf: URL(fileURLWithPath: again.elfPath)))
    }

    @Test func compilerErrorsKeepFileAndLine() throws {
        let scratch = try Scratch()
        let source = try scratch.write("broken.swift", "let fine = 1\nlet number: Int = \"not a number\"\n")
        let error = try #require(throws: BuildError.self) {
            try scratch.builder().build(sources: [source])
        }
        let output = try #require(error.compilerOutput)
        #expect(output.contains("broken.swift:2:"))
        #expect(output.contains("error:"))
        #expect(error.description.contains("broken.swift:2:"))
        // Nothing broken was cached.
        #expect(throws: BuildError.self) { try scratch.builder().build(sources: [source]) }
    }

    @Test func failedBuildStillKeepsTheRuntimeAndSync() throws {
        let scratch = try Scratch()
        let source = try scratch.write("typo.swift", "import Sync\nprnt(\"oops\")\n")
        let builder = try scratch.builder(cold: true)
        let error = try #require(throws: BuildError.self) { try builder.build(sources: [source]) }
        #expect(error.compilerOutput?.contains("typo.swift:2:") == true)
        try scratch.write("typo.swift", "import Sync\nprint(\"fixed\")\n")
        let log = ProgressLog()
        _ = try builder.build(sources: [source], progress: log.add)
        #expect(log.lines == ["compiling typo.swift (swiftc -O)…", "linking typo.elf (ld.lld)…"])
    }

    @Test func cCompilerErrorsKeepFileAndLine() throws {
        let scratch = try Scratch()
        let source = try scratch.write("broken.c", "#include \"interleave.h\"\nint main(void) {\n    return undeclared;\n}\n")
        let error = try #require(throws: BuildError.self) {
            try scratch.builder().build(sources: [source])
        }
        #expect(error.compilerOutput?.contains("broken.c:3:") == true)
    }

    @Test(.needsQemu) func swiftMixesWithCAndAssembly() throws {
        let scratch = try Scratch()
        let swift = try scratch.write("mixed.swift", """
            @_extern(c, "add_in_c")
            func addInC(_ a: Int32, _ b: Int32) -> Int32

            @_extern(c, "forty_two_in_assembly")
            func fortyTwo() -> Int64

            @_cdecl("twice_in_swift")
            func twiceInSwift(_ x: Int32) -> Int32 { x * 2 }

            print("C says \\(addInC(20, 1)), assembly says \\(fortyTwo())")

            """)
        let c = try scratch.write("helper.c", """
            #include "helper.h"
            int add_in_c(int a, int b) { return twice_in_swift(a) + b; }

            """)
        try scratch.write("helper.h", "int twice_in_swift(int x);\n")
        let assembly = try scratch.write("answer.S", """
                .text
                .globl forty_two_in_assembly
            forty_two_in_assembly:
                li a0, 42
                ret

            """)
        let result = try scratch.builder().build(sources: [swift, c, assembly])
        #expect(try ELFHeader(path: result.elfPath).machine == 0xF3)
        let run = try runUnderQemu(result.elfPath)
        #expect(run.output == "C says 41, assembly says 42\n")
        #expect(run.status == 0)
    }

    @Test(.needsQemu) func cMainWithSwiftAsALibrary() throws {
        let scratch = try Scratch()
        let swift = try scratch.write("library.swift", """
            @_cdecl("greet_from_swift")
            public func greet(_ times: Int32) -> Int32 {
                for n in 0..<times { print("Swift greets \\(n)") }
                return times + 1
            }

            """)
        let c = try scratch.write("start.c", """
            #include "interleave.h"
            int greet_from_swift(int times);

            /* main, in GNU layout */
            int
            main (void)
            {
                return greet_from_swift(2);
            }

            """)
        let result = try scratch.builder().build(sources: [c, swift])
        #expect(result.elfPath.hasSuffix("/start.elf"))
        let run = try runUnderQemu(result.elfPath)
        #expect(run.output == "Swift greets 0\nSwift greets 1\n")
        #expect(run.status == 3)
    }

    @Test(.needsQemu) func editingALocalHeaderRebuilds() throws {
        let scratch = try Scratch()
        let c = try scratch.write("exit.c", "#include \"code.h\"\nint main(void) { return CODE; }\n")
        try scratch.write("code.h", "#include \"interleave.h\"\n#define CODE 3\n")
        let builder = try scratch.builder()
        let first = try builder.build(sources: [c])
        try scratch.write("code.h", "#include \"interleave.h\"\n#define CODE 4\n")
        let second = try builder.build(sources: [c])
        #expect(!second.cached)
        #expect(try runUnderQemu(first.elfPath).status == 3)
        #expect(try runUnderQemu(second.elfPath).status == 4)
    }

    @Test(.needsQemu, arguments: [GuestOptimization.none, .size])
    func otherOptimizationLevelsBuild(_ optimization: GuestOptimization) throws {
        let scratch = try Scratch()
        let source = try scratch.write("hello.swift", Self.hello)
        let log = ProgressLog()
        let result = try scratch.builder().build(sources: [source], optimization: optimization, progress: log.add)
        #expect(log.lines.contains("compiling hello.swift (swiftc \(optimization.swiftFlag))…"))
        #expect(try ELFHeader(path: result.elfPath).machine == 0xF3)
        #expect(try runUnderQemu(result.elfPath).output == Self.helloOutput)
    }

    @Test(.needsQemu) func mainTypeAndMainSwiftFiles() throws {
        let scratch = try Scratch()
        let app = try scratch.write("app.swift", """
            @main struct App {
                static func main() { print("from @main \\(Helper.value)") }
            }

            """)
        let helper = try scratch.write("helper.swift", "enum Helper { static let value = 7 }\n")
        let builder = try scratch.builder()
        let withMainType = try builder.build(sources: [app, helper])

        try FileManager.default.createDirectory(atPath: scratch.path + "/script", withIntermediateDirectories: true)
        let main = try scratch.write("script/main.swift", "print(\"from main.swift \\(Helper.value)\")\n")
        let library = try scratch.write("script/helper.swift", "enum Helper { static let value = 8 }\n")
        let withMainFile = try builder.build(sources: [library, main])
        #expect(withMainFile.elfPath.hasSuffix("/helper.elf"))
        #expect(try runUnderQemu(withMainType.elfPath).output == "from @main 7\n")
        #expect(try runUnderQemu(withMainFile.elfPath).output == "from main.swift 8\n")
    }

    @Test func concurrentBuildsOfOneProgramBothSucceed() throws {
        let scratch = try Scratch()
        let source = try scratch.write("hello.swift", "import Sync\n" + Self.hello)
        let builder = try scratch.builder(cold: true)
        let results = ProgressLog()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do {
                results.add(try builder.build(sources: [source]).elfPath)
            } catch {
                results.add("failed: \(error)")
            }
        }
        #expect(results.lines.count == 2)
        #expect(Set(results.lines).count == 1)
        #expect(results.lines.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path + "/cache/v1/tmp")) ?? []
        #expect(leftovers.isEmpty)
    }
}

/// Bad input: every message names the problem.
@Suite(.enabled(if: TestToolchain.available, "no Swift toolchain with Embedded Swift for riscv64 was found"))
struct BadInputTests {
    @Test func missingFileIsNamed() throws {
        let scratch = try Scratch()
        let error = try #require(throws: BuildError.self) {
            try scratch.builder().build(sources: [scratch.path + "/nowhere.swift"])
        }
        #expect(error == .missingFile(scratch.path + "/nowhere.swift"))
        #expect(error.description.contains("nowhere.swift"))
    }

    @Test func unsupportedExtensionsListWhatIsAccepted() throws {
        let scratch = try Scratch()
        let text = try scratch.write("notes.txt", "hello")
        let elf = try scratch.write("prog.elf", "not really")
        let textError = try #require(throws: BuildError.self) { try scratch.builder().build(sources: [text]) }
        #expect(textError.description.contains(".swift, .c, .S and .s"))
        let elfError = try #require(throws: BuildError.self) { try scratch.builder().build(sources: [elf]) }
        #expect(elfError.description.contains("interleave run"))
    }

    @Test func nothingToBuild() throws {
        let scratch = try Scratch()
        #expect(throws: BuildError.noSources) { try scratch.builder().build(sources: []) }
        #expect(throws: BuildError.notAFile(scratch.path)) { try scratch.builder().build(sources: [scratch.path]) }
    }

    @Test func severalSwiftFilesNeedAnEntryPoint() throws {
        let scratch = try Scratch()
        let a = try scratch.write("a.swift", "print(\"a\")\n")
        let b = try scratch.write("b.swift", "func b() {}\n")
        let error = try #require(throws: BuildError.self) { try scratch.builder().build(sources: [a, b]) }
        #expect(error.description.contains("main.swift"))
        #expect(error.description.contains("@main"))
    }

    @Test func missingGuestFolderIsNamed() throws {
        let toolchain = try #require(TestToolchain.found)
        let error = try #require(throws: BuildError.self) {
            try GuestBuilder(toolchain: toolchain, guestRoot: "/no/guest", cacheDirectory: "/tmp/unused")
        }
        #expect(error.description.contains("/no/guest"))
    }
}
