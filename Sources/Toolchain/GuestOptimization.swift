// How hard swiftc optimises guest Swift code: the -O, -Osize and -Onone of
// `interleave build` and `interleave run`. (The runtime's C is always -O2.)

/// Optimisation level for a guest program's Swift code (its own files and the Sync module).
public enum GuestOptimization: String, Sendable, CaseIterable, Equatable {
    /// `-O`: fastest code; the default, since guests run on a simulated CPU.
    case speed
    /// `-Osize`: smallest code (mostly compressed instructions, outlined helpers).
    case size
    /// `-Onone`: no optimisation, code as written (slow, but easy to follow in a trace).
    case none

    /// The swiftc flag.
    public var swiftFlag: String {
        switch self {
        case .speed: return "-O"
        case .size: return "-Osize"
        case .none: return "-Onone"
        }
    }
}
