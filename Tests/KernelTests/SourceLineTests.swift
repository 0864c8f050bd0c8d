// Source lines in real programs built by the toolchain (with line tables by default):
// the DWARF reader names the file and a line inside a known function of a Swift and a C
// program, agrees with riscv64-linux-gnu-addr2line where it is installed, and fault
// reports and backtraces print `function+0x1c (file:line)`; a program whose .debug_line
// is corrupt still gets its report, with a note instead of lines.

import Foundation
import Kernel
import Machine
import MachineTools
import Testing
import Toolchain

@Suite("Kernel: source lines in reports")
struct SourceLineTests {
    static let addr2line = "/usr/bin/riscv64-linux-gnu-addr2line"
    static let hasAddr2line = FileManager.default.isExecutableFile(atPath: addr2line)

    /// The 1-based line of the first line of `path` (under Guest/Programs) containing `text`.
    func line(of text: String, in path: String) throws -> Int {
        let source = try String(contentsOfFile: GuestPrograms.source(path), encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(text) }) + 1
    }

    @Test("a Swift fault report gives the store's line, and each caller the line of its call", .needsGuestToolchain)
    func swiftFault() throws {
        let elf = try GuestPrograms.build("Broken/null-pointer.swift")
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        let store = try line(of: "pointer.pointee = value", in: "Broken/null-pointer.swift")
        #expect(fault.sourceLine == "null-pointer.swift:\(store)", "\(fault.description)")
        #expect(fault.description.contains("(null-pointer.swift:\(store))"), "\(fault.description)")
        #expect(fault.lineInformationProblem == nil)
        let fill = try line(of: "store(value, to: 16)", in: "Broken/null-pointer.swift")
        let load = try line(of: "fillRecord(count &* 2)", in: "Broken/null-pointer.swift")
        #expect(fault.callers.count >= 2, "\(fault.callers)")
        #expect(fault.callers.first?.contains("(null-pointer.swift:\(fill), 0x") == true, "\(fault.callers)")
        #expect(fault.callers.dropFirst().first?.contains("(null-pointer.swift:\(load), 0x") == true, "\(fault.callers)")
    }

    @Test("a glibc program's fault report (gcc -g) gives the store's line and the call's", .needsGlibcToolchain)
    func glibcFault() throws {
        let elf = try GlibcPrograms.build("C/segfault.c")
        let result = try GlibcPrograms.runSeparately(elf, name: "segfault")
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        let store = try line(of: "*slot = value;", in: "C/segfault.c")
        let call = try line(of: "record(i == 3", in: "C/segfault.c")
        #expect(fault.sourceLine == "segfault.c:\(store)", "\(fault.description)")
        #expect(fault.callers.first?.contains("segfault.c:\(call)") == true, "\(fault.callers)")
    }

    @Test("a C program built with clang: main's code is in its file, from the line that defines it", .needsGuestToolchain)
    func cProgram() throws {
        let image = try ELFImage(bytes: try GuestPrograms.build("Pipes/ping-pong.c"))
        let table = try DWARFLineTable(image: image)
        let main = try #require(image.symbol(named: "main"))
        let start = try line(of: "int main(void)", in: "Pipes/ping-pong.c")
        // Functions it calls may be inlined (from the file and from the runtime's header),
        // so its lines are anywhere in those; its entry is at its definition.
        for offset in stride(from: UInt64(0), to: max(main.size, 2), by: 2) {
            guard let location = table.location(at: main.value + offset) else { continue }
            #expect(["ping-pong.c", "interleave.h"].contains(location.fileName), "\(location)")
        }
        let entry = try #require(table.location(at: main.value))
        #expect(entry.fileName == "ping-pong.c" && (start ..< start + 3).contains(entry.line), "\(entry)")
    }

    @Test("a Swift program: each function's code lies in its file at or after its declaration", .needsGuestToolchain)
    func swiftProgram() throws {
        let image = try ELFImage(bytes: try GuestPrograms.build("Broken/null-pointer.swift"))
        let table = try DWARFLineTable(image: image)
        #expect(!table.isEmpty)
        for (name, declaration) in [("4main10fillRecord", "func fillRecord"), ("4main4load", "func load")] {
            let symbol = try #require(image.symbols.first { $0.isFunction && $0.name.contains(name) }, "no symbol for \(name)")
            let location = try #require(table.location(at: symbol.value + 4))
            #expect(location.fileName == "null-pointer.swift", "\(location)")
            let declared = try line(of: declaration, in: "Broken/null-pointer.swift")
            #expect((declared ..< declared + 5).contains(location.line), "\(name): \(location)")
        }
    }

    @Test("the reader agrees with riscv64-linux-gnu-addr2line on every function of a Swift and a C program",
          .needsGuestToolchain, .enabled(if: SourceLineTests.hasAddr2line, "riscv64-linux-gnu-addr2line is not installed (binutils-riscv64-linux-gnu)"))
    func agreesWithAddr2line() throws {
        for program in ["Broken/null-pointer.swift", "Pipes/ping-pong.c"] {
            let bytes = try GuestPrograms.build(program)
            let image = try ELFImage(bytes: bytes)
            let table = try DWARFLineTable(image: image)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(getpid())-\(image.entry).elf").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            // Some place inside each function: its start and its middle (kept even).
            let addresses = image.symbols.filter { $0.isFunction && $0.size >= 8 }.prefix(200)
                .flatMap { [$0.value, $0.value + ($0.size / 2 & ~1)] }
            let theirs = try Self.runAddr2line(path, addresses)
            var compared = 0
            for (address, answer) in zip(addresses, theirs) {
                guard let colon = answer.lastIndex(of: ":"), !answer.hasPrefix("??"),
                      let line = Int(answer[answer.index(after: colon)...].prefix { $0.isNumber }), line != 0 else { continue }
                let file = String(answer[..<colon]).split(separator: "/").last.map(String.init) ?? ""
                let ours = table.location(at: address)
                #expect(ours?.fileName == file && ours?.line == line,
                        "\(program) 0x\(String(address, radix: 16)): addr2line \(answer), ours \(ours.map(\.description) ?? "none")")
                compared += 1
            }
            #expect(compared >= 10, "\(program): only \(compared) addresses had lines")
        }
    }

    static func runAddr2line(_ path: String, _ addresses: [UInt64]) throws -> [String] {
        let process = Foundation.Process()
        process.executableURL = URL(fileURLWithPath: addr2line)
        process.arguments = ["-e", path] + addresses.map { "0x" + String($0, radix: 16) }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("a corrupt .debug_line: the report keeps function and callers and says why it has no lines", .needsGuestToolchain)
    func corruptLineTable() throws {
        var elf = try GuestPrograms.build("Broken/null-pointer.swift")
        let section = try #require(try ELFImage(bytes: elf).sectionBytes(named: ".debug_line"))
        let start = try #require(elf.firstRange(of: section.prefix(32))).lowerBound
        elf[start + 4] = 9                                                     // the first unit's version
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.sourceLine == nil)
        #expect(fault.symbol?.contains("store") == true, "\(fault.description)")
        #expect(fault.callers.count >= 2, "\(fault.callers)")
        #expect(fault.description.contains("(no source lines: .debug_line is corrupt"), "\(fault.description)")
    }

    @Test("a Go program's DWARF is compressed: no lines and no error, so its reports stay as they were", .needsGo)
    func goCompressed() throws {
        let image = try ELFImage(bytes: try GoPrograms.build("Go/goroutines.go"))
        let section = try #require(try image.section(named: ".debug_line"))
        #expect(section.compressed)
        #expect(throws: DWARFError.self) { try image.sectionBytes(named: ".debug_line") }
        #expect(try DWARFLineTable(image: image).isEmpty)
    }
}
