// The run loop's timing when the race log is on and the machine has no caches: one cycle
// per instruction, as FlatTiming, and every load and store the loop does inline is
// written to the race log (RaceLog.swift) as it happens; the slow path logs the rest
// (HartMemory.swift), and fences take the slow path to be logged. A type of its own so the
// optimizer compiles a loop for it and the plain loop (FlatTiming) stays exactly as it was.

struct RaceLoggedTiming: InstructionTiming {
    static var issuesBeforeReadingRecord: Bool { false }
    static var fencesThroughSlowPath: Bool { true }
    var dataThroughSlowPath: Bool { false }
    /// Not retained: the machine keeps the log for longer than any batch.
    unowned(unsafe) let log: RaceLog
    let ramBase: UInt64
    let hart: Int32

    init(log: RaceLog, ramBase: UInt64, hart: Int) {
        self.log = log
        self.ramBase = ramBase
        self.hart = Int32(truncatingIfNeeded: hart)
    }

    @inline(__always) func position(stepped: Int) -> Int { stepped }
    @inline(__always) mutating func issue(pc: UInt64, stepped: Int, memoryLimit: Int) -> Bool { true }
    @inline(__always) mutating func undoIssue(stepped: Int) {}
    @inline(__always) mutating func load(offset: Int, address: UInt64, size: Int, pc: UInt64, position: Int) -> Bool {
        log.append(RaceLogRecord(kind: .read, size: UInt8(truncatingIfNeeded: size), thread: hart,
                                 physical: ramBase &+ UInt64(truncatingIfNeeded: offset), virtual: address, pc: pc))
        return true
    }
    @inline(__always) mutating func store(offset: Int, address: UInt64, size: Int, pc: UInt64, position: Int) -> Bool {
        log.append(RaceLogRecord(kind: .write, size: UInt8(truncatingIfNeeded: size), thread: hart,
                                 physical: ramBase &+ UInt64(truncatingIfNeeded: offset), virtual: address, pc: pc))
        return true
    }
    @inline(__always) mutating func takeWait() -> Bool { false }
    @inline(__always) mutating func takeExtra() -> UInt64 { 0 }
    @inline(__always) mutating func resynchronize(cycle: UInt64, stepped: Int) {}
    @inline(__always) mutating func fetchTrapped() {}
    @inline(__always) mutating func finish(stepped: Int) {}
}
