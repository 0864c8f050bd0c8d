// Taking the lanes from a context: at any instruction (every lane's registers saved and
// restored, at `saveCycles` each way) the item resumes to the right result; at work-group
// boundaries the context leaves only when its running group ends, so a runaway item never
// leaves and only a reset takes it off while another context goes on.

import Machine
import MachineTools
import Testing

@Suite("Accelerator: preemption, switches and reset")
struct AcceleratorPreemptionTests {
    static func device(lanes: Int, preemption: AcceleratorPreemption) throws -> Accelerator {
        var configuration = AcceleratorConfiguration()
        configuration.lanes = lanes
        configuration.preemption = preemption
        return try Accelerator(configuration: configuration)
    }

    static func summingContext(_ accelerator: Accelerator, loops: Int64, items: UInt64, groupSize: UInt64) throws -> Int {
        let context = try #require(accelerator.createContext())
        try AcceleratorKernels.load(AcceleratorKernels.longSum(loops: loops), into: context, on: accelerator)
        #expect(accelerator.map(context, at: AcceleratorKernels.buffer, bytes: 0x1000, writable: true, executable: false))
        #expect(accelerator.submit(context, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: items, groupSize: groupSize,
                                                              argument: AcceleratorKernels.buffer)) == 1)
        return context
    }

    static func sums(_ accelerator: Accelerator, _ context: Int, items: Int) throws -> [UInt64] {
        AcceleratorKernels.values(try #require(accelerator.read(context, at: AcceleratorKernels.buffer, count: 8 * items)))
    }

    @Test("instruction preemption mid-item: leaves at the request + saveCycles, resumes after another context to the right sums")
    func instructionPreemptionResumes() throws {
        let accelerator = try Self.device(lanes: 2, preemption: .instruction)
        let loops: Int64 = 5000
        let summer = try Self.summingContext(accelerator, loops: loops, items: 2, groupSize: 1)
        let adder = try AcceleratorTests.vectorAddContext(accelerator, items: 8)
        #expect(accelerator.submit(adder, AcceleratorTests.vectorAddLaunch(items: 8)) == 1)

        accelerator.switchTo(summer)
        // 5,001 cycles in: 3 to set up, 999 turns of 5 and 3 of the next, just after f1 was
        // written — the sum lives in f1 alone from here to the next turn's fmv.x.d.
        #expect(accelerator.run(until: 6_001) == [.switchedIn(context: summer, cycle: 1_000)])
        #expect(accelerator.run(until: 6_001) == [])
        #expect(accelerator.cycle == 6_001)
        accelerator.requestPreemption()
        #expect(accelerator.preemptionPending)
        #expect(accelerator.run(until: 100_000) == [.switchedOut(context: summer, cycle: 11_001, why: .preempted)])
        #expect(accelerator.contextOnLanes == nil)
        #expect(accelerator.hasWork(summer))

        // Another context's items run on the same lanes (and reset every register for their items).
        accelerator.switchTo(adder)
        #expect(accelerator.runUntilSwitchedOut().last?.switchOutReason == .idle)

        let resumedFrom = accelerator.cycle
        accelerator.switchTo(summer)
        let events = accelerator.runUntilSwitchedOut()
        // Back after the switch and the restore; each lane had 5,001 of its cycles done.
        let resumed = resumedFrom + 1_000 + 5_000
        let done = resumed + AcceleratorKernels.longSumCycles(loops: loops) - 5_001
        #expect(events == [.switchedIn(context: summer, cycle: resumed),
                           .completed(context: summer, submission: 1, cycle: done),
                           .switchedOut(context: summer, cycle: done, why: .idle)])
        #expect(try Self.sums(accelerator, summer, items: 2) == [AcceleratorKernels.longSumResult(loops: loops), AcceleratorKernels.longSumResult(loops: loops)])
        let statistics = try #require(accelerator.statistics(of: summer))
        #expect(statistics.preemptions == 1)
        #expect(statistics.switchesIn == 2)
        #expect(statistics.items == 2)
        // Not one instruction run twice or skipped across the save and the restore.
        #expect(statistics.instructions == 2 * (AcceleratorKernels.longSumCycles(loops: loops) - 1))
        #expect(statistics.busyCycles == 11_001 + (done - resumedFrom))
    }

    @Test("boundary preemption: the running group finishes (its remaining items too), no new group starts")
    func boundaryPreemptionWaitsForGroup() throws {
        let accelerator = try Self.device(lanes: 2, preemption: .workGroup)
        let loops: Int64 = 3000
        let item = AcceleratorKernels.longSumCycles(loops: loops)
        let summer = try Self.summingContext(accelerator, loops: loops, items: 8, groupSize: 4)
        accelerator.switchTo(summer)
        #expect(accelerator.run(until: 3_000) == [.switchedIn(context: summer, cycle: 1_000)])
        #expect(accelerator.run(until: 3_000) == [])
        accelerator.requestPreemption()
        // Items 0 and 1 end, 2 and 3 (same group) still run; then group 1 would begin: it leaves.
        let leftAt = 1_000 + 2 * item
        #expect(accelerator.run(until: 1_000_000) == [.switchedOut(context: summer, cycle: leftAt, why: .preempted)])
        let result = AcceleratorKernels.longSumResult(loops: loops)
        #expect(try Self.sums(accelerator, summer, items: 8) == [result, result, result, result, 0, 0, 0, 0])
        var statistics = try #require(accelerator.statistics(of: summer))
        #expect(statistics.items == 4 && statistics.workGroups == 1 && statistics.preemptions == 1)

        accelerator.switchTo(summer)   // no registers to restore: only the switch's cost
        let events = accelerator.runUntilSwitchedOut()
        let done = leftAt + 1_000 + 2 * item
        #expect(events == [.switchedIn(context: summer, cycle: leftAt + 1_000),
                           .completed(context: summer, submission: 1, cycle: done),
                           .switchedOut(context: summer, cycle: done, why: .idle)])
        #expect(try Self.sums(accelerator, summer, items: 8) == Array(repeating: result, count: 8))
        statistics = try #require(accelerator.statistics(of: summer))
        #expect(statistics.items == 8 && statistics.workGroups == 2)
    }

    @Test("a runaway item under boundary preemption never leaves; reset takes it off and the other context completes")
    func runawayIsReset() throws {
        let accelerator = try Self.device(lanes: 2, preemption: .workGroup)
        let runaway = try #require(accelerator.createContext())
        try AcceleratorKernels.load(AcceleratorKernels.runaway(), into: runaway, on: accelerator)
        #expect(accelerator.submit(runaway, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 1, groupSize: 1, argument: 0)) == 1)
        let adder = try AcceleratorTests.vectorAddContext(accelerator, items: 8)
        #expect(accelerator.submit(adder, AcceleratorTests.vectorAddLaunch(items: 8)) == 1)

        accelerator.switchTo(runaway)
        #expect(accelerator.run(until: 100_000) == [.switchedIn(context: runaway, cycle: 1_000)])
        accelerator.requestPreemption()
        for limit in stride(from: UInt64(200_000), through: 1_000_000, by: 200_000) {
            #expect(accelerator.run(until: limit) == [])
            #expect(accelerator.cycle == limit)   // never past what was asked
        }
        #expect(accelerator.contextOnLanes == runaway)
        // One lane spun since cycle 1,000; the other had no item.
        #expect(accelerator.statistics(of: runaway)?.instructions == 999_000)

        accelerator.reset(runaway)
        #expect(accelerator.contextOnLanes == nil)
        #expect(!accelerator.hasWork(runaway))
        #expect(accelerator.run(until: 2_000_000) == [.switchedOut(context: runaway, cycle: 1_000_000, why: .reset)])
        #expect(accelerator.cycle == 1_000_000)

        accelerator.switchTo(adder)
        let events = accelerator.runUntilSwitchedOut()
        #expect(events.contains(.completed(context: adder, submission: 1, cycle: 1_000_000 + 1_000 + 4 * 12)))
        // A reset context stays usable.
        #expect(accelerator.submit(runaway, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 1, groupSize: 1, argument: 0)) == 2)
    }

    @Test("instruction preemption takes even a runaway item off the lanes")
    func runawayPreemptedAtInstruction() throws {
        let accelerator = try Self.device(lanes: 1, preemption: .instruction)
        let runaway = try #require(accelerator.createContext())
        try AcceleratorKernels.load(AcceleratorKernels.runaway(), into: runaway, on: accelerator)
        #expect(accelerator.submit(runaway, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 1, groupSize: 1, argument: 0)) == 1)
        accelerator.switchTo(runaway)
        _ = accelerator.run(until: 1_000)
        #expect(accelerator.run(until: 50_000) == [])
        accelerator.requestPreemption()
        #expect(accelerator.run(until: 1_000_000) == [.switchedOut(context: runaway, cycle: 55_000, why: .preempted)])
    }

    @Test("a reset while an instruction-level preemption saves the lanes: out at once, the saved lanes dropped")
    func resetWhileSaving() throws {
        let accelerator = try Self.device(lanes: 2, preemption: .instruction)
        let summer = try Self.summingContext(accelerator, loops: 3000, items: 2, groupSize: 1)
        accelerator.switchTo(summer)
        _ = accelerator.run(until: 3_000)
        #expect(accelerator.run(until: 3_000) == [])
        accelerator.requestPreemption()
        #expect(accelerator.run(until: 4_000) == [])   // still saving (until 8,000)
        #expect(accelerator.contextOnLanes == summer)
        accelerator.reset(summer)
        #expect(accelerator.contextOnLanes == nil && !accelerator.preemptionPending)
        #expect(accelerator.run(until: 20_000) == [.switchedOut(context: summer, cycle: 4_000, why: .reset)])
        #expect(accelerator.statistics(of: summer)?.preemptions == 0)
        #expect(accelerator.submit(summer, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 2, groupSize: 1,
                                                             argument: AcceleratorKernels.buffer)) == 2)
        accelerator.switchTo(summer)
        // Nothing to restore: the switch alone; the items start from their beginning.
        let events = accelerator.runUntilSwitchedOut()
        let done: UInt64 = 4_000 + 1_000 + AcceleratorKernels.longSumCycles(loops: 3000)
        #expect(events == [.switchedIn(context: summer, cycle: 5_000), .completed(context: summer, submission: 2, cycle: done),
                           .switchedOut(context: summer, cycle: done, why: .idle)])
        #expect(try Self.sums(accelerator, summer, items: 2) == Array(repeating: AcceleratorKernels.longSumResult(loops: 3000), count: 2))
    }

    @Test("a preemption asked for during the switch takes effect as the context arrives; reset off the lanes drops the queue")
    func preemptionDuringSwitchAndResetOffLanes() throws {
        let accelerator = try Self.device(lanes: 2, preemption: .instruction)
        let summer = try Self.summingContext(accelerator, loops: 3000, items: 2, groupSize: 1)
        accelerator.switchTo(summer)
        accelerator.requestPreemption()
        #expect(accelerator.run(until: 10_000) == [.switchedIn(context: summer, cycle: 1_000),
                                                   .switchedOut(context: summer, cycle: 1_000, why: .preempted)])
        #expect(accelerator.hasWork(summer))
        accelerator.switchTo(summer)
        accelerator.switchTo(summer)   // the lanes are taken: ignored
        #expect(accelerator.statistics(of: summer)?.switchesIn == 2)
        accelerator.reset(summer)
        #expect(accelerator.run(until: 10_000) == [.switchedOut(context: summer, cycle: 1_000, why: .reset)])
        #expect(!accelerator.hasWork(summer))
        accelerator.switchTo(summer)
        #expect(accelerator.run(until: 10_000) == [.switchedIn(context: summer, cycle: 2_000),
                                                   .switchedOut(context: summer, cycle: 2_000, why: .idle)])
    }
}
