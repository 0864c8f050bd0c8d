// The scheduling cache (SchedulingCache.swift) against the reference scheduler
// (`scheduleBatch`, Stepping.swift): the same multi-hart programs — atomics, LR/SC locks,
// races on a shared counter, software interrupts between harts, timer interrupts, wfi,
// system calls to a host trap handler — run with the cache forced off and on, at
// granularity 1, 3 and 1000, with jitter off and on, with caches off and on and SMT; every hart's
// registers, PC, privilege, cycles and retired instructions, the shared memory, the
// device state, the stop reason and the instruction trace must be the same.

import Testing
@testable import Machine
@testable import MachineTools

@Suite struct MultiHartDifferentialTests {
    static let origin: UInt64 = 0x8000_0000
    static let data: UInt64 = 0x8001_0000

    /// Every hart, in M-mode: a machine-timer tick every `period` ticks of mtime, a software
    /// interrupt to the next hart every 16 rounds, and `rounds` rounds of an atomic add, a
    /// plain load/add/store race and an LR/SC spinlock around another counter. Then each
    /// hart counts itself done; hart 0 waits for all and powers off, the others sleep in
    /// `wfi` (woken by their ticks, they sleep again).
    static func interruptProgram(harts: Int64, rounds: Int64, period: Int64) throws -> [UInt8] {
        var asm = Assembler(origin: origin)
        let data = Int64(Self.data)
        asm.j("start")
        // The trap handler at origin + 4 (direct mode).
        asm.label("handler")
        asm.csrrs(.t5, 0x342, .zero)                 // mcause
        asm.blt(.t5, .zero, "interrupt")
        asm.emit(0x3020_0073)                        // mret (no exceptions expected)
        asm.label("interrupt")
        asm.andi(.t5, .t5, 0xFF)
        asm.li(.t6, 7); asm.bne(.t5, .t6, "software")
        asm.addi(.s3, .s3, 1)                        // a tick: count it, program the next
        asm.ld(.t6, 0, .s2); asm.add(.t6, .t6, .s5); asm.sd(.t6, 0, .s1)
        asm.emit(0x3020_0073)
        asm.label("software")
        asm.addi(.s4, .s4, 1)                        // an IPI: count it, clear our msip
        asm.sw(.zero, 0, .s6)
        asm.emit(0x3020_0073)

        asm.label("start")
        asm.csrrs(.s0, 0xF14, .zero)                 // mhartid
        asm.slli(.t0, .s0, 3); asm.li(.s1, 0x200_4000); asm.add(.s1, .s1, .t0)   // our mtimecmp
        asm.li(.s2, 0x200_BFF8)                                                  // mtime
        asm.slli(.t0, .s0, 2); asm.li(.s6, 0x200_0000); asm.add(.s6, .s6, .t0)   // our msip
        asm.addi(.t0, .s0, 1); asm.li(.t1, harts); asm.remu(.t0, .t0, .t1)
        asm.slli(.t0, .t0, 2); asm.li(.s7, 0x200_0000); asm.add(.s7, .s7, .t0)   // next hart's msip
        asm.li(.s5, period); asm.li(.s3, 0); asm.li(.s4, 0)
        asm.li(.t0, Int64(origin + 4)); asm.csrrw(.zero, 0x305, .t0)            // mtvec
        asm.ld(.t1, 0, .s2); asm.add(.t1, .t1, .s5); asm.sd(.t1, 0, .s1)
        asm.li(.t0, 1 << 7 | 1 << 3); asm.csrrw(.zero, 0x304, .t0)              // mie: MTIE, MSIE
        asm.li(.t0, 8); asm.csrrs(.zero, 0x300, .t0)                             // mstatus.MIE
        asm.li(.a0, data); asm.li(.s8, rounds)
        asm.label("round")
        asm.li(.t1, 1); asm.amoaddD(.zero, .t1, .a0)                             // data+0: atomic
        asm.ld(.t1, 8, .a0); asm.addi(.t1, .t1, 1); asm.sd(.t1, 8, .a0)          // data+8: racy
        asm.addi(.a4, .a0, 16)                                                   // data+16: the lock
        asm.label("acquire")
        asm.lrW(.t1, .a4); asm.bnez(.t1, "acquire")
        asm.li(.t2, 1); asm.scW(.t3, .t2, .a4); asm.bnez(.t3, "acquire")
        asm.ld(.t1, 24, .a0); asm.add(.t1, .t1, .s0); asm.addi(.t1, .t1, 1); asm.sd(.t1, 24, .a0)
        asm.sw(.zero, 16, .a0)                                                   // release
        asm.andi(.t0, .s8, 15); asm.bnez(.t0, "noipi")
        asm.li(.t0, 1); asm.sw(.t0, 0, .s7)
        asm.label("noipi")
        asm.addi(.s8, .s8, -1); asm.bnez(.s8, "round")
        // Record this hart's interrupt counts, then count it done.
        asm.slli(.t0, .s0, 4); asm.add(.t0, .t0, .a0)
        asm.sd(.s3, 64, .t0); asm.sd(.s4, 72, .t0)
        asm.li(.t1, 1); asm.addi(.t2, .a0, 32); asm.amoaddD(.zero, .t1, .t2)
        asm.bnez(.s0, "park")
        asm.label("wait")
        asm.ld(.t3, 32, .a0); asm.li(.t4, harts); asm.bne(.t3, .t4, "wait")
        asm.li(.a2, 0x10_0000); asm.li(.a3, 0x5555); asm.sw(.a3, 0, .a2)
        asm.label("park")
        asm.emit(0x1050_0073)                        // wfi
        asm.j("park")
        return ELFWriter.executable(contents: try asm.assemble(), address: origin, entry: origin, zeroFill: 0x2_0000)
    }

