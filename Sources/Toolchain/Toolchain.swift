// The Swift toolchain that builds guest programs: found beside the `swift` the user
// already runs (or where --toolchain / $INTERLEAVE_TOOLCHAIN say), and checked for
// everything a RISC-V guest needs: swiftc, clang, ld.lld, the Embedded Swift standard
// library for riscv64-none-none-eabi and its Unicode data tables.

import Foundation

/// A Swift toolchain able to cross-compile Embedded Swift, C and assembly for riscv64.
public struct Toolchain: Sendable, Equatable {
    /// The folder holding swiftc, clang and ld.lld.
    public let binDirectory: String
    /// The folder above `binDirectory` (holding `lib/swift`).
    public let root: String
    /// Where the toolchain was found, for messages.
    public let origin: Origin
    /// A cheap fingerprint of the compilers and libraries (real paths, sizes, modification
    /// times): part of every build-cache key, so a new toolchain never reuses old objects.
    public let identity: String

    public var swiftc: String { binDirectory + "/swiftc" }
    public var clang: String { binDirectory + "/clang" }
    public var lld: String { binDirectory + "/ld.lld" }
    /// The Embedded Swift standard library module for the guest target.
    public var embeddedStandardLibrary: String {
        root + "/lib/swift/embedded/Swift.swiftmodule/" + Toolchain.swiftTarget + ".swiftmodule"
    }
    /// Prebuilt Unicode tables that String comparison and normalisation link against.
    public var unicodeDataTables: String {
        root + "/lib/swift/embedded/" + Toolchain.swiftTarget + "/libswiftUnicodeDataTables.a"
    }

    /// The Swift target triple of guest code.
    public static let swiftTarget = "riscv64-none-none-eabi"

    /// How the toolchain was chosen.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        case flag(String)
        case environment(String)
        case path(swift: String)

        public var description: String {
            switch self {
            case .flag(let path): return "--toolchain \(path)"
            case .environment(let path): return "INTERLEAVE_TOOLCHAIN=\(path)"
            case .path(let swift): return "`swift` on PATH (\(swift))"
            }
        }
    }

    /// Finds and checks the toolchain: `explicitPath` (from --toolchain) first, then
    /// `$INTERLEAVE_TOOLCHAIN`, then the toolchain of the first `swift` on `PATH` with
    /// symbolic links resolved. A path may name the `bin` folder or the toolchain root.
    public static func locate(
        explicitPath: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Toolchain {
        if let explicitPath, !explicitPath.isEmpty {
            return try named(explicitPath, origin: .flag(explicitPath))
        }
        if let variable = environment["INTERLEAVE_TOOLCHAIN"], !variable.isEmpty {
            return try named(variable, origin: .environment(variable))
        }
        return try besideSwiftOnPath(environment["PATH"] ?? "")
    }

    /// A toolchain at `bin` (swiftc, clang, ld.lld inside), checked.
    public init(binDirectory bin: String, origin: Origin) throws {
        let bin = FileSystem.realPath(bin) ?? bin
        let root = (bin as NSString).deletingLastPathComponent
        let unchecked = Toolchain(binDirectory: bin, root: root, origin: origin, identity: "")
        for (name, path) in [("swiftc", unchecked.swiftc), ("clang", unchecked.clang), ("ld.lld", unchecked.lld)]
        where !FileSystem.isExecutableFile(path) {
            throw ToolchainError("the Swift toolchain from \(origin) has no \(name) (looked for \(path)); " + Toolchain.howToPointAtOne)
        }
        for (what, path) in [("standard library", unchecked.embeddedStandardLibrary), ("Unicode tables", unchecked.unicodeDataTables)]
        where !FileSystem.isFile(path) {
            throw ToolchainError(
                "the Swift toolchain from \(origin) has no Embedded Swift \(what) for \(Toolchain.swiftTarget) "
                    + "(looked for \(path)); install a swift.org toolchain 6.0 or later, or " + Toolchain.howToPointAtOne)
        }
        let identity = [bin + "/swift-frontend", unchecked.swiftc, unchecked.clang, unchecked.lld,
                        unchecked.embeddedStandardLibrary, unchecked.unicodeDataTables]
            .map { FileSystem.identity($0) ?? "missing \($0)" }
            .joined(separator: "\n")
        self.init(binDirectory: bin, root: root, origin: origin, identity: identity)
    }

    private init(binDirectory: String, root: String, origin: Origin, identity: String) {
        self.binDirectory = binDirectory
        self.root = root
        self.origin = origin
        self.identity = identity
    }

    static let howToPointAtOne =
        "point at a toolchain with --toolchain DIR or INTERLEAVE_TOOLCHAIN=DIR (its root or its bin folder)"

    /// A folder named by the user: the bin folder, the root (`root/bin`), or a root with
    /// `usr` inside (`/opt/swift` for `/opt/swift/usr/bin`); a path to swiftc also works.
    private static func named(_ path: String, origin: Origin) throws -> Toolchain {
        let expanded = (path as NSString).expandingTildeInPath
        guard FileSystem.kind(expanded) != .missing else {
            throw ToolchainError("no Swift toolchain at \(expanded) (from \(origin)): the path does not exist; " + howToPointAtOne)
        }
        var candidates = [expanded, expanded + "/bin", expanded + "/usr/bin"]
        if FileSystem.isFile(expanded) { candidates = [(expanded as NSString).deletingLastPathComponent] }
        for candidate in candidates where FileSystem.isExecutableFile(candidate + "/swiftc") {
            return try Toolchain(binDirectory: candidate, origin: origin)
        }
        throw ToolchainError(
            "no Swift toolchain at \(expanded) (from \(origin)): looked for swiftc in \(candidates.joined(separator: ", ")); "
                + howToPointAtOne)
    }

    /// The toolchain of the first `swift` on PATH: the folder of its real path (so a
    /// symbolic link in /usr/bin leads to the toolchain), else the folder it was found in.
    private static func besideSwiftOnPath(_ path: String) throws -> Toolchain {
        for folder in path.split(separator: ":").map(String.init) where !folder.isEmpty {
            let swift = folder + "/swift"
            guard FileSystem.isExecutableFile(swift) else { continue }
            let resolved = FileSystem.realPath(swift).map { ($0 as NSString).deletingLastPathComponent }
            for candidate in [resolved, folder].compactMap({ $0 }) where FileSystem.isExecutableFile(candidate + "/swiftc") {
                return try Toolchain(binDirectory: candidate, origin: .path(swift: swift))
            }
            throw ToolchainError(
                "the `swift` on PATH (\(swift)) has no swiftc beside it (looked in \(resolved ?? folder)); "
                    + howToPointAtOne)
        }
        throw ToolchainError("no Swift toolchain found: there is no `swift` on PATH; install Swift 6 from swift.org, or " + howToPointAtOne)
    }
}

/// A missing or unsuitable toolchain, told in one sentence.
public struct ToolchainError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
