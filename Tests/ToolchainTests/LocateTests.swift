// Finding the toolchain, the Guest folder and the cache folder, and the one-sentence
// errors when they are not where they should be.

import Foundation
import Testing
import Toolchain

struct LocateTests {
    @Test func badExplicitPathSaysWhatWasLookedForAndHowToFix() throws {
        let error = try #require(throws: ToolchainError.self) {
            try Toolchain.locate(explicitPath: "/no/such/toolchain", environment: [:])
        }
        #expect(error.description.contains("/no/such/toolchain"))
        #expect(error.description.contains("--toolchain DIR"))
        #expect(error.description.contains("INTERLEAVE_TOOLCHAIN"))
        #expect(!error.description.contains("\n"))
    }

    @Test func folderWithoutSwiftcIsRefused() throws {
        let scratch = try Scratch()
        let error = try #require(throws: ToolchainError.self) {
            try Toolchain.locate(explicitPath: scratch.path, environment: [:])
        }
        #expect(error.description.contains("swiftc"))
        #expect(error.description.contains(scratch.path))
    }

    @Test func environmentVariableIsUsedAndNamed() throws {
        let error = try #require(throws: ToolchainError.self) {
            try Toolchain.locate(explicitPath: nil, environment: ["INTERLEAVE_TOOLCHAIN": "/no/such/place", "PATH": "/usr/bin"])
        }
        #expect(error.description.contains("INTERLEAVE_TOOLCHAIN=/no/such/place"))
    }

    @Test func noSwiftOnPath() throws {
        let scratch = try Scratch()
        let error = try #require(throws: ToolchainError.self) {
            try Toolchain.locate(explicitPath: nil, environment: ["PATH": scratch.path])
        }
        #expect(error.description.contains("no `swift` on PATH"))
    }

    @Test func toolchainWithoutEmbeddedRISCVLibraryIsUnsuitable() throws {
        let scratch = try Scratch()
        let bin = scratch.path + "/usr/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["swift", "swiftc", "clang", "ld.lld"] {
            try scratch.write("usr/bin/" + tool, "#!/bin/sh\nexit 1\n")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/" + tool)
        }
        let error = try #require(throws: ToolchainError.self) {
            try Toolchain.locate(explicitPath: scratch.path, environment: [:])
        }
        #expect(error.description.contains("Embedded Swift standard library for riscv64-none-none-eabi"))
        // Found through PATH, the same folder is named as the origin.
        let viaPath = try #require(throws: ToolchainError.self) {
            try Toolchain.locate(explicitPath: nil, environment: ["PATH": bin])
        }
        #expect(viaPath.description.contains("`swift` on PATH"))
    }

    @Test(.enabled(if: TestToolchain.available, "no Swift toolchain for riscv64 here"))
    func rootAndBinFolderNameTheSameToolchain() throws {
        let toolchain = try #require(TestToolchain.found)
        let fromBin = try Toolchain.locate(explicitPath: toolchain.binDirectory, environment: [:])
        let fromRoot = try Toolchain.locate(explicitPath: toolchain.root, environment: [:])
        #expect(fromBin.binDirectory == toolchain.binDirectory)
        #expect(fromRoot.binDirectory == toolchain.binDirectory)
        #expect(fromBin.identity == toolchain.identity)
        #expect(!toolchain.identity.isEmpty)
        #expect(FileManager.default.fileExists(atPath: toolchain.unicodeDataTables))
    }

    @Test(.enabled(if: TestToolchain.available, "no Swift toolchain for riscv64 here"))
    func swiftOnPathIsFollowedThroughSymbolicLinks() throws {
        let toolchain = try #require(TestToolchain.found)
        let scratch = try Scratch()
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/swift", withDestinationPath: toolchain.binDirectory + "/swift")
        let found = try Toolchain.locate(explicitPath: nil, environment: ["PATH": "/nonexistent:" + scratch.path])
        #expect(found.binDirectory == toolchain.binDirectory)
        #expect(found.origin == .path(swift: scratch.path + "/swift"))
        // A root with usr/bin inside (as /opt/swift holds usr/bin) is accepted too.
        if toolchain.root.hasSuffix("/usr") {
            let outer = String(toolchain.root.dropLast(4))
            #expect(try Toolchain.locate(explicitPath: outer, environment: [:]).binDirectory == toolchain.binDirectory)
        }
    }

    @Test func cacheFolderFollowsTheEnvironment() {
        #expect(BuildCache.defaultDirectory(environment: ["INTERLEAVE_CACHE": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/c")
        #expect(BuildCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/interleave")
        #expect(BuildCache.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.cache/interleave")
    }

    @Test func guestFolderIsFoundAboveTheTestBinary() throws {
        let guest = try GuestSources.locate(environment: [:])
        #expect(FileManager.default.fileExists(atPath: guest.linkerScript))
        #expect(FileManager.default.fileExists(atPath: guest.syncDirectory))
    }

    @Test func badGuestFolderIsNamed() throws {
        let error = try #require(throws: BuildError.self) {
            try GuestSources.locate(environment: ["INTERLEAVE_GUEST": "/no/guest/here"])
        }
        #expect(error.description.contains("INTERLEAVE_GUEST=/no/guest/here"))
        #expect(throws: BuildError.self) { try GuestSources(root: "/no/guest/here") }
    }
}
