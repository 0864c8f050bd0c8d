// The network stack's settings, per machine: the link's MTU (TCP's MSS and UDP's largest
// datagram follow from it) and TCP's timers and retry counts. The defaults are Linux's
// (RTO between 200 ms and 120 s, first RTO 1 s, tcp_retries2 15, tcp_syn_retries 6,
// tcp_synack_retries 5, tcp_fin_timeout 60 s) except TIME_WAIT: Linux holds it 60 s,
// here 2·MSL with MSL 500 ms, so a port closed actively is free again after 1 s. Labs
// that want failures to show quickly lower the retries or the RTO bounds.

import Machine

public struct NetworkStackSettings: Sendable, Equatable {
    /// Largest IP packet on the machine's link: TCP segments carry at most MTU − 40 bytes
    /// (the MSS), and a UDP datagram larger than MTU − 28 is refused with EMSGSIZE (no
    /// fragmentation, as Linux with path-MTU discovery).
    public var mtu = 1500
    /// RFC 6298's bounds on the retransmission timeout, and the RTO before any RTT sample.
    public var minimumRetransmissionMilliseconds: UInt64 = 200
    public var maximumRetransmissionMilliseconds: UInt64 = 120_000
    public var initialRetransmissionMilliseconds: UInt64 = 1_000
    /// Retransmissions of data (or FIN) before the connection ends with ETIMEDOUT (Linux's
    /// tcp_retries2: with a 200 ms RTO, about 924 s), of a SYN before connect fails with
    /// ETIMEDOUT (tcp_syn_retries: 127 s), of a SYN-ACK before a half-open connection is dropped.
    public var retries = 15
    public var synRetries = 6
    public var synAckRetries = 5
    /// Maximum segment lifetime: TIME_WAIT lasts twice this.
    public var maximumSegmentLifetimeMilliseconds: UInt64 = 500
    /// How long a closed socket's connection waits in FIN_WAIT_2 for the peer's FIN.
    public var finWait2TimeoutMilliseconds: UInt64 = 60_000

    public init() {}

    /// The smallest and largest MTU accepted (IPv4's minimum, and a jumbo frame's).
    public static let mtuRange: ClosedRange<Int> = 576...9000
    public static let millisecondsRange: ClosedRange<UInt64> = 1...3_600_000
    public static let retriesRange: ClosedRange<Int> = 0...64

    func validate() throws(KernelError) {
        try KernelConfiguration.check(mtu, Self.mtuRange, "the network MTU", unit: "bytes")
        for (value, what) in [(minimumRetransmissionMilliseconds, "the minimum TCP retransmission timeout"),
                              (maximumRetransmissionMilliseconds, "the maximum TCP retransmission timeout"),
                              (initialRetransmissionMilliseconds, "the initial TCP retransmission timeout"),
                              (maximumSegmentLifetimeMilliseconds, "TCP's maximum segment lifetime"),
                              (finWait2TimeoutMilliseconds, "TCP's FIN_WAIT_2 timeout")] {
            try KernelConfiguration.check(value, Self.millisecondsRange, what, unit: "ms")
        }
        guard minimumRetransmissionMilliseconds <= maximumRetransmissionMilliseconds else {
            throw KernelError("the minimum TCP retransmission timeout (\(minimumRetransmissionMilliseconds) ms) must not exceed the maximum (\(maximumRetransmissionMilliseconds) ms)")
        }
        for (value, what) in [(retries, "TCP's retries"), (synRetries, "TCP's SYN retries"), (synAckRetries, "TCP's SYN-ACK retries")] {
            try KernelConfiguration.check(value, Self.retriesRange, what, unit: "retransmissions")
        }
    }

    /// The largest TCP payload of one segment on this link.
    var maximumSegmentSize: Int { mtu - 40 }
    /// The largest UDP payload that fits one packet.
    var maximumDatagramSize: Int { mtu - 28 }
}
