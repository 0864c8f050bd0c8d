// swift-tools-version: 6.1
// Interleave: concurrency and parallelism from the ground up — a deterministic
// multicore RISC-V computer, a teaching kernel, a guest library and a lab.
import PackageDescription

let package = Package(
    name: "Interleave",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Machine", targets: ["Machine"]),
        .library(name: "MachineTools", targets: ["MachineTools"]),
        .library(name: "Kernel", targets: ["Kernel"]),
        .library(name: "Trace", targets: ["Trace"]),
        .library(name: "Toolchain", targets: ["Toolchain"]),
        .library(name: "Network", targets: ["Network"]),
        .library(name: "Lab", targets: ["Lab"]),
        .executable(name: "interleave", targets: ["interleave"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Tests only: property-based tests of simulated time (SimulatedTimeTests, TimeCallPropertyTests).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "Machine",
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        // The assembler, disassembler, listings, ELF writer, instruction fuzzer and compute
        // benchmarks: tools that work with the machine, kept apart so Machine is the hardware.
        .target(name: "MachineTools", dependencies: ["Machine"]),
        .target(
            name: "Kernel",
            dependencies: ["Machine", "MachineTools", "Trace"],
            // System calls and context switches are hot paths too (a futex ping-pong switches
            // a million times a second); the kernel's own state is not shared across threads.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .target(
            name: "Trace",
            // Recording runs for every event of a traced run; the recorder is not shared across threads.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .target(name: "Toolchain"),
        // Several machines in one simulation: the cluster that steps them, the network
        // between them, its faults and its packet capture (DESIGN decision 9).
        .target(name: "Network", dependencies: ["Kernel", "Machine", "Trace"]),
        .target(name: "Lab", dependencies: ["Kernel", "Machine", "Trace", "Toolchain", "Network"]),
        .target(name: "Explore", dependencies: ["Machine", "Kernel", "Trace"]),
        .executableTarget(
            name: "interleave",
            dependencies: [
                "Machine",
                "MachineTools",
                "Kernel",
                "Trace",
                "Toolchain",
                "Lab",
                "Network",
                "Explore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MachineTests", dependencies: ["Machine", "MachineTools", "Toolchain", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "MachineToolsTests", dependencies: ["MachineTools", "Machine"]),
        .testTarget(name: "KernelTests", dependencies: ["Kernel", "Machine", "MachineTools", "Toolchain", "Trace", .product(name: "PropertyBased", package: "swift-property-based")],
                    exclude: ["Expected"]),
        .testTarget(name: "TraceTests", dependencies: ["Trace"], exclude: ["Expected"]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Kernel", "Trace", "Toolchain"]),
        .testTarget(name: "ExploreTests", dependencies: ["Explore", "Kernel", "Machine", "Toolchain"]),
        .testTarget(name: "NetworkTests", dependencies: ["Network", "Kernel", "Machine", "MachineTools", "Toolchain", "Trace"]),
        .testTarget(name: "ToolchainTests", dependencies: ["Toolchain"]),
        // Runs the built `interleave` as a person would (swift test builds it beside the tests).
        .testTarget(name: "CommandLineTests", dependencies: ["Machine", "MachineTools"]),
    ],
    swiftLanguageModes: [.v6]
)
