// Replay tokens: a short printable string that holds everything needed to run one schedule
// again — a format version, the program's hash, the options that change the run, and the
// decisions — with a checksum, so `interleave run PROGRAM --replay TOKEN` reproduces a
// failure and a mistyped or truncated token is refused with a clear reason.
//
// Layout (before base32): version (1 byte) · program hash (8 bytes, little-endian) ·
// option count, then (key byte, value) per option, keys ascending · group count, then
// (thread, repeat) per group: a run of `repeat` consecutive decisions for the same thread,
// so "keep running" costs nothing per step · FNV-1a-32 checksum of all before (4 bytes).
// Counts, values, threads and repeats are LEB128 varints. Text: "il-" + lowercase base32
// (RFC 4648 alphabet, no padding), read case-insensitively.

/// An option that changes how a run unfolds (harts, seed, quantum, …), by a numbered key.
public struct ReplayOption: Sendable, Hashable {
    public var key: UInt8
    public var value: UInt64
    public init(key: UInt8, value: UInt64) {
        self.key = key
        self.value = value
    }
}

public struct ReplayToken: Sendable, Equatable {
    public static let version: UInt8 = 1
    public static let prefix = "il-"
    /// Decisions one token may hold: far above any schedule worth replaying, and a bound on
    /// what decoding a hostile token can allocate.
    public static let maximumDecisions = 1 << 26
    /// Longest token text accepted.
    public static let maximumLength = 1 << 22

    public var programHash: UInt64
    /// Keys strictly ascending (one encoding per token).
    public var options: [ReplayOption]
    public var decisions: [UInt32]

    public init(programHash: UInt64, options: [ReplayOption], decisions: [UInt32]) {
        self.programHash = programHash
        self.options = options.sorted { $0.key < $1.key }
        self.decisions = decisions
    }

    /// FNV-1a 64 of a program's bytes: the identity a token is checked against.
    public static func programHash(of bytes: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for b in bytes { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return h
    }

    /// The token's text.
    public var text: String {
        var bytes: [UInt8] = [ReplayToken.version]
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: programHash >> (8 * UInt64(i)))) }
        Varint.append(UInt64(options.count), to: &bytes)
        for option in options {
            bytes.append(option.key)
            Varint.append(option.value, to: &bytes)
        }
        var groups: [(UInt32, UInt64)] = []
        for d in decisions {
            if let last = groups.last, last.0 == d { groups[groups.count - 1].1 += 1 } else { groups.append((d, 1)) }
        }
        Varint.append(UInt64(groups.count), to: &bytes)
        for (thread, count) in groups {
            Varint.append(UInt64(thread), to: &bytes)
            Varint.append(count, to: &bytes)
        }
        let sum = ReplayToken.checksum(bytes[...])
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: sum >> (8 * UInt32(i)))) }
        return ReplayToken.prefix + Base32.encode(bytes)
    }

    /// Parses a token; never traps, whatever the text.
    public init(parsing text: String) throws(ReplayTokenError) {
        let trimmed = text.trimmingWhitespace
        guard trimmed.utf8.count <= ReplayToken.maximumLength else { throw .tooLong(trimmed.utf8.count) }
        guard trimmed.lowercased().hasPrefix(ReplayToken.prefix) else { throw .notAToken }
        let bytes = try Base32.decode(trimmed.utf8.dropFirst(ReplayToken.prefix.utf8.count))
        guard bytes.count >= 1 else { throw .truncated("the version") }
        guard bytes[0] == ReplayToken.version else { throw .unsupportedVersion(bytes[0]) }
        guard bytes.count >= 1 + 8 + 4 else { throw .truncated("the program hash and checksum") }
        let body = bytes[..<(bytes.count - 4)]
        var stored: UInt32 = 0
        for i in 0..<4 { stored |= UInt32(bytes[bytes.count - 4 + i]) << (8 * UInt32(i)) }
        guard ReplayToken.checksum(body) == stored else { throw .badChecksum }
        var reader = Varint.Reader(bytes: body, position: 9)
        var hash: UInt64 = 0
        for i in 0..<8 { hash |= UInt64(bytes[1 + i]) << (8 * UInt64(i)) }
        let optionCount = try reader.read("the option count")
        guard optionCount <= 256 else { throw .valueTooLarge("the option count", optionCount) }
        var options: [ReplayOption] = []
        for _ in 0..<optionCount {
            let key = try reader.byte("an option key")
            if let last = options.last, last.key >= key { throw .optionsOutOfOrder }
            options.append(ReplayOption(key: key, value: try reader.read("an option value")))
        }
        let groupCount = try reader.read("the decision count")
        guard groupCount <= UInt64(ReplayToken.maximumDecisions) else { throw .tooManyDecisions }
        var decisions: [UInt32] = []
        for _ in 0..<groupCount {
            let thread = try reader.read("a thread id")
            guard thread <= UInt64(UInt32.max) else { throw .valueTooLarge("a thread id", thread) }
            let count = try reader.read("a repeat count")
            guard count >= 1 else { throw .valueTooLarge("a repeat count", 0) }
            guard count <= UInt64(ReplayToken.maximumDecisions - decisions.count) else { throw .tooManyDecisions }
            decisions.append(contentsOf: repeatElement(UInt32(thread), count: Int(count)))
        }
        guard reader.atEnd else { throw .trailingData }
        self.programHash = hash
        self.options = options
        self.decisions = decisions
    }

    /// Refuses a token made for another program (or another build of it).
    public func check(programHash expected: UInt64) throws(ReplayTokenError) {
        guard programHash == expected else { throw .programMismatch(expected: expected, found: programHash) }
    }
}

public enum ReplayTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAToken
    case tooLong(Int)
    case badCharacter(Character, position: Int)
    case truncated(String)
    case unsupportedVersion(UInt8)
    case badChecksum
    case valueTooLarge(String, UInt64)
    case optionsOutOfOrder
    case tooManyDecisions
    case trailingData
    case programMismatch(expected: UInt64, found: UInt64)

    public var description: String {
        let accepted = "a replay token is '\(ReplayToken.prefix)' followed by letters a–z and digits 2–7, as printed by 'interleave explore'"
        switch self {
        case .notAToken: return "not a replay token: \(accepted)"
        case .tooLong(let n): return "replay token is \(n) characters long; at most \(ReplayToken.maximumLength) are accepted"
        case .badCharacter(let c, let p): return "replay token has '\(c)' at position \(p): \(accepted)"
        case .truncated(let what): return "replay token is truncated: it ends before \(what) (was it copied whole?)"
        case .unsupportedVersion(let v): return "replay token has format version \(v); this interleave reads version \(ReplayToken.version)"
        case .badChecksum: return "replay token's checksum does not match: a character was changed or lost in copying"
        case .valueTooLarge(let what, let v): return "replay token holds \(v) as \(what), which is out of range"
        case .optionsOutOfOrder: return "replay token's options are repeated or out of order"
        case .tooManyDecisions: return "replay token holds more than \(ReplayToken.maximumDecisions) decisions"
        case .trailingData: return "replay token has data after its decisions (a character too many at its end?)"
        case .programMismatch(let e, let f):
            return "replay token was made for another program (hash \(String(f, radix: 16))); this program's hash is \(String(e, radix: 16))"
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: Substring {
        var s = self[...]
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return s
    }
}

extension Substring {
    fileprivate func lowercased() -> String { String(self).lowercased() }
}
