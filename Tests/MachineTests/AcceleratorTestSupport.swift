// Test support for the accelerator's suites: kernels assembled with MachineTools'
// assembler, loaded into a context as a driver would (a code page, buffers), and a loop
// that drives the device's clock until the event a test waits for.

import Machine
import MachineTools
import Testing

enum AcceleratorKernels {
    /// Where the tests put a kernel's code in a context (a program's text would sit here).
    static let codeBase: UInt64 = 0x1_0000
    static let buffer = AcceleratorLayout.bufferBase

    /// c[i] = a[i] + b[i] over 64-bit words: a at the argument, b 0x2000 above, c 0x4000 above.
    /// 11 instructions an item, then the return page's ecall.
    static func vectorAdd() -> Assembler {
        var asm = Assembler(origin: codeBase)
        asm.slli(.t0, .a0, 3)
        asm.add(.t1, .a1, .t0)
        asm.ld(.t2, 0, .t1)
        asm.lui(.t5, 2)
        asm.add(.t5, .t1, .t5)
        asm.ld(.t4, 0, .t5)
        asm.add(.t2, .t2, .t4)
        asm.lui(.t5, 4)
        asm.add(.t5, .t1, .t5)
        asm.sd(.t2, 0, .t5)
        asm.ret()
        return asm
    }

    /// Sums 0..<loops, keeping the running sum only in f1 (as raw bits: fmv.x.d, add,
    /// fmv.d.x each turn) and the counter in t1, then stores the sum at argument + 8 * index:
    /// a long item whose state lives in registers, float ones included.
    /// 5 * loops + 8 instructions (loops from 2,048 up to 2^31), then the return's ecall.
    static func longSum(loops: Int64) -> Assembler {
        var asm = Assembler(origin: codeBase)
        asm.li(.t1, 0)
        asm.li(.t2, loops)
        asm.label("loop")
        asm.emit(fmvXD(rd: Register.t3.rawValue, rs1: 1))
        asm.add(.t3, .t3, .t1)
        asm.emit(fmvDX(rd: 1, rs1: Register.t3.rawValue))
        asm.addi(.t1, .t1, 1)
        asm.bne(.t1, .t2, "loop")
        asm.emit(fmvXD(rd: Register.t3.rawValue, rs1: 1))
        asm.slli(.t4, .a0, 3)
        asm.add(.t4, .a1, .t4)
        asm.sd(.t3, 0, .t4)
        asm.ret()
        return asm
    }

    /// Cycles one longSum item takes (its instructions and the return's ecall).
    static func longSumCycles(loops: Int64) -> UInt64 { UInt64(5 * loops + 9) }

    /// The sum longSum(loops) stores.
    static func longSumResult(loops: Int64) -> UInt64 { UInt64(loops * (loops - 1) / 2) }

    /// An item that never returns.
    static func runaway() -> Assembler {
        var asm = Assembler(origin: codeBase)
        asm.label("spin")
        asm.j("spin")
        return asm
    }

    /// Item `faultingItem` loads from `address` (a stray access); every item first stores
    /// its index + 1 at argument + 8 * index.
    static func strayLoad(faultingItem: Int64, address: Int64) -> (Assembler, strayPC: UInt64) {
        var asm = Assembler(origin: codeBase)
        asm.addi(.t0, .a0, 1)
        asm.slli(.t1, .a0, 3)
        asm.add(.t1, .a1, .t1)
        asm.sd(.t0, 0, .t1)
        asm.li(.t2, faultingItem)
        asm.bne(.a0, .t2, "done")
        asm.li(.t3, address)
        let strayPC = asm.currentAddress
        asm.ld(.t4, 0, .t3)
        asm.label("done")
        asm.ret()
        return (asm, strayPC)
    }

    /// fmv.d.x fd, rs1 and fmv.x.d rd, fs1.
    static func fmvDX(rd: UInt32, rs1: UInt32) -> UInt32 { 0xF200_0053 | rs1 << 15 | rd << 7 }
    static func fmvXD(rd: UInt32, rs1: UInt32) -> UInt32 { 0xE200_0053 | rs1 << 15 | rd << 7 }

    /// Maps the code read-only and executable at `codeBase` and copies it in.
    static func load(_ assembler: Assembler, into context: Int, on accelerator: Accelerator) throws {
        let code = try assembler.assemble()
        #expect(accelerator.map(context, at: codeBase, bytes: UInt64(code.count), writable: false, executable: true))
        #expect(accelerator.write(context, at: codeBase, code))
    }

    static func words(_ values: [UInt64]) -> [UInt8] {
        values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    }

    static func values(_ bytes: [UInt8]) -> [UInt64] {
        stride(from: 0, to: bytes.count - 7, by: 8).map { start in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[start + $1]) << (8 * UInt64($1)) }
        }
    }
}

extension Accelerator {
    /// Runs in steps of `step` cycles until an event satisfies `stop` (returned with all the
    /// events before it) or the clock reaches `limit`.
    func runUntil(limit: UInt64, step: UInt64 = 10_000, _ stop: (AcceleratorEvent) -> Bool) -> [AcceleratorEvent] {
        var seen: [AcceleratorEvent] = []
        var calls = 0
        while cycle < limit || calls == 0 {
            calls += 1
            let events = run(until: min(limit, cycle.addingSaturated(step)))
            seen += events
            if events.contains(where: stop) { return seen }
            if events.isEmpty && cycle >= limit { break }
        }
        return seen
    }

    /// A kernel's time slice: runs `cycles`, then asks the context to leave (if it has not)
    /// and runs until it has.
    func runSlice(_ cycles: UInt64) -> [AcceleratorEvent] {
        let end = cycle.addingSaturated(cycles)
        var events: [AcceleratorEvent] = []
        while cycle < end {
            let new = run(until: end)
            events += new
            if new.contains(where: { $0.switchOutReason != nil }) { return events }
        }
        requestPreemption()
        return events + runUntilSwitchedOut()
    }

    /// Runs until the context leaves the lanes.
    func runUntilSwitchedOut(limit: UInt64 = 10_000_000) -> [AcceleratorEvent] {
        runUntil(limit: limit) { if case .switchedOut = $0 { true } else { false } }
    }
}

extension AcceleratorEvent {
    var switchOutReason: AcceleratorSwitchOut? {
        if case .switchedOut(_, _, let why) = self { return why }
        return nil
    }

    var eventCycle: UInt64 {
        switch self {
        case .switchedIn(_, let cycle), .switchedOut(_, let cycle, _), .completed(_, _, let cycle), .faulted(_, let cycle): cycle
        }
    }
}
