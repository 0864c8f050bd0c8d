// Futexes ("fast user-space mutexes"), the one blocking primitive the guest library builds
// its locks on: futex_wait puts a thread to sleep only if a 32-bit word still holds the
// value the caller saw, and futex_wake wakes waiters in the order they came (FIFO). The
// check and the sleep happen inside the kernel, between two instructions of the machine,
// so a wake that comes after the caller read the word can never be lost.

import Machine
import Trace

struct FutexTable {
    /// Waiters per futex word, keyed by the word's physical address (threads of one
    /// process share it through the page table; shared memory would share it too).
    private var waiters: [UInt64: [Thread]] = [:]

    mutating func add(_ thread: Thread, key: UInt64) {
        waiters[key, default: []].append(thread)
    }

    mutating func remove(_ thread: Thread, key: UInt64) {
        waiters[key]?.removeAll { $0 === thread }
        if waiters[key]?.isEmpty == true { waiters[key] = nil }
    }

    /// Takes up to `count` waiters from the front of the word's queue.
    mutating func take(key: UInt64, count: Int) -> [Thread] {
        guard let queue = waiters[key], count > 0 else { return [] }
        let taken = Array(queue.prefix(count))
        waiters[key] = queue.count > taken.count ? Array(queue.dropFirst(taken.count)) : nil
        return taken
    }
}

extension Kernel {
    static let futexWait: Int32 = 0, futexWake: Int32 = 1, futexWaitBitset: Int32 = 9, futexWakeBitset: Int32 = 10
    static let futexPrivate: Int32 = 128, futexClockRealtime: Int32 = 256

    /// futex(uaddr, op, val, timeout, uaddr2, val3): WAIT, WAKE and their BITSET forms
    /// (with an all-ones bitset), private or not.
    func futex(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let address = arguments[0], operation = arguments.int32(1) & ~(Kernel.futexPrivate | Kernel.futexClockRealtime)
        let value = UInt32(truncatingIfNeeded: arguments[2])
        guard address & 3 == 0 else { return .error(.EINVAL) }
        guard case .success(let frame) = thread.process.addressSpace.resolve(address, for: .read) else { return .error(.EFAULT) }
        let key = frame + (address & (AddressSpace.pageSize - 1))
        switch operation {
        case Kernel.futexWait, Kernel.futexWaitBitset:
            guard operation == Kernel.futexWait || arguments.int32(5) != 0 else { return .error(.EINVAL) }
            guard let word = machine.memory.readInteger(at: key, size: 4) else { return .error(.EFAULT) }
            guard UInt32(word) == value else { return .error(.EAGAIN) }
            var deadline: UInt64? = nil
            if arguments[3] != 0 {
                guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: arguments[3], count: 16) else {
                    return .error(.EFAULT)
                }
                guard let timeout = time(ofTimespec: bytes) else { return .error(.EINVAL) }
                // FUTEX_WAIT takes a relative timeout, FUTEX_WAIT_BITSET an absolute one (on
                // CLOCK_REALTIME with FUTEX_CLOCK_REALTIME, else CLOCK_MONOTONIC).
                let relative = operation == Kernel.futexWait
                    ? timeout : timeout - now(hart, realtime: arguments.int32(1) & Kernel.futexClockRealtime != 0)
                deadline = (SimulatedTime(cycles: hart.cycle) + relative).cycles
            }
            traceEvent(.futexWait(tid: thread.tid, address: address), on: hart)
            block(thread, on: hart, .futex(address: address, key: key), deadline: deadline, timeoutResult: -Errno.ETIMEDOUT.rawValue)
            thread.context.integers[10] = 0
            futexes.add(thread, key: key)
            return .noReturn
        case Kernel.futexWake, Kernel.futexWakeBitset:
            let woken = futexes.take(key: key, count: Int(min(value, UInt32(Int32.max))))
            for waiter in woken {
                traceEvent(.futexWake(tid: thread.tid, address: address, woken: waiter.tid), on: hart)
                makeReady(waiter, at: hart.cycle)
            }
            return .value(Int64(woken.count))
        default:
            return .error(.ENOSYS)
        }
    }

    /// A timespec's duration, or nil if it is malformed (a negative field, or nanoseconds
    /// of a second or more: EINVAL, as on Linux). Huge ones saturate; the run ends at
    /// `SimulatedTime.runLimit` long before such a deadline.
    func time(ofTimespec bytes: [UInt8]) -> SimulatedTime? {
        let seconds = Int64(bitPattern: littleEndianWord(bytes, at: 0)), nanos = Int64(bitPattern: littleEndianWord(bytes, at: 8))
        guard seconds >= 0, nanos >= 0, nanos < 1_000_000_000 else { return nil }
        return SimulatedTime(seconds: UInt64(seconds), nanoseconds: UInt64(nanos), clockFrequency: configuration.clockFrequency)
    }
}
