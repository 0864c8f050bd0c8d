// The kernel's fast paths (issue 17) against their references: a batch that goes on after
// a context switch (HostTrapResume.swift) against one that ends at every host trap, and
// the futex table's open-addressing index (FutexQueueTable.swift) against a dictionary.
// Both must give the same results: the same output, instructions, cycles, switches and
// trace, and the same queue for every key.

import Foundation
@testable import Kernel
@testable import Machine
import Testing
import Trace

@Suite struct KernelFastPathTests {
    /// Runs `elf` with a trace recorder; with `resumes` false no host trap continues its batch.
    static func run(_ elf: [UInt8], arguments: [String], configuration: KernelConfiguration, resumes: Bool)
        throws -> (output: [UInt8], statistics: KernelStatistics, events: [TraceEvent]) {
        let streams = CapturedStreams()
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: configuration.harts)
        let kernel = try Kernel(executable: elf, name: "program", arguments: arguments, configuration: configuration,
                                io: streams.io, trace: recorder)
        if !resumes { for hart in kernel.machine.harts { hart.hostTrapMayResume = false } }
        let ending = kernel.run()
        #expect(ending == .exited(status: 0))
        return (streams.output, kernel.statistics, recorder.log.events)
    }

    @Test("a batch that goes on after a switch gives the same run as one that ends at every trap",
          .needsGuestToolchain,
          arguments: [("Threads/ping-pong.swift", ["300"]), ("Bench/yields.swift", ["3", "200"]),
                      ("Bench/syscalls.swift", [String]())])
    func resumeAfterSwitch(_ program: String, _ arguments: [String]) throws {
        let elf = try GuestPrograms.build(program)
        var cooperative = KernelConfiguration()
        cooperative.scheduling = .cooperative
        var roundRobin = KernelConfiguration()
        roundRobin.scheduling = .roundRobin(sliceCycles: 20_000, tickCycles: nil)
        var switchCost = KernelConfiguration()
        switchCost.switchCost = 0   // the clock does not move: resumes as before
        for configuration in [cooperative, roundRobin, switchCost] {
            let fast = try Self.run(elf, arguments: arguments, configuration: configuration, resumes: true)
            let reference = try Self.run(elf, arguments: arguments, configuration: configuration, resumes: false)
            #expect(fast.output == reference.output)
            #expect(fast.statistics == reference.statistics)
            #expect(fast.events.count == reference.events.count)
            #expect(fast.events == reference.events)
            #expect(fast.statistics.contextSwitches > 0 || program.hasSuffix("syscalls.swift"))
        }
    }

    @Test("the futex index finds what a dictionary finds, through growth, removal and shrinking",
          arguments: [1, 2, 3, 4])
    func futexIndexAgainstDictionary(_ seed: UInt64) {
        var table = FutexQueueTable()
        var model: [FutexKey: FutexQueue] = [:]
        var random = SplitMix64(seed: seed)
        let owners = [FutexQueue(), FutexQueue()]   // kept alive: their identities stay distinct
        let spaces = owners.map { ObjectIdentifier($0) }
        // Few distinct words in a small range, so runs collide and removals shift entries back.
        func key() -> FutexKey {
            let address = (random.next() % 97) * 4
            switch random.next() % 3 {
            case 0: return .physical(address)
            case 1: return .addressSpace(spaces[0], address, shared: false)
            default: return .addressSpace(spaces[Int(random.next() % 2)], address, shared: true)
            }
        }
        for step in 0..<20_000 {
            let word = key()
            // Mostly inserts early, mostly removals late: the table grows, then shrinks.
            let inserting = random.next() % 100 < (step < 10_000 ? 70 : 30)
            if inserting, model[word] == nil {
                let queue = FutexQueue()
                table.insert(queue, for: word)
                model[word] = queue
            } else if !inserting {
                table.remove(word)
                model[word] = nil
            }
            #expect(table.count == model.count)
            if step % 97 == 0 {
                for probe in 0..<97 {
                    for candidate in [FutexKey.physical(UInt64(probe) * 4), .addressSpace(spaces[0], UInt64(probe) * 4, shared: false),
                                      .addressSpace(spaces[1], UInt64(probe) * 4, shared: true)] {
                        #expect(table[candidate] === model[candidate])
                    }
                }
            }
        }
        for word in Array(model.keys) { table.remove(word) }
        #expect(table.count == 0)
        #expect(table.queues.isEmpty)
    }
}
