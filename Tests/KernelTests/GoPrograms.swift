// Test support: Go programs cross-built for riscv64 (`GOARCH=riscv64 CGO_ENABLED=0 go
// build`, static, as Debian's golang-go builds them), cached in
// .build/interleave-test-cache/go by a hash of the source and the Go version, with Go's
// own build cache beside it. Tests that need Go carry `.needsGo`.

import Foundation
import Testing
import Toolchain

enum GoPrograms {
    /// The `go` command on PATH (or in /usr/bin, /usr/local/go/bin, /usr/lib/go/bin), or nil.
    static let goCommand: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/go/bin", "/usr/lib/go/bin"]
        return folders.map { $0 + "/go" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    static var available: Bool { goCommand != nil }

    static let cacheFolder = GuestPrograms.packageRoot + "/.build/interleave-test-cache/go"

    /// `go version`'s line, part of the cache key: another Go builds another binary.
    static let version: String = (try? runGo(["version"]).output) ?? "unknown"

    /// Builds one Go source file of the package (relative to Guest/Programs) and returns the ELF's bytes.
    static func build(_ relativePath: String) throws -> [UInt8] {
        let source = GuestPrograms.source(relativePath)
        let text = try String(contentsOfFile: source, encoding: .utf8)
        let key = SHA256.hex(SHA256.hash(Array((version + "\n" + text).utf8)))
        let name = URL(fileURLWithPath: relativePath).deletingPathExtension().lastPathComponent
        let folder = cacheFolder + "/" + key
        let elf = folder + "/" + name
        if !FileManager.default.fileExists(atPath: elf) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let copy = folder + "/" + name + ".go"
            try text.write(toFile: copy, atomically: true, encoding: .utf8)
            // A partial file of its own, so two tests building the same program do not collide.
            let partial = elf + ".partial-\(UUID().uuidString)"
            let result = try runGo(["build", "-trimpath", "-buildvcs=false", "-o", partial, copy], in: folder)
            guard result.status == 0 else { throw GoBuildError(message: result.output) }
            if (try? FileManager.default.moveItem(atPath: partial, toPath: elf)) == nil {
                try? FileManager.default.removeItem(atPath: partial)   // another test got there first
            }
        }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: elf)))
    }

    /// Runs `go` for riscv64 Linux without cgo, its caches under .build: the output (both
    /// streams) and the exit status.
    private static func runGo(_ arguments: [String], in folder: String? = nil) throws -> (output: String, status: Int32) {
        guard let goCommand else { throw GoBuildError(message: "go is not installed (Debian package golang-go)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: goCommand)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        var environment = ProcessInfo.processInfo.environment
        environment["GOOS"] = "linux"
        environment["GOARCH"] = "riscv64"
        environment["CGO_ENABLED"] = "0"
        environment["GO111MODULE"] = "off"
        environment["GOFLAGS"] = ""
        environment["GOCACHE"] = cacheFolder + "/gocache"
        environment["GOPATH"] = cacheFolder + "/gopath"
        environment["HOME"] = environment["HOME"] ?? cacheFolder
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: output, as: UTF8.self), process.terminationStatus)
    }
}

struct GoBuildError: Error, CustomStringConvertible {
    let message: String
    var description: String { "go build failed:\n" + message }
}

extension Trait where Self == ConditionTrait {
    /// For tests that build Go programs: skipped, with the reason, without Go.
    static var needsGo: Self {
        .enabled(if: GoPrograms.available || GuestPrograms.toolsRequired, "needs go (Debian package golang-go)")
    }
}
