// Robust futexes (issue 16): a thread that dies holding a lock on its robust list (glibc's
// robust and PI mutexes, set_robust_list) has each such word marked FUTEX_OWNER_DIED and
// one waiter woken, so the next owner learns the holder died (EOWNERDEAD) instead of
// waiting for ever. The list lives in the dying thread's memory, so it is hostile input:
// the walk stops at the first word it cannot read and after Linux's 2,048 entries, so a
// circular or endless list costs a bounded amount of work.
//
// The list, as Linux riscv64 lays it out (struct robust_list_head, 24 bytes):
//   +0  next           the first entry (or the head itself when empty); bit 0: a PI futex
//   +8  futex_offset   signed: an entry's futex word is at entry + futex_offset
//   +16 list_op_pending an entry being locked or unlocked as the thread died (or 0)
// and each entry's first word is the next entry (bit 0: PI).

import Machine

extension Kernel {
    /// Linux's ROBUST_LIST_LIMIT: at most this many entries are walked.
    static let robustListLimit = 2048

    /// What a thread's exit does for the locks it holds (Linux's futex_exit_release):
    /// walks its robust list, then hands the PI locks others wait for to them
    /// (PIFutex.swift). Once per thread: the list's head is forgotten afterwards.
    func releaseRobustFutexes(of thread: Thread) {
        walkRobustList(of: thread)
        releasePILocks(of: thread, cycle: machine.harts[thread.lastHart ?? 0].cycle)
    }

    /// Linux's exit_robust_list.
    private func walkRobustList(of thread: Thread) {
        let head = thread.robustListHead
        thread.robustListHead = 0
        guard head != 0 else { return }
        let process = thread.process
        func pointer(at address: UInt64) -> UInt64? {
            guard case .success(let bytes) = process.addressSpace.copyIn(from: address, count: 8) else { return nil }
            return littleEndianWord(bytes, at: 0)
        }
        guard let firstRaw = pointer(at: head), let offsetRaw = pointer(at: head &+ 8),
              let pendingRaw = pointer(at: head &+ 16) else { return }
        let offset = offsetRaw   // signed in C: adding wraps the same way
        var (entry, isPI) = (firstRaw & ~1, firstRaw & 1 != 0)
        let (pending, pendingIsPI) = (pendingRaw & ~1, pendingRaw & 1 != 0)
        var limit = Kernel.robustListLimit
        while entry != head {
            let nextRaw = pointer(at: entry)
            // A pending lock may already be on the list: handled once, below.
            if entry != pending, !futexOwnerDied(at: entry &+ offset, pi: isPI, pendingOperation: false, thread: thread) { return }
            guard let nextRaw else { return }
            (entry, isPI) = (nextRaw & ~1, nextRaw & 1 != 0)
            limit -= 1
            if limit == 0 { break }
        }
        if pending != 0 {
            _ = futexOwnerDied(at: pending &+ offset, pi: pendingIsPI, pendingOperation: true, thread: thread)
        }
    }

    /// Linux's handle_futex_death for one word of the dying `thread`: if the thread owns it
    /// (its tid in the low 30 bits), it becomes FUTEX_OWNER_DIED (keeping FUTEX_WAITERS)
    /// and one waiter wakes (a PI lock passes to its first waiter). A pending operation on
    /// a free plain word only wakes a waiter (the thread died between unlock and wake).
    /// False if the word cannot be used (misaligned, unreadable): the walk stops.
    private func futexOwnerDied(at address: UInt64, pi: Bool, pendingOperation: Bool, thread: Thread) -> Bool {
        guard address & 3 == 0, let value = readFutexWord(address, in: thread.process) else { return false }
        let owner = value & Kernel.futexTIDMask
        let cycle = machine.harts[thread.lastHart ?? 0].cycle
        if pendingOperation, !pi, owner == 0 {
            wakeFutexWaiters(address: address, in: thread.process, count: 1, cycle: cycle, waker: thread.tid)
            return true
        }
        guard owner == UInt32(truncatingIfNeeded: thread.tid) else { return true }
        guard writeFutexWord(address, (value & Kernel.futexWaiters) | Kernel.futexOwnerDied, in: thread.process) else { return false }
        // A PI lock's sleepers get it from releasePILocks, which keeps the owner-died bit.
        if !pi, value & Kernel.futexWaiters != 0 {
            wakeFutexWaiters(address: address, in: thread.process, count: 1, cycle: cycle, waker: thread.tid)
        }
        return true
    }

    /// Wakes up to `count` threads waiting on the futex word at `address` in `process`'s
    /// address space, as a shared futex (what Linux's kernel-side wakes use): a thread's
    /// exit for its clear-child-tid word, and the robust list. Returns how many woke.
    @discardableResult
    func wakeFutexWaiters(address: UInt64, in process: Process, count: Int, cycle: UInt64, waker: Int32? = nil) -> Int {
        guard case .success(let key) = futexKey(address, shared: true, in: process) else { return 0 }
        let (woken, _) = futexes.take(key: key, count: count)
        wakeFutexSleepers(woken, address: address, waker: waker, cycle: cycle)
        return woken.count
    }
}
