// Priority-inheritance futexes (glibc's PTHREAD_PRIO_INHERIT mutexes): the lock word holds
// its owner's tid, FUTEX_WAITERS when threads sleep in the kernel for it, and
// FUTEX_OWNER_DIED after a robust owner died. User space takes a free lock with one
// compare-and-swap of 0 → tid; only contention enters the kernel:
//   FUTEX_LOCK_PI (LOCK_PI2)  take the word if its owner part is 0, else set
//                             FUTEX_WAITERS and sleep until the owner hands it over
//                             (deadline absolute: CLOCK_REALTIME for LOCK_PI, the flag's
//                             clock for LOCK_PI2)
//   FUTEX_TRYLOCK_PI          the same without sleeping (EAGAIN)
//   FUTEX_UNLOCK_PI           the owner hands the lock to the first sleeper (word = its
//                             tid | FUTEX_WAITERS), or frees it (0)
// An owner that exits hands each lock others wait for to its first sleeper, keeping
// FUTEX_OWNER_DIED if the robust list set it. Errors as Linux: EDEADLK (the caller owns
// it), EPERM (unlocking a lock it does not own), ESRCH (the owner's tid names no thread).
// The kernel hands the lock over in the order threads came; it does not lend the owner
// its sleepers' priority (the scheduler's priorities stay the threads' own).

import Machine

extension Kernel {
    func futexLockPI(_ address: UInt64, shared: Bool, timeout: SimulatedTime?, tryOnly: Bool,
                     hart: Hart, thread: Thread) -> SystemCallResult {
        let key: FutexKey
        switch futexKey(address, shared: shared, in: thread.process) {
        case .failure(let errno): return .error(errno)
        case .success(let found): key = found
        }
        guard let word = readFutexWord(address, in: thread.process) else { return .error(.EFAULT) }
        let tid = UInt32(truncatingIfNeeded: thread.tid)
        let owner = word & Kernel.futexTIDMask
        guard owner != tid else { return .error(.EDEADLK) }
        if owner == 0 {
            // Free (only the waiters or owner-died bit set): take it, keeping owner-died.
            let waiting = futexes.hasWaiters(key) ? Kernel.futexWaiters : 0
            guard writeFutexWord(address, (word & Kernel.futexOwnerDied) | waiting | tid, in: thread.process) else {
                return .error(.EFAULT)
            }
            if waiting != 0 { futexes.setLockOwner(key, thread.tid) }
            return .value(0)
        }
        // Held: tell the owner to come to the kernel to unlock, then find it.
        guard writeFutexWord(address, word | Kernel.futexWaiters, in: thread.process) else { return .error(.EFAULT) }
        guard let holder = threads[Int32(bitPattern: owner)], !holder.isExited else { return .error(.ESRCH) }
        if tryOnly { return .error(.EAGAIN) }
        if timeout == .zero { return .error(.ETIMEDOUT) }
        futexes.add(thread, key: key, address: address, takesLock: true)
        futexes.setLockOwner(key, holder.tid)
        traceEvent(.futexWait(tid: thread.tid, address: address), on: hart)
        block(thread, on: hart, .futex(address: address, key: key.address),
              deadline: timeout.map { (SimulatedTime(cycles: hart.cycle) + $0).cycles }, timeoutResult: -Errno.ETIMEDOUT.rawValue)
        return .noReturn
    }

    func futexUnlockPI(_ address: UInt64, shared: Bool, hart: Hart, thread: Thread) -> SystemCallResult {
        let key: FutexKey
        switch futexKey(address, shared: shared, in: thread.process) {
        case .failure(let errno): return .error(errno)
        case .success(let found): key = found
        }
        guard let word = readFutexWord(address, in: thread.process) else { return .error(.EFAULT) }
        guard word & Kernel.futexTIDMask == UInt32(truncatingIfNeeded: thread.tid) else { return .error(.EPERM) }
        if futexes.first(key)?.takesLock == true {
            return handOverPILock(key, from: thread, keepOwnerDied: false, cycle: hart.cycle, hart: hart.id) ? .value(0) : .error(.EFAULT)
        }
        // Nobody waits in the kernel: the lock is free, waiters and owner-died bits go too.
        return writeFutexWord(address, 0, in: thread.process) ? .value(0) : .error(.EFAULT)
    }

    /// Gives the PI lock word `key` to its first sleeper: the word becomes the sleeper's
    /// tid with FUTEX_WAITERS (and FUTEX_OWNER_DIED if `keepOwnerDied` and it was set), the
    /// sleeper's LOCK_PI returns 0, and the next sleepers now wait for it. False if the
    /// word cannot be written (nobody woken).
    @discardableResult
    func handOverPILock(_ key: FutexKey, from owner: Thread, keepOwnerDied: Bool, cycle: UInt64, hart: Int = -1) -> Bool {
        guard let next = futexes.first(key), next.takesLock else { return false }
        let process = next.thread.process
        guard let word = readFutexWord(next.address, in: process) else { return false }
        let died = keepOwnerDied ? word & Kernel.futexOwnerDied : 0
        let newOwner = UInt32(truncatingIfNeeded: next.thread.tid) & Kernel.futexTIDMask
        guard writeFutexWord(next.address, newOwner | Kernel.futexWaiters | died, in: process) else { return false }
        futexes.remove(next.thread)
        if futexes.hasWaiters(key) { futexes.setLockOwner(key, next.thread.tid) }
        wakeFutexSleepers([next.thread], address: next.address, waker: owner.tid, cycle: cycle, hart: hart)
        return true
    }

    /// A thread exits: every PI lock it holds that others wait for passes to the first of
    /// them (Linux's exit_pi_state_list), after its robust list has marked the robust ones.
    func releasePILocks(of thread: Thread, cycle: UInt64) {
        for key in futexes.locksOwned(by: thread.tid) where futexes.lockOwner(key) == thread.tid {
            if !handOverPILock(key, from: thread, keepOwnerDied: true, cycle: cycle) {
                // The word is gone: the sleepers cannot get it; wake them to find out.
                for waiter in futexes.takeAll(key: key) {
                    waiter.context.integers[10] = UInt64(bitPattern: -Errno.EFAULT.rawValue)
                    makeReady(waiter, at: cycle)
                }
            }
        }
    }
}
