// The byte encodings under replay tokens: LEB128 varints (small numbers in one byte) and
// base32 (printable, case-insensitive, no characters a shell or URL treats specially).

enum Varint {
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Reads varints from untrusted bytes: a read past the end or a value over 64 bits is
    /// an error, never a trap.
    struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(bytes: ArraySlice<UInt8>, position: Int) {
            self.bytes = bytes
            self.position = bytes.startIndex + position
        }

        var atEnd: Bool { position >= bytes.endIndex }

        mutating func byte(_ what: String) throws(ReplayTokenError) -> UInt8 {
            guard position < bytes.endIndex else { throw .truncated(what) }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func read(_ what: String) throws(ReplayTokenError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte(what)
                let payload = UInt64(b & 0x7F)
                if shift == 63 && payload > 1 || shift > 63 { throw .valueTooLarge(what, value) }
                value |= payload << shift
                if b & 0x80 == 0 { return value }
                shift += 7
            }
        }
    }
}

enum Base32 {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0, bits = 0
        for b in bytes {
            buffer = buffer << 8 | UInt32(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int(buffer >> UInt32(bits) & 31)])
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(alphabet[Int(buffer << UInt32(5 - bits) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: Substring.UTF8View) throws(ReplayTokenError) -> [UInt8] {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for (offset, c) in text.enumerated() {
            let v: UInt8
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = c - UInt8(ascii: "a")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = c - UInt8(ascii: "A")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): v = c - UInt8(ascii: "2") + 26
            default:
                let scalar = Character(Unicode.Scalar(c))
                throw .badCharacter(scalar, position: offset + ReplayToken.prefix.count + 1)
            }
            buffer = buffer << 5 | UInt32(v)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        // Canonical only: what `encode` writes leaves fewer than 5 bits over, all zero. A
        // character added at the end (which a checksum over whole bytes cannot see) is refused.
        guard bits < 5, buffer == 0 else { throw .trailingData }
        return out
    }
}
