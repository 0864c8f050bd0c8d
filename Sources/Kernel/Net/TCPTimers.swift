// TCP's timers: each connection has one (retransmission, window probe, TIME_WAIT or
// FIN_WAIT_2), and the stack keeps every armed one in a binary min-heap by deadline, so
// the next deadline is found in O(log n) whatever the number of connections ever made.
// Re-arming pushes a new entry and leaves the old one to be skipped (its generation no
// longer matches); the heap is rebuilt when stale entries outnumber live ones. Also here:
// RFC 6298's RTO from RTT samples, and what each timer does when it runs out.

import Machine

/// Armed timers, earliest first (ties: the older connection, then the older arming).
struct TimerHeap {
    struct Entry {
        var deadline: UInt64
        var serial: UInt64
        var generation: UInt64
        var connection: TCPConnection

        func isBefore(_ other: Entry) -> Bool {
            (deadline, serial, generation) < (other.deadline, other.serial, other.generation)
        }
    }

    private(set) var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var first: Entry? { entries.first }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].isBefore(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func popFirst() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let first = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].isBefore(entries[smallest]) { smallest = left }
            if right < entries.count, entries[right].isBefore(entries[smallest]) { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    /// Keeps only the entries `isLive` accepts.
    mutating func rebuild(keeping isLive: (Entry) -> Bool) {
        let live = entries.filter(isLive)
        entries = []
        for entry in live { push(entry) }
    }
}

extension TCPConnection {
    /// Arms the connection's timer `delay` cycles from now for `purpose`.
    func startTimer(_ purpose: TimerPurpose, after delay: UInt64, _ context: IOContext) {
        let wasArmed = timerDeadline != nil
        timerPurpose = purpose
        timerGeneration &+= 1
        let deadline = context.cycle.addingSaturated(delay)
        timerDeadline = deadline
        stack.armed(self, deadline: deadline, wasArmed: wasArmed)
    }

    func stopTimer() {
        guard timerDeadline != nil else { return }
        timerPurpose = nil
        timerDeadline = nil
        timerGeneration &+= 1
        stack.disarmed()
    }

    /// The timer ran out.
    func timerFired(_ context: IOContext) {
        guard let purpose = timerPurpose else { return }
        stopTimer()
        switch purpose {
        case .timeWait, .finWait2:
            close(context)
        case .persist:
            retries += 1
            if retries > stack.settings.retries { return fail(.ETIMEDOUT, context) }
            backOff()
            probeWindow(context)
        case .retransmit:
            let limit = switch state {
            case .synSent: stack.settings.synRetries
            case .synReceived: stack.settings.synAckRetries
            default: stack.settings.retries
            }
            retries += 1
            if retries > limit {
                // A half-open passive connection just goes; anything else fails with ETIMEDOUT.
                if state == .synReceived { return close(context) }
                return fail(.ETIMEDOUT, context)
            }
            backOff()
            retransmitOnTimeout(context)
        }
    }

    /// Exponential back-off: the RTO doubles, up to the maximum.
    func backOff() {
        retransmissionTimeout = min(retransmissionTimeout.multipliedSaturated(by: 2),
                                    stack.cycles(milliseconds: stack.settings.maximumRetransmissionMilliseconds))
    }

    /// An RTT sample of `sample` cycles (RFC 6298 §2): SRTT, RTTVAR, then the RTO.
    func takeRoundTripSample(_ sample: UInt64) {
        if let smoothed = smoothedRoundTrip {
            let difference = smoothed > sample ? smoothed - sample : sample - smoothed
            roundTripVariation = (3 * roundTripVariation + difference) / 4
            smoothedRoundTrip = (7 * smoothed + sample) / 8
        } else {
            smoothedRoundTrip = sample
            roundTripVariation = sample / 2
        }
        let rto = (smoothedRoundTrip ?? sample).addingSaturated(max(1, roundTripVariation.multipliedSaturated(by: 4)))
        let minimum = stack.cycles(milliseconds: stack.settings.minimumRetransmissionMilliseconds)
        let maximum = stack.cycles(milliseconds: stack.settings.maximumRetransmissionMilliseconds)
        estimatedTimeout = min(max(rto, minimum), maximum)
        retransmissionTimeout = estimatedTimeout
        stack.statistics.recordRoundTrip(sample)
    }
}

extension UInt64 {
    /// `self · factor`, or UInt64.max when that overflows.
    func multipliedSaturated(by factor: UInt64) -> UInt64 {
        let (product, overflow) = multipliedReportingOverflow(by: factor)
        return overflow ? .max : product
    }
}

extension NetworkStackStatistics {
    mutating func recordRoundTrip(_ sample: UInt64) {
        roundTripSamples &+= 1
        roundTripTotal = roundTripTotal.addingSaturated(sample)
        roundTripMinimum = min(roundTripMinimum, sample)
        roundTripMaximum = max(roundTripMaximum, sample)
    }
}
