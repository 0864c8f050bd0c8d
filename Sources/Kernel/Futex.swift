// futex(2) as glibc and Go use it ("fast user-space mutexes"): the kernel's one blocking
// primitive, on which locks, condition variables, joins and Go's runtime sleep. A wait
// sleeps only if a 32-bit word still holds the value the caller saw; the check and the
// sleep happen inside the kernel, between two instructions of the machine, so a wake that
// comes after the caller read the word is never lost. Wakes take sleepers first come,
// first served (FutexTable.swift).
//
//   FUTEX_WAIT / FUTEX_WAIT_BITSET     sleep (relative timeout / absolute deadline on
//                                      CLOCK_MONOTONIC, or CLOCK_REALTIME with the flag)
//   FUTEX_WAKE / FUTEX_WAKE_BITSET     wake n sleepers (whose bitset shares a bit)
//   FUTEX_REQUEUE / FUTEX_CMP_REQUEUE  wake n, move m to another word (condvar broadcast)
//   FUTEX_WAKE_OP                      change a second word atomically, wake on both
//   FUTEX_LOCK_PI, TRYLOCK_PI, LOCK_PI2, UNLOCK_PI   PIFutex.swift
// Numbers, argument checks, their order and the errors are Linux's (checked against
// qemu-riscv64, which hands futex calls to the host's Linux).

import Machine
import Trace

extension Kernel {
    static let futexWait: Int32 = 0, futexWake: Int32 = 1, futexRequeue: Int32 = 3, futexCompareRequeue: Int32 = 4
    static let futexWakeOperation: Int32 = 5, futexLockPI: Int32 = 6, futexUnlockPI: Int32 = 7, futexTryLockPI: Int32 = 8
    static let futexWaitBitset: Int32 = 9, futexWakeBitset: Int32 = 10, futexWaitRequeuePI: Int32 = 11
    static let futexCompareRequeuePI: Int32 = 12, futexLockPI2: Int32 = 13
    static let futexPrivate: Int32 = 128, futexClockRealtime: Int32 = 256
    /// The lock word's bits for PI and robust futexes: someone waits, the owner died, the owner's tid.
    static let futexWaiters: UInt32 = 0x8000_0000, futexOwnerDied: UInt32 = 0x4000_0000, futexTIDMask: UInt32 = 0x3FFF_FFFF

