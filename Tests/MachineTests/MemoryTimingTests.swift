// The memory system wired into the run loop: latencies reach the harts' cycles, the
// horizon keeps accesses in cycle order at granularity 1 with caches on, SMT siblings
// share one issue slot (compute-bound pairs take twice as long, stall-bound pairs
// overlap), and a run with caches and SMT stays a pure function of its inputs.

import Testing
@testable import Machine
@testable import MachineTools

@Suite struct MemoryTimingTests {
    static let results: UInt64 = 0x8001_0000
    static let log: UInt64 = 0x8002_0000
    static let array: UInt64 = 0x8010_0000

    /// Each hart runs `body`, stores its finishing cycle at `results + 8 × hartid` and
    /// parks in `wfi`; the run ends when every hart sleeps.
    static func program(_ body: (inout Assembler) -> Void) throws -> [UInt8] {
        var asm = Assembler(origin: 0x8000_0000)
        asm.csrrs(.s0, 0xF14, .zero)   // s0 = mhartid
        body(&asm)
        asm.csrrs(.t0, 0xB00, .zero)   // mcycle
        asm.slli(.t1, .s0, 3); asm.li(.t2, Int64(results)); asm.add(.t2, .t2, .t1); asm.sd(.t0, 0, .t2)
        asm.label("park")
        asm.emit(0x1050_0073)          // wfi
        asm.j("park")
        return ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x20_0000)
    }

    /// Register-only work: `count` rounds of five arithmetic instructions.
    static func compute(_ asm: inout Assembler, count: Int64) {
        asm.li(.t3, count); asm.li(.a0, 1); asm.li(.a1, 3)
        asm.label("compute")
        asm.add(.a0, .a0, .a1); asm.xor(.a1, .a1, .a0); asm.slli(.a2, .a0, 3); asm.sub(.a1, .a1, .a2)
        asm.addi(.t3, .t3, -1); asm.bnez(.t3, "compute")
    }

    /// Loads from a private 4 KiB array per hart: mostly loads, each waiting for the data.
    static func loads(_ asm: inout Assembler, count: Int64) {
        asm.li(.t3, count)
        asm.slli(.t4, .s0, 12); asm.li(.t5, Int64(array)); asm.add(.t4, .t4, .t5)
        asm.label("loads")
        asm.ld(.a0, 0, .t4); asm.ld(.a1, 8, .t4); asm.ld(.a2, 16, .t4); asm.ld(.a3, 24, .t4)
        asm.addi(.t3, .t3, -1); asm.bnez(.t3, "loads")
    }

    static func configuration(harts: Int, smt: Int = 1, caches: MemoryHierarchy? = nil, granularity: Int = 1000) -> MachineConfiguration {
        var configuration = MachineConfiguration()
        configuration.hartCount = harts
        configuration.threadsPerCore = smt
        configuration.memoryHierarchy = caches
        configuration.interleaveGranularity = granularity
        return configuration
    }

    /// Runs to the end; each hart's finishing cycle.
    static func finishingCycles(_ elf: [UInt8], _ configuration: MachineConfiguration) throws -> [UInt64] {
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: elf))
        #expect(machine.run(budget: 50_000_000) == .allHartsWaiting)
        return (0..<configuration.hartCount).map { machine.memory.readInteger(at: results + 8 * UInt64($0), size: 8) ?? 0 }
    }

    @Test func cachesOffCostOneCyclePerInstruction() throws {
        let machine = try Machine(configuration: Self.configuration(harts: 1))
        try machine.load(ELFImage(bytes: Self.program { Self.loads(&$0, count: 1000) }))
        #expect(machine.run(budget: 1_000_000) == .allHartsWaiting)
        let hart = machine.harts[0]
        #expect(hart.cycle == hart.instret)
    }

    @Test func loadLatenciesReachTheHartsCycles() throws {
        let elf = try Self.program { Self.loads(&$0, count: 1000) }
        let off = try Self.finishingCycles(elf, Self.configuration(harts: 1))[0]
        let hierarchy = MemoryPreset.core2.hierarchy
        let on = try Self.finishingCycles(elf, Self.configuration(harts: 1, caches: hierarchy))[0]
        // 4,000 loads, each at least an L1D hit on top of its fetch.
        #expect(on >= off + 4000 * UInt64(hierarchy.l1d.hitLatency), "off \(off), on \(on)")
    }

    @Test func slowPathLoadsAndAtomicsAreChargedToo() throws {
        // Loads that cross a page take the slow path; AMOs always do.
        let elf = try Self.program { asm in
            asm.li(.t3, 500); asm.li(.t4, Int64(Self.array + 4092)); asm.li(.t5, Int64(Self.log)); asm.li(.t6, 1)
            asm.label("slow")
            asm.lw(.a0, 2, .t4); asm.amoaddD(.zero, .t6, .t5)
            asm.addi(.t3, .t3, -1); asm.bnez(.t3, "slow")
        }
        let off = try Self.finishingCycles(elf, Self.configuration(harts: 1))[0]
        let hierarchy = MemoryPreset.core2.hierarchy
        let on = try Self.finishingCycles(elf, Self.configuration(harts: 1, caches: hierarchy))[0]
        #expect(on >= off + 1000 * UInt64(hierarchy.l1d.hitLatency), "off \(off), on \(on)")
    }

    @Test(arguments: [(1, false), (1, true), (2, true)])
    func granularityOneKeepsAccessesInCycleOrder(smt: Int, caches: Bool) throws {
        // Each hart reads its cycle, takes a ticket with an AMO, reads the cycle again, and
        // logs both under the ticket. Without SMT the AMO issues in the very cycle read
        // before it, so tickets must go out in that order; with SMT it may wait for the
        // slot, so a ticket's AMO is only known to lie between the two readings, and no
        // earlier ticket may have been read as starting after a later one ended.
        let rounds: Int64 = 300
        let elf = try Self.program { asm in
            asm.li(.t3, rounds); asm.li(.t4, Int64(Self.log)); asm.li(.t5, 1)
            asm.label("tickets")
            asm.csrrs(.t0, 0xB00, .zero)
            asm.amoaddD(.t1, .t5, .t4)
            asm.csrrs(.t6, 0xB00, .zero)
            asm.slli(.t1, .t1, 4); asm.add(.t1, .t1, .t4); asm.sd(.t0, 16, .t1); asm.sd(.t6, 24, .t1)
            // Uneven register-only work so the harts drift against each other.
            asm.andi(.t2, .t0, 7)
            asm.label("spin")
            asm.addi(.t2, .t2, -1); asm.bge(.t2, .zero, "spin")
            asm.addi(.t3, .t3, -1); asm.bnez(.t3, "tickets")
        }
        let harts = 4
        let configuration = Self.configuration(harts: harts, smt: smt, caches: caches ? MemoryPreset.pentium4.hierarchy : nil,
                                               granularity: 1)
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: elf))
        #expect(machine.run(budget: 10_000_000) == .allHartsWaiting)
        let count = Int(machine.memory.readInteger(at: Self.log, size: 8) ?? 0)
        #expect(count == harts * Int(rounds))
        let before = (0..<count).map { machine.memory.readInteger(at: Self.log + 16 + 16 * UInt64($0), size: 8) ?? 0 }
        let after = (0..<count).map { machine.memory.readInteger(at: Self.log + 24 + 16 * UInt64($0), size: 8) ?? 0 }
        var outOfOrder = 0
        var latestStart: UInt64 = 0
        for ticket in 0..<count {
            if smt == 1 {
                if ticket > 0 && before[ticket - 1] > before[ticket] { outOfOrder += 1 }
            } else if latestStart > after[ticket] {
                outOfOrder += 1
            }
            latestStart = max(latestStart, before[ticket])
        }
        #expect(outOfOrder == 0, "tickets handed out against cycle order: \(outOfOrder)")
    }

    @Test(arguments: [false, true])
    func computeBoundSiblingsShareOneCore(caches: Bool) throws {
        let elf = try Self.program { Self.compute(&$0, count: 20_000) }
        let hierarchy = caches ? MemoryPreset.core2.hierarchy : nil
        // Alone: hart 1 of an SMT pair sleeps at once; together: both compute.
        let alone = try Self.finishingCycles(
            try Self.program { asm in
                asm.bnez(.s0, "skip"); Self.compute(&asm, count: 20_000); asm.label("skip")
            },
            Self.configuration(harts: 2, smt: 2, caches: hierarchy))[0]
        let together = try Self.finishingCycles(elf, Self.configuration(harts: 2, smt: 2, caches: hierarchy))
        let ratio = Double(together.max() ?? 0) / Double(alone)
        #expect(ratio > 1.8 && ratio < 2.2, "alone \(alone), together \(together)")
        // On two cores they do not share: about the time alone.
        let twoCores = try Self.finishingCycles(elf, Self.configuration(harts: 2, smt: 1, caches: hierarchy))
        #expect(Double(twoCores.max() ?? 0) / Double(alone) < 1.1, "alone \(alone), two cores \(twoCores)")
    }

    @Test func stallBoundSiblingsOverlap() throws {
        let hierarchy = MemoryPreset.core2.hierarchy
        let alone = try Self.finishingCycles(
            try Self.program { asm in
                asm.bnez(.s0, "skip"); Self.loads(&asm, count: 5000); asm.label("skip")
            },
            Self.configuration(harts: 2, smt: 2, caches: hierarchy))[0]
        let together = try Self.finishingCycles(try Self.program { Self.loads(&$0, count: 5000) },
                                                Self.configuration(harts: 2, smt: 2, caches: hierarchy))
        let ratio = Double(together.max() ?? 0) / Double(alone)
        #expect(ratio < 1.6, "one thread's stalls must let the other issue: alone \(alone), together \(together)")
    }

    @Test(arguments: [false, true])
    func timerInterruptsArriveOnTimeWhenInstructionsCostMore(caches: Bool) throws {
        // mtimecmp 5,000 ticks = cycle 50,000; the handler logs mcycle and puts the timer away.
        var asm = Assembler(origin: 0x8000_0000)
        asm.li(.t0, 0x8000_0100); asm.csrrw(.zero, 0x305, .t0)           // mtvec = handler
        asm.li(.t0, Int64(CLINT.base + 0x4000)); asm.li(.t1, 5000); asm.sd(.t1, 0, .t0)
        asm.li(.t1, 0x80); asm.csrrs(.zero, 0x304, .t1)                   // mie.MTIE
        asm.li(.t1, 0x8); asm.csrrs(.zero, 0x300, .t1)                    // mstatus.MIE
        asm.li(.t4, Int64(Self.array))
        asm.label("loads")
        asm.ld(.a0, 0, .t4); asm.ld(.a1, 8, .t4); asm.j("loads")
        var code = try asm.assemble()
        code += [UInt8](repeating: 0, count: 0x100 - code.count)
        var handler = Assembler(origin: 0x8000_0100)
        handler.csrrs(.t2, 0xB00, .zero)
        handler.li(.t3, Int64(Self.results)); handler.sd(.t2, 0, .t3)
        handler.li(.t1, -1); handler.sd(.t1, 0, .t0)
        handler.label("park"); handler.emit(0x1050_0073); handler.j("park")
        code += try handler.assemble()
        let elf = ELFWriter.executable(contents: code, address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x20_0000)
        let hierarchy = caches ? MemoryPreset.core2.hierarchy : nil
        let taken = try Self.finishingCycles(elf, Self.configuration(harts: 1, caches: hierarchy))[0]
        // Taken after the instruction in flight at the deadline, which may wait for memory.
        let slack = UInt64(hierarchy?.memoryLatency ?? 0) + 100
        #expect(taken >= 50_000 && taken < 50_000 + slack, "the interrupt came at cycle \(taken), not 50,000")
    }

    @Test func issueSlotsGiveTheFirstFreeCycle() {
        let slots = IssueSlots(coreCount: 2)
        #expect(slots.firstFree(core: 0, from: 10) == 10)
        for cycle: UInt64 in 10...200 { slots.take(core: 0, cycle: cycle) }
        #expect(slots.firstFree(core: 0, from: 10) == 201)
        #expect(slots.firstFree(core: 0, from: 5) == 5)
        #expect(slots.firstFree(core: 1, from: 10) == 10, "cores do not share slots")
        slots.release(core: 0, cycle: 200)
        #expect(slots.firstFree(core: 0, from: 100) == 200)
        // Far ahead: the ring's old bits no longer count.
        let far = IssueSlots.ringCycles + 150
        slots.take(core: 0, cycle: far)
        #expect(slots.firstFree(core: 0, from: far - 1) == far - 1)
        #expect(slots.firstFree(core: 0, from: far) == far + 1)
        #expect(slots.firstFree(core: 0, from: 100) == 100, "older than the ring: free")
    }

    @Test func aRunWithCachesAndSMTIsAPureFunctionOfItsInputs() throws {
        func run() throws -> ([UInt64], [UInt64], UInt64, MemorySystemStatistics?) {
            var configuration = Self.configuration(harts: 4, smt: 2, caches: MemoryPreset.manyCore.hierarchy, granularity: 7)
            configuration.seed = 42
            configuration.jitter = 5
            let machine = try Machine(configuration: configuration)
            let elf = try MultiHartTests.counterProgram(atomic: false, count: 300, harts: 4)
            try machine.load(ELFImage(bytes: elf))
            #expect(machine.run(budget: 10_000_000) == .powerOff(exitCode: 0))
            return (machine.harts.map(\.cycle), machine.harts.map(\.instret),
                    machine.memory.readInteger(at: MultiHartTests.counter, size: 8) ?? 0, machine.memorySystem?.statistics)
        }
        let first = try run(), second = try run()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
        #expect(first.2 == second.2)
        #expect(first.3 == second.3)
    }
}
