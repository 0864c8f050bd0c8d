// The synchronisation edges of RaceDetector: thread start and end, atomics with aq/rl,
// fences, LR/SC, futex wake, and explicit release/acquire — each one a join of vector clocks.

extension RaceDetector {
    // MARK: threads and processes

    /// Starts guest thread `thread` (or a forked process's first thread) from `parent`: the
    /// child starts knowing everything the parent did. Returns the child's slot, or nil if
    /// the parent is not alive or 65,536 slots are in use at once.
    ///
    /// Slot reuse, and why it is sound: an ended thread's slot is given to the child only if
    /// the parent already knows the ended thread's whole history (parent's clock at that slot
    /// ≥ the ended thread's final clock — typically because it joined it). The child then
    /// continues the slot's clock above that final value, so the slot's events stay one
    /// chain ordered by happens-before, exactly as if one thread had run them all: an old
    /// epoch c@s in the shadow is ≤ a clock at s ≥ c exactly when it happens before, as
    /// before. Reusing a slot whose old thread is concurrent with the child would make
    /// "knows the child at c'" imply "knows the old thread up to c'" — races missed — so
    /// such slots are not reused, and a new slot is opened instead.
    public mutating func spawn(parent: Int, thread: Int) -> Int? {
        guard isAlive(parent) else { return nil }
        let start = clocks[parent]
        var child = -1
        for s in alive.indices where !alive[s] && start[s] >= clocks[s][s] {
            child = s
            break
        }
        if child >= 0 {
            let own = start[child] &+ 1
            var clock = start
            clock.set(child, min(own, Epoch.maxClock))
            clocks[child] = clock
            epochs[child] = Epoch(clock: clock[child], slot: child).raw
            threadOfSlot[child] = thread
            alive[child] = true
            slotHistory[child].append((from: clock[child], thread: thread))
            pendingRelease[child] = VectorClock()
            pendingAcquire[child] = VectorClock()
        } else {
            guard clocks.count <= Epoch.maxSlot else { return nil }
            child = addSlot(thread: thread, clock: start, ownStart: 1)
        }
        tick(parent)
        return child
    }

    /// Ends the thread in `slot`: its final clock is kept for `join(slot:thread:)` and the
    /// slot becomes reusable (see `spawn`).
    public mutating func exit(slot: Int) {
        guard isAlive(slot) else { return }
        ended[threadOfSlot[slot]] = clocks[slot]
        alive[slot] = false
    }

    /// `joiner` waits for the end of guest thread `thread` (pthread_join, waitpid): it
    /// acquires the ended thread's final clock. False if that thread has not ended.
    @discardableResult
    public mutating func join(slot joiner: Int, thread: Int) -> Bool {
        guard isAlive(joiner), let final = ended[thread] else { return false }
        clocks[joiner].join(final)
        return true
    }

    /// Drops the final clock of an ended thread nobody will join (a detached thread, a
    /// reaped process).
    public mutating func forgetEnded(thread: Int) { ended[thread] = nil }

    // MARK: direct edges

    /// The clock a release by `slot` publishes now (then `slot` moves to a new epoch): for
    /// edges the caller carries itself, e.g. a message. Empty if the slot is not alive.
    public mutating func release(slot: Int) -> VectorClock {
        guard isAlive(slot) else { return VectorClock() }
        let published = clocks[slot]
        tick(slot)
        return published
    }

    /// `slot` acquires `clock`: everything it knew happens before what `slot` does next.
    public mutating func acquire(slot: Int, clock: VectorClock) {
        guard isAlive(slot) else { return }
        clocks[slot].join(clock)
    }

    /// A futex wake (or any hand-off) from `waker` to the thread in `woken` that it makes
    /// runnable: the woken thread's next steps happen after the waker's past.
    public mutating func wake(from waker: Int, to woken: Int) {
        guard isAlive(waker), isAlive(woken), waker != woken else { return }
        clocks[woken].join(clocks[waker])
        tick(waker)
    }

    /// Releases into the synchronisation clock of the object at guest physical `address`
    /// (a lock word, an atomic): later acquires of it happen after this.
    public mutating func release(slot: Int, object address: UInt64) {
        guard isAlive(slot), let sync = shadow.syncClock(address) else { return }
        shadow.syncClocks[sync].join(clocks[slot])
        tick(slot)
    }

    /// Acquires the synchronisation clock of the object at `address`.
    public mutating func acquire(slot: Int, object address: UInt64) {
        guard isAlive(slot), let sync = shadow.syncClock(address) else { return }
        clocks[slot].join(shadow.syncClocks[sync])
    }

    // MARK: atomics and fences

    /// An atomic access (AMO, LR, a successful SC) at `address`: `reads` for its load part,
    /// `writes` for its store part, `acquire`/`release` from the instruction's aq/rl bits.
    ///
    /// Atomics are never data races with each other, so they skip the shadow check; they
    /// carry happens-before through the location's synchronisation clock:
    /// - a store part with rl releases the thread's clock into it; without rl it releases
    ///   only what an earlier release fence published (see `fence`);
    /// - a load part with aq acquires the location's clock; without aq it remembers it for a
    ///   later acquire fence.
    /// Release joins (never overwrites) the location's clock: a read-modify-write chain keeps
    /// every earlier release, as C11's release sequences do.
    public mutating func atomic(slot: Int, address: UInt64, reads: Bool, writes: Bool,
                                acquire: Bool, release: Bool) {
        guard isAlive(slot), let sync = shadow.syncClock(address) else { return }
        if reads {
            if acquire { clocks[slot].join(shadow.syncClocks[sync]) } else {
                pendingAcquire[slot].join(shadow.syncClocks[sync])
            }
        }
        if writes {
            if release {
                shadow.syncClocks[sync].join(clocks[slot])
                tick(slot)
            } else if !pendingRelease[slot].clocks.isEmpty {
                shadow.syncClocks[sync].join(pendingRelease[slot])
            }
        }
    }

    /// LR: an atomic load, acquiring if aq is set.
    public mutating func loadReserved(slot: Int, address: UInt64, acquire: Bool) {
        atomic(slot: slot, address: address, reads: true, writes: false, acquire: acquire, release: false)
    }

    /// SC: an atomic store if it succeeded (a failed SC stores nothing and orders nothing).
    public mutating func storeConditional(slot: Int, address: UInt64, succeeded: Bool, release: Bool) {
        guard succeeded else { return }
        atomic(slot: slot, address: address, reads: false, writes: true, acquire: false, release: release)
    }

    /// A `fence pred,succ` with RISC-V's bit sets (i=8, o=4, r=2, w=1), as C11 fences:
    /// it acquires when it orders earlier reads before later accesses (pred ∋ r), and
    /// releases when it orders earlier accesses before later writes (succ ∋ w); `fence rw,rw`
    /// does both. The release half publishes the thread's clock in a per-thread pending clock
    /// that later relaxed atomic stores carry to their locations; the acquire half joins what
    /// earlier relaxed atomic loads saw. (ThreadSanitizer treats fences the same way.)
    public mutating func fence(slot: Int, predecessor: UInt8, successor: UInt8) {
        guard isAlive(slot) else { return }
        let acquires = predecessor & 2 != 0 && successor & 3 != 0
        let releases = predecessor & 3 != 0 && successor & 1 != 0
        if acquires { clocks[slot].join(pendingAcquire[slot]) }
        if releases {
            pendingRelease[slot] = clocks[slot]
            tick(slot)
        }
    }
}
