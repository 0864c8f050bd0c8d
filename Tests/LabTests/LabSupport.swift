// Test support: a lab context that builds the lab's guest programs with the toolchain
// (cached in .build/interleave-test-cache, as KernelTests do) and runs the experiments at
// their small size (tests run in debug builds), or nil — with the reason printed once —
// when no toolchain is usable.

import Foundation
import Lab
import Testing
import Toolchain

enum LabSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let builder: GuestBuilder? = {
        do {
            let toolchain = try Toolchain.locate(explicitPath: nil)
            return try GuestBuilder(toolchain: toolchain, guestRoot: packageRoot + "/Guest",
                                    cacheDirectory: packageRoot + "/.build/interleave-test-cache")
        } catch {
            print("note: skipping the lab's experiments: no toolchain to build guest programs: \(error)")
            return nil
        }
    }()

    /// Runs experiment `name` at the small size; nil when there is no toolchain.
    static func finding(_ name: String, _ options: LabOptions = LabOptions(size: .small)) throws -> Finding? {
        guard let builder else { return nil }
        guard let experiment = Catalog.experiment(named: name) else { throw LabError("no experiment \(name)") }
        return try experiment.run(LabContext(options: options, builder: builder))
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


