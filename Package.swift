// swift-tools-version: 6.1
// Interleave: concurrency and parallelism from the ground up — a deterministic
// multicore RISC-V computer, a teaching kernel, a guest library and a lab.
import PackageDescription

let package = Package(
    name: "Interleave",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Machine", targets: ["Machine"]),
        .executable(name: "interleave", targets: ["interleave"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "Machine",
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .executableTarget(
            name: "interleave",
            dependencies: [
                "Machine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MachineTests", dependencies: ["Machine"]),
    ],
    swiftLanguageModes: [.v6]
)
