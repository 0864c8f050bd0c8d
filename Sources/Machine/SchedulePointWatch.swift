// The machine's side of schedule points (issue 18): under exploration a hart stops before
// an access to a page another thread has touched, and before every atomic, LR and SC, so
// the kernel can ask the explorer which thread goes next. A page is private until a
// second thread touches it: one owner tag per RAM page (0 untouched, the thread's tag
// while private, `shared` after), in a flat array. The fast TLB is filled only for pages
// private to the running thread, so every shared access, and each thread's first access
// to a page, comes through the slow path (HartMemory.swift), which calls `checkPoint`.
// A stop is a host trap with cause `schedulePointCause`: nothing is written, the PC stays
// on the instruction; when the thread runs again with `schedulePointPassed` set, the
// instruction runs once without stopping. Off (no watch attached), none of this runs.

/// What the instruction a hart stopped before does: for the kernel's candidate list.
public struct PendingAccess: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case read, write, sync
    }
    public enum Reason: UInt8, Sendable {
        case sharedAccess, atomic, loadReserved, storeConditional
    }
    /// The physical address touched.
    public var physical: UInt64
    public var kind: Kind
    public var reason: Reason

    public init(physical: UInt64, kind: Kind, reason: Reason) {
        self.physical = physical
        self.kind = kind
        self.reason = reason
    }
}

/// Page ownership for schedule points: one tag per RAM page.
public final class SchedulePointWatch {
    /// The tag of a page two or more threads have touched.
    public static let shared: UInt32 = .max
    /// The trap cause of a stop at a schedule point: 24, the first cause the privileged
    /// specification leaves for custom use, so it is never a real exception.
    public static let schedulePointCause: UInt64 = 24

    public let pageCount: Int
    /// Per RAM page: 0 untouched, a thread's tag while private to it, `shared` after.
    public let owners: UnsafeMutablePointer<UInt32>
    /// Pages that became shared so far (for tests and reports).
    public internal(set) var sharedPages = 0

    init(pageCount: Int) {
        self.pageCount = pageCount
        owners = .allocate(capacity: max(1, pageCount))
        owners.initialize(repeating: 0, count: max(1, pageCount))
    }

    deinit { owners.deallocate() }

    /// Forgets who touched RAM page `page` (its frame was freed: the next user starts afresh).
    public func forget(page: Int) {
        guard page >= 0, page < pageCount, owners[page] != 0 else { return }
        owners[page] = 0
    }

    /// Sets every page's tag at once (a snapshot's restore).
    public func restore(_ tags: [UInt32]) {
        let count = min(tags.count, pageCount)
        tags.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { owners.update(from: base, count: count) }
        }
        if count < pageCount { (owners + count).update(repeating: 0, count: pageCount - count) }
        sharedPages = tags.prefix(count).reduce(0) { $0 + ($1 == SchedulePointWatch.shared ? 1 : 0) }
    }

    /// Every page's tag (a snapshot's capture).
    public var tags: [UInt32] { Array(UnsafeBufferPointer(start: owners, count: pageCount)) }
}

extension Machine {
    /// Turns schedule points on: every hart stops at them from now on.
    public func attachSchedulePointWatch() {
        guard schedulePointWatch == nil else { return }
        let watch = SchedulePointWatch(pageCount: memory.pageCount)
        schedulePointWatch = watch
        for hart in harts {
            hart.pointWatch = watch
            hart.flushFastTLB()
        }
    }
}

extension Hart {
    /// The running thread's owner tag (set by the kernel at every switch; never 0 or `shared`).
    public var pointOwnerTag: UInt32 {
        get { pointOwner }
        set { pointOwner = newValue == 0 || newValue == SchedulePointWatch.shared ? 1 : newValue }
    }

    /// Forgets every fast TLB entry (the kernel's context switch under exploration).
    public func forgetFastTranslations() { flushFastTLB() }

    /// Whether an access of RAM at `offset` (page-aligned run: `lastOffset` is its last
    /// byte) may go on now; false after stopping at a schedule point (the host trap ran).
    /// `sync` makes it a point whatever the page's owner (an atomic, LR, SC).
    func checkPoint(offset: Int, lastOffset: Int, physical: UInt64, kind: PendingAccess.Kind,
                    reason: PendingAccess.Reason, pc: UInt64) -> Bool {
        guard let watch = pointWatch, privilege == .user, hostTrapHandler != nil, !pointChecksSuspended else { return true }
        // The mark is for the one instruction the thread stopped before: this one.
        let passed = schedulePointPassed
        schedulePointPassed = false
        let me = pointOwner
        let firstPage = offset >> 12, lastPage = lastOffset >> 12
        guard firstPage >= 0, lastPage < watch.pageCount else { return true }
        var needsPoint = kind == .sync
        var becomesShared = false
        var page = firstPage
        while page <= lastPage {
            let owner = watch.owners[page]
            if owner == 0 {
                watch.owners[page] = me
            } else if owner != me {
                needsPoint = true
                if owner != SchedulePointWatch.shared { becomesShared = true }
            }
            page &+= 1
        }
        guard needsPoint else { return true }
        if becomesShared {
            // A page going from private to shared is a point itself; no hart may reach it
            // straight any more (every hart's fast entries go: they hold only private pages).
            page = firstPage
            while page <= lastPage {
                let owner = watch.owners[page]
                if owner != me && owner != SchedulePointWatch.shared {
                    watch.owners[page] = SchedulePointWatch.shared
                    watch.sharedPages &+= 1
                }
                page &+= 1
            }
            for hart in machine.harts { hart.flushFastTLB() }
        }
        if passed { return true }
        pendingAccess = PendingAccess(physical: physical, kind: kind, reason: reason)
        reservationAtPoint = reservation   // the trap drops it; the thread gets it back if it goes on
        takeTrap(cause: SchedulePointWatch.schedulePointCause, value: physical, pc: pc)
        return false
    }

    /// `checkPoint` for an access across two pages: both translated first (a fault is
    /// raised as the access would raise it), then asked as one point.
    func checkPointAcrossPages(_ address: UInt64, size: Int, kind: PendingAccess.Kind, pc: UInt64) -> Bool {
        let access: AccessKind = kind == .read ? .load : .store
        guard let first = translate(address, access, pc: pc),
              let last = translate(address &+ UInt64(size) &- 1, access, pc: pc) else { return false }
        guard let firstOffset = memory.offset(of: first, length: 1),
              let lastOffset = memory.offset(of: last, length: 1) else { return true }
        return checkPoint(offset: firstOffset, lastOffset: lastOffset, physical: first, kind: kind, reason: .sharedAccess, pc: pc)
    }

    /// Whether the fast TLB may hold RAM page `page` for the running thread.
    @inline(__always)
    func mayFillFastTLB(page: Int) -> Bool {
        guard let watch = pointWatch else { return true }
        return page < watch.pageCount && watch.owners[page] == pointOwner
    }
}

extension Hart {
    /// A stop at a schedule point is no trap to the thread: when the same thread goes on,
    /// its LR reservation comes back (the kernel's trap entry dropped it), or every SC
    /// would fail after its point and an LR/SC loop would spin for ever. A switch to
    /// another thread leaves it dropped, as any switch does.
    public func restoreReservationAfterPoint() {
        guard let kept = reservationAtPoint else { return }
        reservationAtPoint = nil
        machine.setReservation(hart: self, physical: kept)
    }
}
