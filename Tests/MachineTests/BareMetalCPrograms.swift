// Test support: builds the bare-metal programs in Guest/BareMetal/ — every .c and .S of a
// folder, linked with the folder's one linker script — with the Swift toolchain's clang
// and ld.lld (freestanding, medany, frame pointers), once per test process.

import Foundation
import Synchronization
import Testing

enum BareMetalC {
    /// The package's root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    private static let cache = Mutex<[String: [UInt8]]>([:])

    /// Builds `Guest/BareMetal/<folder>` and returns the ELF's bytes.
    static func build(_ folder: String) throws -> [UInt8] {
        if let cached = cache.withLock({ $0[folder] }) { return cached }
        guard let tools = CrossTools.tools else { throw BuildError(description: "no clang/ld.lld") }
        let source = packageRoot + "/Guest/BareMetal/" + folder
        let names = try FileManager.default.contentsOfDirectory(atPath: source).sorted()
        guard let script = names.first(where: { $0.hasSuffix(".ld") }) else {
            throw BuildError(description: "\(source) has no linker script")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-bare-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var objects: [String] = []
        for name in names where name.hasSuffix(".c") || name.hasSuffix(".S") {
            let object = scratch + "/" + name + ".o"
            try run(tools.clang, ["--target=riscv64-unknown-elf", "-march=rv64gc", "-mabi=lp64", "-mcmodel=medany",
                                  "-ffreestanding", "-fno-builtin", "-nostdlib", "-O2", "-g", "-fno-omit-frame-pointer",
                                  "-Wall", "-Werror", "-c", source + "/" + name, "-o", object])
            objects.append(object)
        }
        let program = scratch + "/program.elf"
        try run(tools.lld, ["-T", source + "/" + script, "-nostdlib", "-static"] + objects + ["-o", program])
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: program)))
        cache.withLock { $0[folder] = bytes }
        return bytes
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BuildError(description: "\(URL(fileURLWithPath: tool).lastPathComponent) failed:\n" + String(decoding: output, as: UTF8.self))
        }
    }
}
