// Test support: the project's guest programs (Guest/Programs), built with the Toolchain
// module and cached as the kernel tests' are, for cluster tests that need real TCP
// programs. Tests that build carry `.needsClusterGuestToolchain`: skipped, with the
// reason, without a toolchain; with INTERLEAVE_REQUIRE_TOOLS=1 (as CI sets) they fail.

import Foundation
import Testing
import Toolchain

enum ClusterGuestPrograms {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let located: Result<GuestBuilder, any Error> = Result {
        let toolchain = try Toolchain.locate(explicitPath: nil)
        return try GuestBuilder(toolchain: toolchain, guestRoot: packageRoot + "/Guest",
                                cacheDirectory: packageRoot + "/.build/interleave-test-cache")
    }

    static let available = (try? located.get()) != nil
        || ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1"

    static func build(_ relativePath: String) throws -> [UInt8] {
        let result = try located.get().build(sources: [packageRoot + "/Guest/Programs/" + relativePath], optimization: .speed)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
    }
}

extension Trait where Self == ConditionTrait {
    static var needsClusterGuestToolchain: Self {
        .enabled(if: ClusterGuestPrograms.available, "needs a Swift toolchain with Embedded Swift for riscv64 (set INTERLEAVE_TOOLCHAIN)")
    }
}
