// EventLoop.swift: one thread serving many descriptors — wait on epoll for whichever
// is ready, run its handler, repeat; timers on the loop's clock share the same wait.
//
// This is the C10K design: instead of a thread per connection, each waiting in its own
// read, one thread asks the kernel which of its descriptors can be read or written
// now (epoll_pwait2) and handles exactly those, so memory and switches grow with the
// work, not with the connections. A handler must not block: it reads or writes what is
// there (non-blocking descriptors, EAGAIN means "no more now") and returns. A whole
// write (`send(all:)`, `write(_:)`) waits in ppoll when the peer's buffer is full,
// which stalls every connection: fine for small replies; for large ones, `send` what
// fits and register for `.writable` to send the rest.
//
// Level-triggered registrations are reported on every wait while they are ready;
// edge-triggered ones only when they become ready, so their handler must drain
// (read until EAGAIN). One-shot ones are reported once, then disarmed until
// `modify` arms them again. Each registration's epoll data carries the descriptor and
// a generation number, so an event still in a batch for a descriptor deregistered
// (or closed and reused) by an earlier handler in that batch is dropped, not misrouted.
// Handlers are closures (Embedded Swift has no existentials; closures compile well).

/// How a registration reports readiness.
public enum Trigger: Sendable {
    /// On every wait while ready (epoll's default; like poll).
    case level
    /// When it becomes ready (EPOLLET): the handler must read or write until EAGAIN.
    case edge
}

/// One descriptor's handler and the generation its epoll data carries.
final class Registration {
    let handler: (IOEvents) -> Void
    let generation: UInt32

    init(handler: @escaping (IOEvents) -> Void, generation: UInt32) {
        self.handler = handler
        self.generation = generation
    }
}

/// struct epoll_event on riscv64 (not packed there): events, 4 bytes of padding, data.
struct EpollRecord {
    var events: UInt32 = 0
    var data: UInt64 = 0
}

/// epoll_ctl operations and flags.
enum Epoll {
    static let add = 1, remove = 2, modify = 3
    static let edgeTriggered: UInt32 = 1 << 31   // EPOLLET
    static let oneShot: UInt32 = 1 << 30         // EPOLLONESHOT
}

/// A readiness event loop on epoll, with timers. Not thread-safe: one thread runs it.
public final class EventLoop {
    /// The epoll instance.
    public let descriptor: FileDescriptor
    /// Most events taken from the kernel per wait.
    public let batchSize: Int
    let records: UnsafeMutablePointer<EpollRecord>
    var registrations: [Registration?] = []
    var nextGeneration: UInt32 = 0
    var timers = TimerHeap()
    var nextSequence = 0
    var stopping = false
    var usesNanosecondWait = true
    var closed = false

    /// Descriptors registered now.
    public private(set) var registeredCount = 0
    /// Timers that will still fire (one-shot ones not yet fired, repeating ones not cancelled).
    public private(set) var liveTimerCount = 0
    /// Waits made (epoll_pwait2 or epoll_pwait calls).
    public private(set) var waitCount = 0
    /// Handler calls made for readiness events.
    public private(set) var eventCount = 0
    /// Timer actions run.
    public private(set) var timerFireCount = 0

    /// A new loop with its own epoll instance (epoll_create1, close-on-exec), taking up
    /// to `batchSize` events per wait.
    public init(batchSize: Int = 64) throws(SystemError) {
        let result = try System.checkedSyscall(SystemCallNumber.epollCreate1, FileControl.closeOnExec)
        descriptor = FileDescriptor(Int32(truncatingIfNeeded: result))
        self.batchSize = max(1, min(batchSize, 4096))
        records = .allocate(capacity: self.batchSize)
        records.initialize(repeating: EpollRecord(), count: self.batchSize)
    }

    deinit {
        records.deallocate()
        if !closed { _ = System.syscall(SystemCallNumber.close, descriptor.argument) }
    }

    /// The loop's clock: monotonic nanoseconds (simulated time under Interleave).
    public var now: UInt64 { System.monotonicNanoseconds() }

    // MARK: descriptors

    /// Calls `handler` with the ready events whenever `fd` is ready for `events`
    /// (errors and hang-ups are always reported). EEXIST if `fd` is registered already;
    /// EPERM for a descriptor epoll cannot watch (a regular file).
    public func register(_ fd: FileDescriptor, for events: IOEvents, trigger: Trigger = .level, oneShot: Bool = false,
                         _ handler: @escaping (IOEvents) -> Void) throws(SystemError) {
        guard fd.rawValue >= 0 else { throw SystemError.badFileDescriptor }
        nextGeneration &+= 1
        let generation = nextGeneration
        try control(Epoll.add, fd, events, trigger, oneShot, generation)
        let index = Int(fd.rawValue)
        if index >= registrations.count {
            registrations.append(contentsOf: repeatElement(nil, count: index + 1 - registrations.count))
        }
        if registrations[index] == nil { registeredCount += 1 }
        registrations[index] = Registration(handler: handler, generation: generation)
    }

