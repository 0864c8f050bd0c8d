// One direction of one link: a bounded FIFO in front of a wire that sends one packet at a
// time. Nothing per packet outlives its wait: the queue is a "busy until" cycle plus the
// start cycles of the packets still waiting (at most `capacity` of them), so a packet
// costs amortised O(1) however long the run. Also the link's arithmetic: nanoseconds and
// bits to cycles, rounded up and saturating, so no option can trap the host.

import Machine

/// A link direction's timing in cycles of the cluster's one clock.
struct LinkTiming: Sendable, Equatable {
    var latency: UInt64
    var bandwidthBitsPerSecond: UInt64
    var clockFrequency: UInt64
    var mtu: Int
    var queuePackets: Int

    init(_ settings: LinkSettings, clockFrequency: UInt64) {
        self.clockFrequency = max(1, clockFrequency)
        latency = SimulatedTime.nanoseconds(settings.latencyNanoseconds, clockFrequency: self.clockFrequency).cycles
        bandwidthBitsPerSecond = max(1, settings.bandwidthBitsPerSecond)
        mtu = settings.mtu
        queuePackets = max(0, settings.queuePackets)
    }

    /// Cycles the wire is busy sending `bytes`: bytes·8/bandwidth seconds, rounded up, at
    /// least one cycle (1500 bytes at 1 Gbit/s is 12 µs, 1,200 cycles at 100 MHz).
    func serialisation(bytes: Int) -> UInt64 {
        let bits = UInt64(max(0, bytes)).multipliedReportingOverflow(by: 8)
        guard !bits.overflow else { return .max }
        return max(1, LinkTiming.scaleUp(bits.partialValue, by: clockFrequency, over: bandwidthBitsPerSecond))
    }

    /// `value × numerator / denominator` rounded up, with a 128-bit product; saturates.
    static func scaleUp(_ value: UInt64, by numerator: UInt64, over denominator: UInt64) -> UInt64 {
        let divisor = max(1, denominator)
        let product = value.multipliedFullWidth(by: numerator)
        guard product.high < divisor else { return .max }
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        guard remainder != 0 else { return quotient }
        return quotient == .max ? .max : quotient + 1
    }
}

/// The queue and wire of one link direction.
struct LinkQueue: Sendable {
    /// The cycle the wire finishes the last packet accepted.
    private(set) var busyUntil: UInt64 = 0
    /// Start cycles of accepted packets that may still be waiting, oldest first from `head`
    /// (FIFO, so they only grow).
    private var starts: [UInt64] = []
    private var head = 0
    /// The most packets ever waiting at once (the one on the wire not counted).
    private(set) var largestQueue = 0

    /// Offers a packet reaching the queue at `cycle` that occupies the wire for
    /// `serialisation` cycles. The cycle its last bit leaves, or nil when `capacity`
    /// packets already wait (tail drop). A packet that finds the wire idle takes no slot.
    mutating func offer(at cycle: UInt64, serialisation: UInt64, capacity: Int) -> UInt64? {
        while head < starts.count, starts[head] <= cycle { head += 1 }
        if head >= 64, head * 2 >= starts.count {
            starts.removeFirst(head)
            head = 0
        }
        let waiting = starts.count - head
        let start = max(cycle, busyUntil)
        if start > cycle {
            guard waiting < capacity else { return nil }
            starts.append(start)
            largestQueue = max(largestQueue, waiting + 1)
        }
        busyUntil = start.addingSaturated(serialisation)
        return busyUntil
    }

    /// Packets waiting at `cycle` (not counting one on the wire), for tests and reports.
    func waiting(at cycle: UInt64) -> Int {
        var count = 0
        for index in stride(from: starts.count - 1, through: head, by: -1) {
            guard starts[index] > cycle else { break }
            count += 1
        }
        return count
    }
}
