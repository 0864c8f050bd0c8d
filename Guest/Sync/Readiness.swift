// Readiness.swift: which descriptors can be read or written without waiting —
// the events epoll and poll report, and a wait for one descriptor (ppoll).
//
// An event loop (EventLoop.swift) asks epoll about many descriptors at once; this
// file's `wait(for:timeout:)` is the small case, used inside the library where a
// non-blocking descriptor must wait for room or input after all (a whole write).

/// Readiness events, with Linux's poll and epoll bits (the two agree on these).
public struct IOEvents: OptionSet, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Input is waiting, or the end of file (POLLIN / EPOLLIN); a listener has a connection.
    public static let readable = IOEvents(rawValue: 0x001)
    /// Urgent data (POLLPRI / EPOLLPRI).
    public static let priority = IOEvents(rawValue: 0x002)
    /// A write would take at least one byte now (POLLOUT / EPOLLOUT).
    public static let writable = IOEvents(rawValue: 0x004)
    /// An error is pending (POLLERR / EPOLLERR): always reported, never asked for.
    public static let error = IOEvents(rawValue: 0x008)
    /// Hung up: the other end is gone (POLLHUP / EPOLLHUP): always reported.
    public static let hangUp = IOEvents(rawValue: 0x010)
    /// The descriptor is not open (POLLNVAL): poll's answer only.
    public static let invalid = IOEvents(rawValue: 0x020)
    /// The peer shut down its writing side (POLLRDHUP / EPOLLRDHUP).
    public static let readHangUp = IOEvents(rawValue: 0x2000)

    public var description: String {
        var names: [String] = []
        if contains(.readable) { names.append("in") }
        if contains(.priority) { names.append("pri") }
        if contains(.writable) { names.append("out") }
        if contains(.error) { names.append("err") }
        if contains(.hangUp) { names.append("hup") }
        if contains(.invalid) { names.append("nval") }
        if contains(.readHangUp) { names.append("rdhup") }
        return names.isEmpty ? "none" : names.joined(separator: "|")
    }
}

/// struct pollfd (8 bytes).
struct PollRecord {
    var descriptor: Int32
    var events: Int16
    var returnedEvents: Int16
}

extension FileDescriptor {
    /// Waits until the descriptor is ready for `events` or `timeout` nanoseconds have
    /// passed (nil: no limit), with one ppoll call made again after EINTR; returns the
    /// events it reported — empty when the time ran out. Errors and hang-ups count as
    /// ready, as in poll, so a caller's next read or write reports what happened.
    public func wait(for events: IOEvents, timeout: UInt64? = nil) throws(SystemError) -> IOEvents {
        var record = PollRecord(descriptor: rawValue, events: Int16(truncatingIfNeeded: events.rawValue), returnedEvents: 0)
        var limit = TimeSpec(seconds: Int((timeout ?? 0) / 1_000_000_000), nanoseconds: Int((timeout ?? 0) % 1_000_000_000))
        while true {
            let result = withUnsafeMutablePointer(to: &record) { recordPointer in
                withUnsafeMutablePointer(to: &limit) { limitPointer in
                    System.syscall(SystemCallNumber.ppoll, Int(bitPattern: recordPointer), 1,
                                   timeout == nil ? 0 : Int(bitPattern: limitPointer), 0, 8)
                }
            }
            if result == -SystemError.interrupted.code { continue }
            if try System.check(result) == 0 { return [] }
            return IOEvents(rawValue: UInt32(UInt16(bitPattern: record.returnedEvents)))
        }
    }
}
