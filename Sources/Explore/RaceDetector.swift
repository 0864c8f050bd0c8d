// RaceDetector: FastTrack (Flanagan & Freund, PLDI 2009) over guest memory — thread slots
// and their vector clocks, the per-access check against the shadow, and the reports. The
// synchronisation edges are in RaceDetector+Sync.swift.

/// A happens-before race detector for one simulation, fed one call per guest memory access
/// (`access`) and one per synchronisation operation (see RaceDetector+Sync.swift).
///
/// A value type with flat arrays: the owner (the next layer's run loop) keeps it in one
/// stored property and calls its mutating methods, so there is no reference counting or
/// dynamic dispatch per access. An access whose location was last touched by the same
/// thread in the same epoch returns after one compare (FastTrack's "same epoch" rule),
/// which is most accesses of most programs.
///
/// Threads are named by dense *slots* that `spawn` hands out; the caller maps its thread ids
/// to slots. Calls with a slot that is not alive are ignored rather than trapping (the
/// caller's bug must not crash a run).
public struct RaceDetector: Sendable {
    /// Shadow state of guest RAM.
    public var shadow: ShadowMemory
    /// Per slot: the thread's vector clock, its current epoch (`Epoch.raw` of its own
    /// entry, cached for the hot path), its guest thread id, whether it runs.
    public internal(set) var clocks: [VectorClock] = []
    public internal(set) var epochs: [UInt64] = []
    public internal(set) var threadOfSlot: [Int] = []
    public internal(set) var alive: [Bool] = []
    /// Per slot: which guest thread used it from which clock on (for naming the thread of
    /// an old access in a report after the slot was reused). Grows per spawn, not per access.
    var slotHistory: [[(from: UInt64, thread: Int)]] = []
    /// Fence state per slot (see `fence`): the clock a release fence published for later
    /// relaxed stores, and what relaxed loads saw for a later acquire fence.
    var pendingRelease: [VectorClock] = []
    var pendingAcquire: [VectorClock] = []
    /// Final clocks of ended threads, by guest thread id, for `join`.
    var ended: [Int: VectorClock] = [:]

    /// Every race found, each PC pair once, oldest first.
    public internal(set) var reports: [RaceReport] = []
    /// The PC pairs already reported.
    public internal(set) var reportedPairs: Set<PCPair> = []
    /// Races found but not kept because `maxReports` were already kept.
    public internal(set) var droppedReports = 0
    /// At most this many reports are kept (a program with thousands of racing instruction
    /// pairs must not grow the report list without bound).
    public var maxReports = 10_000

    /// A detector for RAM `[memoryBase, memoryBase + memorySize)` whose first thread (guest
    /// id `mainThread`) runs in slot 0.
    public init(memoryBase: UInt64, memorySize: UInt64, mainThread: Int) {
        shadow = ShadowMemory(base: memoryBase, size: memorySize)
        _ = addSlot(thread: mainThread, clock: VectorClock(), ownStart: 1)
    }

    /// Whether `slot` names a running thread.
    @inlinable public func isAlive(_ slot: Int) -> Bool { slot >= 0 && slot < alive.count && alive[slot] }

    // MARK: accesses

    /// Checks one plain (non-atomic) access of `size` bytes at guest physical `address` by the
    /// thread in `slot`, reports any race with an earlier access, and records it.
    ///
    /// Accesses that cross a granule are checked granule by granule; sizes over 64 are
    /// clamped (no RV64 instruction issues one), and addresses outside RAM are ignored.
    ///
    /// A plain access to a *synchronisation location* — a granule that an atomic, an LR/SC or
    /// a release/acquire object operation has used, so it has a synchronisation clock — is
    /// taken as a relaxed atomic access, not checked for races. Why: RISC-V compilers emit
    /// acquiring loads as `ld; fence r,rw`, releasing stores as `fence rw,w; sd` and relaxed
    /// atomics as plain `ld`/`sd` (Swift's `Atomic` and C11 alike, see the toolchain notes), so
    /// the machine cannot tell them from plain accesses; but it can tell the location. With
    /// `fence`'s pending clocks this gives the Sync library's mutex (LR/SC to lock, a
    /// releasing plain store to unlock) exactly its C11 edges and no report. The price: a
    /// plain access racing with atomics on the same location is not reported.
    @inlinable
    public mutating func access(slot: Int, address: UInt64, size: Int, isWrite: Bool, pc: UInt64) {
        guard size > 0, isAlive(slot) else { return }
        if size == 8 && address & 7 == 0 {
            guard let cell = shadow.granuleCell(address) else { return }
            if shadow.cells[cell].sync != 0 {
                relaxed(slot: slot, sync: Int(shadow.cells[cell].sync) - 1, isWrite: isWrite)
                return
            }
            if !shadow.cells[cell].isSplit {
                // The hot path: a whole, aligned word whose granule was never used by parts.
                if isWrite {
                    if shadow.cells[cell].write == epochs[slot] && !shadow.cells[cell].isReadShared { return }
                } else if shadow.cells[cell].read == epochs[slot] && !shadow.cells[cell].isReadShared {
                    return
                }
                check(cell: cell, slot: slot, address: address, size: 8, isWrite: isWrite, pc: pc)
                return
            }
        }
        accessByParts(slot: slot, address: address, size: min(size, 64), isWrite: isWrite, pc: pc)
    }

