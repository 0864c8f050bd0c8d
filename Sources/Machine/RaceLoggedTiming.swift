// The run loop's timing when the race log is on and the machine has no caches: one cycle
// per instruction, as FlatTiming, but every data access and every fence goes through the
// slow path, where it is logged (RaceLog.swift). A type of its own so the optimizer
// compiles a loop for it and the plain loop (FlatTiming) stays exactly as it was.

struct RaceLoggedTiming: InstructionTiming {
    static var issuesBeforeReadingRecord: Bool { false }
    static var fencesThroughSlowPath: Bool { true }
    var dataThroughSlowPath: Bool { true }
    @inline(__always) func position(stepped: Int) -> Int { stepped }
    @inline(__always) mutating func issue(pc: UInt64, stepped: Int, memoryLimit: Int) -> Bool { true }
    @inline(__always) mutating func undoIssue(stepped: Int) {}
    @inline(__always) mutating func load(offset: Int, size: Int, pc: UInt64, position: Int) -> Bool { true }
    @inline(__always) mutating func store(offset: Int, size: Int, pc: UInt64, position: Int) -> Bool { true }
    @inline(__always) mutating func takeWait() -> Bool { false }
    @inline(__always) mutating func takeExtra() -> UInt64 { 0 }
    @inline(__always) mutating func resynchronize(cycle: UInt64, stepped: Int) {}
    @inline(__always) mutating func fetchTrapped() {}
    @inline(__always) mutating func finish(stepped: Int) {}
}
