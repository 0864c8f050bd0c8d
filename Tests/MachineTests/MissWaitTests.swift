// A miss completes when its line arrives (MissWait.swift): a store or atomic an L1D hit
// cannot serve answers "wait", changes nothing, and is performed when it issues again;
// transfers of one line are served in turn, half a transfer apart; loads are served at once.

@testable import Machine
import Testing

@Suite struct MissWaitTests {
    static func waitingSystem() throws -> MemorySystem {
        let system = try MemorySystemBehaviourTests.rig().system
        system.defersMisses = true
        return system
    }

    @Test func aStoreMissWaitsForItsLineAndIsDoneWhenItIssuesAgain() throws {
        let system = try Self.waitingSystem()
        let line = MemorySystemBehaviourTests.offset(line: 40)
        #expect(system.store(hart: 0, offset: line, size: 8, pc: 0, now: 1000) == MemorySystem.waitForLine | 100, "memory's latency, as a wait")
        #expect(system.l1dState(core: 0, offset: line) == .invalid, "nothing done yet")
        #expect(system.statistics.memoryReads == 0)
        #expect(system.store(hart: 0, offset: line, size: 8, pc: 0, now: 1100) == 2, "the line arrived: an L1D hit")
        #expect(system.l1dState(core: 0, offset: line) == .modified)
        #expect(system.store(hart: 0, offset: line, size: 8, pc: 0, now: 1101) == 2, "a hit never waits")
    }

    @Test func anAtomicWaitsAndALoadIsServedAtOnce() throws {
        let system = try Self.waitingSystem()
        let line = MemorySystemBehaviourTests.offset(line: 40)
        #expect(system.load(hart: 0, offset: line, size: 8, pc: 0, now: 10) == 100, "a load is priced and done as it issues")
        #expect(system.l1dState(core: 0, offset: line) == .exclusive)
        #expect(system.atomic(hart: 1, offset: line, size: 8, pc: 0, now: 20) == MemorySystem.waitForLine | 40, "from core 0's cache")
        #expect(system.l1dState(core: 0, offset: line) == .exclusive, "core 0 keeps it while the request travels")
        #expect(system.atomic(hart: 1, offset: line, size: 8, pc: 0, now: 60) == 2)
        #expect(system.l1dState(core: 0, offset: line) == .invalid && system.l1dState(core: 1, offset: line) == .modified)
    }

    @Test func transfersOfOneLineAreServedInTurnHalfATransferApart() throws {
        let system = try Self.waitingSystem()
        let line = MemorySystemBehaviourTests.offset(line: 40)
        _ = system.store(hart: 0, offset: line, size: 8, pc: 0, now: 0)
        _ = system.store(hart: 0, offset: line, size: 8, pc: 0, now: 100)
        #expect(system.l1dState(core: 0, offset: line) == .modified)
        // Core 2 asks at 2000: the line comes cache-to-cache at 2040.
        #expect(system.store(hart: 2, offset: line, size: 8, pc: 0, now: 2000) == MemorySystem.waitForLine | 40)
        // Core 3 asks a cycle later: served after core 2's transfer, half a transfer on (2060).
        #expect(system.store(hart: 3, offset: line, size: 8, pc: 0, now: 2001) == MemorySystem.waitForLine | 59)
        // Another line is not held up.
        let other = MemorySystemBehaviourTests.offset(line: 41)
        _ = system.store(hart: 1, offset: other, size: 8, pc: 0, now: 0)
        _ = system.store(hart: 1, offset: other, size: 8, pc: 0, now: 100)
        #expect(system.store(hart: 2, offset: other, size: 8, pc: 0, now: 2001) == MemorySystem.waitForLine | 40)
    }

    @Test func oneCoreOrNoCoherenceNeverWaits() throws {
        let machine = try Machine(configuration: {
            var configuration = MachineConfiguration()
            configuration.memoryHierarchy = MemoryPreset.core2.hierarchy
            return configuration
        }())
        #expect(machine.memorySystem?.defersMisses == false, "one core: nobody to take the line meanwhile")
        let twoCores = try Machine(configuration: {
            var configuration = MachineConfiguration()
            configuration.hartCount = 2
            configuration.memoryHierarchy = MemoryPreset.core2.hierarchy
            return configuration
        }())
        #expect(twoCores.memorySystem?.defersMisses == true)
        let incoherent = try Machine(configuration: {
            var configuration = MachineConfiguration()
            configuration.hartCount = 2
            var hierarchy = MemoryPreset.core2.hierarchy
            hierarchy.coherent = false
            configuration.memoryHierarchy = hierarchy
            return configuration
        }())
        #expect(incoherent.memorySystem?.defersMisses == false)
    }
}