    @usableFromInline
    mutating func accessByParts(slot: Int, address: UInt64, size: Int, isWrite: Bool, pc: UInt64) {
        var at = address
        var remaining = size
        while remaining > 0 {
            let inGranule = 8 - Int(at & 7)
            let n = min(remaining, inGranule)
            if let cell = shadow.granuleCell(at) {
                if shadow.cells[cell].sync != 0 {
                    relaxed(slot: slot, sync: Int(shadow.cells[cell].sync) - 1, isWrite: isWrite)
                } else if n == 8 && !shadow.cells[cell].isSplit {
                    check(cell: cell, slot: slot, address: at, size: size, isWrite: isWrite, pc: pc)
                } else {
                    let first = shadow.byteCells(ofGranule: cell)
                    let offset = Int(at & 7)
                    for b in 0..<n {
                        check(cell: first + offset + b, slot: slot, address: at &+ UInt64(b),
                              size: size, isWrite: isWrite, pc: pc)
                    }
                }
            }
            at &+= UInt64(n)
            remaining -= n
        }
    }

    /// FastTrack's read and write rules on one cell. The cell is copied into a local, updated
    /// and stored back once (the thread clock is read in place: a local copy of it would cost
    /// a retain and a release per check).
    @usableFromInline
    mutating func check(cell index: Int, slot: Int, address: UInt64, size: Int, isWrite: Bool, pc: UInt64) {
        let now = epochs[slot]
        let size8 = UInt8(truncatingIfNeeded: size)
        var cell = shadow.cells[index]
        let lastWrite = Epoch(raw: cell.write)
        if isWrite {
            if cell.write == now && !cell.isReadShared { return }
            if lastWrite.clock > clocks[slot][lastWrite.slot] {
                race(address, previous: lastWrite, isWrite: true, size: cell.writeSize,
                     pc: cell.writePC, slot: slot, currentWrite: true, size: size, pc: pc)
            }
            if cell.isReadShared {
                let set = Int(truncatingIfNeeded: cell.read)
                let reads = shadow.readSets[set]
                for s in reads.clocks.indices where reads.clocks[s] > clocks[slot][s] {
                    race(address, previous: Epoch(clock: reads.clocks[s], slot: s), isWrite: false,
                         size: reads.sizes[s], pc: reads.pcs[s], slot: slot, currentWrite: true, size: size, pc: pc)
                }
                // [FT WRITE SHARED]: the reads are now ordered before this write or reported.
                shadow.releaseReadSet(set)
                cell.flags &= ~ShadowCell.readSharedFlag
                cell.read = 0
            } else {
                let lastRead = Epoch(raw: cell.read)
                if lastRead.clock > clocks[slot][lastRead.slot] {
                    race(address, previous: lastRead, isWrite: false, size: cell.readSize,
                         pc: cell.readPC, slot: slot, currentWrite: true, size: size, pc: pc)
                }
            }
            cell.write = now
            cell.writePC = pc
            cell.writeSize = size8
        } else {
            if lastWrite.clock > clocks[slot][lastWrite.slot] {
                race(address, previous: lastWrite, isWrite: true, size: cell.writeSize,
                     pc: cell.writePC, slot: slot, currentWrite: false, size: size, pc: pc)
            }
            if cell.isReadShared {
                // [FT READ SHARED]
                let set = Int(truncatingIfNeeded: cell.read)
                shadow.readSets[set].record(slot: slot, clock: Epoch(raw: now).clock, pc: pc, size: size8)
                return
            }
            let lastRead = Epoch(raw: cell.read)
            if lastRead.clock <= clocks[slot][lastRead.slot] {
                // [FT READ EXCLUSIVE]: the last read happens before this one; this one replaces it.
                if cell.read == now { return }
                cell.read = now
                cell.readPC = pc
                cell.readSize = size8
            } else {
                // [FT READ SHARE]: two concurrent reads; keep both, one entry per slot.
                let set = shadow.newReadSet()
                shadow.readSets[set].record(slot: lastRead.slot, clock: lastRead.clock,
                                            pc: cell.readPC, size: cell.readSize)
                shadow.readSets[set].record(slot: slot, clock: Epoch(raw: now).clock, pc: pc, size: size8)
                cell.read = UInt64(set)
                cell.flags |= ShadowCell.readSharedFlag
            }
        }
        shadow.cells[index] = cell
    }

