// The accelerator's memory and its hostile callers: frames accounted per context and all
// freed by destroy, mappings refused whole (never half made), copies checked page by
// page, and every call given nonsense — unknown contexts, empty or gigantic launches,
// addresses and lengths past anything — answering no without crashing or hanging.

import Machine
import MachineTools
import Testing

@Suite("Accelerator: memory, limits and hostile arguments")
struct AcceleratorMemoryTests {
    static func device(lanes: Int = 4, memory: UInt64 = 16 << 20) throws -> Accelerator {
        var configuration = AcceleratorConfiguration()
        configuration.lanes = lanes
        configuration.memorySize = memory
        return try Accelerator(configuration: configuration)
    }

    static let page: UInt64 = 4096

    @Test("a context's frames: root, stack tables and pages, the return page; buffers add theirs; destroy frees every one")
    func destroyFreesMemory() throws {
        let accelerator = try Self.device()
        #expect(accelerator.memoryInUse == 0)
        let context = try #require(accelerator.createContext())
        // root; stacks: a middle table, two leaf tables (two stacks per 2 MiB), 4 × 4 pages; return page: 2 tables + 1.
        let bare: UInt64 = (1 + 1 + 2 + 16 + 2 + 1) * Self.page
        #expect(accelerator.statistics(of: context)?.memoryBytes == bare)
        #expect(accelerator.memoryInUse == bare)
        #expect(accelerator.map(context, at: AcceleratorLayout.bufferBase, bytes: 1 << 20, writable: true, executable: false))
        #expect(accelerator.memoryInUse == bare + (256 + 2) * Self.page)
        #expect(accelerator.write(context, at: AcceleratorLayout.bufferBase + 4000, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
        accelerator.unmap(context, at: AcceleratorLayout.bufferBase, bytes: 1 << 20)
        #expect(accelerator.memoryInUse == bare + 2 * Self.page)   // the tables stay until the context goes
        #expect(accelerator.read(context, at: AcceleratorLayout.bufferBase, count: 1) == nil)
        #expect(accelerator.map(context, at: AcceleratorLayout.bufferBase, bytes: 1 << 20, writable: true, executable: false))
        // Whichever frames came back, none holds a byte of what was written before.
        #expect(accelerator.read(context, at: AcceleratorLayout.bufferBase, count: 1 << 20)?.allSatisfy { $0 == 0 } == true)
        let other = try #require(accelerator.createContext())
        accelerator.destroyContext(context)
        #expect(accelerator.memoryInUse == bare)
        #expect(accelerator.statistics(of: context) == nil)
        accelerator.destroyContext(other)
        #expect(accelerator.memoryInUse == 0)
    }

    @Test("a context that holds the lanes is destroyed at once; its lanes stop and its memory is freed")
    func destroyOnLanes() throws {
        let accelerator = try Self.device(lanes: 2)
        let context = try #require(accelerator.createContext())
        try AcceleratorKernels.load(AcceleratorKernels.runaway(), into: context, on: accelerator)
        #expect(accelerator.submit(context, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 10, groupSize: 1, argument: 0)) == 1)
        accelerator.switchTo(context)
        _ = accelerator.run(until: 5_000)
        _ = accelerator.run(until: 5_000)
        accelerator.destroyContext(context)
        #expect(accelerator.contextOnLanes == nil)
        #expect(accelerator.memoryInUse == 0)
        #expect(accelerator.run(until: 9_000) == [.switchedOut(context: context, cycle: 5_000, why: .destroyed)])
        #expect(accelerator.run(until: 9_000) == [])
        #expect(accelerator.cycle == 9_000)
    }

    @Test("64 contexts at most, numbered round robin; a destroyed one makes room; a small memory refuses what does not fit and keeps no part")
    func limits() throws {
        let accelerator = try Self.device()
        var contexts: [Int] = []
        while let context = accelerator.createContext() { contexts.append(context) }
        #expect(contexts == Array(1...AcceleratorConfiguration.maximumContexts))
        accelerator.destroyContext(17)
        #expect(accelerator.createContext() == 17)
        // Round robin: after 17, the next free number up, then around.
        accelerator.destroyContext(10)
        accelerator.destroyContext(20)
        #expect(accelerator.createContext() == 20)
        #expect(accelerator.createContext() == 10)

        let small = try Self.device(lanes: 1, memory: 1 << 20)
        let context = try #require(small.createContext())
        let used = small.memoryInUse
        #expect(!small.map(context, at: AcceleratorLayout.bufferBase, bytes: 1 << 20, writable: true, executable: false))
        #expect(small.memoryInUse == used)
        #expect(small.map(context, at: AcceleratorLayout.bufferBase, bytes: 900 << 10, writable: true, executable: false))
        var made = 0
        while small.createContext() != nil { made += 1 }
        #expect(small.memoryInUse <= 1 << 20)
        #expect(made < 3)
    }

