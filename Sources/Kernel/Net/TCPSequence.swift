// TCP's sequence space: 32-bit numbers that wrap, compared by the sign of their
// difference (RFC 9293 §3.4), and the four numbers that name one connection.

extension UInt32 {
    /// "self < other" in sequence space (wrap-around safe within 2^31).
    func precedes(_ other: UInt32) -> Bool { Int32(bitPattern: self &- other) < 0 }
    func precedesOrEquals(_ other: UInt32) -> Bool { Int32(bitPattern: self &- other) <= 0 }
    /// How far `self` lies after `start` (negative when before).
    func distance(from start: UInt32) -> Int { Int(Int32(bitPattern: self &- start)) }
    /// `self` moved on by `count` bytes.
    func advanced(by count: Int) -> UInt32 { self &+ UInt32(truncatingIfNeeded: count) }
}

/// One connection's addresses and ports, seen from this machine.
struct TCPEndpoints: Hashable, CustomStringConvertible {
    var localAddress: IPv4Address
    var localPort: UInt16
    var remoteAddress: IPv4Address
    var remotePort: UInt16

    var description: String { "\(localAddress):\(localPort) ↔ \(remoteAddress):\(remotePort)" }
}
