// The accelerator runs kernels: a vector add over work-groups on several lanes (results,
// completion cycle, counters), contexts isolated by their own page tables, a stray access
// that faults its context only, clean registers for every item, and the same calls
// giving the same events twice.

import Machine
import MachineTools
import Testing

@Suite("Accelerator: kernels on the lanes")
struct AcceleratorTests {
    static func device(lanes: Int = 4, preemption: AcceleratorPreemption = .workGroup) throws -> Accelerator {
        var configuration = AcceleratorConfiguration()
        configuration.lanes = lanes
        configuration.preemption = preemption
        return try Accelerator(configuration: configuration)
    }

    /// A context holding the vector add and its three arrays (a[i] = i, b[i] = 3i + 7).
    static func vectorAddContext(_ accelerator: Accelerator, items: Int = 1000) throws -> Int {
        let context = try #require(accelerator.createContext())
        try AcceleratorKernels.load(AcceleratorKernels.vectorAdd(), into: context, on: accelerator)
        #expect(accelerator.map(context, at: AcceleratorKernels.buffer, bytes: 0x6000, writable: true, executable: false))
        #expect(accelerator.write(context, at: AcceleratorKernels.buffer, AcceleratorKernels.words((0..<UInt64(items)).map { $0 })))
        #expect(accelerator.write(context, at: AcceleratorKernels.buffer + 0x2000,
                                  AcceleratorKernels.words((0..<UInt64(items)).map { 3 * $0 + 7 })))
        return context
    }

    static func vectorAddLaunch(items: UInt64 = 1000) -> AcceleratorLaunch {
        AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: items, groupSize: 64, argument: AcceleratorKernels.buffer)
    }

    @Test("a vector add over 1,000 items on 4 lanes in groups of 64: right sums, exact completion cycle, counters")
    func vectorAdd() throws {
        let accelerator = try Self.device()
        let context = try Self.vectorAddContext(accelerator)
        #expect(accelerator.submit(context, Self.vectorAddLaunch()) == 1)
        #expect(accelerator.hasWork(context))
        accelerator.switchTo(context)
        #expect(accelerator.contextOnLanes == context)
        let events = accelerator.runUntilSwitchedOut()
        // 11 instructions and the return's ecall: 12 cycles an item, 250 items a lane, after the switch's 1,000.
        let done: UInt64 = 1_000 + 250 * 12
        #expect(events == [.switchedIn(context: context, cycle: 1_000),
                           .completed(context: context, submission: 1, cycle: done),
                           .switchedOut(context: context, cycle: done, why: .idle)])
        let sums = AcceleratorKernels.values(try #require(accelerator.read(context, at: AcceleratorKernels.buffer + 0x4000, count: 8000)))
        #expect(sums == (0..<UInt64(1000)).map { 4 * $0 + 7 })
        let statistics = try #require(accelerator.statistics(of: context))
        #expect(statistics.items == 1000)
        #expect(statistics.workGroups == 16)
        #expect(statistics.instructions == 11_000)
        #expect(statistics.submissions == 1 && statistics.completions == 1 && statistics.switchesIn == 1)
        #expect(statistics.busyCycles == done)
        #expect(statistics.preemptions == 0)
        #expect(!accelerator.hasWork(context))
        #expect(accelerator.contextOnLanes == nil)
    }

    @Test("submissions of a context run in order, each completing before the next starts")
    func submissionsInOrder() throws {
        let accelerator = try Self.device()
        let context = try Self.vectorAddContext(accelerator)
        #expect(accelerator.submit(context, Self.vectorAddLaunch(items: 8)) == 1)
        #expect(accelerator.submit(context, Self.vectorAddLaunch(items: 4)) == 2)
        accelerator.switchTo(context)
        let events = accelerator.runUntilSwitchedOut()
        // 8 items on 4 lanes: 2 each (24 cycles); then 4 items: 1 each (12 cycles).
        #expect(events == [.switchedIn(context: context, cycle: 1_000),
                           .completed(context: context, submission: 1, cycle: 1_024),
                           .completed(context: context, submission: 2, cycle: 1_036),
                           .switchedOut(context: context, cycle: 1_036, why: .idle)])
    }

    @Test("two contexts hold different data at the same virtual address, and each kernel sees its own")
    func isolation() throws {
        let accelerator = try Self.device(lanes: 2)
        let first = try Self.vectorAddContext(accelerator, items: 4)
        let second = try #require(accelerator.createContext())
        try AcceleratorKernels.load(AcceleratorKernels.vectorAdd(), into: second, on: accelerator)
        #expect(accelerator.map(second, at: AcceleratorKernels.buffer, bytes: 0x6000, writable: true, executable: false))
        #expect(accelerator.write(second, at: AcceleratorKernels.buffer, AcceleratorKernels.words([100, 200, 300, 400])))
        #expect(AcceleratorKernels.values(try #require(accelerator.read(first, at: AcceleratorKernels.buffer, count: 32))) == [0, 1, 2, 3])
        #expect(AcceleratorKernels.values(try #require(accelerator.read(second, at: AcceleratorKernels.buffer, count: 32))) == [100, 200, 300, 400])
        for context in [first, second] {
            #expect(accelerator.submit(context, Self.vectorAddLaunch(items: 4)) != nil)
            accelerator.switchTo(context)
            _ = accelerator.runUntilSwitchedOut()
        }
        let firstSums = AcceleratorKernels.values(try #require(accelerator.read(first, at: AcceleratorKernels.buffer + 0x4000, count: 32)))
        let secondSums = AcceleratorKernels.values(try #require(accelerator.read(second, at: AcceleratorKernels.buffer + 0x4000, count: 32)))
        #expect(firstSums == [7, 11, 15, 19])
        #expect(secondSums == [100, 200, 300, 400])   // its b is all zeros: the first's b is not in its space
    }

    @Test("a stray load faults its context only, with lane, item, PC, instruction, cause, address; the other completes")
    func strayLoadFaultsOneContext() throws {
        let accelerator = try Self.device(lanes: 2)
        let stray: UInt64 = AcceleratorKernels.buffer + 0x10_0000
        let (kernel, strayPC) = AcceleratorKernels.strayLoad(faultingItem: 5, address: Int64(stray))
        let faulty = try #require(accelerator.createContext())
        try AcceleratorKernels.load(kernel, into: faulty, on: accelerator)
        #expect(accelerator.map(faulty, at: AcceleratorKernels.buffer, bytes: 0x1000, writable: true, executable: false))
        let healthy = try Self.vectorAddContext(accelerator, items: 16)
        // The healthy context's buffer at the stray address exists, in its own space only.
        #expect(accelerator.map(healthy, at: stray, bytes: 0x1000, writable: true, executable: false))
        #expect(accelerator.submit(faulty, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 8, groupSize: 2,
                                                            argument: AcceleratorKernels.buffer)) == 1)
        #expect(accelerator.submit(faulty, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 1, groupSize: 1, argument: 0)) == 2)
        #expect(accelerator.submit(healthy, Self.vectorAddLaunch(items: 16)) == 1)

        accelerator.switchTo(faulty)
        let events = accelerator.runUntilSwitchedOut()
        guard case .faulted(let report, let cycle)? = events.first(where: { if case .faulted = $0 { true } else { false } }) else {
            Issue.record("no fault in \(events)")
            return
        }
        #expect(report.context == faulty)
        #expect(report.submission == 1)
        #expect(report.item == 5)
        #expect(report.lane == 1)   // items 4 and 5 went to lanes 0 and 1
        #expect(report.pc == strayPC)
        #expect(report.instructionBits == 0x000E_3E83)   // ld t4, 0(t3)
        #expect(report.cause == 13)
        #expect(report.address == stray)
        #expect(report.reason == "load page fault: 0x\(String(stray, radix: 16)) is not mapped in context \(faulty)")
        #expect(events.last == .switchedOut(context: faulty, cycle: cycle, why: .faulted))
        #expect(!accelerator.hasWork(faulty))
        #expect(accelerator.submit(faulty, Self.vectorAddLaunch(items: 1)) == nil)

        accelerator.switchTo(healthy)
        let healthyEvents = accelerator.runUntilSwitchedOut()
        #expect(healthyEvents.contains(.completed(context: healthy, submission: 1, cycle: healthyEvents[1].eventCycle)))
        let sums = AcceleratorKernels.values(try #require(accelerator.read(healthy, at: AcceleratorKernels.buffer + 0x4000, count: 128)))
        #expect(sums == (0..<UInt64(16)).map { 4 * $0 + 7 })
    }

    @Test("illegal instructions, ecalls outside the return page and breakpoints fault, each with its reason")
    func otherFaults() throws {
        let cases: [(UInt32, UInt64, String)] = [
            (0x0000_0000, 2, "illegal instruction at 0x10000: the lanes run RV64GC in U-mode"),
            (0x0000_0073, 8, "environment call from U-mode at 0x10000, outside the return page: a kernel on the accelerator cannot make system calls"),
            (0x0010_0073, 3, "breakpoint (ebreak) at 0x10000"),
        ]
        for (word, cause, reason) in cases {
            let accelerator = try Self.device(lanes: 1)
            let context = try #require(accelerator.createContext())
            var asm = Assembler(origin: AcceleratorKernels.codeBase)
            asm.emit(word)
            try AcceleratorKernels.load(asm, into: context, on: accelerator)
            #expect(accelerator.submit(context, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 1, groupSize: 1, argument: 0)) == 1)
            accelerator.switchTo(context)
            let events = accelerator.runUntilSwitchedOut()
            guard case .faulted(let report, _)? = events.dropFirst().first else {
                Issue.record("no fault for 0x\(String(word, radix: 16)): \(events)")
                continue
            }
            #expect(report.cause == cause)
            #expect(report.reason == reason)
            #expect(report.instructionBits == (word == 0 ? 0 : word))
        }
    }

    @Test("a store to the kernel's own read-only code faults with the page's permissions in the reason")
    func storeToReadOnlyCode() throws {
        let accelerator = try Self.device(lanes: 1)
        let context = try #require(accelerator.createContext())
        var asm = Assembler(origin: AcceleratorKernels.codeBase)
        asm.li(.t0, Int64(AcceleratorKernels.codeBase))
        asm.sd(.zero, 0, .t0)
        asm.ret()
        try AcceleratorKernels.load(asm, into: context, on: accelerator)
        #expect(accelerator.submit(context, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 3, groupSize: 1, argument: 0)) == 1)
        accelerator.switchTo(context)
        let events = accelerator.runUntilSwitchedOut()
        guard case .faulted(let report, let cycle)? = events.dropFirst().first else {
            Issue.record("no fault: \(events)")
            return
        }
        #expect(report.cause == 15 && report.address == AcceleratorKernels.codeBase && report.item == 0 && report.lane == 0)
        #expect(report.pc == AcceleratorKernels.codeBase + 4)   // li of 0x10000 is a lone lui
        #expect(report.reason == "store/AMO page fault: 0x10000 is mapped r-x in context \(context), not writable")
        #expect(cycle == 1_000 + 2)   // the lui and the store that trapped, a cycle each
        #expect(accelerator.read(context, at: AcceleratorKernels.codeBase, count: 4) != [0, 0, 0, 0])
    }

    @Test("every item starts with clean registers: nothing of an earlier item or context leaks, sp and ra as documented")
    func cleanRegisters() throws {
        // Each item ORs x3–x9, x12–x31, f0–f31 and fcsr into t6 and stores it, with ra and sp;
        // then it sets every one of them to all ones.
        var asm = Assembler(origin: AcceleratorKernels.codeBase)
        let checked = Register.allCases.filter { ![.zero, .ra, .sp, .a0, .a1].contains($0) }
        for register in checked where register != .t6 { asm.or(.t6, .t6, register) }
        for float in UInt32(0)..<32 {
            asm.emit(AcceleratorKernels.fmvXD(rd: Register.t5.rawValue, rs1: float))
            asm.or(.t6, .t6, .t5)
        }
        asm.csrrs(.t5, 0x003, .zero)   // frcsr
        asm.or(.t6, .t6, .t5)
        asm.slli(.t0, .a0, 5)
        asm.add(.t0, .a1, .t0)
        asm.sd(.t6, 0, .t0)
        asm.sd(.ra, 8, .t0)
        asm.sd(.sp, 16, .t0)
        for register in checked { asm.li(register, -1) }
        for float in UInt32(0)..<32 { asm.emit(AcceleratorKernels.fmvDX(rd: float, rs1: Register.t6.rawValue)) }
        asm.csrrw(.zero, 0x003, .t6)   // fscsr: every flag and rounding mode bit
        asm.ret()

        let accelerator = try Self.device(lanes: 2)
        var contexts: [Int] = []
        for _ in 0..<2 {
            let context = try #require(accelerator.createContext())
            try AcceleratorKernels.load(asm, into: context, on: accelerator)
            #expect(accelerator.map(context, at: AcceleratorKernels.buffer, bytes: 0x1000, writable: true, executable: false))
            #expect(accelerator.submit(context, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 6, groupSize: 3,
                                                                  argument: AcceleratorKernels.buffer)) == 1)
            contexts.append(context)
        }
        for context in contexts {
            accelerator.switchTo(context)
            let events = accelerator.runUntilSwitchedOut()
            #expect(events.last?.switchOutReason == .idle)
            let records = AcceleratorKernels.values(try #require(accelerator.read(context, at: AcceleratorKernels.buffer, count: 6 * 32)))
            for item in 0..<6 {
                #expect(records[4 * item] == 0, "item \(item) of context \(context) saw a register left over")
                #expect(records[4 * item + 1] == AcceleratorLayout.returnAddress)
                let top = records[4 * item + 2]
                #expect(top == AcceleratorLayout.stackTop(lane: 0) || top == AcceleratorLayout.stackTop(lane: 1))
                #expect(top % 16 == 0)
            }
        }
    }

    @Test("the same calls give the same events, cycles, counters and memory twice")
    func deterministic() throws {
        func scenario() throws -> ([AcceleratorEvent], [AcceleratorContextStatistics?], [UInt8]?) {
            let accelerator = try Self.device(lanes: 3, preemption: .instruction)
            let adder = try Self.vectorAddContext(accelerator, items: 300)
            let summer = try #require(accelerator.createContext())
            try AcceleratorKernels.load(AcceleratorKernels.longSum(loops: 3000), into: summer, on: accelerator)
            #expect(accelerator.map(summer, at: AcceleratorKernels.buffer, bytes: 0x1000, writable: true, executable: false))
            _ = accelerator.submit(adder, Self.vectorAddLaunch(items: 300))
            _ = accelerator.submit(summer, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 7, groupSize: 2,
                                                              argument: AcceleratorKernels.buffer))
            var events: [AcceleratorEvent] = []
            // Round robin in slices of 10,000 cycles, as a kernel would.
            var turn = 0
            while accelerator.hasWork(adder) || accelerator.hasWork(summer), accelerator.cycle < 1_000_000 {
                let context = [adder, summer][turn % 2]
                turn += 1
                guard accelerator.hasWork(context) else { continue }
                accelerator.switchTo(context)
                events += accelerator.runSlice(10_000)
            }
            return (events, [accelerator.statistics(of: adder), accelerator.statistics(of: summer)],
                    accelerator.read(summer, at: AcceleratorKernels.buffer, count: 56))
        }
        let first = try scenario()
        let second = try scenario()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
        #expect(first.2 == second.2)
        #expect(first.0.count > 6)
        #expect(AcceleratorKernels.values(try #require(first.2)) == Array(repeating: AcceleratorKernels.longSumResult(loops: 3000), count: 7))
    }
}