    @Test("map refuses unaligned, empty, overlapping, reserved and out-of-space ranges, and leaves nothing behind")
    func mapRefusals() throws {
        let accelerator = try Self.device()
        let context = try #require(accelerator.createContext())
        let base = AcceleratorLayout.bufferBase
        #expect(accelerator.map(context, at: base + 2 * Self.page, bytes: Self.page, writable: true, executable: false))
        let used = accelerator.memoryInUse
        let refused: [(UInt64, UInt64)] = [
            (base + 1, Self.page), (base, 0), (base, 3 * Self.page), (base + 2 * Self.page, 1),
            (AcceleratorLayout.reservedBase - Self.page, 2 * Self.page), (AcceleratorLayout.stackBase, Self.page),
            (AcceleratorLayout.returnAddress, Self.page), (AcceleratorLayout.userLimit, Self.page), (1 << 63, Self.page),
            (base, .max), (.max & ~(Self.page - 1), Self.page), (0, AcceleratorLayout.userLimit), (base, 1 << 40),
        ]
        for (address, bytes) in refused {
            #expect(!accelerator.map(context, at: address, bytes: bytes, writable: true, executable: true),
                    "0x\(String(address, radix: 16)) + \(bytes)")
        }
        #expect(accelerator.memoryInUse == used)
        #expect(accelerator.read(context, at: base, count: 1) == nil)   // no first page left from the overlapping try
        #expect(accelerator.read(context, at: base + Self.page, count: 1) == nil)
        for number in [0, -1, 65, Int.max, Int.min] {
            #expect(!accelerator.map(number, at: base, bytes: Self.page, writable: true, executable: false))
        }
        // The page right below the reserved space is fine.
        #expect(accelerator.map(context, at: AcceleratorLayout.reservedBase - Self.page, bytes: Self.page, writable: true, executable: false))
    }

    @Test("copies are checked page by page: a copy that runs off its mapping does nothing; the device's pages are read-only to it")
    func copyBounds() throws {
        let accelerator = try Self.device()
        let context = try #require(accelerator.createContext())
        let base = AcceleratorLayout.bufferBase
        #expect(accelerator.map(context, at: base, bytes: 2 * Self.page, writable: true, executable: false))
        let across = [UInt8](repeating: 0xAB, count: 8192)
        #expect(accelerator.write(context, at: base + 10, across) == false)
        #expect(accelerator.read(context, at: base, count: 8192) == Array(repeating: 0, count: 8192))
        #expect(accelerator.write(context, at: base + 4090, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))   // across two mapped pages
        #expect(accelerator.read(context, at: base + 4090, count: 12) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(accelerator.read(context, at: base + 8190, count: 3) == nil)
        #expect(accelerator.read(context, at: base, count: -1) == nil)
        #expect(accelerator.read(context, at: base, count: .max) == nil)
        #expect(accelerator.read(context, at: .max, count: 1) == nil)
        #expect(accelerator.write(context, at: .max, [1]) == false)
        #expect(accelerator.write(context, at: AcceleratorLayout.returnAddress, [0]) == false)
        #expect(accelerator.write(context, at: AcceleratorLayout.stackTop(lane: 0) - 8, [0]) == false)
        #expect(accelerator.read(context, at: AcceleratorLayout.returnAddress, count: 4) == [0x73, 0, 0, 0])
        #expect(accelerator.read(99, at: base, count: 1) == nil)
        #expect(accelerator.write(0, at: base, [1]) == false)
        #expect(accelerator.write(context, at: base, []) && accelerator.read(context, at: base, count: 0) == [])
    }

    @Test("hostile calls: unknown contexts, malformed launches, a full queue, 2^40 items, entry 0, a clock asked to go back")
    func hostileCalls() throws {
        let accelerator = try Self.device(lanes: 2)
        let launch = AcceleratorLaunch(entry: AcceleratorLayout.returnAddress, items: 1 << 40, groupSize: 1 << 20, argument: .max)
        for number in [0, -1, 65, Int.max, Int.min] {
            #expect(accelerator.submit(number, launch) == nil)
            #expect(!accelerator.hasWork(number))
            #expect(accelerator.statistics(of: number) == nil)
            accelerator.switchTo(number)
            accelerator.reset(number)
            accelerator.destroyContext(number)
            accelerator.unmap(number, at: 0, bytes: .max)
        }
        #expect(accelerator.contextOnLanes == nil)
        accelerator.requestPreemption()   // nobody on the lanes: nothing to do
        #expect(!accelerator.preemptionPending)

        let context = try #require(accelerator.createContext())
        accelerator.unmap(context, at: 0, bytes: .max)   // the device's own pages stay
        #expect(accelerator.read(context, at: AcceleratorLayout.returnAddress, count: 4) == [0x73, 0, 0, 0])
        #expect(accelerator.submit(context, AcceleratorLaunch(entry: 0, items: 0, groupSize: 1, argument: 0)) == nil)
        #expect(accelerator.submit(context, AcceleratorLaunch(entry: 0, items: 1, groupSize: 0, argument: 0)) == nil)
        // Items that are just the return page's ecall: counted, never listed.
        #expect(accelerator.submit(context, launch) == 1)
        for number in 2...AcceleratorConfiguration.maximumQueuedLaunches {
            #expect(accelerator.submit(context, launch) == UInt64(number))
        }
        #expect(accelerator.submit(context, launch) == nil)
        accelerator.switchTo(context)
        #expect(accelerator.run(until: 100_000).first == .switchedIn(context: context, cycle: 1_000))
        #expect(accelerator.run(until: 100_000) == [])
        #expect(accelerator.cycle == 100_000)
        let statistics = try #require(accelerator.statistics(of: context))
        #expect(statistics.items == 2 * 99_000)   // one cycle each, on both lanes
        #expect(statistics.workGroups == 1)
        #expect(accelerator.run(until: 0) == [])
        #expect(accelerator.cycle == 100_000)
        accelerator.reset(context)
        #expect(accelerator.run(until: 100_000) == [.switchedOut(context: context, cycle: 100_000, why: .reset)])

        // The whole range of items and groups, at an entry that is not mapped: a clean fault.
        #expect(accelerator.submit(context, AcceleratorLaunch(entry: 0, items: .max, groupSize: .max, argument: .max)) == 257)
        accelerator.switchTo(context)
        let events = accelerator.runUntilSwitchedOut()
        guard case .faulted(let report, _)? = events.dropFirst().first else {
            Issue.record("no fault: \(events)")
            return
        }
        #expect(report.pc == 0 && report.address == 0 && report.cause == 12 && report.instructionBits == nil)
        #expect(report.reason == "instruction page fault: 0x0 is not mapped in context \(context)")
        #expect(events.last?.switchOutReason == .faulted)
    }

    @Test("the configuration's limits are checked with a sentence that says what is accepted")
    func configurationLimits() {
        var configuration = AcceleratorConfiguration()
        configuration.lanes = 0
        #expect(throws: MachineError("the accelerator has 1 to 64 lanes, not 0")) { try Accelerator(configuration: configuration) }
        configuration = AcceleratorConfiguration()
        configuration.memorySize = 4097
        #expect(throws: MachineError.self) { try Accelerator(configuration: configuration) }
    }

    @Test("the largest device (64 lanes, 1 GiB) is made at once and runs; a machine configured with one has it")
    func largestDevice() throws {
        var configuration = AcceleratorConfiguration()
        configuration.lanes = AcceleratorConfiguration.maximumLanes
        configuration.memorySize = AcceleratorConfiguration.maximumMemory
        let accelerator = try Accelerator(configuration: configuration)
        let context = try #require(accelerator.createContext())
        try AcceleratorKernels.load(AcceleratorKernels.vectorAdd(), into: context, on: accelerator)
        #expect(accelerator.map(context, at: AcceleratorKernels.buffer, bytes: 0x6000, writable: true, executable: false))
        #expect(accelerator.submit(context, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: 640, groupSize: 64,
                                                              argument: AcceleratorKernels.buffer)) == 1)
        accelerator.switchTo(context)
        #expect(accelerator.runUntilSwitchedOut().contains(.completed(context: context, submission: 1, cycle: 1_000 + 10 * 12)))

        var machineConfiguration = MachineConfiguration()
        #expect(try Machine(configuration: machineConfiguration).accelerator == nil)
        machineConfiguration.accelerator = AcceleratorConfiguration()
        #expect(try Machine(configuration: machineConfiguration).accelerator?.configuration.lanes == 4)
    }
}
