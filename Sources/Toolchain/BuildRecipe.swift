// The build recipe agreed with the guest runtime (see Guest/Runtime): the exact flags
// for Embedded Swift, for C and assembly, and for the link. Everything here is part of
// the build-cache key, so changing a flag rebuilds every cached program.

/// The compiler and linker flags for guest code.
enum BuildRecipe {
    /// Bump when the builder's behaviour changes in a way the flags below do not show.
    static let builderVersion = "interleave-guest-builder 3"

    /// Source lines in the ELF (DWARF line tables only, not types or variables), so fault
    /// reports and backtraces can say `file.swift:12` (MachineTools/DWARFLineTable.swift).
    /// Checked: with it, clang's code and swiftc's instructions are byte-identical, but
    /// swiftc places the runtime functions a program uses (swift_allocObject, ...) later
    /// in .text, so addresses can move; the bench builds without it to keep its figures.
    static let debugInfoFlag = "-gline-tables-only"

    /// Flags for every swiftc run (the Sync module and the user's program).
    static func swiftFlags(_ optimization: GuestOptimization, debugInfo: Bool = true) -> [String] {
        (debugInfo ? [debugInfoFlag] : []) + [
            "-target", Toolchain.swiftTarget,
            "-enable-experimental-feature", "Embedded",
            "-enable-experimental-feature", "Extern",
            "-wmo", optimization.swiftFlag,
            "-Xfrontend", "-function-sections",
            "-Xfrontend", "-disable-stack-protector",
            "-Xcc", "-march=rv64gc", "-Xcc", "-mabi=lp64",
            // Frame pointers, so fault and deadlock reports can walk the callers
            // (Kernel/Backtrace.swift). IRGen takes the frame-pointer attribute from the
            // Clang options, so this reaches Swift code too (checked with llvm-objdump: every
            // function saves ra and s0 and sets s0 = its entry sp).
            "-Xcc", "-fno-omit-frame-pointer",
        ]
    }

    /// Flags for every clang run (the runtime's and the user's C and assembly files).
    static func cFlags(debugInfo: Bool = true) -> [String] {
        (debugInfo ? [debugInfoFlag] : []) + cFlagsWithoutDebugInfo
    }

    private static let cFlagsWithoutDebugInfo = [
        "--target=riscv64-unknown-elf", "-march=rv64gc", "-mabi=lp64", "-mcmodel=medany",
        "-ffreestanding", "-fno-builtin", "-nostdlib", "-ffunction-sections", "-fdata-sections",
        "-fno-omit-frame-pointer", "-O2", "-c",
    ]

    /// ld.lld's flags before the objects; the linker script follows `-T`.
    static func linkFlags(script: String) -> [String] {
        ["-T", script, "--gc-sections", "-static", "-nostdlib"]
    }

    /// The parts of the recipe a cache key must cover (the flags as text).
    static func fingerprint(_ optimization: GuestOptimization, debugInfo: Bool = true) -> String {
        ([builderVersion] + swiftFlags(optimization, debugInfo: debugInfo) + ["|"] + cFlags(debugInfo: debugInfo) + ["|"]
            + linkFlags(script: "link.ld"))
            .joined(separator: " ")
    }
}