    /// Changes what a registered descriptor is watched for, keeping its handler; this
    /// is also how a one-shot registration is armed again.
    public func modify(_ fd: FileDescriptor, for events: IOEvents, trigger: Trigger = .level,
                       oneShot: Bool = false) throws(SystemError) {
        guard let registration = registration(of: fd) else { throw SystemError.noSuchFile }
        try control(Epoll.modify, fd, events, trigger, oneShot, registration.generation)
    }

    /// Stops watching `fd` and drops its handler. A descriptor closed already has left
    /// epoll by itself (when its last reference closed), so EBADF and ENOENT are not errors.
    public func deregister(_ fd: FileDescriptor) throws(SystemError) {
        guard registration(of: fd) != nil else { return }
        registrations[Int(fd.rawValue)] = nil
        registeredCount -= 1
        let result = System.syscall(SystemCallNumber.epollCtl, descriptor.argument, Epoll.remove, fd.argument, 0)
        if result == -SystemError.badFileDescriptor.code || result == -SystemError.noSuchFile.code { return }
        try System.check(result)
    }

    /// Deregisters and closes `fd`: the usual end of a connection.
    public func close(_ fd: FileDescriptor) throws(SystemError) {
        try deregister(fd)
        try fd.close()
    }

    /// Whether `fd` has a handler here.
    public func isRegistered(_ fd: FileDescriptor) -> Bool {
        registration(of: fd) != nil
    }

    func registration(of fd: FileDescriptor) -> Registration? {
        let index = Int(fd.rawValue)
        guard index >= 0 && index < registrations.count else { return nil }
        return registrations[index]
    }