    /// futex(uaddr, op, val, timeout or val2, uaddr2, val3).
    func futex(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let address = arguments[0], operation = arguments.int32(1), value = UInt32(truncatingIfNeeded: arguments[2])
        let command = operation & ~(Kernel.futexPrivate | Kernel.futexClockRealtime)
        let shared = operation & Kernel.futexPrivate == 0
        let realtimeFlag = operation & Kernel.futexClockRealtime != 0
        // Linux reads and checks the timeout before anything else.
        var timeout: SimulatedTime? = nil
        let timed = command == Kernel.futexWait || command == Kernel.futexWaitBitset || command == Kernel.futexLockPI
            || command == Kernel.futexLockPI2 || command == Kernel.futexWaitRequeuePI   // no array per call
        if arguments[3] != 0, timed {
            guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: arguments[3], count: 16) else {
                return .error(.EFAULT)
            }
            guard let time = self.time(ofTimespec: bytes) else { return .error(.EINVAL) }
            if command == Kernel.futexWait {
                timeout = trueDuration(ofLocal: time)   // relative
            } else {
                // An absolute deadline: CLOCK_REALTIME with the flag (always for LOCK_PI), else CLOCK_MONOTONIC.
                let realtime = realtimeFlag || command == Kernel.futexLockPI
                timeout = trueDuration(ofLocal: time - now(hart, realtime: realtime))
            }
        }
        if realtimeFlag, command != Kernel.futexWaitBitset, command != Kernel.futexWaitRequeuePI, command != Kernel.futexLockPI2 {
            return .error(.ENOSYS)
        }
        let second = arguments[4], value3 = UInt32(truncatingIfNeeded: arguments[5])
        let value2 = Int32(truncatingIfNeeded: arguments[3])   // the timeout argument, as a count
        switch command {
        case Kernel.futexWait:
            return futexWait(address, expected: value, bitset: .max, shared: shared, timeout: timeout, hart: hart, thread: thread)
        case Kernel.futexWaitBitset:
            return futexWait(address, expected: value, bitset: value3, shared: shared, timeout: timeout, hart: hart, thread: thread)
        case Kernel.futexWake:
            return futexWake(address, count: Int32(bitPattern: value), bitset: .max, shared: shared, hart: hart, thread: thread)
        case Kernel.futexWakeBitset:
            return futexWake(address, count: Int32(bitPattern: value), bitset: value3, shared: shared, hart: hart, thread: thread)
        case Kernel.futexRequeue, Kernel.futexCompareRequeue:
            return futexRequeue(address, to: second, wake: Int32(bitPattern: value), requeue: value2,
                                expected: command == Kernel.futexCompareRequeue ? value3 : nil, shared: shared, hart: hart, thread: thread)
        case Kernel.futexWakeOperation:
            return futexWakeOperation(address, second: second, wake: Int32(bitPattern: value), wakeSecond: value2,
                                      encoded: value3, shared: shared, hart: hart, thread: thread)
        case Kernel.futexLockPI, Kernel.futexLockPI2, Kernel.futexTryLockPI:
            return futexLockPI(address, shared: shared, timeout: timeout, tryOnly: command == Kernel.futexTryLockPI,
                               hart: hart, thread: thread)
        case Kernel.futexUnlockPI:
            return futexUnlockPI(address, shared: shared, hart: hart, thread: thread)
        default:
            // FUTEX_FD (gone since Linux 2.6.26), the requeue-PI pair, and unknown commands.
            return .error(.ENOSYS)
        }
    }

    // MARK: Keys and words

    /// The key of the futex word at `address` for a call by `process`: EINVAL if it is not
    /// 4-byte aligned, EFAULT if it is outside user space or (for a shared futex, whose key
    /// needs the page) unmapped. A private futex needs no page, as on Linux: FUTEX_WAKE on
    /// an unmapped private word wakes nobody and returns 0.
    func futexKey(_ address: UInt64, shared: Bool, in process: Process) -> Result<FutexKey, Errno> {
        guard address & 3 == 0 else { return .failure(.EINVAL) }
        guard address < PageTable.userLimit - 3 else { return .failure(.EFAULT) }
        let space = process.addressSpace
        guard shared else { return .success(.addressSpace(ObjectIdentifier(space), address, shared: false)) }
        guard let region = space.region(containing: address),
              case .success(let frame) = space.resolve(address, for: .read) else { return .failure(.EFAULT) }
        if isSharedMemory(region) { return .success(.physical(frame + (address & (AddressSpace.pageSize - 1)))) }
        // Linux refuses a shared futex on read-only anonymous memory (it could never change).
        if region.permissions & PTE.write == 0, region.kind != .program { return .failure(.EFAULT) }
        return .success(.addressSpace(ObjectIdentifier(space), address, shared: true))
    }

    /// Whether `region` is memory several address spaces map (MAP_SHARED), whose futex
    /// words are keyed by physical address.
    func isSharedMemory(_ region: MemoryRegion) -> Bool {
        region.shared   // MAP_SHARED: the same frames in a fork's child (AddressSpace.forkCopy)
    }

    /// The futex word at `address` (EFAULT if it cannot be read).
    func readFutexWord(_ address: UInt64, in process: Process) -> UInt32? {
        guard case .success(let frame) = process.addressSpace.resolve(address, for: .read),
              let word = machine.memory.readInteger(at: frame + (address & (AddressSpace.pageSize - 1)), size: 4) else { return nil }
        return UInt32(truncatingIfNeeded: word)
    }

    /// Stores `value` in the futex word at `address`; false if the page cannot be written.
    /// (A store by the kernel breaks every hart's LR reservation on the word.)
    func writeFutexWord(_ address: UInt64, _ value: UInt32, in process: Process) -> Bool {
        guard case .success(let frame) = process.addressSpace.resolve(address, for: .write) else { return false }
        return machine.memory.writeInteger(UInt64(value), at: frame + (address & (AddressSpace.pageSize - 1)), size: 4)
    }

    // MARK: Wait and wake

    func futexWait(_ address: UInt64, expected: UInt32, bitset: UInt32, shared: Bool, timeout: SimulatedTime?,
                   hart: Hart, thread: Thread) -> SystemCallResult {
        guard bitset != 0 else { return .error(.EINVAL) }
        let key: FutexKey
        switch futexKey(address, shared: shared, in: thread.process) {
        case .failure(let errno): return .error(errno)
        case .success(let found): key = found
        }
        guard let word = readFutexWord(address, in: thread.process) else { return .error(.EFAULT) }
        guard word == expected else { return .error(.EAGAIN) }
        if timeout == .zero { return .error(.ETIMEDOUT) }   // a deadline already passed
        traceEvent(.futexWait(tid: thread.tid, address: address), on: hart)
        futexes.add(thread, key: key, address: address, bitset: bitset)
        block(thread, on: hart, .futex(address: address, key: key.address),
              deadline: timeout.map { (SimulatedTime(cycles: hart.cycle) + $0).cycles }, timeoutResult: -Errno.ETIMEDOUT.rawValue)
        return .noReturn
    }

    /// How many a wake of `count` wakes: Linux's loop wakes at least one, even for 0 or less.
    static func wakeLimit(_ count: Int32) -> Int { count <= 0 ? 1 : Int(count) }

    func futexWake(_ address: UInt64, count: Int32, bitset: UInt32, shared: Bool, hart: Hart, thread: Thread) -> SystemCallResult {
        guard bitset != 0 else { return .error(.EINVAL) }
        let key: FutexKey
        switch futexKey(address, shared: shared, in: thread.process) {
        case .failure(let errno): return .error(errno)
        case .success(let found): key = found
        }
        // The kernel's array, borrowed: a wake allocates nothing.
        var woken = futexWoken
        futexWoken = []
        let metLockWaiter = futexes.take(key: key, count: Kernel.wakeLimit(count), bitset: bitset, into: &woken)
        wakeFutexSleepers(woken, address: address, by: thread, hart: hart)
        let count = woken.count
        woken.removeAll(keepingCapacity: true)
        futexWoken = woken
        return metLockWaiter ? .error(.EINVAL) : .value(Int64(count))
    }

    /// Makes threads taken off a futex queue ready; their futex call returns 0.
    func wakeFutexSleepers(_ woken: [Thread], address: UInt64, by thread: Thread?, hart: Hart) {
        wakeFutexSleepers(woken, address: address, waker: thread?.tid, cycle: hart.cycle, hart: hart.id)
    }

    /// The same at `cycle` (the kernel's own wakes, at a thread's exit, pass no hart).
    func wakeFutexSleepers(_ woken: [Thread], address: UInt64, waker: Int32?, cycle: UInt64, hart: Int = -1) {
        for waiter in woken {
            if let waker {
                traceEvent(.futexWake(tid: waker, address: address, woken: waiter.tid), cycle: cycle, hart: hart)
                raceLogWake(waker, waiter)
            }
            waiter.context.integers[10] = 0
            makeReady(waiter, at: cycle)
        }
    }

    // MARK: Requeue and wake-op

    func futexRequeue(_ address: UInt64, to second: UInt64, wake: Int32, requeue: Int32, expected: UInt32?, shared: Bool,
                      hart: Hart, thread: Thread) -> SystemCallResult {
        guard wake >= 0, requeue >= 0 else { return .error(.EINVAL) }
        let from: FutexKey, to: FutexKey
        switch (futexKey(address, shared: shared, in: thread.process), futexKey(second, shared: shared, in: thread.process)) {
        case (.failure(let errno), _), (_, .failure(let errno)): return .error(errno)
        case (.success(let first), .success(let other)): (from, to) = (first, other)
        }
        if let expected {
            guard let word = readFutexWord(address, in: thread.process) else { return .error(.EFAULT) }
            guard word == expected else { return .error(.EAGAIN) }
        }
        let result = futexes.requeue(from: from, to: to, wake: Int(wake), requeue: Int(requeue))
        wakeFutexSleepers(result.woken, address: address, by: thread, hart: hart)
        if result.metLockWaiter { return .error(.EINVAL) }
        return .value(Int64(result.woken.count + result.moved))
    }

    /// FUTEX_WAKE_OP: `old = *second; *second = old OP oparg`, atomically; wake up to `wake`
    /// on the first word and, if `old CMP cmparg`, up to `wakeSecond` on the second. The
    /// encoding is Linux's: op in bits 28-31 (bit 31: oparg is a shift, 1 << oparg), the
    /// comparison in 24-27, oparg in 12-23 and cmparg in 0-11 (both signed 12-bit).
    func futexWakeOperation(_ address: UInt64, second: UInt64, wake: Int32, wakeSecond: Int32, encoded: UInt32, shared: Bool,
                            hart: Hart, thread: Thread) -> SystemCallResult {
        let first: FutexKey, other: FutexKey
        switch (futexKey(address, shared: shared, in: thread.process), futexKey(second, shared: shared, in: thread.process)) {
        case (.failure(let errno), _), (_, .failure(let errno)): return .error(errno)
        case (.success(let one), .success(let two)): (first, other) = (one, two)
        }
        let operation = (encoded >> 28) & 7, comparison = (encoded >> 24) & 15
        var operand = Kernel.signExtend12(encoded >> 12)
        let comparand = Kernel.signExtend12(encoded)
        if encoded & 0x8000_0000 != 0 { operand = Int32(bitPattern: 1 << UInt32(operand & 31)) }
        guard operation <= 4 else { return .error(.ENOSYS) }   // before the word is touched
        guard let old = readFutexWord(second, in: thread.process) else { return .error(.EFAULT) }
        let oldValue = Int32(bitPattern: old)
        let newValue: Int32 = switch operation {
        case 0: operand                     // FUTEX_OP_SET
        case 1: oldValue &+ operand         // FUTEX_OP_ADD
        case 2: oldValue | operand          // FUTEX_OP_OR
        case 3: oldValue & ~operand         // FUTEX_OP_ANDN
        default: oldValue ^ operand         // FUTEX_OP_XOR
        }
        guard writeFutexWord(second, UInt32(bitPattern: newValue), in: thread.process) else { return .error(.EFAULT) }
        let condition: Bool
        switch comparison {
        case 0: condition = oldValue == comparand
        case 1: condition = oldValue != comparand
        case 2: condition = oldValue < comparand
        case 3: condition = oldValue >= comparand
        case 4: condition = oldValue <= comparand
        case 5: condition = oldValue > comparand
        default: return .error(.ENOSYS)     // Linux has already changed the word
        }
        let (woken, metLockWaiter) = futexes.take(key: first, count: Kernel.wakeLimit(wake))
        wakeFutexSleepers(woken, address: address, by: thread, hart: hart)
        var total = woken.count, invalid = metLockWaiter
        if condition, !invalid {
            let (alsoWoken, met) = futexes.take(key: other, count: Kernel.wakeLimit(wakeSecond))
            wakeFutexSleepers(alsoWoken, address: second, by: thread, hart: hart)
            total += alsoWoken.count
            invalid = met
        }
        return invalid ? .error(.EINVAL) : .value(Int64(total))
    }

    static func signExtend12(_ bits: UInt32) -> Int32 {
        Int32(bitPattern: (bits & 0xFFF) << 20) >> 20
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
