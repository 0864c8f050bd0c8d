// An epoll instance: the interest list a program builds once with epoll_ctl, and the
// ready list the watched objects fill as they change. Each registration watches its
// object's wait queue (a `ReadinessWatcher`); when the object wakes it, the registration
// goes on the ready list, so epoll_wait looks at the entries there and never at the
// idle ones — the whole reason epoll scales where poll does not.
//
// Linux's rules (fs/eventpoll.c), kept here:
// - A registration is keyed by (open file description, descriptor number); it lives
//   until EPOLL_CTL_DEL or until its open file description is released.
// - Level-triggered entries that were reported go back to the tail of the ready list, so
//   the next wait asks again (and drops them if no longer ready); entries past maxevents
//   stay at the front, so every ready descriptor gets its turn.
// - Edge-triggered (EPOLLET) entries leave the list when reported: they come back only
//   when the object wakes the registration again with an event it wants.
// - EPOLLONESHOT disarms a registration once reported, until EPOLL_CTL_MOD re-arms it.
// - EPOLLERR and EPOLLHUP are always wanted.
// - An epoll instance is itself pollable (readable when an entry is truly ready), so
//   instances nest; adding one to itself is EINVAL, a cycle or a chain deeper than
//   Linux's EP_MAX_NESTS is ELOOP.

import Machine

/// The EPOLL* flags of epoll_ctl beside the poll bits.
enum EpollFlag {
    static let exclusive: UInt32 = 1 << 28      // EPOLLEXCLUSIVE
    static let wakeUp: UInt32 = 1 << 29         // EPOLLWAKEUP
    static let oneShot: UInt32 = 1 << 30        // EPOLLONESHOT
    static let edgeTriggered: UInt32 = 1 << 31  // EPOLLET
    /// Bits that say how to report, not what (EP_PRIVATE_BITS): a registration with no
    /// other bit left is disarmed.
    static let privateBits: UInt32 = wakeUp | oneShot | edgeTriggered | exclusive
    /// What EPOLLEXCLUSIVE may be combined with (EPOLLEXCLUSIVE_OK_BITS).
    static let exclusiveCompatible: UInt32 = 0x001 | 0x004 | 0x008 | 0x010 | wakeUp | edgeTriggered | exclusive
    /// epoll_ctl's operations.
    static let add: Int32 = 1, delete: Int32 = 2, modify: Int32 = 3
    /// Linux's EP_MAX_NESTS: how deep instances may be nested.
    static let maximumNesting = 4
}

/// One descriptor on an epoll instance's interest list.
final class EpollRegistration: ReadinessWatcher {
    weak var epoll: EpollInstance?
    let file: OpenFile
    let fd: Int32
    /// The events wanted and the flags (EPOLLERR | EPOLLHUP always among them while armed).
    var interest: UInt32
    var data: UInt64
    /// Its place on the ready list (an intrusive doubly linked list, as Linux's rdllink).
    var isListed = false
    var next: EpollRegistration?
    weak var previous: EpollRegistration?

    init(epoll: EpollInstance, file: OpenFile, fd: Int32, interest: UInt32, data: UInt64) {
        self.epoll = epoll
        self.file = file
        self.fd = fd
        self.interest = interest
        self.data = data
    }

    var isEdgeTriggered: Bool { interest & EpollFlag.edgeTriggered != 0 }
    var isOneShot: Bool { interest & EpollFlag.oneShot != 0 }
    /// Disarmed (a reported one-shot): nothing wakes it until EPOLL_CTL_MOD.
    var isDisarmed: Bool { interest & ~EpollFlag.privateBits == 0 }

    /// What of its interest the object has now (ep_item_poll).
    func currentEvents() -> PollEvents {
        file.object.readiness(for: file).intersection(PollEvents(rawValue: interest & ~EpollFlag.privateBits))
    }

    /// The object woke its queue (ep_poll_callback): listed unless disarmed or the wake
    /// carries only events it does not want.
    func readinessChanged(_ events: PollEvents, _ context: IOContext) {
        guard !isDisarmed else { return }
        if !events.isEmpty, events.rawValue & interest == 0 { return }
        epoll?.list(self, context)
    }

