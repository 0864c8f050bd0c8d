// SocketAddress.swift: where a socket is — a UNIX path or abstract name, or an IPv4
// address and port — and its bytes as the socket calls take them (struct sockaddr).
//
// The kernel knows addresses only as bytes: sockaddr_un (family 1, then a path of up
// to 108 bytes; a first byte of 0 makes it an abstract name, which lives in no
// directory and vanishes with its socket) and sockaddr_in (family 2, the port and
// the address in network byte order, 8 bytes of zero). This type builds and reads
// those bytes so a program never does.

/// An IPv4 address, kept as a host-order number (127.0.0.1 is 0x7F00_0001).
public struct IPv4Address: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) {
        self.value = value
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// 127.0.0.1, the loopback interface: connections that never leave the machine.
    public static let loopback = IPv4Address(127, 0, 0, 1)
    /// 0.0.0.0: bind to every interface (INADDR_ANY).
    public static let any = IPv4Address(0)

    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }
}

/// A socket's address, as bind, connect, sendto and getsockname use it.
public enum SocketAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// A UNIX socket with a name in the file system (at most 107 bytes).
    case unix(path: String)
    /// A UNIX socket with an abstract name (Linux's own: no file; at most 107 bytes).
    case abstract(name: String)
    /// A UNIX socket without a name (a socketpair's end, an unbound client).
    case unnamed
    /// An IPv4 address and port (TCP or UDP); port 0 asks bind for a free one.
    case inet(IPv4Address, port: UInt16)

    /// 127.0.0.1 and `port`.
    public static func loopback(port: UInt16) -> SocketAddress {
        .inet(.loopback, port: port)
    }

    /// AF_UNIX or AF_INET.
    public var family: SocketFamily {
        switch self {
        case .unix, .abstract, .unnamed: return .unix
        case .inet: return .inet
        }
    }

    /// The port of an IPv4 address; nil for a UNIX one.
    public var port: UInt16? {
        if case .inet(_, let port) = self { return port }
        return nil
    }

    public var description: String {
        switch self {
        case .unix(let path): return path
        case .abstract(let name): return "@" + name
        case .unnamed: return "(unnamed)"
        case .inet(let address, let port): return "\(address):\(port)"
        }
    }

    /// Largest sockaddr a call returns here: sockaddr_un, 110 bytes.
    static let largestSize = 110
    /// Room for a UNIX path or name, its terminating NUL included.
    static let unixPathCapacity = 108

    /// The sockaddr bytes, with Linux's lengths: a path with its NUL, an abstract name
    /// without one (its length says where it ends), sockaddr_in's 16 bytes.
    /// Nil for a path or name too long to fit.
    public func encoded() -> [UInt8]? {
        switch self {
        case .unix(let path):
            let bytes = Array(path.utf8)
            guard bytes.count < SocketAddress.unixPathCapacity else { return nil }
            return [1, 0] + bytes + [0]
        case .abstract(let name):
            let bytes = Array(name.utf8)
            guard bytes.count < SocketAddress.unixPathCapacity else { return nil }
            return [1, 0, 0] + bytes
        case .unnamed:
            return [1, 0]
        case .inet(let address, let port):
            return [2, 0, UInt8(port >> 8), UInt8(port & 0xFF),
                    UInt8(address.value >> 24), UInt8((address.value >> 16) & 0xFF),
                    UInt8((address.value >> 8) & 0xFF), UInt8(address.value & 0xFF),
                    0, 0, 0, 0, 0, 0, 0, 0]
        }
    }

    /// Reads the first `length` bytes of a sockaddr the kernel wrote; nil for a family
    /// this library does not know or a length too short for its family.
    public init?(decoding bytes: UnsafeRawBufferPointer, length: Int) {
        let count = min(max(0, length), bytes.count)
        guard count >= 2 else { return nil }
        let family = Int(bytes[0]) | Int(bytes[1]) << 8
        switch family {
        case 1:
            if count == 2 {
                self = .unnamed
            } else if bytes[2] == 0 {
                self = .abstract(name: String(decoding: bytes[3..<count], as: UTF8.self))
            } else {
                var end = 2
                while end < count && bytes[end] != 0 { end += 1 }
                self = .unix(path: String(decoding: bytes[2..<end], as: UTF8.self))
            }
        case 2:
            guard count >= 8 else { return nil }
            let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            let value = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
            self = .inet(IPv4Address(value), port: port)
        default:
            return nil
        }
    }

    /// Runs `body` with the sockaddr bytes and their length; EINVAL for a name too long.
    func withEncoded(_ body: (Int, Int) -> Int) throws(SystemError) -> Int {
        guard let bytes = encoded() else { throw SystemError.invalidArgument }
        return bytes.withUnsafeBytes { raw in
            body(Int(bitPattern: raw.baseAddress), bytes.count)
        }
    }
}

/// Address families (AF_UNIX, AF_INET).
public enum SocketFamily: Int, Sendable {
    case unix = 1
    case inet = 2
}
