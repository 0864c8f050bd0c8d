// A bounds-checked reader over the bytes of one DWARF section, for the line-table
// reader (DWARFLineProgram.swift). Debug sections come from guest files, which are
// hostile: every read checks the remaining length first, LEB128 numbers stop after ten
// bytes (so they cannot loop for ever or overflow), and each failure is a `DWARFError`
// sentence instead of a crash.

/// Why a program's DWARF could not be read, as one sentence; the rest of a report goes on
/// without source lines.
public struct DWARFError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}

/// A position in a byte array that never reads past `end`.
struct DWARFCursor {
    let bytes: [UInt8]
    /// Where reading stops: the end of the section, or of the unit being read.
    var end: Int
    var offset: Int
    /// Names the section in errors (".debug_line").
    let section: String

    init(bytes: [UInt8], section: String, offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.section = section
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    /// The longest LEB128 accepted: ten bytes carry 70 bits, more than any 64-bit value.
    static let maximumLEB128Length = 10

    var remaining: Int { max(0, end - offset) }
    var isAtEnd: Bool { offset >= end }

    func fail(_ what: String) -> DWARFError {
        DWARFError("\(section) is corrupt at offset 0x\(String(offset, radix: 16)): \(what)")
    }

    /// Checks that `count` bytes remain and returns where they start.
    mutating func take(_ count: Int, _ what: String) throws(DWARFError) -> Int {
        guard count >= 0, count <= remaining else {
            throw fail("\(what) needs \(count) bytes but only \(remaining) remain")
        }
        let at = offset
        offset += count
        return at
    }

    mutating func skip(_ count: UInt64, _ what: String) throws(DWARFError) {
        guard count <= UInt64(remaining) else {
            throw fail("\(what) of \(count) bytes runs past the end (\(remaining) bytes remain)")
        }
        offset += Int(count)
    }

    /// A little-endian unsigned number of `size` bytes (1 to 8).
    mutating func unsigned(_ size: Int, _ what: String) throws(DWARFError) -> UInt64 {
        let at = try take(size, what)
        var value: UInt64 = 0
        for i in 0 ..< min(size, 8) { value |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return value
    }

    mutating func u8(_ what: String) throws(DWARFError) -> UInt8 { UInt8(try unsigned(1, what)) }
    mutating func u16(_ what: String) throws(DWARFError) -> UInt16 { UInt16(try unsigned(2, what)) }
    mutating func u32(_ what: String) throws(DWARFError) -> UInt32 { UInt32(try unsigned(4, what)) }
    mutating func u64(_ what: String) throws(DWARFError) -> UInt64 { try unsigned(8, what) }

    /// An unsigned LEB128; bits past the 64th are dropped (no real table has them).
    mutating func uleb(_ what: String) throws(DWARFError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0 ..< Self.maximumLEB128Length {
            guard offset < end else { throw fail("\(what) (a LEB128 number) runs past the end") }
            let byte = bytes[offset]
            offset += 1
            if shift < 64 { value |= UInt64(byte & 0x7f) << shift }
            shift += 7
            if byte & 0x80 == 0 { return value }
        }
        throw fail("\(what) is a LEB128 number longer than \(Self.maximumLEB128Length) bytes")
    }

    /// A signed LEB128, sign-extended from its last byte.
    mutating func sleb(_ what: String) throws(DWARFError) -> Int64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0 ..< Self.maximumLEB128Length {
            guard offset < end else { throw fail("\(what) (a LEB128 number) runs past the end") }
            let byte = bytes[offset]
            offset += 1
            if shift < 64 { value |= UInt64(byte & 0x7f) << shift }
            shift += 7
            if byte & 0x80 == 0 {
                if shift < 64, byte & 0x40 != 0 { value |= ~0 << shift }
                return Int64(bitPattern: value)
            }
        }
        throw fail("\(what) is a LEB128 number longer than \(Self.maximumLEB128Length) bytes")
    }

    /// A NUL-terminated string inside the current bounds.
    mutating func cString(_ what: String) throws(DWARFError) -> String {
        guard let nul = bytes[offset ..< max(offset, end)].firstIndex(of: 0) else {
            throw fail("\(what) (a string) has no terminating NUL before the end")
        }
        let text = String(decoding: bytes[offset ..< nul], as: UTF8.self)
        offset = nul + 1
        return text
    }

    /// The NUL-terminated string at `offset` in another section (.debug_str, .debug_line_str).
    static func string(in bytes: [UInt8], at offset: UInt64, section: String) throws(DWARFError) -> String {
        guard offset < UInt64(bytes.count) else {
            throw DWARFError("a file name points at offset 0x\(String(offset, radix: 16)) of \(section), which has only \(bytes.count) bytes")
        }
        var cursor = DWARFCursor(bytes: bytes, section: section, offset: Int(offset))
        return try cursor.cString("a file name")
    }
}