    func fileReleased(_ released: OpenFile, _ context: IOContext) {
        guard released === file else { return }
        epoll?.remove(self)
    }
}

/// Registrations are found by open file description and descriptor number (ep_find).
struct EpollKey: Hashable {
    let file: UInt64
    let fd: Int32
}

final class EpollInstance: FileObject {
    let kind = FileKind.epoll
    /// Threads in epoll_wait on it, and instances that watch it.
    let waiters = WaitQueue()
    private var registrations: [EpollKey: EpollRegistration] = [:]
    /// Registrations whose object is itself an epoll instance, for the loop check.
    private var nested: [EpollRegistration] = []
    private var readyHead: EpollRegistration?
    private weak var readyTail: EpollRegistration?
    private(set) var readyCount = 0

    init() {}

    var registrationCount: Int { registrations.count }

    func registration(_ key: EpollKey) -> EpollRegistration? { registrations[key] }

    // MARK: The interest list (epoll_ctl)

    /// EPOLL_CTL_ADD: the caller has checked that the key is new. Listed at once if ready.
    func add(_ file: OpenFile, fd: Int32, interest: UInt32, data: UInt64, _ context: IOContext) {
        let registration = EpollRegistration(epoll: self, file: file, fd: fd, interest: interest, data: data)
        registrations[EpollKey(file: file.serial, fd: fd)] = registration
        if file.object is EpollInstance { nested.append(registration) }
        file.object.waiters.addWatcher(registration)
        if !registration.currentEvents().isEmpty { list(registration, context) }
    }

    /// EPOLL_CTL_MOD: new events and data (re-arms a one-shot); listed at once if ready.
    func modify(_ registration: EpollRegistration, interest: UInt32, data: UInt64, _ context: IOContext) {
        registration.interest = interest
        registration.data = data
        if !registration.currentEvents().isEmpty { list(registration, context) }
    }

    /// EPOLL_CTL_DEL, or its open file description was released.
    func remove(_ registration: EpollRegistration) {
        let key = EpollKey(file: registration.file.serial, fd: registration.fd)
        guard registrations[key] === registration else { return }
        registrations[key] = nil
        if registration.file.object is EpollInstance { nested.removeAll { $0 === registration } }
        registration.file.object.waiters.removeWatcher(registration)
        unlist(registration)
        registration.epoll = nil
    }

    /// Whether adding `instance` to this one would make a cycle of instances, or a chain
    /// deeper than Linux allows (ep_loop_check: the levels below `instance`, plus one, plus
    /// the levels above this one). Walks nested instances only, each once, so a guest's
    /// web of instances cannot make one epoll_ctl expensive.
    func wouldLoop(adding instance: EpollInstance) -> Bool {
        if instance === self { return true }
        var below: [ObjectIdentifier: Int] = [:], above: [ObjectIdentifier: Int] = [:]
        guard let depth = instance.depthBelow(avoiding: self, level: 0, memo: &below) else { return true }
        return depth + 1 + depthAbove(level: 0, memo: &above) > EpollFlag.maximumNesting
    }

    /// The longest chain of instances below this one; nil if `target` is among them.
    private func depthBelow(avoiding target: EpollInstance, level: Int, memo: inout [ObjectIdentifier: Int]) -> Int? {
        if let known = memo[ObjectIdentifier(self)] { return known }
        guard level <= EpollFlag.maximumNesting else { return nil }
        var deepest = 0
        for registration in nested {
            guard let inner = registration.file.object as? EpollInstance else { continue }
            if inner === target { return nil }
            guard let depth = inner.depthBelow(avoiding: target, level: level + 1, memo: &memo) else { return nil }
            deepest = max(deepest, depth + 1)
        }
        memo[ObjectIdentifier(self)] = deepest
        return deepest
    }

