// Robust futexes (issue 16): a thread that dies holding a lock on its robust list (glibc's
// robust and PI mutexes, set_robust_list) has each such word marked FUTEX_OWNER_DIED and
// one waiter woken, so the next owner learns the holder died instead of waiting for ever.

import Machine

extension Kernel {
    /// Walks `thread`'s robust list as it exits (part D).
    func releaseRobustFutexes(of thread: Thread) {
    }

    /// Wakes up to `count` threads waiting on the futex word at `address` in `process`'s
    /// address space: what a thread's exit does for its clear-child-tid word. Returns how
    /// many woke (part D may change how words are keyed).
    @discardableResult
    func wakeFutexWaiters(address: UInt64, in process: Process, count: Int, cycle: UInt64) -> Int {
        guard address & 3 == 0, case .success(let frame) = process.addressSpace.resolve(address, for: .read) else { return 0 }
        let key = frame + (address & (AddressSpace.pageSize - 1))
        let woken = futexes.take(key: key, count: count)
        for waiter in woken { makeReady(waiter, at: cycle) }
        return woken.count
    }
}