    struct Setup: CustomStringConvertible {
        var harts: Int
        var granularity: Int
        var jitter: UInt64 = 0
        var seed: UInt64 = 1
        var caches = false
        var smt = false
        var description: String {
            "\(harts) harts, granularity \(granularity), jitter \(jitter), seed \(seed)\(caches ? ", caches" : "")\(smt ? ", SMT" : "")"
        }
        var configuration: MachineConfiguration {
            var configuration = MachineConfiguration()
            configuration.hartCount = harts
            configuration.interleaveGranularity = granularity
            configuration.jitter = jitter
            configuration.seed = seed
            if caches { configuration.memoryHierarchy = MemoryPreset.manyCore.hierarchy }
            if smt { configuration.threadsPerCore = 2 }
            return configuration
        }
    }

    /// Everything a run leaves that a person or a program could see.
    struct Snapshot: Equatable, CustomStringConvertible {
        var stop: StopReason?
        var harts: [[UInt64]]
        var memory: [UInt8]
        var steps: UInt64
        var traps: UInt64
        var mtimecmp: [UInt64]
        var msip: [Bool]
        /// A short form for failure messages: the stop, each hart's PC, cycle and instret,
        /// the step and trap counts and a hash of the memory.
        var description: String {
            let memoryHash = memory.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
            let perHart = harts.map { "pc \(String($0[64], radix: 16)) cycle \($0[65]) instret \($0[66])" }
            return "stop \(stop.map { "\($0)" } ?? "none"); \(perHart.joined(separator: "; ")); steps \(steps), traps \(traps), memory \(String(memoryHash, radix: 16))"
        }
    }

    static func snapshot(_ machine: Machine, stop: StopReason?) -> Snapshot {
        let harts = machine.harts.map { hart -> [UInt64] in
            (0..<32).map { hart.register($0) } + (0..<32).map { hart.floatRegister($0) }
                + [hart.pc, hart.cycle, hart.instret, UInt64(hart.privilege.rawValue), hart.waitingForInterrupt ? 1 : 0,
                   hart.reservation ?? .max, hart.mie, hart.mstatus]
        }
        return Snapshot(stop: stop, harts: harts, memory: machine.memory.read(at: data, count: 8192) ?? [],
                        steps: machine.totalSteps, traps: machine.trapCount, mtimecmp: machine.clint.mtimecmp, msip: machine.clint.msip)
    }

    /// Runs `elf` to its end in slices of `slice` instructions (so batches also cross `run`
    /// calls), with the scheduling cache on or off.
    static func run(_ elf: [UInt8], _ setup: Setup, fast: Bool, slice: UInt64 = 7_919, budget: UInt64 = 3_000_000) throws -> Snapshot {
        let machine = try Machine(configuration: setup.configuration)
        machine.fastScheduling = fast
        try machine.load(ELFImage(bytes: elf))
        var stop: StopReason? = nil
        var total: UInt64 = 0
        while total < budget {
            let reason = machine.run(budget: slice)
            total += slice
            if reason != .budgetExhausted {
                stop = reason
                break
            }
        }
        return snapshot(machine, stop: stop)
    }