    /// The longest chain of instances that watch this one, transitively.
    private func depthAbove(level: Int, memo: inout [ObjectIdentifier: Int]) -> Int {
        if let known = memo[ObjectIdentifier(self)] { return known }
        guard level <= EpollFlag.maximumNesting else { return level }
        var deepest = 0
        for watcher in waiters.watchers {
            guard let outer = (watcher as? EpollRegistration)?.epoll else { continue }
            deepest = max(deepest, 1 + outer.depthAbove(level: level + 1, memo: &memo))
        }
        memo[ObjectIdentifier(self)] = deepest
        return deepest
    }

    // MARK: The ready list

    /// Puts a registration at the tail of the ready list (if it is not on it) and wakes
    /// the threads waiting in epoll_wait and the instances watching this one.
    func list(_ registration: EpollRegistration, _ context: IOContext) {
        guard !registration.isListed else { return }
        append(registration)
        waiters.wake([.input, .readNormal], context)
    }

    private func append(_ registration: EpollRegistration) {
        registration.isListed = true
        registration.next = nil
        registration.previous = readyTail
        if let tail = readyTail { tail.next = registration } else { readyHead = registration }
        readyTail = registration
        readyCount += 1
    }

    private func unlist(_ registration: EpollRegistration) {
        guard registration.isListed else { return }
        let before = registration.previous, after = registration.next
        if let before { before.next = after } else { readyHead = after }
        if let after { after.previous = before } else { readyTail = before }
        registration.next = nil
        registration.previous = nil
        registration.isListed = false
        readyCount -= 1
    }

    /// The first entry of the ready list, taken off it.
    private func takeFirst() -> EpollRegistration? {
        guard let first = readyHead else { return nil }
        unlist(first)
        return first
    }

    /// Puts an entry back at the front (one that could not be delivered).
    private func putBackFirst(_ registration: EpollRegistration) {
        guard !registration.isListed else { return }
        registration.isListed = true
        registration.previous = nil
        registration.next = readyHead
        if let head = readyHead { head.previous = registration } else { readyTail = registration }
        readyHead = registration
        readyCount += 1
    }

    /// One reported event: what happened and the registration's data.
    struct Event {
        let events: UInt32
        let data: UInt64
    }

    /// Takes ready events off the list, at most `limit` (ep_send_events): each listed
    /// entry's object is asked again; one no longer ready leaves the list; a reported
    /// level-triggered one goes back to the tail, an edge-triggered one leaves, a one-shot
    /// one is disarmed. `deliver` copies an event out (false: the guest's buffer failed;
    /// that entry stays first and the walk stops). Returns the events delivered, the
    /// entries examined (for the cost), and whether a copy failed.
    func collect(limit: Int, deliver: (Int, Event) -> Bool) -> (delivered: Int, examined: Int, faulted: Bool) {
        var delivered = 0, examined = 0, faulted = false
        var requeue: [EpollRegistration] = []
        while delivered < limit, let registration = takeFirst() {
            examined += 1
            let events = registration.currentEvents()
            if events.isEmpty { continue }
            guard deliver(delivered, Event(events: events.rawValue, data: registration.data)) else {
                putBackFirst(registration)
                faulted = true
                break
            }
            delivered += 1
            if registration.isOneShot {
                registration.interest &= EpollFlag.privateBits
            } else if !registration.isEdgeTriggered {
                requeue.append(registration)
            }
        }
        for registration in requeue { append(registration) }
        return (delivered, examined, faulted)
    }

    // MARK: As a file object

    /// Readable when some listed entry is truly ready; entries found not ready on the way
    /// leave the list, as Linux's ep_eventpoll_poll drops them.
    func readiness(for file: OpenFile) -> PollEvents {
        while let first = readyHead {
            if !first.currentEvents().isEmpty { return [.input, .readNormal] }
            unlist(first)
        }
        return []
    }

    /// The last descriptor closed: every registration leaves its object's queue.
    func released(_ context: IOContext) {
        let all = registrations.values.sorted { ($0.file.serial, $0.fd) < ($1.file.serial, $1.fd) }
        for registration in all { remove(registration) }
    }
}
