// The race log: every guest data access and every synchronisation, in the order they
// happen, as fixed-size records in one flat buffer, for race detection (Sources/Explore/
// RaceMonitor.swift reads it). Only made when a run asks for race detection
// (`ExplorationSettings.raceLog`); without it the harts' loop is the plain one and no
// record is written anywhere.
//
// The machine writes the access and atomic records (it knows harts, not threads); the
// kernel writes which thread runs on each hart and the synchronisation it does itself
// (futex wakes, thread start, end and join, pipes), so one reading of the log in order
// gives every event its thread.

/// What one record says. Records the harts write name the hart in `thread`; the kernel's
/// name a guest thread id.
public enum RaceLogKind: UInt8, Sendable {
    /// A plain load or store of `size` bytes: `physical`, `virtual`, `pc`.
    case read, write
    /// An AMO (`bits`: 2 = aq, 1 = rl) at `physical`.
    case atomic
    /// LR (`bits` 2 = aq) and SC (`bits` 1 = rl, 4 = it succeeded).
    case loadReserved, storeConditional
    /// `fence pred,succ`: `bits` = pred << 4 | succ.
    case fence
    /// From now on thread `thread` runs on hart `physical`.
    case running
    /// Thread `virtual` (of process `physical`) starts from thread `thread` (-1: from the kernel).
    case spawn
    /// Thread `thread` ended.
    case exit
    /// Thread `thread` joins ended thread `virtual` (thread_join).
    case join
    /// Thread `thread` reaped process `physical` (wait4, waitid).
    case joinProcess
    /// Thread `thread` woke thread `virtual` (a futex wake).
    case wake
    /// Thread `thread` releases into / acquires from the object at `physical`.
    case releaseObject, acquireObject
    /// Thread `thread` wrote / read `virtual` bytes of byte stream `physical`.
    case send, receive
    /// `virtual` bytes of RAM at `physical` got a new owner: forget their past.
    case forget
}

/// One event of the log, 32 bytes.
public struct RaceLogRecord: Sendable {
    public var kind: RaceLogKind
    public var size: UInt8
    public var bits: UInt8
    public var thread: Int32
    public var physical: UInt64
    public var virtual: UInt64
    public var pc: UInt64

    @inline(__always)
    public init(kind: RaceLogKind, size: UInt8 = 0, bits: UInt8 = 0, thread: Int32, physical: UInt64 = 0,
                virtual: UInt64 = 0, pc: UInt64 = 0) {
        self.kind = kind; self.size = size; self.bits = bits; self.thread = thread
        self.physical = physical; self.virtual = virtual; self.pc = pc
    }
}

/// The buffer. Appending writes one record and bumps a count; when the buffer is full the
/// consumer is called (synchronously, between two guest operations) to read and empty it,
/// so the log's memory is fixed whatever the run does. Without a consumer a full log is
/// dropped (counted in `dropped`): nothing reads it, so nothing is lost.
public final class RaceLog {
    /// Records held before the consumer is called: 16,384 × 32 bytes = 512 KiB.
    public static let capacity = 1 << 14
    public let records: UnsafeMutablePointer<RaceLogRecord>
    public private(set) var count = 0
    /// Records dropped because the log filled with no consumer.
    public private(set) var dropped: UInt64 = 0
    /// Reads `records[0..<count]` and empties the log (`clear`). Called when it fills and on `flush`.
    public var consumer: ((RaceLog) -> Void)? = nil
    /// Byte streams (pipes, sockets) are named by serials from here (unique within a log).
    private var nextStream: UInt64 = 1

    public init() {
        records = .allocate(capacity: RaceLog.capacity)
    }

    deinit { records.deallocate() }

    @inline(__always)
    public func append(_ record: RaceLogRecord) {
        if _slowPath(count == RaceLog.capacity) { flush() }
        (records + count).initialize(to: record)
        count &+= 1
    }

    /// Hands what the log holds to the consumer now (a process is about to leave the
    /// kernel's table, or the run ended), or drops it when nobody reads it.
    public func flush() {
        guard count > 0 else { return }
        if let consumer {
            consumer(self)
        }
        if count > 0 {
            if consumer == nil { dropped &+= UInt64(count) }
            count = 0
        }
    }

    /// Empties the log (what the consumer calls after reading it).
    public func clear() { count = 0 }

    /// A name for a new byte stream.
    public func newStream() -> UInt64 {
        defer { nextStream &+= 1 }
        return nextStream
    }
}

extension Machine {
    /// Makes every hart write its data accesses, atomics and fences to `log` (nil: stop).
    /// With a log the harts' data accesses all take the full path, where they are logged.
    public func installRaceLog(_ log: RaceLog?) {
        raceLog = log
        for hart in harts { hart.raceLog = log }
    }
}

extension Hart {
    /// A data access the slow path performed on RAM.
    @inline(__always)
    func logAccess(_ log: RaceLog, physical: UInt64, virtual: UInt64, size: Int, isWrite: Bool, pc: UInt64) {
        log.append(RaceLogRecord(kind: isWrite ? .write : .read, size: UInt8(truncatingIfNeeded: size),
                                 thread: Int32(truncatingIfNeeded: id), physical: physical, virtual: virtual, pc: pc))
    }
}

extension Hart {
    /// An AMO, LR or SC on RAM: `bits` carries aq (2) and rl (1) from the instruction, and
    /// 4 when an SC succeeded.
    func logAtomic(_ log: RaceLog, _ kind: RaceLogKind, _ inst: DecodedInstruction, physical: UInt64, virtual: UInt64,
                   succeeded: Bool) {
        let bits = UInt8(truncatingIfNeeded: inst.funct & 3) | (succeeded ? 4 : 0)
        log.append(RaceLogRecord(kind: kind, size: UInt8(truncatingIfNeeded: inst.imm), bits: bits,
                                 thread: Int32(truncatingIfNeeded: id), physical: physical, virtual: virtual, pc: pc))
    }
}