    static let setups: [Setup] = {
        var setups: [Setup] = []
        for harts in [2, 4] {
            for granularity in [1, 3, 1000] {
                setups.append(Setup(harts: harts, granularity: granularity))
                setups.append(Setup(harts: harts, granularity: granularity, jitter: 3, seed: 7))
            }
        }
        setups.append(Setup(harts: 3, granularity: 1, caches: true))
        setups.append(Setup(harts: 2, granularity: 3, jitter: 5, seed: 3, caches: true))
        setups.append(Setup(harts: 4, granularity: 1, caches: true, smt: true))
        return setups
    }()

    @Test(arguments: setups)
    func interruptsLocksAndRacesMatchTheReference(_ setup: Setup) throws {
        let elf = try Self.interruptProgram(harts: Int64(setup.harts), rounds: 300, period: 37)
        let reference = try Self.run(elf, setup, fast: false)
        let cached = try Self.run(elf, setup, fast: true)
        #expect(reference.stop == .powerOff(exitCode: 0), "\(setup)")
        #expect(Array(reference.memory.prefix(8)) == [UInt8](littleEndian: UInt64(300 * setup.harts)), "atomic count, \(setup)")
        // Every hart took timer ticks and software interrupts (counts at data+64+16·hart).
        for hart in 0..<setup.harts {
            let ticks = reference.memory[64 + 16 * hart], interrupts = reference.memory[72 + 16 * hart]
            #expect(ticks > 0 && interrupts > 0, "hart \(hart): \(ticks) ticks, \(interrupts) IPIs, \(setup)")
        }
        #expect(cached == reference, "\(setup)")
    }

    /// The bench's memory loop on every hart in U-mode, with system calls to a host trap
    /// handler (write, exit); the first hart to exit stops the run.
    @Test(arguments: [Setup(harts: 4, granularity: 1), Setup(harts: 4, granularity: 1000), Setup(harts: 2, granularity: 3, jitter: 2),
                      Setup(harts: 4, granularity: 1, caches: true)])
    func userProgramsWithSystemCallsMatchTheReference(_ setup: Setup) throws {
        for program in [ComputeBenchmark.memory, .calls] {
            var snapshots: [Snapshot] = []
            var outputs: [[UInt8]] = []
            for fast in [false, true] {
                let runtime = try MinimalUserRuntime(elf: program.elf(iterations: program == .calls ? 12 : 3), configuration: setup.configuration)
                runtime.machine.fastScheduling = fast
                let stop = runtime.runToExit()
                snapshots.append(Self.snapshot(runtime.machine, stop: stop))
                outputs.append(runtime.output)
            }
            #expect(snapshots[0] == snapshots[1], "\(program), \(setup)")
            #expect(outputs[0] == outputs[1] && !outputs[0].isEmpty, "\(program), \(setup)")
        }
    }

    /// The instruction trace (one `stepTraced` at a time) is the same both ways, and is the
    /// interleaving an untraced run takes.
    @Test func instructionTracesMatchTheReference() throws {
        for setup in [Setup(harts: 3, granularity: 1), Setup(harts: 2, granularity: 3, jitter: 3, seed: 9)] {
            let elf = try Self.interruptProgram(harts: Int64(setup.harts), rounds: 20, period: 29)
            var traces: [[String]] = []
            var snapshots: [Snapshot] = []
            for fast in [false, true] {
                let machine = try Machine(configuration: setup.configuration)
                machine.fastScheduling = fast
                try machine.load(ELFImage(bytes: elf))
                var lines: [String] = []
                var stop: StopReason? = nil
                while lines.count < 200_000 {
                    let (reason, retired) = machine.stepTraced()
                    if let reason { stop = reason; break }
                    if let retired { lines.append(retired.line) }
                }
                traces.append(lines)
                snapshots.append(Self.snapshot(machine, stop: stop))
            }
            #expect(snapshots[0].stop == .powerOff(exitCode: 0))
            #expect(traces[0] == traces[1], "\(setup)")
            #expect(snapshots[0] == snapshots[1], "\(setup)")
            let untraced = try Self.run(elf, setup, fast: true)
            #expect(untraced.harts.map { $0[64...66] } == snapshots[0].harts.map { $0[64...66] }, "PC, cycle and instret as traced, \(setup)")
        }
    }
}

extension Array where Element == UInt8 {
    init(littleEndian value: UInt64) {
        self = (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
