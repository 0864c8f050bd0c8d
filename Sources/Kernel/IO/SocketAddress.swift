// Socket addresses as values: an IPv4 address and port, or a UNIX name (a file-system
// path, an abstract name, or none), with Linux riscv64's `struct sockaddr_in` and
// `struct sockaddr_un` layouts for what the calls read from and write to the guest.
// The next issue's network gives IPv4 addresses to other machines; nothing here assumes
// that 127.0.0.1 is the only one.

import Machine

/// Address families (AF_*) and socket types (SOCK_*) as Linux numbers them.
enum SocketFamily: UInt16 {
    case unspecified = 0   // AF_UNSPEC
    case unix = 1          // AF_UNIX
    case inet = 2          // AF_INET
}

enum SocketType: Int32 {
    case stream = 1        // SOCK_STREAM
    case datagram = 2      // SOCK_DGRAM
}

/// An IPv4 address, in host order (127.0.0.1 is 0x7F00_0001).
public struct IPv4Address: Hashable, Comparable, CustomStringConvertible, Sendable {
    public let value: UInt32
    public init(value: UInt32) { self.value = value }
    public static let any = IPv4Address(value: 0)                 // INADDR_ANY
    public static let loopback = IPv4Address(value: 0x7F00_0001)  // INADDR_LOOPBACK
    /// Machine `n` (1-based) of a simulated network: 10.0.0.n.
    public static func machine(_ number: Int) -> IPv4Address {
        IPv4Address(value: 0x0A00_0000 | UInt32(truncatingIfNeeded: max(0, min(number, 254))))
    }

    /// 127.0.0.0/8: Linux routes the whole block to the loopback interface.
    public var isLoopback: Bool { value >> 24 == 127 }
    public var isAny: Bool { value == 0 }

    public static func < (left: IPv4Address, right: IPv4Address) -> Bool { left.value < right.value }

    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }
}

/// A UNIX socket's name. A path is looked up by its absolute form (`key`); the bytes the
/// program gave are what getsockname returns.
enum UnixName: Hashable {
    case path(key: String, given: [UInt8])
    /// The bytes after the leading NUL, as long as the address length said.
    case abstract([UInt8])

    static func == (left: UnixName, right: UnixName) -> Bool {
        switch (left, right) {
        case (.path(let a, _), .path(let b, _)): a == b
        case (.abstract(let a), .abstract(let b)): a == b
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .path(let key, _): hasher.combine(0); hasher.combine(key)
        case .abstract(let bytes): hasher.combine(1); hasher.combine(bytes)
        }
    }
}

enum SocketAddress: Equatable {
    /// A UNIX socket's address; nil for an unnamed socket.
    case unix(UnixName?)
    case inet(IPv4Address, port: UInt16)

    /// sizeof(struct sockaddr_un), and where sun_path starts in it.
    static let unixSize = 110, unixPathOffset = 2
    /// sizeof(struct sockaddr_in), and the most `move_addr_to_kernel` copies in (sockaddr_storage).
    static let inetSize = 16, storageSize = 128

    var family: SocketFamily {
        switch self {
        case .unix: .unix
        case .inet: .inet
        }
    }

    /// The address as Linux writes it to the guest (its length is the bytes' count).
    var bytes: [UInt8] {
        switch self {
        case .unix(nil):
            return [UInt8(SocketFamily.unix.rawValue), 0]
        case .unix(.path(_, let given)?):
            // Linux reports 2 + strlen + 1: the path and its terminating NUL.
            return [UInt8(SocketFamily.unix.rawValue), 0] + given + [0]
        case .unix(.abstract(let name)?):
            return [UInt8(SocketFamily.unix.rawValue), 0, 0] + name
        case .inet(let address, let port):
            var bytes: [UInt8] = [UInt8(SocketFamily.inet.rawValue), 0, UInt8(port >> 8), UInt8(port & 0xFF)]
            bytes += [UInt8(address.value >> 24), UInt8((address.value >> 16) & 0xFF),
                      UInt8((address.value >> 8) & 0xFF), UInt8(address.value & 0xFF)]
            return bytes + [UInt8](repeating: 0, count: 8)
        }
    }

    /// The family field of raw sockaddr bytes (0 when shorter than the field).
    static func family(of raw: [UInt8]) -> UInt16 {
        raw.count >= 2 ? UInt16(raw[0]) | UInt16(raw[1]) << 8 : 0
    }