    /// A relaxed atomic access to the location whose synchronisation clock is `sync`: a load
    /// keeps the clock for a later acquire fence, a store carries what the last release fence
    /// published (see `fence`).
    @usableFromInline
    mutating func relaxed(slot: Int, sync: Int, isWrite: Bool) {
        if isWrite {
            if !pendingRelease[slot].clocks.isEmpty { shadow.syncClocks[sync].join(pendingRelease[slot]) }
        } else {
            pendingAcquire[slot].join(shadow.syncClocks[sync])
        }
    }

    /// Records a race unless its PC pair was reported before. The cold path.
    @usableFromInline
    mutating func race(_ address: UInt64, previous: Epoch, isWrite previousWrite: Bool, size previousSize: UInt8,
                       pc previousPC: UInt64, slot: Int, currentWrite: Bool, size: Int, pc: UInt64) {
        let pair = PCPair(previousPC, pc)
        guard !reportedPairs.contains(pair) else { return }
        guard reports.count < maxReports else { droppedReports += 1; return }
        reportedPairs.insert(pair)
        let before = RaceAccess(thread: thread(ofSlot: previous.slot, atClock: previous.clock), slot: previous.slot,
                                isWrite: previousWrite, size: Int(previousSize), pc: previousPC)
        let now = RaceAccess(thread: threadOfSlot[slot], slot: slot, isWrite: currentWrite, size: size, pc: pc)
        reports.append(RaceReport(address: address, previous: before, current: now))
    }

    /// The guest thread that ran in `slot` when its clock was `clock`.
    public func thread(ofSlot slot: Int, atClock clock: UInt64) -> Int {
        guard slot >= 0 && slot < slotHistory.count else { return -1 }
        var found = slotHistory[slot].first?.thread ?? -1
        for use in slotHistory[slot] where use.from <= clock { found = use.thread }
        return found
    }

    /// Removes and returns the reports so far (the PC pairs stay reported).
    public mutating func takeReports() -> [RaceReport] {
        defer { reports = [] }
        return reports
    }

    /// Forgets the shadow of `[address, address + count)`: call when the kernel gives a frame
    /// to a new owner, so accesses of its old owner cannot race with the new one's.
    public mutating func forget(address: UInt64, count: UInt64) {
        shadow.forget(address: address, count: count)
    }

    // MARK: slots

    /// Opens a slot for `thread` with `clock`, its own entry set to `ownStart`.
    mutating func addSlot(thread: Int, clock: VectorClock, ownStart: UInt64) -> Int {
        let slot = clocks.count
        var start = clock
        start.set(slot, ownStart)
        clocks.append(start)
        epochs.append(Epoch(clock: ownStart, slot: slot).raw)
        threadOfSlot.append(thread)
        alive.append(true)
        slotHistory.append([(from: ownStart, thread: thread)])
        pendingRelease.append(VectorClock())
        pendingAcquire.append(VectorClock())
        return slot
    }

    /// Advances `slot`'s own clock: after a release, later accesses are a new epoch.
    @usableFromInline
    mutating func tick(_ slot: Int) {
        let next = clocks[slot].increment(slot)
        epochs[slot] = Epoch(clock: next, slot: slot).raw
    }
}
