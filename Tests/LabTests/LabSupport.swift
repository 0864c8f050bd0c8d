// Test support: a lab context that builds the lab's guest programs with the toolchain
// (cached in .build/interleave-test-cache, as KernelTests do) and runs the experiments at
// their small size (tests run in debug builds). Suites that run experiments carry
// `.needsGuestToolchain`: skipped, with the reason, when no toolchain is usable; with
// INTERLEAVE_REQUIRE_TOOLS=1 (as CI sets) they run and fail instead.

import Foundation
import Lab
import Testing
import Toolchain

enum LabSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The builder, or why there is none.
    static let builder: Result<GuestBuilder, any Error> = Result {
        let toolchain = try Toolchain.locate(explicitPath: nil)
        return try GuestBuilder(toolchain: toolchain, guestRoot: packageRoot + "/Guest",
                                cacheDirectory: packageRoot + "/.build/interleave-test-cache")
    }

    /// Runs experiment `name` at the small size.
    static func finding(_ name: String, _ options: LabOptions = LabOptions(size: .small)) throws -> Finding {
        guard let experiment = Catalog.experiment(named: name) else { throw LabError("no experiment \(name)") }
        return try experiment.run(LabContext(options: options, builder: builder.get()))
    }
}

extension Trait where Self == ConditionTrait {
    /// For tests that run experiments: skipped, with the reason, without a toolchain.
    static var needsGuestToolchain: Self {
        .enabled(if: (try? LabSupport.builder.get()) != nil || ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1",
                 "needs a Swift toolchain with Embedded Swift for riscv64 (set INTERLEAVE_TOOLCHAIN)")
    }
}

extension Finding {
    /// The named figure; records an issue (so the test fails) when the experiment lacks it.
    subscript(_ name: String) -> Double {
        guard let value = figure(name) else {
            Issue.record("the finding has no figure named '\(name)'")
            return .nan
        }
        return value
    }
}