    /// A sockaddr_un given to bind, connect or sendto (unix_validate_addr): EINVAL unless
    /// the length covers more than the family and at most the structure, and the family is
    /// AF_UNIX. A path is made absolute against `workingDirectory`.
    static func parseUnix(_ raw: [UInt8], workingDirectory: String) -> Result<UnixName, Errno> {
        guard raw.count > unixPathOffset, raw.count <= unixSize, family(of: raw) == SocketFamily.unix.rawValue else {
            return .failure(.EINVAL)
        }
        let path = raw[unixPathOffset...]
        if path.first == 0 { return .success(.abstract(Array(path.dropFirst()))) }
        // A path ends at its first NUL or at the length given.
        let given = Array(path.prefix { $0 != 0 })
        return .success(.path(key: unixPathKey(given, workingDirectory: workingDirectory), given: given))
    }

    /// The absolute, normalised form a UNIX socket path is known by ("." and ".." and
    /// repeated slashes resolved, relative paths against `workingDirectory`): what
    /// unlinkat hands `SocketLayer.removeUnixPath` for a path that names a socket.
    static func unixPathKey(_ path: [UInt8], workingDirectory: String) -> String {
        let text = String(decoding: path, as: UTF8.self)
        let full = text.hasPrefix("/") ? text : workingDirectory + "/" + text
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// A sockaddr_in given to bind, connect or sendto: EINVAL when shorter than the
    /// structure; the caller judges the family (its errno differs by call).
    static func parseInet(_ raw: [UInt8]) -> Result<(family: UInt16, address: IPv4Address, port: UInt16), Errno> {
        guard raw.count >= inetSize else { return .failure(.EINVAL) }
        let port = UInt16(raw[2]) << 8 | UInt16(raw[3])
        let address = UInt32(raw[4]) << 24 | UInt32(raw[5]) << 16 | UInt32(raw[6]) << 8 | UInt32(raw[7])
        return .success((family(of: raw), IPv4Address(value: address), port))
    }
}

extension Kernel {
    /// Copies in a socket address the guest passes (move_addr_to_kernel): EINVAL for a
    /// length below 0 or above 128, EFAULT for memory it cannot read.
    func socketAddressBytes(_ address: UInt64, length: Int32, process: Process) -> Result<[UInt8], Errno> {
        guard length >= 0, Int(length) <= SocketAddress.storageSize else { return .failure(.EINVAL) }
        guard length > 0 else { return .success([]) }
        guard case .success(let bytes) = process.addressSpace.copyIn(from: address, count: Int(length)) else {
            return .failure(.EFAULT)
        }
        return .success(bytes)
    }

    /// Writes `address` for the guest with the socklen protocol (move_addr_to_user): reads
    /// the room at `lengthAddress`, writes at most that many bytes, and stores the full
    /// length. EFAULT for memory it cannot reach, EINVAL for a negative room.
    func storeSocketAddress(_ address: SocketAddress, at buffer: UInt64, lengthAddress: UInt64, process: Process) -> Errno? {
        guard case .success(let word) = process.addressSpace.copyIn(from: lengthAddress, count: 4) else { return .EFAULT }
        let room = Int32(bitPattern: UInt32(truncatingIfNeeded: littleEndianWord(word, at: 0, count: 4)))
        let bytes = address.bytes
        guard room >= 0 else { return .EINVAL }
        let count = min(Int(room), bytes.count)
        if count > 0, case .failure = process.addressSpace.copyOut(Array(bytes.prefix(count)), to: buffer) { return .EFAULT }
        guard case .success = process.addressSpace.copyOut(littleEndianBytes(UInt64(bytes.count), count: 4), to: lengthAddress) else {
            return .EFAULT
        }
        return nil
    }

    /// Whether `storeSocketAddress` would fault, checked before a call takes anything
    /// (accept, recvfrom) so a bad pointer loses no connection or message.
    func canStoreSocketAddress(at buffer: UInt64, lengthAddress: UInt64, process: Process) -> Bool {
        guard case .success(let word) = process.addressSpace.copyIn(from: lengthAddress, count: 4),
              isWritable(process, lengthAddress, count: 4) else { return false }
        let room = Int32(bitPattern: UInt32(truncatingIfNeeded: littleEndianWord(word, at: 0, count: 4)))
        guard room > 0 else { return true }
        return isWritable(process, buffer, count: min(Int(room), SocketAddress.unixSize))
    }
}
