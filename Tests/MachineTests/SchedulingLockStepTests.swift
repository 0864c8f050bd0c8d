// The scheduling cache's turns (`runCachedTurns`, SchedulingCache.swift) against the
// reference scheduler (`scheduleBatch`, Stepping.swift), state by state: two machines run
// the same program, one with the cache, one with the reference, in the same random slices
// of a few instructions (so budgets end inside batches, and a batch left unfinished in
// `activeBatch` goes on in the next call), and after every slice every hart's registers,
// PC, cycles, retired instructions, the shared memory and the devices must be the same.
// The programs: timer ticks, IPIs, wfi, atomics, LR/SC and a racy counter in M-mode
// (MultiHartDifferentialTests), plain racing counters (MultiHartTests), and the bench's
// memory loop in U-mode with system calls to a host trap handler.

import Testing
@testable import Machine
@testable import MachineTools

@Suite struct SchedulingLockStepTests {
    typealias Setup = MultiHartDifferentialTests.Setup

    /// Runs `reference` and `cached` in the same slices (1 to `largestSlice`
    /// instructions, from `seed`) until both stop or `budget` runs out, comparing after
    /// every slice. Returns the number of slices compared.
    @discardableResult
    static func lockStep(_ reference: Machine, _ cached: Machine, seed: UInt64, largestSlice: UInt64,
                         budget: UInt64, _ context: String) -> Int {
        var random = SplitMix64(seed: seed)
        var total: UInt64 = 0, slices = 0
        while total < budget {
            let slice = 1 + random.next() % largestSlice
            let expected = reference.run(budget: slice)
            let stop = cached.run(budget: slice)
            total += slice
            slices += 1
            let a = MultiHartDifferentialTests.snapshot(reference, stop: expected)
            let b = MultiHartDifferentialTests.snapshot(cached, stop: stop)
            guard a == b else {
                Issue.record("slice \(slices) (\(total) instructions): reference \(a) / cached \(b); \(context)")
                break
            }
            if expected != .budgetExhausted && expected != .hostRequest { break }
        }
        return slices
    }

    static let setups: [Setup] = [
        Setup(harts: 2, granularity: 1), Setup(harts: 4, granularity: 1), Setup(harts: 3, granularity: 1, jitter: 2, seed: 5),
        Setup(harts: 4, granularity: 3), Setup(harts: 2, granularity: 3, jitter: 3, seed: 7),
        Setup(harts: 4, granularity: 1000), Setup(harts: 3, granularity: 1000, jitter: 4, seed: 11),
    ]

    @Test(arguments: setups)
    func interruptsLocksAndRacesStateByState(_ setup: Setup) throws {
        let elf = try MultiHartDifferentialTests.interruptProgram(harts: Int64(setup.harts), rounds: 60, period: 31)
        var machines: [Machine] = []
        for fast in [false, true] {
            let machine = try Machine(configuration: setup.configuration)
            machine.fastScheduling = fast
            try machine.load(ELFImage(bytes: elf))
            machines.append(machine)
        }
        Self.lockStep(machines[0], machines[1], seed: setup.seed, largestSlice: 40, budget: 400_000, "\(setup)")
        // The program ran to its end: every hart's atomic adds are in.
        #expect(MultiHartDifferentialTests.snapshot(machines[0], stop: nil).memory.prefix(8)
                    == [UInt8](littleEndian: UInt64(60 * setup.harts))[...], "atomic count, \(setup)")
    }

    @Test(arguments: [false, true])
    func racingCountersStateByState(_ atomic: Bool) throws {
        for (harts, granularity, seed) in [(2, 1, UInt64(1)), (4, 1, 2), (3, 2, 3), (4, 5, 4)] {
            var configuration = MachineConfiguration()
            configuration.hartCount = harts
            configuration.interleaveGranularity = granularity
            configuration.seed = seed
            let elf = try MultiHartTests.counterProgram(atomic: atomic, count: 300, harts: Int64(harts))
            var machines: [Machine] = []
            for fast in [false, true] {
                let machine = try Machine(configuration: configuration)
                machine.fastScheduling = fast
                try machine.load(ELFImage(bytes: elf))
                machines.append(machine)
            }
            let context = "\(harts) harts, granularity \(granularity), atomic \(atomic)"
            let slices = Self.lockStep(machines[0], machines[1], seed: seed, largestSlice: 25, budget: 100_000, context)
            #expect(slices > 100, "\(context)")
        }
    }

    /// The bench's memory loop (3 of 8 instructions touch memory) on every hart in U-mode,
    /// with write and exit handled on the host, in random slices.
    @Test(arguments: [Setup(harts: 4, granularity: 1), Setup(harts: 3, granularity: 1, jitter: 1, seed: 3), Setup(harts: 4, granularity: 7)])
    func userProgramsStateByState(_ setup: Setup) throws {
        var runtimes: [MinimalUserRuntime] = []
        for fast in [false, true] {
            let runtime = try MinimalUserRuntime(elf: ComputeBenchmark.memory.elf(iterations: 2), configuration: setup.configuration)
            runtime.machine.fastScheduling = fast
            runtimes.append(runtime)
        }
        Self.lockStep(runtimes[0].machine, runtimes[1].machine, seed: setup.seed, largestSlice: 60, budget: 200_000, "\(setup)")
        #expect(runtimes[0].output == runtimes[1].output && !runtimes[0].output.isEmpty, "\(setup)")
    }
}