    func control(_ operation: Int, _ fd: FileDescriptor, _ events: IOEvents, _ trigger: Trigger, _ oneShot: Bool,
                 _ generation: UInt32) throws(SystemError) {
        var flags = events.rawValue
        if trigger == .edge { flags |= Epoll.edgeTriggered }
        if oneShot { flags |= Epoll.oneShot }
        var record = EpollRecord(events: flags, data: UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd.rawValue)))
        let result = withUnsafeMutablePointer(to: &record) { pointer in
            System.syscall(SystemCallNumber.epollCtl, descriptor.argument, operation, fd.argument, Int(bitPattern: pointer))
        }
        try System.check(result)
    }

    /// Accepts every connection waiting on `listener` whenever it is readable and
    /// hands each (non-blocking unless told) to `handler`. The listener is made
    /// non-blocking, so the drain stops at EAGAIN; EMFILE and other accept errors
    /// end the drain and are left for the next readiness (the connection stays queued).
    public func serve(_ listener: Listener, nonBlockingConnections: Bool = true,
                      _ handler: @escaping (Socket) -> Void) throws(SystemError) {
        try listener.descriptor.setNonBlocking(true)
        try register(listener.descriptor, for: .readable) { _ in
            while true {
                let connection: Socket?
                do throws(SystemError) {
                    connection = try listener.acceptIfReady(nonBlocking: nonBlockingConnections, closeOnExec: true)
                } catch {
                    return
                }
                guard let connection else { return }
                handler(connection)
            }
        }
    }

    // MARK: timers

    /// Runs `action` once `delay` nanoseconds from now on the loop's clock — and, with a
    /// non-zero `interval`, every `interval` nanoseconds after that until cancelled.
    /// Timers with the same deadline run in the order they were scheduled.
    @discardableResult
    public func schedule(after delay: UInt64, repeating interval: UInt64 = 0,
                         _ action: @escaping () -> Void) -> EventLoopTimer {
        let deadline = now.addingReportingOverflow(delay)
        let entry = TimerEntry(sequence: nextSequence, deadline: deadline.overflow ? UInt64.max : deadline.partialValue,
                               interval: interval, action: action)
        nextSequence += 1
        liveTimerCount += 1
        timers.insert(entry)
        return EventLoopTimer(entry: entry)
    }

    /// Stops a timer; a cancelled or fired one-shot timer is left as it is.
    public func cancel(_ timer: EventLoopTimer) {
        guard timer.entry.live else { return }
        timer.entry.live = false
        liveTimerCount -= 1
        timers.remove(timer.entry)
    }

    /// The deadline of the next timer.
    func nextDeadline() -> UInt64? {
        timers.first?.deadline
    }

    /// Runs the actions of every timer due at `time`; those they schedule wait for the
    /// next pass, so an action that schedules itself with no delay cannot starve the loop.
    func fireDueTimers(at time: UInt64) {
        var due: [TimerEntry] = []
        while let deadline = nextDeadline(), deadline <= time, let entry = timers.removeFirst() {
            due.append(entry)
            if entry.interval > 0 {
                let next = entry.deadline.addingReportingOverflow(entry.interval)
                entry.deadline = next.overflow ? UInt64.max : max(next.partialValue, time &+ 1)
                timers.insert(entry)
            }
        }
        // An action may cancel a timer due in the same pass: it does not run then.
        for entry in due where entry.live {
            if entry.interval == 0 {
                entry.live = false
                liveTimerCount -= 1
            }
            timerFireCount += 1
            entry.action()
        }
    }

    // MARK: running

    /// Waits and dispatches until `stop()` is called, or until nothing is left to wait
    /// for (no descriptor registered and no live timer).
    public func run() throws(SystemError) {
        stopping = false
        while !stopping && (registeredCount > 0 || liveTimerCount > 0) {
            try runOnce()
        }
        stopping = false
    }

    /// Makes `run()` return once the handlers of the current batch have run (events
    /// already taken from the kernel are still handed out: edge-triggered ones would
    /// not be reported again).
    public func stop() {
        stopping = true
    }

    /// One turn: runs due timers, waits for readiness until the next timer (or at most
    /// `timeout` nanoseconds; nil: no limit of its own), runs the handlers of what is
    /// ready and the timers due by then. Returns how many handlers and actions ran.
    /// With no descriptor registered and no timer left it does not block.
    @discardableResult
    public func runOnce(timeout: UInt64? = nil) throws(SystemError) -> Int {
        let before = eventCount &+ timerFireCount
        var wait = timeout
        // The clock is a system call: read only with timers to serve.
        if !timers.isEmpty {
            var time = now
            let firedBefore = timerFireCount
            fireDueTimers(at: time)
            if stopping { return (eventCount &+ timerFireCount) &- before }
            if let deadline = nextDeadline() {
                if timerFireCount != firedBefore { time = now }
                let untilTimer = deadline > time ? deadline - time : 0
                wait = min(wait ?? untilTimer, untilTimer)
            }
        }
        // Nothing to wait for: no descriptor, and no timer left (the last ones may have
        // just fired above, when the clock passed them before this turn — on a busy host,
        // all of them). An unbounded wait here would never end; poll once instead.
        if wait == nil && registeredCount == 0 { wait = 0 }
        let ready = try waitForEvents(nanoseconds: wait)
        for index in 0..<ready {
            let record = records[index]
            let fd = Int(UInt32(truncatingIfNeeded: record.data))
            let generation = UInt32(truncatingIfNeeded: record.data >> 32)
            guard fd < registrations.count, let registration = registrations[fd],
                  registration.generation == generation else { continue }
            eventCount += 1
            registration.handler(IOEvents(rawValue: record.events))
        }
        if !timers.isEmpty { fireDueTimers(at: now) }
        return (eventCount &+ timerFireCount) &- before
    }

    /// One epoll wait: epoll_pwait2 (a timespec, nanoseconds), or epoll_pwait
    /// (milliseconds, rounded up) on a kernel without it. EINTR counts as no events.
    func waitForEvents(nanoseconds: UInt64?) throws(SystemError) -> Int {
        waitCount += 1
        if usesNanosecondWait {
            var limit = TimeSpec(seconds: Int(min((nanoseconds ?? 0) / 1_000_000_000, UInt64(Int.max))),
                                 nanoseconds: Int((nanoseconds ?? 0) % 1_000_000_000))
            let result = withUnsafeMutablePointer(to: &limit) { pointer in
                System.syscall(SystemCallNumber.epollPwait2, descriptor.argument, Int(bitPattern: records), batchSize,
                               nanoseconds == nil ? 0 : Int(bitPattern: pointer), 0, 8)
            }
            if result != -SystemError.notImplemented.code {
                if result == -SystemError.interrupted.code { return 0 }
                return try System.check(result)
            }
            usesNanosecondWait = false
        }
        var milliseconds = -1
        if let nanoseconds {
            milliseconds = Int(min(nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 == 0 ? 0 : 1), UInt64(Int32.max)))
        }
        let result = System.syscall(SystemCallNumber.epollPwait, descriptor.argument, Int(bitPattern: records), batchSize,
                                    milliseconds, 0, 8)
        if result == -SystemError.interrupted.code { return 0 }
        return try System.check(result)
    }

    /// Drops every handler and timer (breaking the cycles handlers that capture the
    /// loop make) and closes the epoll instance; the registered descriptors stay open.
    public func close() throws(SystemError) {
        registrations = []
        registeredCount = 0
        for entry in timers.entries { entry.live = false }
        timers.removeAll()
        liveTimerCount = 0
        guard !closed else { return }
        closed = true
        try descriptor.close()
    }
}
